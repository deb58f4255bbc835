/* textio, npy header parsing and dataset row operations, through the
 * library: import into a real stream file and read it back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "npy.h"
#include "rng.h"
#include "stream.h"
#include "textio.h"
#include "unit.h"

static char in_path[64], out_path[64];

static void temp_paths(void)
{
    snprintf(in_path, sizeof in_path, "/tmp/test_textio_in_%ld", (long)getpid());
    snprintf(out_path, sizeof out_path, "/tmp/test_textio_out_%ld", (long)getpid());
}

/* Writes text to in_path, imports it with o into out_path and reads the
 * result into set.  Returns the import status (e holds the message). */
static int import_text(const char *text, const tx_import_opts *o, dl_tensor_set *set, dl_err *e)
{
    FILE *f = fopen(in_path, "wb");
    fputs(text, f);
    fclose(f);
    st_writer *w;
    dl_set_init(set);
    if (st_writer_open(&w, out_path, 0, e))
        return e->code;
    if (tx_import(in_path, o, w, e)) {
        st_writer_abort(w);
        return e->code;
    }
    if (st_writer_close(w, e))
        return e->code;
    return st_read_set(out_path, set, e);
}

static double at(const dl_tensor *t, uint64_t r, uint64_t c)
{
    return ((const double *)t->data)[r * t->shape[1] + c];
}

static void test_csv_targets_and_header(void)
{
    tx_import_opts o;
    tx_import_defaults(&o);
    o.targets = 1;
    dl_tensor_set s;
    dl_err e;
    CHECK(import_text("a,b,c\n1,2,3\n4,5,6\n", &o, &s, &e) == 0);
    dl_tensor *x = dl_set_find(&s, "x"), *y = dl_set_find(&s, "y");
    CHECK(x && y);
    if (x && y) {
        CHECK(x->dtype == DL_F64 && x->rank == 2 && x->shape[0] == 2 && x->shape[1] == 2);
        CHECK(y->shape[0] == 2 && y->shape[1] == 1);
        CHECK(at(x, 1, 0) == 4.0 && at(x, 1, 1) == 5.0 && at(y, 0, 0) == 3.0 && at(y, 1, 0) == 6.0);
    }
    dl_set_free(&s);
}

static void test_chunks_reassemble(void)
{
    tx_import_opts o;
    tx_import_defaults(&o);
    o.chunk_rows = 2;
    char text[4096] = "";
    for (int i = 0; i < 9; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d -%d.5\n", i, i);
    dl_tensor_set s;
    dl_err e;
    CHECK(import_text(text, &o, &s, &e) == 0);
    dl_tensor *x = dl_set_find(&s, "x");
    CHECK(x && x->shape[0] == 9 && x->shape[1] == 2);
    if (x)
        for (int i = 0; i < 9; i++)
            CHECK(at(x, (uint64_t)i, 0) == i && at(x, (uint64_t)i, 1) == -i - 0.5);
    dl_set_free(&s);
    /* five records: 2+2+2+2+1 rows */
    st_reader *r;
    st_header h;
    int records = 0, found;
    CHECK(st_reader_open(&r, out_path, &e) == 0);
    while (st_next_header(r, &h, &found, &e) == 0 && found && st_skip_payload(r, &h, &e) == 0)
        records++;
    st_reader_close(r);
    CHECK(records == 5);
}

static void test_errors_name_file_line_column(void)
{
    tx_import_opts o;
    tx_import_defaults(&o);
    dl_tensor_set s;
    dl_err e;
    char want[256];
    CHECK(import_text("1,2\n3,4\n5\n", &o, &s, &e) == DL_EDATA);
    snprintf(want, sizeof want, "%s: line 3: 1 field, expected 2 (as on line 1)", in_path);
    CHECK_STR(e.msg, want);
    dl_set_free(&s);
    CHECK(import_text("x,y\n1,2\n3,abc\n", &o, &s, &e) == DL_EDATA);
    snprintf(want, sizeof want, "%s: line 3, column 2 ('y'): 'abc' is not a number, in a "
             "column of numbers from line 2 (--missing 'abc' would read it as missing)", in_path);
    CHECK_STR(e.msg, want);
    dl_set_free(&s);
    CHECK(import_text("", &o, &s, &e) == DL_EDATA);
    dl_set_free(&s);
    o.targets = 2;
    CHECK(import_text("1,2\n", &o, &s, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "leaves no input columns") != NULL);
    dl_set_free(&s);
}

/* tx_in_swap: the unread bytes move to the other buffer, reading goes on
 * there, and what was read before stays in the old one. */
static void test_swap_keeps_both_buffers(void)
{
    FILE *f = fopen(in_path, "wb");
    for (int i = 0; i < 100000; i++)
        fprintf(f, "%d\n", i);
    fclose(f);
    tx_in in;
    dl_err e;
    CHECK(tx_in_open(&in, in_path, &e) == 0);
    CHECK(tx_in_fill(&in, &e) == 0);
    const char *nl = memchr(in.buf, '\n', in.len);
    in.pos = (size_t)(nl - in.buf) + 1; /* "0\n" taken */
    char *spare = NULL, *before = in.buf;
    size_t spare_cap = 0, unread = in.len - in.pos;
    CHECK(tx_in_swap(&in, &spare, &spare_cap, &e) == 0);
    CHECK(spare == before && in.buf != before && in.pos == 0 && in.len == unread);
    CHECK(memcmp(spare, "0\n1\n", 4) == 0 && memcmp(in.buf, "1\n2\n", 4) == 0);
    CHECK(tx_in_fill(&in, &e) == 0);
    CHECK(memcmp(spare, "0\n1\n", 4) == 0); /* reading on leaves the old buffer */
    /* back again, "1\n" taken: the old buffer is reused, not allocated anew */
    in.pos = 2;
    char *second = in.buf;
    CHECK(tx_in_swap(&in, &spare, &spare_cap, &e) == 0);
    CHECK(in.buf == before && spare == second && memcmp(in.buf, "2\n3\n", 4) == 0);
    free(spare);
    tx_in_close(&in);
}

/* A regular file cut while it is read ends in an error (DL_EIO, named),
 * not in a last line cut short and taken for a whole one; a file read to
 * its end, and a device, end as before. */
static void test_a_file_that_shrinks_is_refused(void)
{
    FILE *f = fopen(in_path, "wb");
    for (int i = 0; i < 1000000; i++)
        fprintf(f, "%d\n", i);
    fclose(f);
    tx_in in;
    dl_err e;
    CHECK(tx_in_open(&in, in_path, &e) == 0);
    CHECK(tx_in_fill(&in, &e) == 0 && !in.eof && in.len > 0);
    CHECK(truncate(in_path, (off_t)in.len) == 0);
    int rc = 0;
    while (!in.eof && rc == 0) {
        in.pos = in.len;
        rc = tx_in_fill(&in, &e);
    }
    CHECK(rc == DL_EIO && strstr(e.msg, "the file shrank while it was read") != NULL);
    CHECK(strstr(e.msg, in_path) != NULL);
    tx_in_close(&in);
    CHECK(tx_in_open(&in, in_path, &e) == 0);
    do {
        in.pos = in.len;
        rc = tx_in_fill(&in, &e);
    } while (!in.eof && rc == 0);
    CHECK(rc == 0);
    tx_in_close(&in);
    CHECK(tx_in_open(&in, "/dev/null", &e) == 0);
    CHECK(tx_in_fill(&in, &e) == 0 && in.eof && in.len == 0);
    tx_in_close(&in);
}

static void test_f32_and_name(void)
{
    tx_import_opts o;
    tx_import_defaults(&o);
    o.dtype = DL_F32;
    o.name = "yhat";
    dl_tensor_set s;
    dl_err e;
    CHECK(import_text("0.1;0.2\n", &o, &s, &e) == 0);
    dl_tensor *t = dl_set_find(&s, "yhat");
    CHECK(t && t->dtype == DL_F32 && t->shape[1] == 2);
    if (t)
        CHECK(((float *)t->data)[0] == 0.1f && ((float *)t->data)[1] == 0.2f);
    CHECK(dl_set_find(&s, "x") == NULL);
    dl_set_free(&s);
}

/* The text of a u8 record equals the file's bytes. */
static int record_is_file(dl_tensor_set *s, const char *name, const char *path)
{
    dl_tensor *t = dl_set_find(s, name);
    FILE *f = fopen(path, "rb");
    char want[4096];
    size_t n = f ? fread(want, 1, sizeof want, f) : 0;
    if (f)
        fclose(f);
    return t && t->dtype == DL_U8 && t->rank == 1 && t->shape[0] == n &&
           memcmp(t->data, want, n) == 0;
}

/* The records beside x and y, as scikit-learn's encoders order the levels
 * (tests/fixtures/tables/gen_tables.py). */
static void test_csv_table_metadata(void)
{
    FILE *f = fopen("tests/fixtures/tables/mixed.csv", "rb");
    char text[4096];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    CHECK(n > 0);
    tx_import_opts o;
    tx_import_defaults(&o);
    o.target = "species";
    o.weight = "wt";
    o.missing = "NA,";
    dl_tensor_set s;
    dl_err e;
    CHECK(import_text(text, &o, &s, &e) == 0);
    CHECK(record_is_file(&s, "x.categories", "tests/fixtures/tables/x_categories.txt"));
    CHECK(record_is_file(&s, "y.categories", "tests/fixtures/tables/y_categories.txt"));
    dl_tensor *names = dl_set_find(&s, "x.names");
    CHECK(names && names->shape[0] == 23 && memcmp(names->data, "speed\ncolor\ndepth\ncity\n", 23) == 0);
    names = dl_set_find(&s, "y.names");
    CHECK(names && names->shape[0] == 8 && memcmp(names->data, "species\n", 8) == 0);
    CHECK(dl_set_find(&s, "w.names") == NULL && dl_set_find(&s, "w") != NULL);
    dl_set_free(&s);
    /* metadata comes before the first chunk of its tensor */
    st_reader *r;
    st_header h;
    int found, order_ok = 1, seen_x = 0;
    CHECK(st_reader_open(&r, out_path, &e) == 0);
    while (st_next_header(r, &h, &found, &e) == 0 && found && st_skip_payload(r, &h, &e) == 0) {
        seen_x |= strcmp(h.name, "x") == 0;
        if (seen_x && strchr(h.name, '.'))
            order_ok = 0;
    }
    st_reader_close(r);
    CHECK(order_ok);
}

static int parse_dict(const char *text, npy_header *h, dl_err *e)
{
    return npy_parse_dict(text, strlen(text), h, "f.npy", e);
}

/* An option's list: plain items byte for byte, quoted ones as CSV cells. */
static void test_list_items(void)
{
    tx_list l;
    dl_err e = {0};
    CHECK(tx_list_parse(&l, "--names", "a b,,\"c,d\",\"e\"\"f\",g\"h,\"\"", &e) == 0);
    CHECK(l.count == 6);
    if (l.count == 6) {
        CHECK_STR(l.item[0], "a b");
        CHECK_STR(l.item[1], "");
        CHECK_STR(l.item[2], "c,d");
        CHECK_STR(l.item[3], "e\"f");
        CHECK_STR(l.item[4], "g\"h");
        CHECK_STR(l.item[5], "");
    }
    tx_list_free(&l);
    CHECK(tx_list_parse(&l, "--target", "x,", &e) == 0 && l.count == 2);
    CHECK(l.count == 2 && strcmp(l.item[1], "") == 0);
    tx_list_free(&l);
    CHECK(tx_list_parse(&l, "--target", "x,\"y", &e) == DL_EUSAGE);
    CHECK_STR(e.msg, "--target 'x,\"y': item 2: unterminated quote (a quoted item ends at "
                     "its closing quote)");
    CHECK(l.count == 0 && !l.item && !l.text);
    CHECK(tx_list_parse(&l, "--target", "\"y\" ,x", &e) == DL_EUSAGE);
    CHECK(strstr(e.msg, "item 1: text after the closing quote") != NULL);
}

static void test_npy_dict(void)
{
    npy_header h;
    dl_err e;
    CHECK(parse_dict("{'descr': '>i4', 'fortran_order': True, 'shape': (3, 4), }", &h, &e) == 0);
    CHECK(h.dtype == DL_I32 && h.itemsize == 4 && h.fortran == 1 && h.rank == 2);
    CHECK(h.shape[0] == 3 && h.shape[1] == 4 && h.nbytes == 48);
    CHECK(parse_dict("{\"shape\":(5,),\"descr\":\"|b1\",\"fortran_order\":False}", &h, &e) == 0);
    CHECK(h.dtype == DL_U8 && h.rank == 1 && h.shape[0] == 5 && h.swap == 0);
    /* '|' (no byte order) on a wider type is the host's, as numpy reads it */
    CHECK(parse_dict("{'descr': '|f8', 'fortran_order': False, 'shape': (2,), }", &h, &e) == 0);
    CHECK(h.dtype == DL_F64 && h.swap == 0);
    CHECK(parse_dict("{'descr': '=i4', 'fortran_order': False, 'shape': (2,), }", &h, &e) == 0);
    CHECK(h.dtype == DL_I32 && h.swap == 0);
    CHECK(parse_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", &h, &e) == 0);
    CHECK(h.rank == 0 && h.nelem == 1);
    CHECK(parse_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (7L, 2L)}", &h, &e) == 0);
    /* refused: absurd sizes, missing keys, other dtypes, garbage */
    CHECK(parse_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                     &h, &e) != 0);
    CHECK(parse_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}",
                     &h, &e) == DL_EDATA);
    CHECK(parse_dict("{'descr': '<f8', 'shape': (3,), }", &h, &e) == DL_EDATA);
    CHECK(parse_dict("{'descr': '<u4', 'fortran_order': False, 'shape': (3,), }", &h, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "'<u4' is not supported") != NULL);
    CHECK(parse_dict("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,)}", &h, &e) ==
          DL_EDATA);
    CHECK(parse_dict("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (3,)}", &h, &e) == DL_EDATA);
    CHECK(parse_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (3,", &h, &e) == DL_EDATA);
    CHECK(parse_dict("", &h, &e) == DL_EDATA);
    CHECK(parse_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1)}", &h,
                     &e) == DL_EDATA);
}

static void test_npy_header_alignment(void)
{
    FILE *f = tmpfile();
    dl_err e;
    uint64_t shape[2] = {3, 4};
    CHECK(npy_write_header(f, DL_F64, 2, shape, &e) == 0);
    long len = ftell(f);
    CHECK(len % 64 == 0);
    char buf[256] = {0};
    rewind(f);
    CHECK(fread(buf, 1, (size_t)len, f) == (size_t)len);
    CHECK(memcmp(buf, "\x93NUMPY\x01\x00", 8) == 0);
    CHECK(strstr(buf + 10, "'shape': (3, 4), }") != NULL);
    CHECK(buf[len - 1] == '\n');
    fclose(f);
}

static void set_of_rows(dl_tensor_set *s)
{
    dl_err e;
    dl_tensor x, y, model;
    dl_set_init(s);
    dl_tensor_alloc2(&x, "x", DL_F64, 5, 2, &e);
    dl_tensor_alloc2(&y, "y", DL_I32, 5, 1, &e);
    uint64_t three = 3;
    dl_tensor_alloc(&model, "model", DL_U8, 1, &three, &e);
    for (int i = 0; i < 5; i++) {
        ((double *)x.data)[2 * i] = i;
        ((double *)x.data)[2 * i + 1] = 10 * i;
        ((int32_t *)y.data)[i] = 100 * i;
    }
    dl_set_add(s, &x, &e);
    dl_set_add(s, &y, &e);
    dl_set_add(s, &model, &e);
}

static void test_take_rows_keeps_alignment(void)
{
    dl_tensor_set s, out;
    dl_err e;
    set_of_rows(&s);
    dl_set_init(&out);
    uint64_t *idx, rows;
    CHECK(ds_rows(&s, &rows, "t", &e) == 0 && rows == 5);
    CHECK(ds_index(rows, 1, 9, &idx, &e) == 0);
    CHECK(ds_take_rows(&s, idx, 4, &out, "t", &e) == 0);
    dl_tensor *x = dl_set_find(&out, "x"), *y = dl_set_find(&out, "y"),
              *m = dl_set_find(&out, "model");
    CHECK(x && y && m && x->shape[0] == 4 && y->shape[0] == 4 && m->shape[0] == 3);
    if (x && y)
        for (int i = 0; i < 4; i++) {
            double x0 = ((double *)x->data)[2 * i];
            CHECK(x0 == (double)idx[i]);
            CHECK(((double *)x->data)[2 * i + 1] == 10 * x0);
            CHECK(((int32_t *)y->data)[i] == 100 * (int32_t)x0);
        }
    free(idx);
    dl_set_free(&out);
    dl_set_free(&s);
}

static void test_index_is_a_seeded_permutation(void)
{
    dl_err e;
    uint64_t *a, *b, *c;
    CHECK(ds_index(1000, 1, 1, &a, &e) == 0);
    CHECK(ds_index(1000, 1, 1, &b, &e) == 0);
    CHECK(ds_index(1000, 1, 2, &c, &e) == 0);
    CHECK(memcmp(a, b, 1000 * sizeof *a) == 0);
    CHECK(memcmp(a, c, 1000 * sizeof *a) != 0);
    char seen[1000] = {0};
    for (int i = 0; i < 1000; i++)
        if (a[i] < 1000)
            seen[a[i]]++;
    int all_once = 1;
    for (int i = 0; i < 1000; i++)
        all_once &= seen[i] == 1;
    CHECK(all_once);
    free(a);
    free(b);
    free(c);
    CHECK(ds_index(3, 0, 0, &a, &e) == 0);
    CHECK(a[0] == 0 && a[1] == 1 && a[2] == 2);
    free(a);
}

static void test_no_rows_to_take(void)
{
    dl_tensor_set s;
    dl_err e;
    uint64_t rows;
    dl_set_init(&s);
    CHECK(ds_rows(&s, &rows, "empty", &e) == DL_EDATA);
    CHECK_STR(e.msg, "empty: the input is empty (did the previous command fail?)");
    dl_tensor w;
    CHECK(dl_tensor_alloc2(&w, "w", DL_F64, 2, 2, &e) == 0);
    CHECK(dl_set_add(&s, &w, &e) == 0);
    CHECK(ds_rows(&s, &rows, "no-rows", &e) == DL_EDATA);
    CHECK_STR(e.msg, "no-rows: no 'x', 'y' or 'yhat' record to take rows from");
    dl_set_free(&s);
}

/* Random text from the characters that matter to the parser: every input
 * must end in success or a data error naming the file, never a crash (the
 * suite also runs this under ASan and UBSan). */
static void test_random_text_never_crashes(void)
{
    static const char alphabet[] = "0123456789.,;eE-+ \t\n\r\"nNaIif#x:";
    dl_rng r;
    dl_rng_seed(&r, 11);
    int bad = 0;
    for (int i = 0; i < 1000; i++) {
        char text[200];
        size_t n = (size_t)dl_rng_below(&r, sizeof text);
        for (size_t k = 0; k < n; k++)
            text[k] = alphabet[dl_rng_below(&r, sizeof alphabet - 1)];
        text[n] = '\0';
        tx_import_opts o;
        tx_import_defaults(&o);
        o.format = i % 3 == 0 ? TX_SVMLIGHT : TX_CSV;
        o.targets = (uint64_t)(i % 2);
        dl_tensor_set s;
        dl_err e;
        dl_err_clear(&e);
        int rc = import_text(text, &o, &s, &e);
        if (rc != 0 && (rc != DL_EDATA || strncmp(e.msg, in_path, strlen(in_path)) != 0)) {
            if (bad++ < 3)
                fprintf(stderr, "status %d, '%s' for:\n%s\n", rc, e.msg, text);
        }
        dl_set_free(&s);
    }
    CHECK(bad == 0);
}

int main(void)
{
    temp_paths();
    UNIT_RUN(test_csv_targets_and_header);
    UNIT_RUN(test_chunks_reassemble);
    UNIT_RUN(test_errors_name_file_line_column);
    UNIT_RUN(test_swap_keeps_both_buffers);
    UNIT_RUN(test_a_file_that_shrinks_is_refused);
    UNIT_RUN(test_f32_and_name);
    UNIT_RUN(test_csv_table_metadata);
    UNIT_RUN(test_list_items);
    UNIT_RUN(test_npy_dict);
    UNIT_RUN(test_npy_header_alignment);
    UNIT_RUN(test_take_rows_keeps_alignment);
    UNIT_RUN(test_index_is_a_seeded_permutation);
    UNIT_RUN(test_no_rows_to_take);
    UNIT_RUN(test_random_text_never_crashes);
    unlink(in_path);
    unlink(out_path);
    return UNIT_DONE();
}
