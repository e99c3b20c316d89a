/* A page's columns for the line model, filled in C: cleaner.rules.features uses this
 * when it is built and its numpy path when it is not; both give the same numbers.
 *
 * The numpy path makes some seventy calls on arrays of a page's hundred-odd lines,
 * each costing more to start than to run; here each column is one loop. Every number
 * is computed as the numpy path computes it (the same sums in the same order, of whole
 * numbers where numpy sums pairwise), so the two agree to the bit. What numpy computes
 * with its own vector routines (log1p) or sorts is left to the caller.
 *
 * page_columns(lines, width, removed, blank, block, x, xwidth, at, logs) fills, for the
 * n rows of a page, the neighbour columns (CONTEXT at OFFSETS) and the PAGE columns of
 * cleaner.rules.features.line_features from column ``at`` of x (n rows of xwidth),
 * leaving doc_log_lines to the caller, and writes the six whole numbers whose log1p
 * the PAGE columns take (block lines, place in the block, block words, distance to
 * the body before and after, short run) to logs (n rows of 6). lines holds the rows of
 * the line table (n rows of width), removed and blank one byte per row, block one
 * int64 per row, in blocks that never go back (a False return, nothing written, when
 * they do: the caller takes the numpy path).
 *
 * smooth_columns(p, words, block, out) fills, for the n rows, the SMOOTH columns of
 * cleaner.rules.features.smooth_features except p_doc, p_doc_max and p_rank (n rows
 * of 15 in out), from the first stage's probabilities p and the lines' word counts,
 * with the same blocks; False, nothing written, when the blocks go back.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* the layout of the line table's rows and of the feature columns (features.py) */
#define OWN 21        /* len(OWN): the line's own columns, then _WORDS, _BODY, _SHAPE */
#define CONTEXT 5     /* log_words, sent_end, stop_density, removed, blank_before */
#define OFFSETS 6     /* -3, -2, -1, 1, 2, 3 */
#define PAGE 16       /* len(PAGE) */
#define LOGS 6        /* the whole numbers of PAGE that go through log1p */
#define SMOOTH 15     /* len(SMOOTH) */
#define SHORT_WORDS 6 /* a line of this many words or fewer is short */

static const int offsets[OFFSETS] = {-3, -2, -1, 1, 2, 3};

static int
whole(Py_buffer *b, Py_ssize_t item, Py_ssize_t n, const char *name)
{
    if (b->len != n * item) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not one item per row", name, b->len);
        return -1;
    }
    return 0;
}

/* Whether to fill the columns: 1 (with *work a buffer of ``doubles`` doubles for the
 * caller to free, NULL for no rows), 0 when block goes back somewhere (the rows of a
 * block are not together: nothing is to be written), -1 with MemoryError set. */
static int
prepare(const int64_t *block, Py_ssize_t n, Py_ssize_t doubles, double **work)
{
    *work = NULL;
    for (Py_ssize_t r = 1; r < n; r++)
        if (block[r] < block[r - 1])
            return 0;
    if (n == 0)
        return 1;
    *work = PyMem_Malloc(doubles * sizeof(double));
    if (*work == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 1;
}

/* (c[hi] - c[lo]) / (hi - lo) over rows r-k to r+k, c the sums from 0 (n + 1 values). */
static double
near(const double *c, Py_ssize_t r, Py_ssize_t k, Py_ssize_t n)
{
    Py_ssize_t lo = r - k < 0 ? 0 : r - k, hi = r + k + 1 > n ? n : r + k + 1;
    return (c[hi] - c[lo]) / (double)(hi - lo);
}

static void
fill_page(const double *lines, Py_ssize_t width, const unsigned char *removed,
          const unsigned char *blank, const int64_t *block, double *x, Py_ssize_t xwidth,
          Py_ssize_t at, double *logs, Py_ssize_t n, double *work)
{
    double *csum = work, *rcsum = work + (n + 1); /* body and removed, summed from 0 */
    unsigned char *body = (unsigned char *)(work + 2 * (n + 1));
    Py_ssize_t first = n, last = -1, bodies = 0;
    double total = 0.0, wcum = 0.0;
    csum[0] = rcsum[0] = 0.0;
    for (Py_ssize_t r = 0; r < n; r++) {
        const double *row = lines + r * width;
        body[r] = row[OWN + 1] != 0.0 && !removed[r];
        if (body[r]) {
            if (first == n)
                first = r;
            last = r;
            bodies++;
        }
        csum[r + 1] = csum[r] + (double)body[r];
        rcsum[r + 1] = rcsum[r] + (double)removed[r];
        total += row[OWN];
    }
    if (total < 1.0)
        total = 1.0;
    /* the neighbours' columns, -1 past either end */
    for (Py_ssize_t r = 0; r < n; r++) {
        double *ctx = x + r * xwidth + at;
        for (int k = 0; k < OFFSETS; k++) {
            Py_ssize_t j = r + offsets[k];
            double *cell = ctx + k * CONTEXT;
            if (j < 0 || j >= n) {
                for (int c = 0; c < CONTEXT; c++)
                    cell[c] = -1.0;
                continue;
            }
            const double *row = lines + j * width;
            cell[0] = row[0];
            cell[1] = row[2];
            cell[2] = row[4];
            cell[3] = (double)removed[j];
            cell[4] = (double)blank[j];
        }
    }
    /* blocks: lines, words and each line's place (a block's rows are together) */
    Py_ssize_t start = 0;
    while (start < n) {
        Py_ssize_t end = start;
        double words = 0.0;
        while (end < n && block[end] == block[start])
            words += lines[end++ * width + OWN];
        for (Py_ssize_t r = start; r < end; r++) {
            logs[r * LOGS + 0] = (double)(end - start);
            logs[r * LOGS + 1] = (double)(r - start);
            logs[r * LOGS + 2] = words;
        }
        start = end;
    }
    /* distance to the nearest body line before (at or above) and after (at or below) */
    Py_ssize_t seen = -1;
    for (Py_ssize_t r = 0; r < n; r++) {
        if (body[r])
            seen = r;
        logs[r * LOGS + 3] = seen >= 0 ? (double)(r - seen) : (double)n;
    }
    seen = -1;
    for (Py_ssize_t r = n - 1; r >= 0; r--) {
        if (body[r])
            seen = r;
        logs[r * LOGS + 4] = seen >= 0 ? (double)(seen - r) : (double)n;
    }
    /* runs of short lines: a short line's run length, 0 for the others */
    start = 0;
    while (start < n) {
        int is_short = lines[start * width + OWN] <= SHORT_WORDS;
        Py_ssize_t end = start + 1;
        while (end < n && (lines[end * width + OWN] <= SHORT_WORDS) == is_short)
            end++;
        for (Py_ssize_t r = start; r < end; r++)
            logs[r * LOGS + 5] = is_short ? (double)(end - start) : 0.0;
        start = end;
    }
    double share = (double)bodies / (double)n, span = (double)(n - 1 > 1 ? n - 1 : 1);
    for (Py_ssize_t r = 0; r < n; r++) {
        double *col = x + r * xwidth + at + OFFSETS * CONTEXT;
        double shape = lines[r * width + OWN + 2], same = 0.0, words = lines[r * width + OWN];
        for (Py_ssize_t j = r - 2; j <= r + 2; j++)
            if (j != r && j >= 0 && j < n && lines[j * width + OWN + 2] == shape)
                same += 1.0;
        col[0] = (double)r / span;
        col[4] = near(csum, r, 5, n);
        col[5] = near(csum, r, 15, n);
        col[8] = r < first;
        col[9] = r > last;
        col[10] = wcum / total;
        col[12] = share;
        col[13] = near(rcsum, r, 5, n);
        col[15] = same;
        wcum += words;
    }
}

static PyObject *
page_columns(PyObject *self, PyObject *args)
{
    Py_buffer lines, removed, blank, block, x, logs;
    Py_ssize_t width, xwidth, at;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*ny*y*y*w*nnw*", &lines, &width, &removed, &blank, &block, &x,
                          &xwidth, &at, &logs))
        return NULL;
    Py_ssize_t n = removed.len;
    if (width < OWN + 3 || xwidth < at + OFFSETS * CONTEXT + PAGE || at < 0) {
        PyErr_SetString(PyExc_ValueError, "the columns do not fit the widths");
        goto done;
    }
    if (whole(&lines, width * (Py_ssize_t)sizeof(double), n, "lines") ||
        whole(&blank, 1, n, "blank") || whole(&block, sizeof(int64_t), n, "block") ||
        whole(&x, xwidth * (Py_ssize_t)sizeof(double), n, "x") ||
        whole(&logs, LOGS * (Py_ssize_t)sizeof(double), n, "logs"))
        goto done;
    double *work;
    int go = prepare(block.buf, n, 2 * (n + 1) + n / (Py_ssize_t)sizeof(double) + 1, &work);
    if (go < 0)
        goto done;
    if (go && n > 0)
        fill_page(lines.buf, width, removed.buf, blank.buf, block.buf, x.buf, xwidth, at,
                  logs.buf, n, work);
    PyMem_Free(work);
    result = go ? Py_True : Py_False;
    Py_INCREF(result);
done:
    PyBuffer_Release(&lines);
    PyBuffer_Release(&removed);
    PyBuffer_Release(&blank);
    PyBuffer_Release(&block);
    PyBuffer_Release(&x);
    PyBuffer_Release(&logs);
    return result;
}

static void
fill_smooth(const double *p, const double *nw, const int64_t *block, double *out, Py_ssize_t n,
            double *work)
{
    double *c = work, *cw = work + (n + 1), *cs = work + 2 * (n + 1);
    c[0] = cw[0] = cs[0] = 0.0;
    for (Py_ssize_t r = 0; r < n; r++) {
        /* through memory, so that no compiler fuses the product into the sum */
        volatile double value = (p[r] - 0.5) * (nw[r] + 1.0);
        c[r + 1] = c[r] + p[r];
        cw[r + 1] = cw[r] + nw[r];
        cs[r + 1] = cs[r] + value;
    }
    /* main_span: the first row where the best run ends, then its latest lowest start */
    Py_ssize_t hi = 0, lo = 0;
    double best = 0.0, low = cs[0];
    for (Py_ssize_t r = 0; r < n; r++) {
        if (cs[r] < low)
            low = cs[r];
        double gain = cs[r + 1] - low;
        if (r == 0 || gain > best) {
            best = gain;
            hi = r + 1;
        }
    }
    if (best <= 0.0) {
        lo = hi = 0;
    }
    else {
        lo = hi - 1;
        for (Py_ssize_t j = hi - 1; j >= 0; j--)
            if (cs[j] < cs[lo])
                lo = j;
    }
    double share = (cw[hi] - cw[lo]) / (cw[n] > 1.0 ? cw[n] : 1.0);
    for (Py_ssize_t r = 0; r < n; r++) {
        double *o = out + r * SMOOTH;
        o[0] = p[r];
        o[1] = r >= 2 ? p[r - 2] : -1.0;
        o[2] = r >= 1 ? p[r - 1] : -1.0;
        o[3] = r + 1 < n ? p[r + 1] : -1.0;
        o[4] = r + 2 < n ? p[r + 2] : -1.0;
        o[5] = near(c, r, 3, n);
        o[6] = near(c, r, 8, n);
        o[11] = r >= lo && r < hi;
        o[12] = r < lo ? cw[lo] - cw[r + 1] : 0.0;
        o[13] = r >= hi ? cw[r] - cw[hi] : 0.0;
        o[14] = share;
    }
    /* each block's mean, its rows together */
    Py_ssize_t start = 0;
    while (start < n) {
        Py_ssize_t end = start;
        double sum = 0.0;
        while (end < n && block[end] == block[start])
            sum += p[end++];
        double mean = sum / (double)(end - start);
        for (Py_ssize_t r = start; r < end; r++)
            out[r * SMOOTH + 7] = mean;
        start = end;
    }
}

static PyObject *
smooth_columns(PyObject *self, PyObject *args)
{
    Py_buffer p, nw, block, out;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*w*", &p, &nw, &block, &out))
        return NULL;
    Py_ssize_t n = p.len / (Py_ssize_t)sizeof(double);
    if (whole(&p, sizeof(double), n, "p") || whole(&nw, sizeof(double), n, "words") ||
        whole(&block, sizeof(int64_t), n, "block") ||
        whole(&out, SMOOTH * (Py_ssize_t)sizeof(double), n, "out"))
        goto done;
    double *work;
    int go = prepare(block.buf, n, 3 * (n + 1), &work);
    if (go < 0)
        goto done;
    if (go && n > 0)
        fill_smooth(p.buf, nw.buf, block.buf, out.buf, n, work);
    PyMem_Free(work);
    result = go ? Py_True : Py_False;
    Py_INCREF(result);
done:
    PyBuffer_Release(&p);
    PyBuffer_Release(&nw);
    PyBuffer_Release(&block);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"page_columns", page_columns, METH_VARARGS,
     "page_columns(lines, width, removed, blank, block, x, xwidth, at, logs): a page's "
     "neighbour and page columns into x, the whole numbers for log1p into logs; False when "
     "the blocks go back."},
    {"smooth_columns", smooth_columns, METH_VARARGS,
     "smooth_columns(p, words, block, out): the second stage's columns but p_doc, "
     "p_doc_max and p_rank into out; False when the blocks go back."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_page", "A page's columns for the line model, in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__page(void)
{
    return PyModule_Create(&module);
}
