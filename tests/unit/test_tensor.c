/* test_tensor.c - lib/tensor: dtype names both ways, renaming, shapes as
 * text, and sets that grow while keeping their tensors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor.h"
#include "unit.h"

static void test_dtype_names_round_trip(void)
{
    const int all[] = {DL_U8, DL_I32, DL_I64, DL_F32, DL_F64};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        CHECK(dl_dtype_parse(dl_dtype_name(all[i])) == all[i]);
    CHECK(dl_dtype_parse("f16") == -1); /* as every other *_parse */
    CHECK(dl_dtype_parse("") == -1);
    CHECK_STR(dl_dtype_name(0), "?");
}

static void test_rename_checks_the_length(void)
{
    dl_tensor t;
    uint64_t n = 3;
    dl_err e = {0};
    CHECK(dl_tensor_alloc(&t, "x", DL_F64, 1, &n, &e) == 0);
    CHECK(dl_tensor_rename(&t, "yhat", &e) == 0);
    CHECK_STR(t.name, "yhat");
    char longer[DL_NAME_MAX + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    CHECK(dl_tensor_rename(&t, longer, &e) == DL_EUSAGE);
    CHECK_STR(t.name, "yhat");
    longer[DL_NAME_MAX] = '\0';
    CHECK(dl_tensor_rename(&t, longer, &e) == 0 && strlen(t.name) == DL_NAME_MAX);
    dl_tensor_free(&t);
}

static void test_shapes_as_text(void)
{
    const uint64_t shape[] = {100, 3, 18446744073709551615u};
    char buf[64];
    dl_shape_format(0, shape, buf, sizeof buf);
    CHECK_STR(buf, "[]");
    dl_shape_format(2, shape, buf, sizeof buf);
    CHECK_STR(buf, "[100, 3]");
    dl_shape_format(3, shape, buf, sizeof buf);
    CHECK_STR(buf, "[100, 3, 18446744073709551615]");
    dl_shape_format(2, shape, buf, 6); /* cut short, still a string */
    CHECK_STR(buf, "[100,");
    dl_tensor t = {.name = "x", .dtype = DL_F64, .rank = 2, .shape = {100, 3}};
    dl_tensor_describe(&t, buf, sizeof buf);
    CHECK_STR(buf, "x f64 [100, 3]");
    dl_tensor_describe(&t, buf, 7);
    CHECK_STR(buf, "x f64 ");
}

static void test_set_grows_and_finds(void)
{
    dl_tensor_set s;
    dl_set_init(&s);
    dl_err e = {0};
    for (int i = 0; i < 100; i++) {
        dl_tensor t;
        uint64_t n = 1;
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        CHECK(dl_tensor_alloc(&t, name, DL_F64, 1, &n, &e) == 0);
        ((double *)t.data)[0] = i;
        CHECK(dl_set_add(&s, &t, &e) == 0);
    }
    CHECK(s.count == 100);
    dl_tensor *t = dl_set_find(&s, "t57");
    CHECK(t && ((double *)t->data)[0] == 57);
    CHECK(dl_set_find(&s, "t100") == NULL);
    dl_set_free(&s);
}

/* An int64 becomes the float nearest to it, as numpy's astype(float32):
 * through a double, 2^60 + 2^36 + 1 would round to the tie 2^60 + 2^36 and
 * then to 2^60. */
static void test_int64_to_f32_rounds_once(void)
{
    dl_tensor t;
    uint64_t n = 2;
    dl_err e = {0};
    CHECK(dl_tensor_alloc(&t, "x", DL_I64, 1, &n, &e) == 0);
    int64_t *v = t.data;
    v[0] = ((int64_t)1 << 60) + ((int64_t)1 << 36) + 1;
    v[1] = -v[0];
    CHECK(dl_tensor_convert(&t, DL_F32, &e) == 0);
    const float *f = t.data;
    CHECK(f[0] == 1152921642045800448.0f); /* 2^60 + 2^37, numpy's */
    CHECK(f[1] == -1152921642045800448.0f);
    dl_tensor_free(&t);
}

int main(void)
{
    UNIT_RUN(test_dtype_names_round_trip);
    UNIT_RUN(test_rename_checks_the_length);
    UNIT_RUN(test_shapes_as_text);
    UNIT_RUN(test_set_grows_and_finds);
    UNIT_RUN(test_int64_to_f32_rounds_once);
    return UNIT_DONE();
}
