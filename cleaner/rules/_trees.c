/* The line model's trees, walked in C: cleaner.rules.model.Trees uses this when it is
 * built and its numpy scorer when it is not; both reach the same leaves.
 *
 * The nodes come laid out by Trees (cleaner/rules/model.py) so that a walk needs no
 * branch: the two children of a split are neighbours, so the next node is
 * child[k] + !(x <= threshold[k]) (a NaN goes right, as in numpy's x <= t), and a
 * leaf's child is a pair of copies of itself that point back at the pair, so every row
 * of a tree can take the tree's depth in steps. The rows of a block are walked side by
 * side, so the loads of one row's walk overlap those of the others.
 *
 * leaves(x, width, feature, child, threshold, value, roots, depths, out) writes, for
 * each of the n = len(x) / width rows of x and each tree t, the value of the leaf the
 * row reaches in tree t to out[row * trees + t]. Buffers: x, threshold, value and out
 * float64; feature, child, roots and depths int64. The caller checks that indices are
 * in range (Trees does, once per model and per call).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define BLOCK 64 /* rows walked side by side */

static int
check(Py_buffer *b, Py_ssize_t item, const char *name)
{
    if (b->len % item != 0) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of items", name,
                     b->len);
        return -1;
    }
    return 0;
}

static PyObject *
leaves(PyObject *self, PyObject *args)
{
    Py_buffer x, feature, child, threshold, value, roots, depths, out;
    Py_ssize_t width;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*ny*y*y*y*y*y*w*", &x, &width, &feature, &child, &threshold,
                          &value, &roots, &depths, &out))
        return NULL;
    Py_ssize_t n = 0, trees = roots.len / (Py_ssize_t)sizeof(int64_t);
    if (check(&x, sizeof(double), "x") || check(&feature, sizeof(int64_t), "feature") ||
        check(&child, sizeof(int64_t), "child") || check(&threshold, sizeof(double), "threshold") ||
        check(&value, sizeof(double), "value") || check(&roots, sizeof(int64_t), "roots") ||
        check(&depths, sizeof(int64_t), "depths") || check(&out, sizeof(double), "out"))
        goto done;
    if (width <= 0 || (x.len / (Py_ssize_t)sizeof(double)) % width != 0) {
        PyErr_SetString(PyExc_ValueError, "x is not a whole number of rows of width");
        goto done;
    }
    n = x.len / (Py_ssize_t)sizeof(double) / width;
    if (depths.len != roots.len || out.len != n * trees * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "out must hold one value per row and tree");
        goto done;
    }
    {
        const double *xs = x.buf, *thr = threshold.buf, *val = value.buf;
        const int64_t *feat = feature.buf, *kid = child.buf, *root = roots.buf,
                      *depth = depths.buf;
        double *dst = out.buf;
        int64_t node[BLOCK];
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t start = 0; start < n; start += BLOCK) {
            Py_ssize_t rows = n - start < BLOCK ? n - start : BLOCK;
            const double *base = xs + start * width;
            for (Py_ssize_t t = 0; t < trees; t++) {
                for (Py_ssize_t r = 0; r < rows; r++)
                    node[r] = root[t];
                for (int64_t step = 0; step < depth[t]; step++) {
                    for (Py_ssize_t r = 0; r < rows; r++) {
                        int64_t k = node[r];
                        node[r] = kid[k] + !(base[r * width + feat[k]] <= thr[k]);
                    }
                }
                for (Py_ssize_t r = 0; r < rows; r++)
                    dst[(start + r) * trees + t] = val[node[r]];
            }
        }
        Py_END_ALLOW_THREADS
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&x);
    PyBuffer_Release(&feature);
    PyBuffer_Release(&child);
    PyBuffer_Release(&threshold);
    PyBuffer_Release(&value);
    PyBuffer_Release(&roots);
    PyBuffer_Release(&depths);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"leaves", leaves, METH_VARARGS,
     "leaves(x, width, feature, child, threshold, value, roots, depths, out): the leaf value "
     "each row of x reaches in each tree, into out (row-major, rows by trees)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_trees", "The line model's trees, walked in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__trees(void)
{
    return PyModule_Create(&module);
}
