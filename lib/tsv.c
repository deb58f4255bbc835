#include "tsv.h"

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "names.h"
#include "numtext.h"
#include "tty.h"

static int read_all(const char *path, char **text, size_t *len, dl_err *e)
{
    if (dl_tty_refuse_input(path, "a log", e))
        return e->code;
    int fd = path && strcmp(path, "-") != 0 ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    const char *label = fd == STDIN_FILENO ? "<stdin>" : path;
    if (fd < 0)
        return dl_fail_open(e, label);
    size_t cap = 0, n = 0;
    char *buf = NULL;
    ssize_t got = 0;
    int rc = 0;
    /* room for a read of 64 KiB and the closing NUL */
    while (!(rc = dl_vec_reserve(&buf, &cap, n + (1 << 16) + 1, 1, e)) &&
           (got = read(fd, buf + n, cap - n - 1)) > 0)
        n += (size_t)got;
    if (rc)
        dl_err_wrap(e, "%s", label);
    else if (got < 0)
        rc = dl_fail_errno(e, "%s: read failed", label);
    if (fd != STDIN_FILENO)
        close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

static int skip_line(const char *line)
{
    return line[0] == '\0' || line[0] == '#' || strspn(line, " \t\r") == strlen(line);
}

static size_t count_fields(const char *line)
{
    size_t n = 1;
    for (; *line; line++)
        n += *line == '\t';
    return n;
}

/* Cuts the line at its tabs into cells[0..cols). */
static void split_fields(char *line, char **cells)
{
    size_t k = 0;
    cells[k++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            *p = '\0';
            cells[k++] = p + 1;
        }
}

static const char *header_name_at(const void *cells, size_t pos)
{
    return ((char *const *)cells)[pos];
}

/* The header's names, each once: columns are found by name (tsv_find), and
 * a name twice (two logs pasted side by side) would find its first column
 * only. */
static int distinct_names(const tsv_table *t, size_t lineno, dl_err *e)
{
    dl_name_index ix;
    dl_names_init(&ix);
    int rc = 0;
    for (size_t c = 0; c < t->cols && rc == 0; c++) {
        size_t first = dl_names_find(&ix, t->cells[c], t->cells, header_name_at);
        if (first != SIZE_MAX)
            rc = dl_fail(e, DL_EDATA, "%s: line %zu: column %zu is named '%s', as column %zu is "
                         "(columns are read by name)", t->label, lineno, c + 1, t->cells[c],
                         first + 1);
        else if (dl_names_add(&ix, t->cells[c], c, e))
            rc = dl_err_wrap(e, "%s", t->label);
    }
    dl_names_free(&ix);
    return rc;
}

static int table_cut(tsv_table *t, size_t len, dl_err *e)
{
    size_t nlines = 1;
    for (size_t i = 0; i < len; i++)
        if (t->text[i] == '\n') {
            t->text[i] = '\0';
            nlines++;
        }
    char *line = t->text, *end = t->text + len;
    size_t lineno = 1;
    for (; line <= end && skip_line(line); lineno++)
        line += strlen(line) + 1;
    if (line > end)
        return dl_fail(e, DL_EDATA, "%s: empty table (a header row and data rows expected)",
                       t->label);
    line[strcspn(line, "\r")] = '\0';
    t->cols = count_fields(line);
    if (nlines > SIZE_MAX / sizeof(char *) / t->cols)
        return dl_fail(e, DL_ENOMEM, "%s: too many cells", t->label);
    t->cells = malloc(nlines * t->cols * sizeof(char *));
    if (!t->cells)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", t->label);
    for (size_t row = 0; line <= end; lineno++) {
        char *next = line + strlen(line) + 1;
        line[strcspn(line, "\r")] = '\0';
        if (row == 0 || !skip_line(line)) {
            if (count_fields(line) != t->cols)
                return dl_fail(e, DL_EDATA, "%s: line %zu: %zu field%s, the header has %zu",
                               t->label, lineno, count_fields(line),
                               dl_plural(count_fields(line)), t->cols);
            split_fields(line, t->cells + row * t->cols);
            if (row == 0 && distinct_names(t, lineno, e))
                return e->code;
            row++;
            t->rows = row - 1;
        }
        line = next;
    }
    if (t->rows == 0)
        return dl_fail(e, DL_EDATA, "%s: no data rows after the header", t->label);
    return 0;
}

int tsv_read(tsv_table *t, const char *path, dl_err *e)
{
    memset(t, 0, sizeof *t);
    snprintf(t->label, sizeof t->label, "%s", dl_err_label(path));
    size_t len = 0;
    if (read_all(path, &t->text, &len, e))
        return e->code;
    int rc = memchr(t->text, '\0', len)
                 ? dl_fail(e, DL_EDATA, "%s: binary data, not a TSV table", t->label)
                 : table_cut(t, len, e);
    if (rc)
        tsv_free(t);
    return rc;
}

void tsv_free(tsv_table *t)
{
    free(t->text);
    free(t->cells);
    t->text = NULL;
    t->cells = NULL;
}

long tsv_find(const tsv_table *t, const char *const *names)
{
    for (; *names; names++)
        for (size_t c = 0; c < t->cols; c++)
            if (strcmp(t->cells[c], *names) == 0)
                return (long)c;
    return -1;
}

const char *tsv_cell(const tsv_table *t, size_t row, size_t col)
{
    return t->cells[(row + 1) * t->cols + col];
}

int tsv_statistic(const tsv_table *t, size_t row, size_t col, double *v, dl_err *e)
{
    const char *s = tsv_cell(t, row, col);
    if (s[0] == '\0' || strcmp(s, "nan") == 0 || strcmp(s, "NaN") == 0 ||
        strcmp(s, "-nan") == 0) { /* printf's NaN of sign bit set */
        *v = NAN;
        return 0;
    }
    if (nt_parse_f64(s, s + strlen(s), v) != NT_OK)
        return dl_fail(e, DL_EDATA, "%s: data row %zu, column '%s': '%s' is not a number",
                       t->label, row + 1, t->cells[col], s);
    return 0;
}

int tsv_number(const tsv_table *t, size_t row, size_t col, double *v, dl_err *e)
{
    if (tsv_statistic(t, row, col, v, e))
        return e->code;
    if (isinf(*v)) /* an epoch or a flag that overflowed: no figure can place it */
        return dl_fail(e, DL_EDATA, "%s: data row %zu, column '%s': '%s' is infinite (it "
                       "overflowed), which cannot be drawn", t->label, row + 1, t->cells[col],
                       tsv_cell(t, row, col));
    return 0;
}

