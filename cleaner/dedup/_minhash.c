/* MinHash signatures in C: cleaner.dedup.minhash.MinHasher uses this for its default
 * permutations ("affine32") when it is built, and numpy when it is not; the integers
 * are the same either way.
 *
 * affine32(values, indptr, a, b, out): for each document d, the shingle hashes
 * values[indptr[d]:indptr[d + 1]] (uint32), and each permutation j, out[d * P + j] =
 * min over the shingles of a[j] * fmix32(h) + b[j] mod 2**32, P = len(a). A document
 * with no shingle keeps what out held (the caller fills it with 2**32 - 1). One pass
 * over the shingles, the document's row of minima kept in cache, where numpy writes
 * the P x shingles matrix of permuted hashes and reads it again to take the minima.
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

static PyObject *
affine32(PyObject *self, PyObject *args)
{
    Py_buffer values, indptr, a, b, out;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*", &values, &indptr, &a, &b, &out))
        return NULL;
    Py_ssize_t count = values.len / 4, docs = indptr.len / 8 - 1, perms = a.len / 4;
    if (values.len % 4 || indptr.len % 8 || docs < 0 || a.len % 4 || a.len != b.len ||
        out.len != docs * perms * 4) {
        PyErr_SetString(PyExc_ValueError,
                        "affine32: values uint32, indptr int64, a and b uint32 of one length, "
                        "out uint32 of len(indptr) - 1 rows of len(a)");
        goto done;
    }
    const int64_t *ptr = indptr.buf;
    for (Py_ssize_t d = 0; d <= docs; d++) {
        if (ptr[d] < 0 || ptr[d] > count || (d && ptr[d] < ptr[d - 1])) {
            PyErr_SetString(PyExc_ValueError, "affine32: indptr must rise within values");
            goto done;
        }
    }
    {
        const uint32_t *hs = values.buf, *pa = a.buf, *pb = b.buf;
        uint32_t *rows = out.buf;
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
    PyBuffer_Release(&values);
    PyBuffer_Release(&indptr);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"affine32", affine32, METH_VARARGS,
     "affine32(values, indptr, a, b, out): each document's MinHash signature under "
     "h -> a * fmix32(h) + b mod 2**32, into out (documents by permutations)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_minhash", "MinHash signatures in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__minhash(void)
{
    return PyModule_Create(&module);
}
