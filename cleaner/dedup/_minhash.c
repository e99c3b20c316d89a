/* MinHash signatures and exact set intersections in C.
 *
 * MinHash signatures: cleaner.dedup.minhash.MinHasher uses this for its default
 * permutations ("affine32") when it is built, and numpy when it is not; the integers
 * are the same either way.
 *
 * affine32(values, indptr, a, b, out): for each document d, the shingle hashes
 * values[indptr[d]:indptr[d + 1]] (uint32), and each permutation j, out[d * P + j] =
 * min over the shingles of a[j] * fmix32(h) + b[j] mod 2**32, P = len(a). A document
 * with no shingle keeps what out held (the caller fills it with 2**32 - 1). One pass
 * over the shingles, the document's row of minima kept in cache, where numpy writes
 * the P x shingles matrix of permuted hashes and reads it again to take the minima.
 *
 * Intersections: cleaner.dedup.verify.exact_intersection uses this when it is built.
 * intersections(values, indptr, a, b, out[, need]): out[k] = the size of the
 * intersection of sets a[k] and b[k] (int64), set d being the sorted unique uint32
 * hashes values[indptr[d]:indptr[d + 1]]. Two sets are merged in step, or, when one is
 * 16 or more times the other, each hash of the small one is searched for in the large
 * one; numpy tags every hash of both sets with its pair and searches one array in the
 * other. With need (int64 per pair), a pair stops as soon as need[k] can no longer be
 * reached, and out[k] is then some count below need[k]; a count of need[k] or more is
 * exact. A caller that only asks "at least need?" of most pairs saves the rest.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static inline uint32_t
fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

/* the minima of one document's row: AVX2 multiplies and takes the minima of eight lanes
 * at once where the machine has it (chosen when the module loads), SSE2 four with
 * emulated instructions elsewhere; the same integers either way */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
row_minima(const uint32_t *hs, int64_t lo, int64_t hi, const uint32_t *pa, const uint32_t *pb,
           uint32_t *row, Py_ssize_t perms)
{
    for (Py_ssize_t j = 0; j < perms; j++)
        row[j] = UINT32_MAX;
    for (int64_t k = lo; k < hi; k++) {
        uint32_t f = fmix32(hs[k]);
        for (Py_ssize_t j = 0; j < perms; j++) {
            uint32_t v = pa[j] * f + pb[j];
            row[j] = v < row[j] ? v : row[j];
        }
    }
}

/* whether indptr[0:sets + 1] rises within count values; if not, a ValueError naming fn */
static int
rises_within(const int64_t *ptr, Py_ssize_t sets, Py_ssize_t count, const char *fn)
{
    for (Py_ssize_t d = 0; d <= sets; d++) {
        if (ptr[d] < 0 || ptr[d] > count || (d && ptr[d] < ptr[d - 1])) {
            PyErr_Format(PyExc_ValueError, "%s: indptr must rise within values", fn);
            return 0;
        }
    }
    return 1;
}

/* release the views a call parsed (one it did not fill holds no object: nothing to do) */
static void
release(Py_buffer *views, int n)
{
    for (int i = 0; i < n; i++)
        PyBuffer_Release(&views[i]);
}

static PyObject *
affine32(PyObject *self, PyObject *args)
{
    Py_buffer views[5] = {{0}};
    Py_buffer *values = &views[0], *indptr = &views[1], *a = &views[2], *b = &views[3],
              *out = &views[4];
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*", values, indptr, a, b, out))
        return NULL;
    Py_ssize_t count = values->len / 4, docs = indptr->len / 8 - 1, perms = a->len / 4;
    if (values->len % 4 || indptr->len % 8 || docs < 0 || a->len % 4 || a->len != b->len ||
        out->len != docs * perms * 4) {
        PyErr_SetString(PyExc_ValueError,
                        "affine32: values uint32, indptr int64, a and b uint32 of one length, "
                        "out uint32 of len(indptr) - 1 rows of len(a)");
        goto done;
    }
    const int64_t *ptr = indptr->buf;
    if (!rises_within(ptr, docs, count, "affine32"))
        goto done;
    {
        const uint32_t *hs = values->buf, *pa = a->buf, *pb = b->buf;
        uint32_t *rows = out->buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t d = 0; d < docs; d++) {
            if (ptr[d] < ptr[d + 1])
                row_minima(hs, ptr[d], ptr[d + 1], pa, pb, rows + d * perms, perms);
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release(views, 5);
    return result;
}

/* how many of the sorted unique xs[0:nx] are in the sorted unique ys[0:ny]; once fewer
 * than need can be found, any count below need (pass need <= 0 for the exact count) */
static int64_t
intersect_sorted(const uint32_t *xs, int64_t nx, const uint32_t *ys, int64_t ny, int64_t need)
{
    int64_t found = 0;
    if (nx > ny) {
        const uint32_t *t = xs;
        xs = ys;
        ys = t;
        int64_t n = nx;
        nx = ny;
        ny = n;
    }
    /* a side's hashes that found no match, past its slack, leave fewer than need */
    int64_t slack_x = nx - need, slack_y = ny - need;
    if (slack_x < 0)
        return 0; /* the smaller set is smaller than need */
    if (nx * 16 <= ny) { /* a few hashes against many: search each, left to right */
        int64_t lo = 0;
        for (int64_t i = 0; i < nx && lo < ny; i++) {
            uint32_t x = xs[i];
            int64_t hi = ny;
            while (lo < hi) {
                int64_t mid = lo + (hi - lo) / 2;
                if (ys[mid] < x)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < ny && ys[lo] == x) {
                found++;
                lo++;
            } else if (i + 1 - found > slack_x) {
                return found;
            }
        }
        return found;
    }
    int64_t i = 0, j = 0;
    while (i < nx && j < ny) {
        /* 32 steps without branches on the data (both sides step on ties), then a look
         * at whether need can still be reached */
        for (int step = 0; step < 32 && i < nx && j < ny; step++) {
            uint32_t x = xs[i], y = ys[j];
            found += x == y;
            i += x <= y;
            j += y <= x;
        }
        if (i - found > slack_x || j - found > slack_y)
            return found;
    }
    return found;
}

static PyObject *
intersections(PyObject *self, PyObject *args)
{
    Py_buffer views[6] = {{0}};
    Py_buffer *values = &views[0], *indptr = &views[1], *a = &views[2], *b = &views[3],
              *out = &views[4], *need = &views[5];
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*|y*", values, indptr, a, b, out, need))
        return NULL;
    Py_ssize_t count = values->len / 4, sets = indptr->len / 8 - 1, pairs = a->len / 8;
    if (values->len % 4 || indptr->len % 8 || sets < 0 || a->len % 8 || a->len != b->len ||
        out->len != a->len || (need->buf != NULL && need->len != a->len)) {
        PyErr_SetString(PyExc_ValueError,
                        "intersections: values uint32, indptr int64, a, b, out (and need) "
                        "int64 of one length");
        goto done;
    }
    const int64_t *ptr = indptr->buf, *pa = a->buf, *pb = b->buf;
    if (!rises_within(ptr, sets, count, "intersections"))
        goto done;
    for (Py_ssize_t k = 0; k < pairs; k++) {
        if (pa[k] < 0 || pa[k] >= sets || pb[k] < 0 || pb[k] >= sets) {
            PyErr_SetString(PyExc_IndexError, "intersections: a set index out of range");
            goto done;
        }
    }
    {
        const uint32_t *hs = values->buf;
        const int64_t *bound = need->buf;
        int64_t *sizes = out->buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t k = 0; k < pairs; k++) {
            int64_t x = pa[k], y = pb[k];
            sizes[k] = intersect_sorted(hs + ptr[x], ptr[x + 1] - ptr[x], hs + ptr[y],
                                        ptr[y + 1] - ptr[y], bound ? bound[k] : 0);
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release(views, 6);
    return result;
}

static PyMethodDef methods[] = {
    {"affine32", affine32, METH_VARARGS,
     "affine32(values, indptr, a, b, out): each document's MinHash signature under "
     "h -> a * fmix32(h) + b mod 2**32, into out (documents by permutations)."},
    {"intersections", intersections, METH_VARARGS,
     "intersections(values, indptr, a, b, out[, need]): out[k] = |set a[k] & set b[k]| for "
     "the sorted unique sets values[indptr[d]:indptr[d + 1]]; with need, a count below "
     "need[k] may stop early at any value below it."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_minhash", "MinHash signatures and exact set intersections in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__minhash(void)
{
    return PyModule_Create(&module);
}
