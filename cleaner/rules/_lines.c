/* A line's counts for the line model, read in one pass in C: cleaner.rules.features
 * uses this when it is built and its Python path when it is not; both give the same
 * numbers.
 *
 * line_counts(text, flags, vocab) returns
 *   (words, capitalised words, word characters, alpha, digit, alnum, space,
 *    stopwords, link words, shop words, (lex_mean, lex_min, lex_max, lex_cover)).
 * A character is tested as str tests it (str.isalpha and the others are these same
 * Py_UNICODE_IS* tests, one character at a time). A word is a run of the characters
 * the \w of Python's re takes (alnum or "_"), and counts as capitalised when its first
 * character is upper case; word characters are counted in code points. flags maps a
 * lower-cased word (str.lower) to the lists it is in (1 a stopword, 2 a link word, 4 a
 * shop word); each occurrence counts. vocab (a dict, or None for none) maps a word to
 * its keep log-odds: over the distinct lower-cased words of two or more characters,
 * all alpha, the mean (math.fsum, exactly rounded), min and max of the values of those
 * in vocab, and how many of them are.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define ALPHA 1
#define DIGIT 2
#define ALNUM 4
#define SPACE 8
#define WORD 16
#define UPPER 32
#define MAX_WORD 256 /* longer ASCII words are lower-cased in a buffer of their own */

static PyObject *fsum;           /* math.fsum */
static unsigned char ascii[128]; /* the bits above for each ASCII character */

/* The bits above for one character, as str and re test it. */
static int
classify(Py_UCS4 ch)
{
    int alnum = Py_UNICODE_ISALNUM(ch);
    return (Py_UNICODE_ISALPHA(ch) ? ALPHA : 0) | (Py_UNICODE_ISDIGIT(ch) ? DIGIT : 0) |
           (alnum ? ALNUM : 0) | (alnum || ch == '_' ? WORD : 0) |
           (Py_UNICODE_ISSPACE(ch) ? SPACE : 0) | (Py_UNICODE_ISUPPER(ch) ? UPPER : 0);
}

static int
bits(Py_UCS4 ch)
{
    return ch < 128 ? ascii[ch] : classify(ch);
}

/* Add a character's classes to the alpha, digit, alnum and space counts. */
static void
tally(Py_ssize_t *classes, int b)
{
    classes[0] += (b & ALPHA) != 0;
    classes[1] += (b & DIGIT) != 0;
    classes[2] += (b & ALNUM) != 0;
    classes[3] += (b & SPACE) != 0;
}

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
        Py_INCREF(val); /* held: a value that is not a float runs code to convert */
        double v = PyFloat_AsDouble(val);
        int failed = (v == -1.0 && PyErr_Occurred()) || PyList_Append(vals, val) < 0;
        Py_DECREF(val);
        if (failed)
            goto done;
        if (PyList_GET_SIZE(vals) == 1 || v < lo)
            lo = v;
        if (PyList_GET_SIZE(vals) == 1 || v > hi)
            hi = v;
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

/* The word text[start:end] lower-cased as str.lower does it (a new reference). */
static PyObject *
lower(PyObject *text, int kind, const void *data, Py_ssize_t start, Py_ssize_t end,
      int is_ascii)
{
    Py_ssize_t size = end - start;
    if (!is_ascii) {
        PyObject *word = PyUnicode_Substring(text, start, end);
        if (word == NULL)
            return NULL;
        PyObject *low = PyObject_CallMethod(word, "lower", NULL);
        Py_DECREF(word);
        return low;
    }
    char small[MAX_WORD], *buf = small;
    if (size > MAX_WORD && (buf = PyMem_Malloc(size)) == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < size; k++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, start + k);
        buf[k] = (char)((ascii[ch] & UPPER) ? ch + ('a' - 'A') : ch);
    }
    PyObject *low = PyUnicode_FromStringAndSize(buf, size);
    if (buf != small)
        PyMem_Free(buf);
    return low;
}

static PyObject *
line_counts(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "line_counts(text, flags, vocab)");
        return NULL;
    }
    PyObject *text = args[0], *flags = args[1], *vocab = args[2];
    if (!PyUnicode_Check(text) || !PyDict_Check(flags) ||
        (vocab != Py_None && !PyDict_Check(vocab))) {
        PyErr_SetString(PyExc_TypeError, "text: a str; flags: a dict; vocab: a dict or None");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0) /* a str made by the old C API, on Python 3.11 */
        return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    Py_ssize_t count[7] = {0}; /* words, capitalised, word chars, alpha, digit, alnum, space */
    Py_ssize_t listed[3] = {0}; /* stopwords, link words, shop words */
    PyObject *distinct = NULL, *lex = NULL, *result = NULL;
    if (vocab != Py_None && (distinct = PyDict_New()) == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < len;) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        int b = bits(ch);
        tally(count + 3, b);
        if (!(b & WORD)) {
            i++;
            continue;
        }
        /* a word: this character and the word characters after it */
        Py_ssize_t start = i;
        int letters = (b & ALPHA) != 0, is_ascii = ch < 128;
        count[0]++;
        count[1] += (b & UPPER) != 0;
        for (i++; i < len; i++) {
            ch = PyUnicode_READ(kind, data, i);
            b = bits(ch);
            if (!(b & WORD))
                break;
            tally(count + 3, b);
            letters &= (b & ALPHA) != 0;
            is_ascii &= ch < 128;
        }
        count[2] += i - start;
        PyObject *word = lower(text, kind, data, start, i, is_ascii);
        if (word == NULL)
            goto done;
        PyObject *found = PyDict_GetItemWithError(flags, word);
        long on = 0;
        if (found != NULL) {
            Py_INCREF(found); /* held: a value that is not an int runs code to convert */
            on = PyLong_AsLong(found);
            Py_DECREF(found);
        }
        if ((found == NULL || on == -1) && PyErr_Occurred()) {
            Py_DECREF(word);
            goto done;
        }
        listed[0] += (on & 1) != 0;
        listed[1] += (on & 2) != 0;
        listed[2] += (on & 4) != 0;
        if (distinct != NULL && letters && i - start > 1 &&
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
    {"line_counts", (PyCFunction)(void (*)(void))line_counts, METH_FASTCALL,
     "line_counts(text, flags, vocab): a line's word and character counts, the words of "
     "each list among them, and its word-prior columns (see the module source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_lines", "A line's counts for the line model, in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__lines(void)
{
    for (Py_UCS4 ch = 0; ch < 128; ch++)
        ascii[ch] = (unsigned char)classify(ch);
    PyObject *math = PyImport_ImportModule("math");
    if (math == NULL)
        return NULL;
    fsum = PyObject_GetAttrString(math, "fsum");
    Py_DECREF(math);
    if (fsum == NULL)
        return NULL;
    PyObject *created = PyModule_Create(&module);
    if (created == NULL)
        Py_CLEAR(fsum);
    return created;
}
