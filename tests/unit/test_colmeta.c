/* test_colmeta.c - lib/colmeta: names and categories records both ways,
 * lookups, the one-copy rule for repeated metadata in a set, missing cells
 * and weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colmeta.h"
#include "unit.h"

/* A u8 rank-1 record called name holding text. */
static dl_tensor text(const char *name, const char *s)
{
    dl_tensor t;
    dl_err e = {0};
    uint64_t n = strlen(s);
    if (dl_tensor_alloc(&t, name, DL_U8, 1, &n, &e))
        abort();
    if (n)
        memcpy(t.data, s, n);
    return t;
}

/* A text a parser must refuse, and the message it must give. */
typedef struct refused {
    const char *text, *msg;
} refused;

/* Parses rec for a tensor of two columns; nonzero when refused. */
typedef int parse_fn(const dl_tensor *rec, dl_err *e);

static int parse_names(const dl_tensor *rec, dl_err *e)
{
    cm_names n;
    int rc = cm_names_parse(&n, rec, 2, e);
    if (rc == 0)
        cm_names_free(&n);
    return rc;
}

static int parse_categories(const dl_tensor *rec, dl_err *e)
{
    cm_categories c;
    int rc = cm_categories_parse(&c, rec, 2, e);
    if (rc == 0)
        cm_categories_free(&c);
    else
        CHECK(c.count == 0 && c.text == NULL); /* nothing left to free */
    return rc;
}

/* Every text of bad, as the record `name`, is bad data with its message. */
static void check_refused(const char *name, const refused *bad, size_t n, parse_fn *parse)
{
    for (size_t i = 0; i < n; i++) {
        dl_tensor rec = text(name, bad[i].text);
        dl_err e = {0};
        CHECK(parse(&rec, &e) == DL_EDATA);
        CHECK_STR(e.msg, bad[i].msg);
        dl_tensor_free(&rec);
    }
}

static void test_meta_names(void)
{
    CHECK(cm_is_meta_name("x.names"));
    CHECK(cm_is_meta_name("yhat.categories"));
    CHECK(!cm_is_meta_name(".names"));
    CHECK(!cm_is_meta_name("x"));
    CHECK(!cm_is_meta_name("names"));
    char out[DL_NAME_MAX + 1];
    dl_err e = {0};
    CHECK(cm_meta_name(out, "y", CM_CATEGORIES_SUFFIX, &e) == 0);
    CHECK_STR(out, "y.categories");
    char longer[DL_NAME_MAX + 1];
    memset(longer, 'a', DL_NAME_MAX);
    longer[DL_NAME_MAX] = '\0';
    CHECK(cm_meta_name(out, longer, CM_NAMES_SUFFIX, &e) == DL_EUSAGE);
}

static void test_names_parse_and_find(void)
{
    dl_tensor rec = text("x.names", "speed\ndepth\ncolor\n");
    cm_names n;
    dl_err e = {0};
    CHECK(cm_names_parse(&n, &rec, 3, &e) == 0);
    CHECK(n.count == 3);
    CHECK_STR(cm_names_at(&n, 1), "depth");
    CHECK(cm_names_at(&n, 3) == NULL);
    CHECK(cm_names_find(&n, "color") == 2);
    CHECK(cm_names_find(&n, "colour") == -1);
    cm_names_free(&n);
    /* wrong count */
    CHECK(cm_names_parse(&n, &rec, 2, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'x.names' has 3 names for 2 columns");
    dl_tensor_free(&rec);
}

/* A column number that is a column wins over a name; a name that reads as
 * a number but is no column is its column's name. */
static void test_column_pick(void)
{
    dl_tensor rec = text("x.names", "2019\n0\nage\n");
    cm_names n, none;
    cm_names_init(&none);
    dl_err e = {0};
    uint64_t col = 99;
    CHECK(cm_names_parse(&n, &rec, 3, &e) == 0);
    CHECK(cm_column_pick(&n, 3, "0", &col) == CM_PICKED_NUMBER && col == 0);
    CHECK(cm_column_pick(&n, 3, "2019", &col) == CM_PICKED_NAME && col == 0);
    CHECK(cm_column_pick(&n, 3, "age", &col) == CM_PICKED_NAME && col == 2);
    CHECK(cm_column_pick(&n, 3, "02", &col) == CM_PICKED_NUMBER && col == 2);
    col = 99;
    CHECK(cm_column_pick(&n, 3, "3", &col) == CM_PICKED_NONE && col == 99);
    CHECK(cm_column_pick(&n, 3, "", &col) == CM_PICKED_NONE);
    CHECK(cm_column_pick(&n, 3, "-1", &col) == CM_PICKED_NONE);
    CHECK(cm_column_pick(&n, 3, "18446744073709551616", &col) == CM_PICKED_NONE);
    CHECK(cm_column_pick(&none, 3, "1", &col) == CM_PICKED_NUMBER && col == 1);
    CHECK(cm_column_pick(&none, 3, "age", &col) == CM_PICKED_NONE);
    cm_names_free(&n);
    dl_tensor_free(&rec);
}

static void test_names_faults(void)
{
    static const refused bad[] = {
        {"a\na\n", "'x.names': line 2: the name 'a' is there twice"},
        {"a\n\n", "'x.names': line 2: the name is empty"},
        {"a\tb\nc\n", "'x.names': line 1: the name contains a control character"},
        {"a\nb", "'x.names': the last line does not end in a newline"},
        {"a\n\xff\n", "'x.names': line 2: the name is not valid UTF-8"},
    };
    check_refused("x.names", bad, sizeof bad / sizeof bad[0], parse_names);
    char longname[300];
    memset(longname, 'n', 256);
    strcpy(longname + 256, "\n");
    dl_tensor rec = text("x.names", longname);
    cm_names n;
    dl_err e = {0};
    CHECK(cm_names_parse(&n, &rec, 1, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'x.names': line 1: the name is longer than 255 bytes");
    dl_tensor_free(&rec);
    /* not text */
    dl_tensor f;
    CHECK(dl_tensor_alloc2(&f, "x.names", DL_F32, 2, 1, &e) == 0);
    CHECK(cm_names_parse(&n, &f, 2, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'x.names' is f32 of rank 2, not text (u8, rank 1)");
    dl_tensor_free(&f);
}

static void test_names_make_round_trip(void)
{
    const char *names[] = {"speed", "depth", "speed^2"};
    dl_tensor rec;
    dl_err e = {0};
    CHECK(cm_names_make(names, 3, "x.names", &rec, &e) == 0);
    CHECK(rec.dtype == DL_U8 && rec.rank == 1 && rec.shape[0] == 20);
    CHECK(memcmp(rec.data, "speed\ndepth\nspeed^2\n", 20) == 0);
    cm_names n;
    CHECK(cm_names_parse(&n, &rec, 3, &e) == 0);
    CHECK_STR(cm_names_at(&n, 2), "speed^2");
    cm_names_free(&n);
    dl_tensor_free(&rec);
    const char *twice[] = {"a", "b", "a"};
    CHECK(cm_names_make(twice, 3, "x.names", &rec, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'x.names': line 3: the name 'a' is there twice");
}

static void test_names_load_from_a_set(void)
{
    dl_tensor_set s;
    dl_set_init(&s);
    dl_err e = {0};
    cm_names n;
    CHECK(cm_names_load(&n, &s, "x", 2, &e) == 0);
    CHECK(n.count == 0 && cm_names_at(&n, 0) == NULL && cm_names_find(&n, "a") == -1);
    cm_names_free(&n);
    dl_tensor rec = text("x.names", "a\nb\n");
    CHECK(dl_set_add(&s, &rec, &e) == 0);
    CHECK(cm_names_load(&n, &s, "x", 2, &e) == 0);
    CHECK(n.count == 2 && cm_names_find(&n, "b") == 1);
    cm_names_free(&n);
    dl_set_free(&s);
}

static void test_categories_parse_and_lookup(void)
{
    dl_tensor rec = text("x.categories", "1\tblue\tgreen\tred\n3\tNY\tSF\n");
    cm_categories c;
    dl_err e = {0};
    CHECK(cm_categories_parse(&c, &rec, 4, &e) == 0);
    CHECK(c.count == 2);
    CHECK(cm_categories_column(&c, 0) == NULL);
    CHECK(cm_categories_column(&c, 2) == NULL);
    const cm_column *k = cm_categories_column(&c, 1);
    CHECK(k && k->count == 3);
    CHECK(cm_column_code(k, "green", 5) == 1);
    CHECK(cm_column_code(k, "greenish", 5) == 1); /* only len bytes count */
    CHECK(cm_column_code(k, "gree", 4) == -1);
    CHECK(cm_column_code(k, "yellow", 6) == -1);
    CHECK(cm_column_code(k, "blue", 4) == 0);
    CHECK(cm_column_code(k, "red", 3) == 2);
    CHECK_STR(cm_column_level(k, 2.0), "red");
    CHECK(cm_column_level(k, 3.0) == NULL);
    CHECK(cm_column_level(k, -1.0) == NULL);
    CHECK(cm_column_level(k, 0.5) == NULL);
    CHECK(cm_column_level(k, NAN) == NULL);
    k = cm_categories_column(&c, 3);
    CHECK(k && k->count == 2 && strcmp(k->level[1], "SF") == 0);
    cm_categories_free(&c);
    dl_tensor_free(&rec);
}

static void test_categories_faults(void)
{
    static const refused bad[] = {
        {"0\tb\ta\n", "'y.categories': line 1: level 'a' is listed after 'b' (levels are "
                      "sorted by bytes, each once)"},
        {"0\ta\ta\n", "'y.categories': line 1: level 'a' is listed twice (levels are sorted "
                      "by bytes, each once)"},
        {"0\ta\t\n", "'y.categories': line 1: level 2 is empty"},
        {"0\n", "'y.categories': line 1: column 1 has no levels"},
        {"2\ta\n", "'y.categories': line 1: column index 2, but the tensor has 2 columns"},
        {"1\ta\n0\tb\n", "'y.categories': line 2: column index 0 after 1 (one line per column, "
                         "in increasing order)"},
        {"01\ta\n", "'y.categories': line 1: '01' is not a column index"},
        {"x\ta\n", "'y.categories': line 1: 'x' is not a column index"},
        {"0\ta", "'y.categories': the last line does not end in a newline"},
        {"0\ta\x01\n", "'y.categories': line 1: level 1 contains a control character"},
    };
    check_refused("y.categories", bad, sizeof bad / sizeof bad[0], parse_categories);
}

static void test_categories_make_round_trip(void)
{
    char *species[] = {"setosa", "versicolor", "virginica"};
    cm_column k = {.col = 0, .count = 3, .level = species};
    dl_tensor rec;
    dl_err e = {0};
    CHECK(cm_categories_make(&k, 1, 1, "y.categories", &rec, &e) == 0);
    const char *want = "0\tsetosa\tversicolor\tvirginica\n";
    CHECK(rec.shape[0] == strlen(want) && memcmp(rec.data, want, strlen(want)) == 0);
    cm_categories c;
    CHECK(cm_categories_load(&c, &(dl_tensor_set){0}, "y", 1, &e) == 0 && c.count == 0);
    CHECK(cm_categories_parse(&c, &rec, 1, &e) == 0);
    CHECK(c.count == 1 && cm_column_code(&c.column[0], "virginica", 9) == 2);
    cm_categories_free(&c);
    dl_tensor_free(&rec);
    char *unsorted[] = {"b", "a"};
    cm_column u = {.col = 0, .count = 2, .level = unsorted};
    CHECK(cm_categories_make(&u, 1, 1, "y.categories", &rec, &e) == DL_EDATA);
    cm_column beyond = {.col = 1, .count = 3, .level = species};
    CHECK(cm_categories_make(&beyond, 1, 1, "y.categories", &rec, &e) == DL_EDATA);
}

/* A repeated metadata record is kept once when identical, refused when not;
 * data records still append. */
static void test_set_keeps_one_copy_of_metadata(void)
{
    dl_tensor_set s;
    dl_set_init(&s);
    dl_err e = {0};
    dl_tensor a = text("x.names", "a\nb\n"), b = text("x.names", "a\nb\n");
    CHECK(dl_set_add(&s, &a, &e) == 0);
    CHECK(dl_set_add(&s, &b, &e) == 0);
    dl_tensor *have = dl_set_find(&s, "x.names");
    CHECK(have && have->shape[0] == 4);
    dl_tensor c = text("x.names", "a\nc\n");
    CHECK(dl_set_add(&s, &c, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'x.names' differs between chunks");
    dl_tensor d = text("x.categories", "0\ta\n"), d2 = text("x.categories", "0\ta\tb\n");
    CHECK(dl_set_add(&s, &d, &e) == 0);
    CHECK(dl_set_add(&s, &d2, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'x.categories' differs between chunks");
    dl_tensor x1 = text("notes", "a"), x2 = text("notes", "b");
    CHECK(dl_set_add(&s, &x1, &e) == 0);
    CHECK(dl_set_add(&s, &x2, &e) == 0);
    CHECK(dl_set_find(&s, "notes")->shape[0] == 2);
    dl_set_free(&s);
}

/* A description of a chunk of `cols` columns (no data), as of a header. */
static dl_tensor chunk(const char *name, uint64_t cols)
{
    dl_tensor t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "%s", name);
    t.dtype = DL_F64;
    t.rank = 2;
    t.shape[0] = 3;
    t.shape[1] = cols;
    return t;
}

/* Records passed on: repeats are the first's bytes, and names and
 * categories fit their tensor's columns, whichever of the two comes first. */
static void test_passthrough(void)
{
    cm_passthrough p;
    cm_passthrough_init(&p);
    dl_err e = {0};
    dl_tensor yn = text("y.names", "a\nb\n"), same = text("y.names", "a\nb\n");
    dl_tensor other = text("y.names", "a\nc\n"), y = chunk("y", 1), y2 = chunk("y", 2);
    CHECK(cm_passthrough_meta(&p, &yn, &e) == 0);
    CHECK(cm_passthrough_meta(&p, &same, &e) == 0);
    CHECK(cm_passthrough_meta(&p, &other, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'y.names' differs between chunks");
    CHECK(cm_passthrough_chunk(&p, &y, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'y.names' has 2 names for 1 column");
    cm_passthrough_free(&p);
    cm_passthrough_init(&p);
    CHECK(cm_passthrough_meta(&p, &yn, &e) == 0);
    CHECK(cm_passthrough_chunk(&p, &y2, &e) == 0);
    CHECK(cm_passthrough_chunk(&p, &y, &e) == 0); /* the first chunk's width is checked */
    dl_tensor w = chunk("w", 1), wc = text("w.categories", "1\ta\n");
    CHECK(cm_passthrough_chunk(&p, &w, &e) == 0);
    CHECK(cm_passthrough_meta(&p, &wc, &e) == DL_EDATA); /* after w: w's width */
    CHECK_STR(e.msg, "'w.categories': line 1: column index 1, but the tensor has 1 column");
    cm_passthrough_free(&p);
    dl_tensor_free(&yn);
    dl_tensor_free(&same);
    dl_tensor_free(&other);
    dl_tensor_free(&wc);
}

/* A set's metadata against its tensors; metadata of no tensor in it, and
 * a tensor whose name leaves no room for a suffix, pass. */
static void test_set_meta_fits(void)
{
    dl_tensor_set s;
    dl_set_init(&s);
    dl_err e = {0};
    dl_tensor xn = text("x.names", "a\nb\n"), yn = text("y.names", "v\n");
    dl_tensor x;
    CHECK(dl_tensor_alloc2(&x, "x", DL_F64, 2, 2, &e) == 0);
    CHECK(dl_set_add(&s, &xn, &e) == 0 && dl_set_add(&s, &yn, &e) == 0);
    CHECK(dl_set_add(&s, &x, &e) == 0);
    char longest[DL_NAME_MAX + 1];
    memset(longest, 'a', DL_NAME_MAX);
    longest[DL_NAME_MAX] = '\0';
    dl_tensor l;
    CHECK(dl_tensor_alloc2(&l, longest, DL_F64, 1, 1, &e) == 0);
    CHECK(dl_set_add(&s, &l, &e) == 0);
    CHECK(cm_set_meta_fits(&s, &e) == 0);
    dl_tensor y;
    CHECK(dl_tensor_alloc2(&y, "y", DL_F64, 2, 3, &e) == 0);
    CHECK(dl_set_add(&s, &y, &e) == 0);
    CHECK(cm_set_meta_fits(&s, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'y.names' has 1 name for 3 columns");
    dl_set_free(&s);
}

static void test_missing_cells(void)
{
    dl_tensor x;
    dl_err e = {0};
    CHECK(dl_tensor_alloc2(&x, "x", DL_F64, 3, 2, &e) == 0);
    CHECK(cm_check_missing(&x, NULL, 0, &e) == 0);
    ((double *)x.data)[3] = NAN; /* row 2, column 2 */
    CHECK(cm_check_missing(&x, NULL, 0, &e) == DL_EDATA);
    CHECK_STR(e.msg, "row 2, column 2: missing value (impute with dl-design --impute)");
    dl_tensor rec = text("x.names", "speed\ndepth\n");
    cm_names n;
    CHECK(cm_names_parse(&n, &rec, 2, &e) == 0);
    CHECK(cm_check_missing(&x, &n, 10, &e) == DL_EDATA);
    CHECK_STR(e.msg,
              "row 12, column 2 ('depth'): missing value (impute with dl-design --impute)");
    ((double *)x.data)[3] = INFINITY; /* not missing: another check's business */
    CHECK(cm_check_missing(&x, &n, 0, &e) == 0);
    cm_names_free(&n);
    dl_tensor_free(&rec);
    dl_tensor_free(&x);
}

static void test_weights(void)
{
    dl_tensor w;
    dl_err e = {0};
    uint64_t n = 3;
    CHECK(dl_tensor_alloc(&w, "w", DL_F32, 1, &n, &e) == 0);
    float *v = w.data;
    v[0] = 1, v[1] = 0, v[2] = 2.5f;
    CHECK(cm_weights_check(&w, 3, &e) == 0);
    CHECK(cm_weight_at(&w, 2) == 2.5);
    CHECK(cm_weights_check(&w, 4, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'w' has 3 rows but 'x' has 4");
    v[1] = -1;
    CHECK(cm_weights_check(&w, 3, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'w': row 2: weight -1 is negative");
    v[1] = NAN;
    CHECK(cm_weights_check(&w, 3, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'w': row 2: the weight is missing (NaN)");
    v[1] = INFINITY;
    CHECK(cm_weights_check(&w, 3, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'w': row 2: weight inf is not finite");
    /* a chunk whose rows start at row 11 of the data set */
    CHECK(cm_weights_check_chunk(&w, 3, 10, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'w': row 12: weight inf is not finite");
    dl_tensor_free(&w);
    CHECK(dl_tensor_alloc2(&w, "w", DL_F64, 3, 2, &e) == 0);
    CHECK(cm_weights_check(&w, 3, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'w' has 2 columns; weights are N x 1");
    dl_tensor_free(&w);
    CHECK(dl_tensor_alloc2(&w, "w", DL_I32, 3, 1, &e) == 0);
    CHECK(cm_weights_check(&w, 3, &e) == DL_EDATA);
    CHECK_STR(e.msg, "'w' is i32; weights are floats");
    dl_tensor_free(&w);
}

int main(void)
{
    UNIT_RUN(test_meta_names);
    UNIT_RUN(test_names_parse_and_find);
    UNIT_RUN(test_column_pick);
    UNIT_RUN(test_names_faults);
    UNIT_RUN(test_names_make_round_trip);
    UNIT_RUN(test_names_load_from_a_set);
    UNIT_RUN(test_categories_parse_and_lookup);
    UNIT_RUN(test_categories_faults);
    UNIT_RUN(test_categories_make_round_trip);
    UNIT_RUN(test_set_keeps_one_copy_of_metadata);
    UNIT_RUN(test_passthrough);
    UNIT_RUN(test_set_meta_fits);
    UNIT_RUN(test_missing_cells);
    UNIT_RUN(test_weights);
    return UNIT_DONE();
}
