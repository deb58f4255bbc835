/* export.c - stream to CSV/TSV (round-trip text) or .npy. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npy.h"
#include "numtext.h"
#include "textio.h"

void tx_export_defaults(tx_export_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = TX_CSV;
}

/* The output: standard output, or a temporary beside the file that is
 * renamed into place only when everything was written. */
typedef struct out_file {
    FILE *f;
    char *tmp, *final;
    const char *label;
} out_file;

static int out_open(out_file *o, const char *path, int binary, dl_err *e)
{
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->label = "<stdout>";
        if (binary && isatty(STDOUT_FILENO))
            return dl_fail(e, DL_EUSAGE, "refusing to write .npy to a terminal: use -o FILE, "
                                         "a redirection, or --format csv");
        o->f = stdout;
        return 0;
    }
    o->label = path;
    size_t n = strlen(path);
    o->tmp = malloc(n + 16);
    o->final = malloc(n + 1);
    if (!o->tmp || !o->final) {
        free(o->tmp);
        free(o->final);
        return dl_fail(e, DL_ENOMEM, "out of memory");
    }
    memcpy(o->final, path, n + 1);
    snprintf(o->tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
        int rc = dl_fail_errno(e, "%s: cannot create", path);
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->tmp);
        free(o->final);
        return rc;
    }
    return 0;
}

static void out_abort(out_file *o)
{
    if (o->tmp) {
        fclose(o->f);
        unlink(o->tmp);
    }
    free(o->tmp);
    free(o->final);
}

static int out_commit(out_file *o, dl_err *e)
{
    int rc = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        rc = dl_fail_errno(e, "%s: write failed", o->label);
    if (o->tmp) {
        if (fclose(o->f) != 0 && !rc)
            rc = dl_fail_errno(e, "%s: write failed", o->label);
        if (!rc && rename(o->tmp, o->final) != 0)
            rc = dl_fail_errno(e, "%s: cannot move the finished file into place", o->label);
        if (rc)
            unlink(o->tmp);
    }
    free(o->tmp);
    free(o->final);
    return rc;
}

/* ------------------------- what gets exported ------------------------- */
typedef struct table {
    dl_tensor *part[2]; /* x then y, or the one named record */
    int nparts;
    uint64_t rows, cols[2];
} table;

static uint64_t rows_of(const dl_tensor *t) { return t->rank == 0 ? 1 : t->shape[0]; }

static int pick(dl_tensor_set *set, const tx_export_opts *o, const char *label, table *tb,
                dl_err *e)
{
    memset(tb, 0, sizeof *tb);
    if (o->name) {
        tb->part[0] = dl_set_find(set, o->name);
        if (!tb->part[0])
            return dl_fail(e, DL_EDATA, "%s: no record named '%s'", label, o->name);
        tb->nparts = 1;
    } else {
        const char *names[2] = {"x", "y"};
        for (int i = 0; i < 2; i++)
            if ((tb->part[tb->nparts] = dl_set_find(set, names[i])) != NULL)
                tb->nparts++;
        if (tb->nparts == 0)
            return dl_fail(e, DL_EDATA, "%s: no 'x' or 'y' record (use --name NAME)", label);
    }
    tb->rows = rows_of(tb->part[0]);
    for (int i = 0; i < tb->nparts; i++) {
        tb->cols[i] = dl_tensor_row_size(tb->part[i]);
        if (rows_of(tb->part[i]) != tb->rows)
            return dl_fail(e, DL_EDATA, "%s: 'x' has %llu rows but 'y' has %llu", label,
                           (unsigned long long)tb->rows,
                           (unsigned long long)rows_of(tb->part[i]));
    }
    return 0;
}

/* ------------------------------- text -------------------------------- */
static int format_elem(const dl_tensor *t, uint64_t i, char *buf)
{
    switch (t->dtype) {
    case DL_F64: return nt_format_f64(((const double *)t->data)[i], buf);
    case DL_F32: return nt_format_f32(((const float *)t->data)[i], buf);
    case DL_I32: return snprintf(buf, NT_BUF, "%" PRId32, ((const int32_t *)t->data)[i]);
    case DL_I64: return snprintf(buf, NT_BUF, "%" PRId64, ((const int64_t *)t->data)[i]);
    default: return snprintf(buf, NT_BUF, "%u", (unsigned)((const uint8_t *)t->data)[i]);
    }
}

static void write_header(FILE *f, const table *tb, char delim)
{
    for (int k = 0; k < tb->nparts; k++)
        for (uint64_t j = 0; j < tb->cols[k]; j++)
            fprintf(f, "%s%s%llu", k + j ? (char[]){delim, 0} : "", tb->part[k]->name,
                    (unsigned long long)j);
    fputc('\n', f);
}

static void write_text(FILE *f, const table *tb, char delim, int header)
{
    char buf[NT_BUF];
    if (header)
        write_header(f, tb, delim);
    for (uint64_t i = 0; i < tb->rows; i++) {
        for (int k = 0; k < tb->nparts; k++) {
            for (uint64_t j = 0; j < tb->cols[k]; j++) {
                if (k + j)
                    fputc(delim, f);
                int n = format_elem(tb->part[k], i * tb->cols[k] + j, buf);
                fwrite(buf, 1, (size_t)n, f);
            }
        }
        fputc('\n', f);
    }
}

/* -------------------------------- npy -------------------------------- */
static int write_npy(FILE *f, table *tb, const char *label, dl_err *e)
{
    if (tb->nparts == 1) {
        const dl_tensor *t = tb->part[0];
        if (npy_write_header(f, t->dtype, t->rank, t->shape, e))
            return dl_err_wrap(e, "%s", label);
        size_t n = (size_t)dl_tensor_nbytes(t);
        return fwrite(t->data, 1, n, f) == n ? 0 : dl_fail_errno(e, "%s: write failed", label);
    }
    /* x and y side by side in one 2-D array, f64 unless both agree. */
    if (tb->part[0]->dtype != tb->part[1]->dtype)
        for (int k = 0; k < 2; k++)
            if (dl_tensor_convert(tb->part[k], DL_F64, e))
                return dl_err_wrap(e, "%s", label);
    int dtype = tb->part[0]->dtype;
    size_t es = dl_dtype_size(dtype);
    uint64_t shape[2] = {tb->rows, tb->cols[0] + tb->cols[1]};
    if (npy_write_header(f, dtype, 2, shape, e))
        return dl_err_wrap(e, "%s", label);
    for (uint64_t i = 0; i < tb->rows; i++)
        for (int k = 0; k < 2; k++) {
            size_t n = (size_t)tb->cols[k] * es;
            if (fwrite((const char *)tb->part[k]->data + i * n, 1, n, f) != n)
                return dl_fail_errno(e, "%s: write failed", label);
        }
    return 0;
}

int tx_export(const char *in_path, const char *out_path, const tx_export_opts *o, dl_err *e)
{
    dl_tensor_set set;
    dl_set_init(&set);
    table tb;
    const char *in_label = in_path && strcmp(in_path, "-") != 0 ? in_path : "<stdin>";
    int rc = st_read_set(in_path, &set, e);
    if (!rc)
        rc = pick(&set, o, in_label, &tb, e);
    out_file out;
    if (!rc)
        rc = out_open(&out, out_path, o->format == TX_NPY, e);
    if (!rc) {
        if (o->format == TX_NPY) {
            rc = write_npy(out.f, &tb, out.label, e);
        } else {
            char delim = o->delimiter ? o->delimiter : o->format == TX_TSV ? '\t' : ',';
            write_text(out.f, &tb, delim, o->header);
        }
        if (rc)
            out_abort(&out);
        else
            rc = out_commit(&out, e);
    }
    dl_set_free(&set);
    return rc;
}
