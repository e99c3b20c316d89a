/* A line's counts for the line model, read in one pass in C: cleaner.rules.features
 * uses this for ASCII lines when it is built, and its Python path when it is not or
 * the line holds other characters; both give the same numbers.
 *
 * ascii_line(text, classes, flags, vocab) reads an ASCII str and returns
 *   (words, capitalised words, word characters, alpha, digit, alnum, space,
 *    stopwords, link words, shop words, (lex_mean, lex_min, lex_max, lex_cover)).
 * classes: 128 bytes, one per ASCII character, of the bits below, which the caller
 * fills from str's own tests and the \w of its regexes, so the two paths cannot differ
 * on what a letter is. A word is a run of WORD characters; it is capitalised when its
 * first character is UPPER. flags maps a lower-cased word to the lists it is in (1 a
 * stopword, 2 a link word, 4 a shop word); each occurrence counts. vocab (a dict, or
 * None for none) maps a word to its keep log-odds: over the distinct lower-cased words
 * of two or more letters (ALPHA characters only), the mean (math.fsum, exactly
 * rounded), min and max of the values of those in vocab, and how many of them are.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define ALPHA 1
#define DIGIT 2
#define ALNUM 4
#define SPACE 8
#define WORD 16
#define UPPER 32
#define MAX_WORD 256 /* longer words are lower-cased in a buffer of their own */

static PyObject *fsum; /* math.fsum */

/* The values vocab gives the words of distinct (a dict used as an ordered set), as
 * (mean, min, max, cover). */
static PyObject *
lexical(PyObject *distinct, PyObject *vocab)
{
    Py_ssize_t pos = 0, total = PyDict_GET_SIZE(distinct);
    PyObject *key, *unused, *vals = PyList_New(0), *sum = NULL, *result = NULL;
    double lo = 0.0, hi = 0.0;
    if (vals == NULL)
        return NULL;
    while (PyDict_Next(distinct, &pos, &key, &unused)) {
        PyObject *val = PyDict_GetItemWithError(vocab, key);
        if (val == NULL) {
            if (PyErr_Occurred())
                goto done;
            continue;
        }
        double v = PyFloat_AsDouble(val);
        if (v == -1.0 && PyErr_Occurred())
            goto done;
        if (PyList_GET_SIZE(vals) == 0 || v < lo)
            lo = v;
        if (PyList_GET_SIZE(vals) == 0 || v > hi)
            hi = v;
        if (PyList_Append(vals, val) < 0)
            goto done;
    }
    Py_ssize_t found = PyList_GET_SIZE(vals);
    if (found == 0) {
        result = Py_BuildValue("(dddd)", 0.0, 0.0, 0.0, 0.0);
        goto done;
    }
    sum = PyObject_CallOneArg(fsum, vals);
    if (sum == NULL)
        goto done;
    result = Py_BuildValue("(dddd)", PyFloat_AS_DOUBLE(sum) / (double)found, lo, hi,
                           (double)found / (double)total);
done:
    Py_DECREF(vals);
    Py_XDECREF(sum);
    return result;
}

static PyObject *
ascii_line(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "ascii_line(text, classes, flags, vocab)");
        return NULL;
    }
    PyObject *text = args[0], *classes = args[1], *flags = args[2], *vocab = args[3];
    if (!PyUnicode_Check(text) || !PyUnicode_IS_ASCII(text)) {
        PyErr_SetString(PyExc_ValueError, "text must be an ASCII str");
        return NULL;
    }
    if (!PyBytes_Check(classes) || PyBytes_GET_SIZE(classes) != 128 || !PyDict_Check(flags) ||
        (vocab != Py_None && !PyDict_Check(vocab))) {
        PyErr_SetString(PyExc_TypeError, "classes: 128 bytes; flags: a dict; vocab: a dict or None");
        return NULL;
    }
    const unsigned char *cls = (const unsigned char *)PyBytes_AS_STRING(classes);
    const unsigned char *s = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    Py_ssize_t count[7] = {0}; /* words, capitalised, word chars, alpha, digit, alnum, space */
    Py_ssize_t listed[3] = {0}; /* stopwords, link words, shop words */
    PyObject *distinct = NULL, *lex = NULL, *result = NULL;
    char small[MAX_WORD];
    char *low = small;
    if (vocab != Py_None && (distinct = PyDict_New()) == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < len; i++) {
        unsigned char c = cls[s[i]];
        count[3] += (c & ALPHA) != 0;
        count[4] += (c & DIGIT) != 0;
        count[5] += (c & ALNUM) != 0;
        count[6] += (c & SPACE) != 0;
    }
    for (Py_ssize_t i = 0; i < len;) {
        if (!(cls[s[i]] & WORD)) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        int letters = 1;
        while (i < len && (cls[s[i]] & WORD))
            i++;
        Py_ssize_t size = i - start;
        count[0]++;
        count[1] += (cls[s[start]] & UPPER) != 0;
        count[2] += size;
        if (size > MAX_WORD) {
            low = PyMem_Malloc(size);
            if (low == NULL) {
                PyErr_NoMemory();
                goto done;
            }
        }
        for (Py_ssize_t k = 0; k < size; k++) {
            unsigned char ch = s[start + k];
            low[k] = (char)((cls[ch] & UPPER) ? ch + ('a' - 'A') : ch);
            letters &= (cls[ch] & ALPHA) != 0;
        }
        PyObject *word = PyUnicode_FromStringAndSize(low, size);
        if (low != small) {
            PyMem_Free(low);
            low = small;
        }
        if (word == NULL)
            goto done;
        PyObject *bits = PyDict_GetItemWithError(flags, word);
        if (bits != NULL) {
            long b = PyLong_AsLong(bits);
            if (b == -1 && PyErr_Occurred()) {
                Py_DECREF(word);
                goto done;
            }
            listed[0] += (b & 1) != 0;
            listed[1] += (b & 2) != 0;
            listed[2] += (b & 4) != 0;
        }
        else if (PyErr_Occurred()) {
            Py_DECREF(word);
            goto done;
        }
        if (distinct != NULL && letters && size > 1 &&
            PyDict_SetItem(distinct, word, Py_None) < 0) {
            Py_DECREF(word);
            goto done;
        }
        Py_DECREF(word);
    }
    if (distinct == NULL || PyDict_GET_SIZE(distinct) == 0)
        lex = Py_BuildValue("(dddd)", 0.0, 0.0, 0.0, 0.0);
    else
        lex = lexical(distinct, vocab);
    if (lex == NULL)
        goto done;
    result = Py_BuildValue("(nnnnnnnnnnO)", count[0], count[1], count[2], count[3], count[4],
                           count[5], count[6], listed[0], listed[1], listed[2], lex);
done:
    Py_XDECREF(distinct);
    Py_XDECREF(lex);
    return result;
}

static PyMethodDef methods[] = {
    {"ascii_line", (PyCFunction)(void (*)(void))ascii_line, METH_FASTCALL,
     "ascii_line(text, classes, flags, vocab): a line's word and character counts, the "
     "words of each list among them, and its word-prior columns (see the module source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_lines", "A line's counts for the line model, in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__lines(void)
{
    PyObject *math = PyImport_ImportModule("math");
    if (math == NULL)
        return NULL;
    fsum = PyObject_GetAttrString(math, "fsum");
    Py_DECREF(math);
    if (fsum == NULL)
        return NULL;
    return PyModule_Create(&module);
}
