/* test_shard.c - sh_read: each part gets exactly its rows of x and y,
 * across chunk boundaries and zlib chunks, the design whole, other records
 * skipped; errors for too few rows, standard input, mismatched x and y;
 * chunks that differ, or a record cut short, refused with the one-process
 * reader's message, whichever share holds them. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shard.h"
#include "stream.h"
#include "unit.h"

/* 10 rows, x [10 x 2] = (i, -i) in chunks of 4, 4, 2; y [10 x 1] = i in
 * chunks of 3, 7; a design record between them; an unused record last. */
static void write_data(const char *path, int flags)
{
    dl_err e;
    st_writer *w;
    dl_err_clear(&e);
    CHECK(st_writer_open(&w, path, flags, &e) == 0);
    float x[20], y[10];
    for (int i = 0; i < 10; i++) {
        x[2 * i] = (float)i;
        x[2 * i + 1] = (float)-i;
        y[i] = (float)i;
    }
    uint64_t s4[2] = {4, 2}, s2[2] = {2, 2}, y3[2] = {3, 1}, y7[2] = {7, 1}, d[1] = {3};
    unsigned char design[3] = {'a', 'b', 'c'};
    CHECK(st_write_data(w, "x", DL_F32, 2, s4, x, &e) == 0);
    CHECK(st_write_data(w, "y", DL_F32, 2, y3, y, &e) == 0);
    CHECK(st_write_data(w, "design", DL_U8, 1, d, design, &e) == 0);
    CHECK(st_write_data(w, "x", DL_F32, 2, s4, x + 8, &e) == 0);
    CHECK(st_write_data(w, "x", DL_F32, 2, s2, x + 16, &e) == 0);
    CHECK(st_write_data(w, "y", DL_F32, 2, y7, y + 3, &e) == 0);
    CHECK(st_write_data(w, "other", DL_F32, 2, s2, x, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
}

static void parts_of(const char *path, int parts)
{
    uint64_t next = 0;
    for (int p = 0; p < parts; p++) {
        dl_tensor_set set;
        sh_share share;
        dl_err e;
        dl_err_clear(&e);
        dl_set_init(&set);
        CHECK(sh_read(path, p, parts, &set, &share, &e) == 0);
        CHECK(share.rows == 10 && share.first == next);
        CHECK(share.count == 10 / (uint64_t)parts + ((uint64_t)p < 10 % (uint64_t)parts));
        next += share.count;
        dl_tensor *x = dl_set_find(&set, "x"), *y = dl_set_find(&set, "y");
        CHECK(x && y && dl_set_find(&set, "design") && !dl_set_find(&set, "other"));
        if (x && y) {
            CHECK(x->shape[0] == share.count && y->shape[0] == share.count);
            for (uint64_t i = 0; i < share.count && x->shape[0] == share.count; i++) {
                float row = (float)(share.first + i);
                CHECK(((float *)x->data)[2 * i] == row && ((float *)x->data)[2 * i + 1] == -row);
                CHECK(((float *)y->data)[i] == row);
            }
        }
        dl_set_free(&set);
    }
    CHECK(next == 10);
}

static void test_parts_get_their_rows(void)
{
    char path[] = "/tmp/dl-test-shard-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    for (int flags = 0; flags <= ST_ZLIB; flags += ST_ZLIB) {
        write_data(path, flags);
        for (int parts = 1; parts <= 4; parts++)
            parts_of(path, parts);
    }
    remove(path);
}

static void test_refusals(void)
{
    dl_tensor_set set;
    sh_share share;
    dl_err e;
    dl_err_clear(&e);
    dl_set_init(&set);
    char path[] = "/tmp/dl-test-shard-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    write_data(path, 0);
    /* 10 rows for 11: the last share is empty, with x's and y's columns */
    CHECK(sh_read(path, 10, 11, &set, &share, &e) == 0);
    CHECK(share.rows == 10 && share.first == 10 && share.count == 0);
    dl_tensor *x = dl_set_find(&set, "x"), *y = dl_set_find(&set, "y");
    CHECK(x && x->rank == 2 && x->shape[0] == 0 && x->shape[1] == 2);
    CHECK(y && y->rank == 2 && y->shape[0] == 0 && y->shape[1] == 1);
    CHECK(dl_set_find(&set, "design") != NULL);
    dl_set_free(&set);
    dl_set_init(&set);
    CHECK(sh_read("-", 0, 2, &set, &share, &e) == DL_EUSAGE);
    st_writer *w;
    float v[4] = {0};
    uint64_t s2[2] = {2, 2}, s1[2] = {1, 1};
    CHECK(st_writer_open(&w, path, 0, &e) == 0);
    CHECK(st_write_data(w, "x", DL_F32, 2, s2, v, &e) == 0);
    CHECK(st_write_data(w, "y", DL_F32, 2, s1, v, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    CHECK(sh_read(path, 0, 2, &set, &share, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "'x' has 2 rows but 'y' has 1") != NULL);
    dl_set_free(&set);
    remove(path);
}

/* 4 rows of x and y: x in two chunks of 2 rows, the second of `dtype2`
 * and `cols2` columns; x.names before each x chunk, the second `names2`. */
static void write_chunks(const char *path, int dtype2, uint64_t cols2, const char *names2)
{
    dl_err e;
    st_writer *w;
    dl_err_clear(&e);
    double v[8] = {0};
    uint64_t x1[2] = {2, 2}, x2[2] = {2, cols2}, y[2] = {4, 1}, n[1] = {3};
    CHECK(st_writer_open(&w, path, 0, &e) == 0);
    CHECK(st_write_data(w, "x.names", DL_U8, 1, n, "a\nb", &e) == 0);
    CHECK(st_write_data(w, "x", DL_F64, 2, x1, v, &e) == 0);
    CHECK(st_write_data(w, "y", DL_F64, 2, y, v, &e) == 0);
    CHECK(st_write_data(w, "x.names", DL_U8, 1, n, names2, &e) == 0);
    CHECK(st_write_data(w, "x", dtype2, 2, x2, v, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
}

/* st_read_set's error for the stream at path, and every part's the same. */
static void same_refusal(const char *path, const char *what)
{
    dl_tensor_set set;
    sh_share share;
    dl_err one, e;
    dl_err_clear(&one);
    dl_set_init(&set);
    CHECK(st_read_set(path, &set, &one) == DL_EDATA);
    CHECK(strstr(one.msg, what) != NULL);
    dl_set_free(&set);
    for (int p = 0; p < 2; p++) {
        dl_err_clear(&e);
        dl_set_init(&set);
        CHECK(sh_read(path, p, 2, &set, &share, &e) == DL_EDATA);
        CHECK_STR(e.msg, one.msg);
        dl_set_free(&set);
    }
}

static void test_chunks_checked_as_one_process(void)
{
    char path[] = "/tmp/dl-test-shard-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    write_chunks(path, DL_F64, 2, "a\nb");
    dl_tensor_set set;
    sh_share share;
    dl_err e;
    dl_err_clear(&e);
    for (int p = 0; p < 2; p++) {
        dl_set_init(&set);
        CHECK(sh_read(path, p, 2, &set, &share, &e) == 0);
        dl_set_free(&set);
    }
    write_chunks(path, DL_F32, 2, "a\nb");
    same_refusal(path, "record 5 ('x'): chunk dtype f32 differs from f64, the first chunk's (record 2)");
    write_chunks(path, DL_F64, 3, "a\nb");
    same_refusal(path, "record 5 ('x'): chunk axis 1 is 3, expected 2, the first chunk's (record 2)");
    write_chunks(path, DL_F64, 2, "c\nd");
    same_refusal(path, "'x.names' differs between chunks");
    remove(path);
}

/* A record cut short reads the same whether a part passes over it or
 * reads it: here the last, which every part passes over. */
static void test_truncation_named_as_one_process(void)
{
    char path[] = "/tmp/dl-test-shard-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    write_data(path, 0); /* a new file renamed over path: opened again */
    fd = open(path, O_RDWR);
    off_t size = lseek(fd, 0, SEEK_END);
    CHECK(size > 10 && ftruncate(fd, size - 10) == 0);
    close(fd);
    same_refusal(path, "record 7 ('other'): truncated: the payload has 6 of its 16 bytes");
    remove(path);
}

int main(void)
{
    UNIT_RUN(test_parts_get_their_rows);
    UNIT_RUN(test_refusals);
    UNIT_RUN(test_chunks_checked_as_one_process);
    UNIT_RUN(test_truncation_named_as_one_process);
    return UNIT_DONE();
}
