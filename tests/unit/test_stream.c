/* Unit tests of the tensor stream: round trips, chunk reassembly, and a
 * reader that must reject every damaged stream without crashing. */
#include <float.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blasmem.h"
#include "crc32c.h"
#include "stream.h"
#include "unit.h"

/* A descriptor of an unlinked temporary file holding len bytes of buf,
 * at its start. */
static int fd_holding(const unsigned char *buf, size_t len)
{
    char path[] = "/tmp/dl-test-stream-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    CHECK(write(fd, buf, len) == (ssize_t)len);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/* The whole file of fd (closed after), in memory. */
static unsigned char *fd_bytes(int fd, size_t *len)
{
    off_t size = lseek(fd, 0, SEEK_END);
    unsigned char *buf = malloc((size_t)size + 1);
    CHECK(pread(fd, buf, (size_t)size, 0) == size);
    close(fd);
    *len = (size_t)size;
    return buf;
}

/* Writes the records into a temporary file and returns its bytes. */
static unsigned char *stream_bytes(const dl_tensor *ts, int n, int flags, size_t *len)
{
    int fd = fd_holding((const unsigned char *)"", 0);
    st_writer *w;
    dl_err e;
    CHECK(st_writer_from_fd(&w, fd, "mem", flags | ST_ALLOW_TTY, &e) == 0);
    for (int i = 0; i < n; i++)
        CHECK(st_write(w, &ts[i], &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    return fd_bytes(fd, len);
}

/* Reads bytes back as a set; returns the reader's status code. */
static int read_bytes(const unsigned char *buf, size_t len, dl_tensor_set *set, dl_err *e)
{
    int fd = fd_holding(buf, len);
    st_reader *r;
    dl_set_init(set);
    int rc = st_reader_from_fd(&r, fd, "mem", e);
    if (!rc)
        rc = st_read_set_from(r, set, e);
    st_reader_close(r);
    close(fd);
    return rc;
}

/* Reads every header of the stream in buf and skips every payload, as info
 * and a tool that passes records through do; the reader's status code. */
static int skip_bytes(const unsigned char *buf, size_t len, dl_err *e)
{
    int fd = fd_holding(buf, len), found = 1;
    st_reader *r;
    st_header h;
    int rc = st_reader_from_fd(&r, fd, "mem", e);
    while (!rc && !(rc = st_next_header(r, &h, &found, e)) && found)
        rc = st_skip_payload(r, &h, e);
    st_reader_close(r);
    close(fd);
    return rc;
}

static void make_xy(dl_tensor t[2], uint64_t rows)
{
    dl_err e;
    CHECK(dl_tensor_alloc2(&t[0], "x", DL_F64, rows, 3, &e) == 0);
    CHECK(dl_tensor_alloc2(&t[1], "y", DL_F32, rows, 1, &e) == 0);
    for (uint64_t i = 0; i < rows * 3; i++)
        ((double *)t[0].data)[i] = (double)i * 0.25 - 7.0;
    for (uint64_t i = 0; i < rows; i++)
        ((float *)t[1].data)[i] = (float)i;
}

static void round_trip(int flags)
{
    dl_tensor t[2];
    dl_tensor_set set;
    dl_err e;
    size_t len;
    make_xy(t, 1000);
    unsigned char *buf = stream_bytes(t, 2, flags, &len);
    CHECK(read_bytes(buf, len, &set, &e) == 0);
    CHECK(set.count == 2);
    dl_tensor *x = dl_set_find(&set, "x"), *y = dl_set_find(&set, "y");
    CHECK(x && x->dtype == DL_F64 && x->rank == 2 && x->shape[0] == 1000 && x->shape[1] == 3);
    CHECK(y && y->dtype == DL_F32 && y->shape[0] == 1000);
    CHECK(x && memcmp(x->data, t[0].data, 1000 * 3 * 8) == 0);
    CHECK(y && memcmp(y->data, t[1].data, 1000 * 4) == 0);
    dl_set_free(&set);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
    free(buf);
}

static void test_round_trip_raw(void) { round_trip(0); }
static void test_round_trip_zlib(void) { round_trip(ST_ZLIB); }

static void test_little_endian_layout(void)
{
    dl_tensor t;
    dl_err e;
    size_t len;
    uint64_t shape[1] = {1};
    CHECK(dl_tensor_alloc(&t, "ab", DL_I32, 1, shape, &e) == 0);
    ((int32_t *)t.data)[0] = 0x01020304;
    unsigned char *buf = stream_bytes(&t, 1, 0, &len);
    CHECK(len == 24 + 8 + 2 + 4 + 4);
    CHECK(buf[0] == 0x89 && buf[1] == 'D' && buf[2] == 'L' && buf[3] == 'T');
    CHECK(buf[4] == 1 && buf[5] == DL_I32 && buf[6] == 0 && buf[7] == 1);
    CHECK(buf[8] == 2 && buf[9] == 0 && buf[12] == 4);
    CHECK(buf[24] == 1 && buf[32] == 'a' && buf[33] == 'b');
    CHECK(buf[38] == 4 && buf[39] == 3 && buf[40] == 2 && buf[41] == 1);
    dl_tensor_free(&t);
    free(buf);
}

/* Chunks of x and y, the second pair raw (read onto the end of the first)
 * or deflated, reassemble in order. */
static void test_chunks_reassemble(void)
{
    for (int flags = 0; flags <= ST_ZLIB; flags += ST_ZLIB) {
        dl_tensor a[2], b[2];
        dl_tensor_set set;
        dl_err e;
        size_t la, lb;
        make_xy(a, 5);
        make_xy(b, 7);
        unsigned char *ba = stream_bytes(a, 2, 0, &la), *bb = stream_bytes(b, 2, flags, &lb);
        unsigned char *cat = malloc(la + lb);
        memcpy(cat, ba, la);
        memcpy(cat + la, bb, lb);
        CHECK(read_bytes(cat, la + lb, &set, &e) == 0);
        dl_tensor *x = dl_set_find(&set, "x"), *y = dl_set_find(&set, "y");
        CHECK(set.count == 2 && x && x->shape[0] == 12 && y && y->shape[0] == 12);
        CHECK(x && memcmp(x->data, a[0].data, 5 * 3 * sizeof(double)) == 0 &&
              memcmp((double *)x->data + 5 * 3, b[0].data, 7 * 3 * sizeof(double)) == 0);
        CHECK(y && memcmp((float *)y->data + 5, b[1].data, 7 * sizeof(float)) == 0);
        dl_set_free(&set);
        for (int i = 0; i < 2; i++) {
            dl_tensor_free(&a[i]);
            dl_tensor_free(&b[i]);
        }
        free(ba);
        free(bb);
        free(cat);
    }
}

static int not_state(const char *name) { return strncmp(name, "state.", 6) != 0; }
static int is_w(const char *name) { return strcmp(name, "w") == 0; }

/* st_read_set_only passes over the records it is told to: in a file, by
 * seeking (a damaged payload there goes unnoticed, where st_read_set
 * refuses it), and the chunks on either side of one still reassemble. */
static void test_read_set_only(void)
{
    dl_tensor xy[2], m;
    dl_tensor_set set;
    dl_err e;
    size_t len;
    make_xy(xy, 5);
    CHECK(dl_tensor_alloc2(&m, "state.m", DL_F32, 1 << 18, 2, &e) == 0); /* 2 MiB */
    dl_tensor records[4] = {xy[0], m, xy[0], xy[1]};
    unsigned char *bytes = stream_bytes(records, 4, 0, &len);
    bytes[len / 2] ^= 1; /* inside state.m's payload */
    char path[] = "/tmp/dl-test-stream-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, bytes, len) == (ssize_t)len && close(fd) == 0);
    dl_set_init(&set);
    CHECK(st_read_set_only(path, &set, not_state, &e) == 0);
    dl_tensor *x = dl_set_find(&set, "x"), *y = dl_set_find(&set, "y");
    CHECK(set.count == 2 && !dl_set_find(&set, "state.m"));
    CHECK(x && x->shape[0] == 10 &&
          memcmp((double *)x->data + 15, xy[0].data, 15 * sizeof(double)) == 0);
    CHECK(y && y->shape[0] == 5 && memcmp(y->data, xy[1].data, 5 * sizeof(float)) == 0);
    dl_set_free(&set);
    dl_set_init(&set);
    CHECK(st_read_set(path, &set, &e) == DL_EDATA && strstr(e.msg, "'state.m'") &&
          strstr(e.msg, "checksum"));
    dl_set_free(&set);
    unlink(path);
    free(bytes);
    dl_tensor_free(&xy[0]);
    dl_tensor_free(&xy[1]);
    dl_tensor_free(&m);
}

/* A checkpoint holds each tensor once: a large one deflated in chunks, its
 * records one after another, is read whole; a name that comes back after
 * another's record is refused naming it, also one passed over. */
static void test_read_checkpoint_once(void)
{
    dl_tensor m, w;
    dl_tensor_set set;
    dl_err e;
    size_t len;
    uint64_t one = 1;
    CHECK(dl_tensor_alloc(&m, "model", DL_U8, 1, &one, &e) == 0);
    ((unsigned char *)m.data)[0] = 'k';
    CHECK(dl_tensor_alloc2(&w, "w", DL_F32, 1200000, 1, &e) == 0); /* 4.8 MB: two records */
    for (uint64_t i = 0; i < 1200000; i++)
        ((float *)w.data)[i] = (float)(i % 1009);
    char path[] = "/tmp/dl-test-stream-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    dl_tensor whole[2] = {m, w}, twice[3] = {m, w, m};
    for (int again = 0; again < 2; again++) {
        unsigned char *bytes = stream_bytes(again ? twice : whole, again ? 3 : 2, ST_ZLIB, &len);
        FILE *f = fopen(path, "wb");
        CHECK(f && fwrite(bytes, 1, len, f) == len && fclose(f) == 0);
        free(bytes);
        for (int skip_model = 0; skip_model < 2; skip_model++) {
            dl_set_init(&set);
            int rc = st_read_checkpoint(path, &set, skip_model ? is_w : NULL, &e);
            if (!again) {
                dl_tensor *got = dl_set_find(&set, "w");
                CHECK(rc == 0 && got && got->shape[0] == 1200000 &&
                      memcmp(got->data, w.data, 4800000) == 0);
            } else {
                char want[200];
                snprintf(want, sizeof want, "%s: record 4 ('model'): a second 'model' record "
                         "(the first is record 1)", path);
                CHECK(rc == DL_EDATA && strncmp(e.msg, want, strlen(want)) == 0);
            }
            dl_set_free(&set);
        }
    }
    unlink(path);
    dl_tensor_free(&m);
    dl_tensor_free(&w);
}

/* The set a file of these bytes reads as, its reads shared or not;
 * the status code, and the message in msg. */
static int read_file_set(const unsigned char *buf, size_t len, int share, dl_tensor_set *set,
                         char *msg)
{
    int fd = fd_holding(buf, len);
    st_reader *r;
    dl_err e;
    dl_err_clear(&e);
    dl_set_init(set);
    int rc = st_reader_from_fd(&r, fd, "mem", &e);
    if (!rc) {
        st_reader_share_reads(r, share);
        rc = st_read_set_from(r, set, &e);
    }
    st_reader_close(r);
    close(fd);
    snprintf(msg, DL_ERR_MSG_MAX, "%s", e.msg);
    return rc;
}

static int read_pieces(const unsigned char *buf, size_t len, uint64_t piece_rows, int threaded,
                       int share, const dl_tensor *want, int *pieces, char *msg);

/* A reader that shares its reads takes a large payload from a file in
 * parts on BLAS's threads: a record read whole (whose start is already
 * buffered), a chunk appended in place and the pieces of one, the same as
 * a reader that does not, and so are the messages for a damaged and a
 * truncated payload. */
static void test_shared_reads(void)
{
    dl_err e;
    CHECK(dl_blas_reserve(2, NULL, &e) == 0);
    dl_blas_set_threads(2);
    dl_tensor x, y;
    CHECK(dl_tensor_alloc2(&x, "x", DL_F32, 3 << 19, 3, &e) == 0); /* 18 MiB */
    CHECK(dl_tensor_alloc2(&y, "y", DL_F32, 5, 1, &e) == 0);
    for (size_t i = 0; i < (size_t)9 << 19; i++)
        ((float *)x.data)[i] = (float)(i % 1000003) * 0.5f - 7.0f;
    dl_tensor records[3] = {y, x, x};
    size_t len;
    unsigned char *bytes = stream_bytes(records, 3, 0, &len);
    char shared_msg[DL_ERR_MSG_MAX], plain_msg[DL_ERR_MSG_MAX];
    for (int damage = 0; damage < 3; damage++) {
        size_t n = damage == 2 ? len - 12345 : len; /* 2: the last chunk cut short */
        if (damage == 1)
            bytes[len / 3] ^= 4; /* inside the first x */
        dl_tensor_set shared, plain;
        int rc = read_file_set(bytes, n, 1, &shared, shared_msg);
        CHECK(rc == read_file_set(bytes, n, 0, &plain, plain_msg));
        CHECK(strcmp(shared_msg, plain_msg) == 0);
        /* pieces of 3 MiB, each read in parts */
        int pieces;
        CHECK(read_pieces(bytes, n, 1 << 18, 0, 1, damage ? NULL : &x, &pieces, shared_msg) == rc);
        CHECK(strcmp(shared_msg, plain_msg) == 0);
        if (damage == 0) {
            dl_tensor *a = dl_set_find(&shared, "x"), *b = dl_set_find(&plain, "x");
            CHECK(rc == 0 && a && b && a->shape[0] == 3 << 20);
            CHECK(a && b && memcmp(a->data, b->data, (size_t)36 << 20) == 0);
            CHECK(a && memcmp((float *)a->data + ((size_t)9 << 19), x.data, (size_t)18 << 20) == 0);
        } else {
            CHECK(rc == DL_EDATA &&
                  strstr(shared_msg, damage == 1 ? "checksum mismatch" : "truncated: the payload has"));
        }
        if (damage == 1)
            bytes[len / 3] ^= 4;
        dl_set_free(&shared);
        dl_set_free(&plain);
    }
    dl_blas_set_threads(1);
    free(bytes);
    dl_tensor_free(&x);
    dl_tensor_free(&y);
}

/* A reader that shares its reads meets deflated records: BLAS runs on one
 * thread while they are inflated (its idle workers parked), and on as
 * many as before once the set is read; the set is the plain reader's. */
static void test_shared_reads_deflated(void)
{
    dl_err e;
    CHECK(dl_blas_reserve(2, NULL, &e) == 0);
    dl_blas_set_threads(2);
    dl_tensor x;
    CHECK(dl_tensor_alloc2(&x, "x", DL_F64, 1 << 17, 4, &e) == 0); /* 4 MiB */
    for (size_t i = 0; i < (size_t)1 << 19; i++)
        ((double *)x.data)[i] = (double)(i % 977) * 0.25;
    dl_tensor records[2] = {x, x};
    size_t len;
    unsigned char *bytes = stream_bytes(records, 2, ST_ZLIB, &len);
    char shared_msg[DL_ERR_MSG_MAX], plain_msg[DL_ERR_MSG_MAX];
    dl_tensor_set shared, plain;
    CHECK(read_file_set(bytes, len, 1, &shared, shared_msg) == 0);
    CHECK(dl_blas_threads() == 2);
    CHECK(read_file_set(bytes, len, 0, &plain, plain_msg) == 0);
    dl_tensor *a = dl_set_find(&shared, "x"), *b = dl_set_find(&plain, "x");
    CHECK(a && b && a->shape[0] == 1 << 18 && memcmp(a->data, b->data, (size_t)8 << 20) == 0);
    dl_set_free(&shared);
    dl_set_free(&plain);
    dl_blas_set_threads(1);
    free(bytes);
    dl_tensor_free(&x);
}

/* A tensor larger than a deflated record goes out as records of 4 MiB of
 * rows (every other one deflated on the writer's worker), in order: five
 * here, the last one short, and the set reads back whole. */
static void test_large_tensor_deflates_in_chunks(void)
{
    dl_tensor t;
    dl_err e;
    size_t len;
    uint64_t rows = 700001, per = (4u << 20) / 24;
    CHECK(dl_tensor_alloc2(&t, "x", DL_F64, rows, 3, &e) == 0);
    for (uint64_t i = 0; i < rows * 3; i++)
        ((double *)t.data)[i] = (double)(i % 1000003) * 0.5;
    unsigned char *buf = stream_bytes(&t, 1, ST_ZLIB, &len);
    int fd = fd_holding(buf, len);
    st_reader *r;
    CHECK(st_reader_from_fd(&r, fd, "mem", &e) == 0);
    st_header h;
    int found, records = 0, bad = 0;
    uint64_t at = 0;
    while (st_next_header(r, &h, &found, &e) == 0 && found) {
        dl_tensor c;
        bad += h.encoding != ST_DEFLATE || h.shape[0] != (rows - at < per ? rows - at : per);
        bad += st_read_payload(r, &h, &c, &e) != 0 ||
               memcmp(c.data, (double *)t.data + at * 3, (size_t)h.shape[0] * 24) != 0;
        at += h.shape[0];
        records++;
        dl_tensor_free(&c);
    }
    CHECK(bad == 0 && records == 5 && at == rows);
    st_reader_close(r);
    close(fd);
    dl_tensor_free(&t);
    free(buf);
}

/* Records of one chunk each, written one at a time into a buffer the
 * caller overwrites at once (the writer deflates one on a worker while the
 * caller goes on, from its own copy): the stream holds them in order, with
 * small and rank-0 records between; aborting with one pending leaves no
 * leak (ASan) and an output that is whole records or empty. */
static void test_records_deflated_in_turn(void)
{
    enum { N = 7, ROWS = 50000 }; /* 50000 x 4 f64 = 1.6 MB a record */
    dl_tensor t, small, scalar;
    dl_err e;
    CHECK(dl_tensor_alloc2(&t, "x", DL_F64, ROWS, 4, &e) == 0);
    CHECK(dl_tensor_alloc2(&small, "y", DL_F32, 3, 1, &e) == 0);
    uint64_t none[1] = {0};
    CHECK(dl_tensor_alloc(&scalar, "lr", DL_F64, 0, none, &e) == 0);
    int fd = fd_holding((const unsigned char *)"", 0);
    st_writer *w;
    CHECK(st_writer_from_fd(&w, fd, "mem", ST_ZLIB | ST_ALLOW_TTY, &e) == 0);
    for (int k = 0; k < N; k++) {
        for (size_t i = 0; i < ROWS * 4; i++)
            ((double *)t.data)[i] = (double)k * 1e6 + (double)(i % 65521);
        CHECK(st_write(w, &t, &e) == 0);
        if (k == 2)
            CHECK(st_write(w, &small, &e) == 0);
        if (k == 4)
            CHECK(st_write(w, &scalar, &e) == 0);
    }
    CHECK(st_writer_close(w, &e) == 0);
    size_t len;
    unsigned char *buf = fd_bytes(fd, &len);
    fd = fd_holding(buf, len);
    st_reader *r;
    CHECK(st_reader_from_fd(&r, fd, "mem", &e) == 0);
    st_header h;
    int found, k = 0, bad = 0, order = 0;
    const char *want[N + 2] = {"x", "x", "x", "y", "x", "x", "lr", "x", "x"};
    while (st_next_header(r, &h, &found, &e) == 0 && found) {
        dl_tensor c;
        bad += order >= N + 2 || strcmp(h.name, want[order]) != 0;
        order++;
        CHECK(st_read_payload(r, &h, &c, &e) == 0);
        if (strcmp(h.name, "x") == 0) {
            bad += h.encoding != ST_DEFLATE || c.shape[0] != ROWS;
            for (size_t i = 0; i < ROWS * 4; i++)
                bad += ((double *)c.data)[i] != (double)k * 1e6 + (double)(i % 65521);
            k++;
        }
        dl_tensor_free(&c);
    }
    CHECK(bad == 0 && k == N && order == N + 2);
    st_reader_close(r);
    close(fd);
    free(buf);
    /* abandoned with a record pending: nothing went out, so nothing is there */
    fd = fd_holding((const unsigned char *)"", 0);
    CHECK(st_writer_from_fd(&w, fd, "mem", ST_ZLIB | ST_ALLOW_TTY, &e) == 0);
    CHECK(st_write(w, &t, &e) == 0);
    st_writer_abort(w);
    buf = fd_bytes(fd, &len);
    CHECK(len == 0);
    free(buf);
    dl_tensor_free(&t), dl_tensor_free(&small), dl_tensor_free(&scalar);
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* `more` rows more in the shape of the rank-2 record 'x' at rec (its
 * header checksum made right again): a deflated payload then inflates to
 * another length than the shape's. */
static void claim_rows(unsigned char *rec, int more)
{
    uint64_t rows = get_le(rec + 24, 8) + (uint64_t)(int64_t)more;
    for (int i = 0; i < 8; i++)
        rec[24 + i] = (unsigned char)(rows >> (8 * i));
    uint32_t crc = st_crc32(0, rec, 41);
    for (int i = 0; i < 4; i++)
        rec[41 + i] = (unsigned char)(crc >> (8 * i));
}

/* A whole stream's deflated records are inflated two at a time (one on a
 * worker): with raw records between them, the set is the same as read one
 * record at a time; a fault in the earlier of a pair is the one reported. */
static void test_deflated_records_read_in_pairs(void)
{
    dl_tensor x, y, x1, x2;
    dl_err e;
    uint64_t rows = 700001, split = 300000;
    CHECK(dl_tensor_alloc2(&x, "x", DL_F64, rows, 3, &e) == 0);
    CHECK(dl_tensor_alloc2(&y, "y", DL_F32, rows, 1, &e) == 0);
    for (uint64_t i = 0; i < rows * 3; i++)
        ((double *)x.data)[i] = (double)(i % 999983) * 0.25;
    for (uint64_t i = 0; i < rows; i++)
        ((float *)y.data)[i] = (float)(i % 1021);
    CHECK(dl_tensor_alloc2(&x1, "x", DL_F64, split, 3, &e) == 0);
    CHECK(dl_tensor_alloc2(&x2, "x", DL_F64, rows - split, 3, &e) == 0);
    memcpy(x1.data, x.data, (size_t)split * 24);
    memcpy(x2.data, (double *)x.data + split * 3, (size_t)(rows - split) * 24);
    size_t l1, ly, l2;
    unsigned char *b1 = stream_bytes(&x1, 1, ST_ZLIB, &l1), *by = stream_bytes(&y, 1, 0, &ly);
    unsigned char *b2 = stream_bytes(&x2, 1, ST_ZLIB, &l2);
    unsigned char *all = malloc(l1 + ly + l2);
    memcpy(all, b1, l1);
    memcpy(all + l1, by, ly);
    memcpy(all + l1 + ly, b2, l2);
    dl_tensor_set set;
    CHECK(read_bytes(all, l1 + ly + l2, &set, &e) == 0);
    dl_tensor *rx = dl_set_find(&set, "x"), *ry = dl_set_find(&set, "y");
    CHECK(rx && rx->shape[0] == rows && memcmp(rx->data, x.data, (size_t)rows * 24) == 0);
    CHECK(ry && ry->shape[0] == rows && memcmp(ry->data, y.data, (size_t)rows * 4) == 0);
    dl_set_free(&set);
    /* records 1 and 2 both inflate short: record 1's fault is the one told */
    size_t second = 45 + (size_t)get_le(b2 + 12, 8);
    claim_rows(b2, 1);
    claim_rows(b2 + second, 1);
    CHECK(read_bytes(b2, l2, &set, &e) == DL_EDATA && strstr(e.msg, "record 1 ('x')") &&
          strstr(e.msg, "wrong length"));
    dl_set_free(&set);
    dl_tensor_free(&x), dl_tensor_free(&y), dl_tensor_free(&x1), dl_tensor_free(&x2);
    free(b1), free(by), free(b2), free(all);
}

/* A raw chunk read onto the end of its tensor is checked as any record: a
 * flipped bit, a cut, or a dtype that differs fail naming it. */
static void test_chunk_read_in_place_is_checked(void)
{
    dl_tensor x[2];
    dl_tensor_set set;
    dl_err e;
    size_t len;
    make_xy(x, 4); /* x[0]: "x" f64 [4, 3] */
    dl_tensor_free(&x[1]);
    CHECK(dl_tensor_copy(&x[1], &x[0], &e) == 0);
    unsigned char *buf = stream_bytes(x, 2, 0, &len);
    buf[len - 1] ^= 0x10;
    CHECK(read_bytes(buf, len, &set, &e) == DL_EDATA && strstr(e.msg, "record 2") &&
          strstr(e.msg, "checksum"));
    dl_set_free(&set);
    buf[len - 1] ^= 0x10;
    CHECK(read_bytes(buf, len - 5, &set, &e) == DL_EDATA && strstr(e.msg, "record 2") &&
          strstr(e.msg, "truncated"));
    dl_set_free(&set);
    CHECK(dl_tensor_convert(&x[1], DL_F32, &e) == 0);
    unsigned char *mixed = stream_bytes(x, 2, 0, &len);
    CHECK(read_bytes(mixed, len, &set, &e) == DL_EDATA && strstr(e.msg, "chunk dtype f32"));
    dl_set_free(&set);
    dl_tensor_free(&x[0]);
    dl_tensor_free(&x[1]);
    free(buf);
    free(mixed);
}

/* Reads every record of buf into one reused tensor; the i-th record's
 * first x value in first[i] and whether it was read in place in inplace[i]. */
static int read_reusing(const unsigned char *buf, size_t len, double *first, int *inplace,
                        dl_err *e)
{
    int fd = fd_holding(buf, len);
    st_reader *r;
    st_header h;
    dl_tensor t;
    size_t cap = 0;
    int found = 0, rc = st_reader_from_fd(&r, fd, "mem", e);
    memset(&t, 0, sizeof t);
    for (int i = 0; !rc && !(rc = st_next_header(r, &h, &found, e)) && found; i++) {
        void *before = t.data;
        rc = st_read_payload_reuse(r, &h, &t, &cap, e);
        if (!rc) {
            CHECK(t.shape[0] == h.shape[0] && t.dtype == DL_F64 && cap >= h.raw_bytes);
            first[i] = ((double *)t.data)[0];
            inplace[i] = t.data == before;
        }
    }
    dl_tensor_free(&t);
    st_reader_close(r);
    close(fd);
    return rc;
}

/* Chunks that fit the buffer are read into it; a larger or compressed one
 * replaces it; the checksum is checked either way. */
static void test_read_payload_reuse(void)
{
    uint64_t rows[4] = {5, 3, 7, 2};
    int flags[4] = {0, 0, ST_ZLIB, 0};
    size_t len[4], total = 0;
    unsigned char *part[4];
    for (int i = 0; i < 4; i++) {
        dl_tensor xy[2];
        make_xy(xy, rows[i]);
        ((double *)xy[0].data)[0] = 100.0 + i;
        part[i] = stream_bytes(xy, 1, flags[i], &len[i]);
        total += len[i];
        dl_tensor_free(&xy[0]);
        dl_tensor_free(&xy[1]);
    }
    unsigned char *cat = malloc(total);
    for (size_t i = 0, at = 0; i < 4; at += len[i], i++)
        memcpy(cat + at, part[i], len[i]);
    double first[4] = {0};
    int inplace[4] = {0}, want_inplace[4] = {0, 1, 0, 1};
    dl_err e;
    CHECK(read_reusing(cat, total, first, inplace, &e) == 0);
    for (int i = 0; i < 4; i++)
        CHECK(first[i] == 100.0 + i && inplace[i] == want_inplace[i]);
    cat[len[0] + len[1] - 1] ^= 1; /* the last payload byte of the chunk read in place */
    CHECK(read_reusing(cat, total, first, inplace, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "record 2 ('x'): payload checksum mismatch") != NULL);
    CHECK(read_reusing(cat, len[0] + len[1] - 8, first, inplace, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "record 2 ('x'): truncated") != NULL);
    for (int i = 0; i < 4; i++)
        free(part[i]);
    free(cat);
}

/* All that can be read from fd, up to cap bytes. */
static size_t drain(int fd, unsigned char *buf, size_t cap)
{
    size_t len = 0;
    ssize_t got;
    while (len < cap && (got = read(fd, buf + len, cap - len)) > 0)
        len += (size_t)got;
    return len;
}

/* Writes x spliced from src at offset 7 into fd; returns the status and
 * leaves the message in e. */
static int splice_x(int fd, const dl_tensor *x, uint64_t rows, int src, int *splices, dl_err *e)
{
    st_writer *w;
    CHECK(st_writer_from_fd(&w, fd, "out", ST_ALLOW_TTY, e) == 0);
    *splices = st_writer_splices(w);
    uint64_t shape[2] = {rows, x->shape[1]};
    uint32_t crc = st_crc32(0, x->data, dl_tensor_nbytes(x));
    int rc = st_write_spliced(w, "x", x->dtype, 2, shape, src, 7, crc, e);
    if (rc)
        st_writer_abort(w);
    else
        rc = st_writer_close(w, e);
    return rc;
}

/* A payload spliced from a file makes the bytes that writing it from memory
 * makes, into a pipe (moved by splice) and into a file (copied: splice takes
 * no file there); a file shorter than the record is an error, not a record. */
static void test_write_spliced(void)
{
    dl_tensor t[2];
    dl_err e;
    make_xy(t, 1000);
    size_t want_len, bytes = dl_tensor_nbytes(&t[0]);
    unsigned char *want = stream_bytes(t, 1, 0, &want_len);
    unsigned char *file = malloc(bytes + 7), *got = malloc(want_len + 64);
    memset(file, 0xee, 7);
    memcpy(file + 7, t[0].data, bytes);
    int src = fd_holding(file, bytes + 7), splices;

    int out = fd_holding((const unsigned char *)"", 0);
    CHECK(splice_x(out, &t[0], 1000, src, &splices, &e) == 0);
    CHECK(!splices);
    CHECK(pread(out, got, want_len + 64, 0) == (ssize_t)want_len && memcmp(got, want, want_len) == 0);
    close(out);

    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(splice_x(p[1], &t[0], 1000, src, &splices, &e) == 0);
    CHECK(splices);
    close(p[1]);
    CHECK(drain(p[0], got, want_len + 64) == want_len && memcmp(got, want, want_len) == 0);
    close(p[0]);

    out = fd_holding((const unsigned char *)"", 0);
    CHECK(splice_x(out, &t[0], 1001, src, &splices, &e) == DL_EIO);
    CHECK(strstr(e.msg, "out: the file shrank") != NULL);
    close(out);
    CHECK(pipe(p) == 0);
    CHECK(splice_x(p[1], &t[0], 1001, src, &splices, &e) == DL_EIO);
    CHECK(strstr(e.msg, "out: the file shrank") != NULL);
    close(p[1]);
    close(p[0]);

    st_writer *w;
    CHECK(pipe(p) == 0);
    CHECK(st_writer_from_fd(&w, p[1], "out", ST_ZLIB | ST_ALLOW_TTY, &e) == 0);
    CHECK(!st_writer_splices(w)); /* deflated payloads are not the file's bytes */
    st_writer_abort(w);
    close(p[0]);
    close(p[1]);
    close(src);
    free(file);
    free(got);
    free(want);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
}

/* Every proper prefix of a valid stream that does not end on a record
 * boundary must be an error, never a crash or a silent success. */
static void truncations(int flags)
{
    dl_tensor t[2];
    dl_tensor_set set;
    dl_err e;
    size_t len;
    make_xy(t, 4);
    unsigned char *buf = stream_bytes(t, 2, flags, &len);
    size_t first_len = 0;
    { /* the first record's length, where a cut leaves a valid stream */
        dl_tensor one[1] = {t[0]};
        free(stream_bytes(one, 1, flags, &first_len));
    }
    int bad = 0;
    for (size_t cut = 1; cut < len; cut++) {
        int rc = read_bytes(buf, cut, &set, &e);
        dl_set_free(&set);
        if (cut == first_len)
            CHECK(rc == 0);
        else if (rc != DL_EDATA || !strstr(e.msg, "record"))
            bad++;
    }
    CHECK(bad == 0);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
    free(buf);
}

/* A skipped payload is summed whole: the bytes that came in with its
 * header, the pieces read after them and the last, shorter one. */
static void test_skip_checks_every_byte(void)
{
    dl_tensor t[2];
    dl_err e;
    size_t len;
    make_xy(t, 150000); /* x: 3.6 MB, y: 0.6 MB */
    unsigned char *buf = stream_bytes(t, 2, 0, &len);
    CHECK(skip_bytes(buf, len, &e) == 0);
    size_t at[] = {100, 600000, (1u << 20) + 5, 3500000, len - 10};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        buf[at[i]] ^= 4;
        CHECK(skip_bytes(buf, len, &e) == DL_EDATA && strstr(e.msg, "checksum mismatch"));
        buf[at[i]] ^= 4;
        CHECK(skip_bytes(buf, at[i], &e) == DL_EDATA && strstr(e.msg, "truncated"));
    }
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
    free(buf);
}

/* Copies every record of the stream in buf to a writer, as a tool passes
 * records through; the copy's bytes in *out (NULL on failure). */
static int copy_bytes(const unsigned char *buf, size_t len, unsigned char **out, size_t *out_len,
                      dl_err *e)
{
    int fd = fd_holding(buf, len), to = fd_holding((const unsigned char *)"", 0), found = 1;
    st_reader *r;
    st_writer *w = NULL;
    st_header h;
    int rc = st_reader_from_fd(&r, fd, "mem", e) ||
                     st_writer_from_fd(&w, to, "copy", ST_ALLOW_TTY, e) ? e->code : 0;
    while (!rc && !(rc = st_next_header(r, &h, &found, e)) && found)
        rc = st_copy_record(r, &h, w, e);
    if (rc)
        st_writer_abort(w);
    else
        rc = st_writer_close(w, e);
    st_reader_close(r);
    close(fd);
    *out = NULL;
    if (rc)
        close(to);
    else
        *out = fd_bytes(to, out_len);
    return rc;
}

/* A deflated payload that is skipped or passed on is inflated as it passes
 * (its bytes dropped): one of several pieces, beyond the reader's first
 * buffer, is whole; one whose shape claims a row more or a row fewer than
 * it holds fails as a read of it would, after its sum is found right. */
static void test_skip_and_copy_inflate_deflated(void)
{
    dl_tensor x;
    dl_err e;
    size_t len, copied_len;
    unsigned char *copied;
    CHECK(dl_tensor_alloc2(&x, "x", DL_F64, 150000, 3, &e) == 0); /* 3.6 MB */
    uint64_t s = 88172645463325252u; /* xorshift: bytes that deflate barely shrinks */
    for (uint64_t i = 0; i < 150000 * 3; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        ((double *)x.data)[i] = (double)(s >> 11) * 0x1p-53;
    }
    unsigned char *buf = stream_bytes(&x, 1, ST_ZLIB, &len);
    CHECK(buf[6] == ST_DEFLATE && len > 3000000 && len < 4000000); /* one record */
    CHECK(skip_bytes(buf, len, &e) == 0);
    CHECK(copy_bytes(buf, len, &copied, &copied_len, &e) == 0);
    CHECK(copied && copied_len == len && memcmp(copied, buf, len) == 0);
    free(copied);
    for (int more = 0; more < 2; more++) {
        claim_rows(buf, more ? 1 : -1);
        CHECK(skip_bytes(buf, len, &e) == DL_EDATA);
        CHECK_STR(e.msg, "mem: record 1 ('x'): compressed payload is corrupt or has the wrong "
                         "length");
        CHECK(copy_bytes(buf, len, &copied, &copied_len, &e) == DL_EDATA);
        CHECK_STR(e.msg, "mem: record 1 ('x'): compressed payload is corrupt or has the wrong "
                         "length");
        claim_rows(buf, more ? -1 : 1);
    }
    CHECK(skip_bytes(buf, len, &e) == 0);
    buf[len - 100] ^= 1; /* the sum is checked first */
    CHECK(skip_bytes(buf, len, &e) == DL_EDATA && strstr(e.msg, "checksum mismatch"));
    dl_tensor_free(&x);
    free(buf);
}

static int keeps_x(const char *name) { return strcmp(name, "x") == 0; }

/* A reader of fd read ahead, keeping x's payloads. */
static st_ahead *ahead_on(int fd, st_reader **r)
{
    st_ahead *a = NULL;
    dl_err e;
    CHECK(st_reader_from_fd(r, fd, "mem", &e) == 0);
    CHECK(st_ahead_start(&a, *r, keeps_x, 1, 0, &e) == 0);
    return a;
}

/* Records read ahead come in order: kept payloads read, others skipped
 * (and checked), the end found again if asked again. */
static void test_ahead_in_order(void)
{
    dl_tensor t[2], got;
    dl_err e;
    size_t len;
    make_xy(t, 1000);
    dl_tensor ts[4] = {t[0], t[1], t[0], t[1]};
    unsigned char *buf = stream_bytes(ts, 4, 0, &len);
    int fd = fd_holding(buf, len), found;
    st_reader *r;
    st_ahead *a = ahead_on(fd, &r);
    st_header h;
    for (int i = 0; i < 4; i++) {
        CHECK(st_ahead_next(a, &h, &got, NULL, &found, &e) == 0 && found);
        CHECK_STR(h.name, i % 2 ? "y" : "x");
        CHECK(h.index == (uint64_t)i + 1);
        if (i % 2 == 0)
            CHECK(got.data && memcmp(got.data, t[0].data, dl_tensor_nbytes(&t[0])) == 0);
        else
            CHECK(got.data == NULL);
        dl_tensor_free(&got);
    }
    for (int again = 0; again < 2; again++)
        CHECK(st_ahead_next(a, &h, &got, NULL, &found, &e) == 0 && !found);
    st_ahead_stop(a);
    CHECK(st_reader_records(r) == 4);
    st_reader_close(r);
    close(fd);
    free(buf);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
}

/* A damaged record comes after every record before it, then the end; a
 * stop with records not taken frees them. */
static void test_ahead_error_in_turn(void)
{
    dl_tensor t[2], got;
    dl_err e;
    size_t len, one;
    make_xy(t, 1000);
    dl_tensor ts[3] = {t[0], t[1], t[0]};
    unsigned char *buf = stream_bytes(ts, 3, 0, &len);
    free(stream_bytes(ts, 2, 0, &one));
    buf[one + 100] ^= 1; /* in the third record's payload */
    for (int taken = 0; taken <= 3; taken++) {
        int fd = fd_holding(buf, len), found = 1, rc = 0, n = 0;
        st_reader *r;
        st_ahead *a = ahead_on(fd, &r);
        st_header h;
        while (n < taken && !(rc = st_ahead_next(a, &h, &got, NULL, &found, &e)) && found) {
            dl_tensor_free(&got);
            n++;
        }
        if (taken == 3) {
            CHECK(n == 2 && rc == DL_EDATA && strstr(e.msg, "record 3 ('x')") &&
                  strstr(e.msg, "checksum"));
            CHECK(st_ahead_next(a, &h, &got, NULL, &found, &e) == 0 && !found);
        }
        st_ahead_stop(a); /* with 0 to 2 records read and not taken */
        st_reader_close(r);
        close(fd);
    }
    free(buf);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
}

/* The x records of buf read ahead in pieces of piece_rows rows (0: whole),
 * with or without a thread, sharing reads or not: each piece starts where
 * the last one of its record ended and, when want is not NULL, holds want's
 * rows; without a thread, every piece comes in the buffer the one before
 * was given back in, a short last one's too.  *pieces counts the pieces of
 * x; the status of the first failure (its message in msg), or 0. */
static int read_pieces(const unsigned char *buf, size_t len, uint64_t piece_rows, int threaded,
                       int share, const dl_tensor *want, int *pieces, char *msg)
{
    int fd = fd_holding(buf, len), found, rc;
    st_reader *r;
    st_ahead *a;
    st_header h;
    dl_tensor t;
    st_piece p;
    dl_err e;
    uint64_t next = 0;
    void *last = NULL;
    *pieces = 0;
    dl_err_clear(&e);
    CHECK(st_reader_from_fd(&r, fd, "mem", &e) == 0);
    st_reader_share_reads(r, share);
    CHECK(st_ahead_start(&a, r, keeps_x, threaded, piece_rows, &e) == 0);
    while (!(rc = st_ahead_next(a, &h, &t, &p, &found, &e)) && found) {
        if (strcmp(h.name, "x") != 0) {
            CHECK(t.data == NULL && p.first == 0 && p.last);
            continue;
        }
        uint64_t rows = t.shape[0], row_bytes = dl_tensor_row_size(&t) * dl_dtype_size(t.dtype);
        CHECK(p.first == next && (rows <= piece_rows || (p.first == 0 && p.last)));
        CHECK(p.last == (p.first + rows == h.shape[0]));
        CHECK(t.rank == h.rank && t.dtype == h.dtype && t.shape[1] == h.shape[1]);
        if (want)
            CHECK(memcmp(t.data, (const char *)want->data + p.first * row_bytes,
                         (size_t)(rows * row_bytes)) == 0);
        next = p.last ? 0 : p.first + rows;
        CHECK(threaded || !last || t.data == last);
        last = t.data;
        (*pieces)++;
        st_ahead_recycle(a, &t);
    }
    snprintf(msg, DL_ERR_MSG_MAX, "%s", rc ? e.msg : "");
    st_ahead_stop(a);
    st_reader_close(r);
    close(fd);
    return rc;
}

/* A record with more rows than a piece comes in pieces, the last shorter,
 * with or without a thread; a damaged or cut one fails on the piece that
 * ends it, or that the input ends in, with the message of a whole read. */
static void test_ahead_pieces(void)
{
    dl_tensor t[2];
    size_t len, one;
    char whole_msg[DL_ERR_MSG_MAX], piece_msg[DL_ERR_MSG_MAX];
    make_xy(t, 1000); /* x: 24 bytes a row */
    dl_tensor ts[3] = {t[0], t[1], t[0]};
    unsigned char *buf = stream_bytes(ts, 3, 0, &len);
    free(stream_bytes(ts, 2, 0, &one)); /* the third record starts there */
    alarm(60);
    for (int threaded = 0; threaded < 2; threaded++) {
        int n;
        CHECK(read_pieces(buf, len, 300, threaded, 0, &t[0], &n, piece_msg) == 0 && n == 8);
        CHECK(read_pieces(buf, len, 1000, threaded, 0, &t[0], &n, piece_msg) == 0 && n == 2);
        CHECK(read_pieces(buf, len, 0, threaded, 0, &t[0], &n, piece_msg) == 0 && n == 2);
        buf[one + 100] ^= 1; /* in the third record's first piece */
        CHECK(read_pieces(buf, len, 300, threaded, 0, NULL, &n, piece_msg) == DL_EDATA && n == 7);
        CHECK(read_pieces(buf, len, 0, threaded, 0, NULL, &n, whole_msg) == DL_EDATA && n == 1);
        CHECK(strstr(piece_msg, "record 3 ('x')") && strstr(piece_msg, "checksum mismatch"));
        CHECK_STR(piece_msg, whole_msg);
        buf[one + 100] ^= 1;
        size_t cut = one + 45 + 650 * 24; /* in the third piece */
        CHECK(read_pieces(buf, cut, 300, threaded, 0, NULL, &n, piece_msg) == DL_EDATA && n == 6);
        CHECK(read_pieces(buf, cut, 0, threaded, 0, NULL, &n, whole_msg) == DL_EDATA && n == 1);
        CHECK(strstr(piece_msg, "truncated: the payload has 15600 of its 24000 bytes"));
        CHECK_STR(piece_msg, whole_msg);
    }
    /* rows of no bytes: one piece, not 2^40 / 300 of them */
    dl_tensor empty = t[0];
    empty.shape[0] = (uint64_t)1 << 40;
    empty.shape[1] = 0;
    size_t empty_len;
    unsigned char *empty_buf = stream_bytes(&empty, 1, 0, &empty_len);
    for (int threaded = 0; threaded < 2; threaded++) {
        int n;
        CHECK(read_pieces(empty_buf, empty_len, 300, threaded, 0, NULL, &n, piece_msg) == 0);
        CHECK(n == 1);
    }
    free(empty_buf);
    alarm(0);
    free(buf);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
}

static int keeps_x_leaves_rest(const char *name)
{
    return strcmp(name, "x") == 0 ? ST_AHEAD_READ : ST_AHEAD_LEAVE;
}

/* The stream of buf copied through st_ahead: x read (and written back),
 * the rest left in the reader and copied from it as stored; *same set when
 * every x after the first came in the buffer the one before was given back
 * in. */
static unsigned char *copy_ahead(const unsigned char *buf, size_t len, int flags, int threaded,
                                 size_t *out_len, int *same)
{
    int fd = fd_holding(buf, len), out = fd_holding((const unsigned char *)"", 0), found;
    st_reader *r;
    st_writer *w;
    st_ahead *a;
    st_header h;
    dl_tensor t;
    dl_err e;
    void *last = NULL, *held[8];
    int nheld = 0;
    *same = 1;
    CHECK(st_reader_from_fd(&r, fd, "mem", &e) == 0);
    CHECK(st_writer_from_fd(&w, out, "out", flags | ST_ALLOW_TTY, &e) == 0);
    CHECK(st_ahead_start(&a, r, keeps_x_leaves_rest, threaded, 0, &e) == 0);
    while (st_ahead_next(a, &h, &t, NULL, &found, &e) == 0 && found) {
        if (strcmp(h.name, "x") == 0) {
            CHECK(t.data != NULL && st_write(w, &t, &e) == 0);
            *same &= last == NULL || t.data == last;
            last = t.data;
            size_t bytes = dl_tensor_nbytes(&t);
            st_ahead_recycle(a, &t);
            /* a block of the same size now would take the buffer, had it
             * been freed rather than kept */
            CHECK(nheld < 8 && (held[nheld++] = malloc(bytes)) != NULL);
        } else {
            CHECK(t.data == NULL && st_copy_record(r, &h, w, &e) == 0);
        }
    }
    st_ahead_stop(a);
    while (nheld > 0)
        free(held[--nheld]);
    CHECK(st_writer_close(w, &e) == 0);
    st_reader_close(r);
    close(fd);
    return fd_bytes(out, out_len);
}

/* Payloads left in the reader are the caller's to copy, in order, with or
 * without a thread; a buffer given back takes the next payload; a stop
 * while the thread waits behind a left payload returns. */
static void test_ahead_leaves_and_recycles(void)
{
    dl_tensor t[2];
    size_t len, got_len;
    make_xy(t, 2000);
    dl_tensor ts[6] = {t[0], t[1], t[0], t[1], t[0], t[1]};
    alarm(60); /* a thread that waits for ever fails the test by SIGALRM */
    for (int zlib = 0; zlib < 2; zlib++) {
        int flags = zlib ? ST_ZLIB : 0, same;
        unsigned char *buf = stream_bytes(ts, 6, flags, &len);
        for (int threaded = 0; threaded < 2; threaded++) {
            unsigned char *got = copy_ahead(buf, len, flags, threaded, &got_len, &same);
            CHECK(got_len == len && memcmp(got, buf, len) == 0);
            CHECK(same || zlib); /* a deflated payload is inflated into new memory */
            free(got);
        }
        /* stopped holding a left payload, the thread waiting behind it */
        int fd = fd_holding(buf, len), found;
        st_reader *r;
        st_ahead *a;
        st_header h;
        dl_tensor x;
        dl_err e;
        CHECK(st_reader_from_fd(&r, fd, "mem", &e) == 0);
        CHECK(st_ahead_start(&a, r, keeps_x_leaves_rest, 1, 0, &e) == 0);
        CHECK(st_ahead_next(a, &h, &x, NULL, &found, &e) == 0 && found);
        dl_tensor_free(&x);
        CHECK(st_ahead_next(a, &h, &x, NULL, &found, &e) == 0 && found && strcmp(h.name, "y") == 0);
        st_ahead_stop(a);
        st_reader_close(r);
        close(fd);
        free(buf);
    }
    alarm(0);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
}

/* A long run of small records ends the thread (each would cost more to
 * hand over than to read); the caller then reads the rest itself: the
 * same records in order, a large one after them whole, and a damaged one
 * failing in turn. */
static void test_ahead_small_records_retire(void)
{
    enum { SMALL = 200 };
    dl_tensor small[2], large[2], ts[2 * SMALL + 2];
    size_t len, before_bad;
    make_xy(small, 10);   /* x 240 bytes */
    make_xy(large, 3000); /* x 72,000 bytes */
    for (int i = 0; i < 2 * SMALL; i++)
        ts[i] = small[i % 2];
    ts[2 * SMALL] = large[0];
    ts[2 * SMALL + 1] = small[0];
    unsigned char *buf = stream_bytes(ts, 2 * SMALL + 2, 0, &len);
    free(stream_bytes(ts, 2 * SMALL + 1, 0, &before_bad));
    alarm(60);
    for (int damaged = 0; damaged < 2; damaged++) {
        if (damaged)
            buf[before_bad + 60] ^= 1; /* the last record's payload */
        int fd = fd_holding(buf, len), found, rc, n = 0;
        st_reader *r;
        st_ahead *a = ahead_on(fd, &r);
        st_header h;
        dl_tensor got;
        dl_err e;
        while (!(rc = st_ahead_next(a, &h, &got, NULL, &found, &e)) && found) {
            const dl_tensor *want = &ts[n];
            CHECK_STR(h.name, want->name);
            CHECK(h.index == (uint64_t)n + 1 && h.shape[0] == want->shape[0]);
            if (n % 2 == 0)
                CHECK(got.data && memcmp(got.data, want->data, dl_tensor_nbytes(want)) == 0);
            if (n == 0)
                CHECK(st_ahead_threaded(a));
            if (n == SMALL) /* the thread has ended: joined, the caller reads */
                CHECK(!st_ahead_threaded(a));
            dl_tensor_free(&got);
            n++;
        }
        if (damaged)
            CHECK(rc == DL_EDATA && n == 2 * SMALL + 1 && strstr(e.msg, "checksum mismatch"));
        else
            CHECK(rc == 0 && n == 2 * SMALL + 2);
        CHECK(st_ahead_next(a, &h, &got, NULL, &found, &e) == 0 && !found);
        st_ahead_stop(a);
        st_reader_close(r);
        close(fd);
    }
    alarm(0);
    free(buf);
    for (int i = 0; i < 2; i++) {
        dl_tensor_free(&small[i]);
        dl_tensor_free(&large[i]);
    }
}

/* In a child: a stop while the thread waits for input that never comes
 * (the pipe's writer stays open) returns; SIGALRM fails it otherwise. */
static int stop_while_waiting(void)
{
    dl_tensor t[2], got;
    dl_err e;
    size_t len;
    make_xy(t, 10);
    unsigned char *buf = stream_bytes(t, 1, 0, &len);
    int p[2], found;
    st_reader *r;
    st_ahead *a;
    st_header h;
    if (pipe(p) != 0 || write(p[1], buf, len) != (ssize_t)len)
        return 2;
    alarm(60);
    if (st_reader_from_fd(&r, p[0], "pipe", &e) || st_ahead_start(&a, r, keeps_x, 1, 0, &e) ||
        st_ahead_next(a, &h, &got, NULL, &found, &e) || !found)
        return 3;
    dl_tensor_free(&got);
    st_ahead_stop(a);
    st_reader_close(r);
    free(buf);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
    return 0;
}

static void test_ahead_stops_while_waiting(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(stop_while_waiting());
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_truncation_raw(void) { truncations(0); }
static void test_truncation_zlib(void) { truncations(ST_ZLIB); }

/* A single flipped bit anywhere is detected (header or payload CRC). */
static void bit_flips(int flags)
{
    dl_tensor t[2];
    dl_tensor_set set;
    dl_err e;
    size_t len;
    make_xy(t, 3);
    unsigned char *buf = stream_bytes(t, 2, flags, &len);
    int undetected = 0;
    for (size_t byte = 0; byte < len; byte++)
        for (int bit = 0; bit < 8; bit++) {
            buf[byte] ^= (unsigned char)(1u << bit);
            if (read_bytes(buf, len, &set, &e) == 0)
                undetected++;
            dl_set_free(&set);
            buf[byte] ^= (unsigned char)(1u << bit);
        }
    CHECK(undetected == 0);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
    free(buf);
}

static void test_bit_flips_raw(void) { bit_flips(0); }
static void test_bit_flips_zlib(void) { bit_flips(ST_ZLIB); }

/* A header claiming 2^60 elements is refused before any allocation. */
static void test_absurd_shape(void)
{
    unsigned char h[24 + 16 + 1 + 4] = {0x89, 'D', 'L', 'T', 1, DL_F32, 0, 2, 1, 0};
    uint64_t dims[2] = {(uint64_t)1 << 30, (uint64_t)1 << 30};
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < 8; i++)
            h[24 + 8 * a + i] = (unsigned char)(dims[a] >> (8 * i));
    h[40] = 'x';
    uint32_t crc = st_crc32(0, h, 41);
    for (int i = 0; i < 4; i++)
        h[41 + i] = (unsigned char)(crc >> (8 * i));
    dl_tensor_set set;
    dl_err e;
    int rc = read_bytes(h, sizeof h, &set, &e);
    CHECK(rc != 0);
    CHECK(strstr(e.msg, "record 1 ('x')") != NULL);
    dl_set_free(&set);
}

static void test_text_input_hint(void)
{
    const char *csv = "1,2,3\n4,5,6\n7,8,9\n10,11,12\n13,14,15\n";
    dl_tensor_set set;
    dl_err e;
    CHECK(read_bytes((const unsigned char *)csv, strlen(csv), &set, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "dl-tensor import") != NULL);
    dl_set_free(&set);
}

static void test_empty_stream_is_valid(void)
{
    dl_tensor_set set;
    dl_err e;
    CHECK(read_bytes((const unsigned char *)"", 0, &set, &e) == 0);
    CHECK(set.count == 0);
    dl_set_free(&set);
}

/* A writer to a descriptor that gives up after a failure: with nothing out
 * yet it leaves the output empty; with part of the stream out it flushes
 * what it holds and ends with the abandoned mark, which a reader refuses
 * after the records before it.  (A closed writer's stream has no mark: the
 * round trips read to the end.) */
static void test_abandoned_mark(void)
{
    dl_tensor t[2];
    dl_err e;
    make_xy(t, 100000); /* x is 2.4 MB, more than the writer holds back */
    st_writer *w;
    int fd = fd_holding((const unsigned char *)"", 0);
    CHECK(st_writer_from_fd(&w, fd, "out", ST_ALLOW_TTY, &e) == 0);
    CHECK(st_write(w, &t[1], &e) == 0);
    st_writer_abort(w);
    CHECK(lseek(fd, 0, SEEK_END) == 0);
    close(fd);
    fd = fd_holding((const unsigned char *)"", 0);
    CHECK(st_writer_from_fd(&w, fd, "out", ST_ALLOW_TTY, &e) == 0);
    CHECK(st_write(w, &t[0], &e) == 0 && st_write(w, &t[1], &e) == 0);
    st_writer_abort(w);
    off_t size = lseek(fd, 0, SEEK_END);
    unsigned char mark[36]; /* 24 + one axis + no name + the header's CRC */
    CHECK(size > 36 && pread(fd, mark, sizeof mark, size - 36) == 36);
    CHECK(memcmp(mark, "\x89" "DLT", 4) == 0 && mark[10] == ST_ABANDONED && mark[11] == 0);
    lseek(fd, 0, SEEK_SET);
    st_reader *r;
    dl_tensor x;
    int found;
    CHECK(st_reader_from_fd(&r, fd, "in", &e) == 0);
    for (int i = 0; i < 2; i++) {
        CHECK(st_read(r, &x, &found, &e) == 0 && found && x.shape[0] == 100000);
        dl_tensor_free(&x);
    }
    CHECK(st_read(r, &x, &found, &e) == DL_EDATA && e.code == DL_EDATA);
    CHECK(strstr(e.msg, "in: record 3 (at byte ") != NULL);
    CHECK(strstr(e.msg, "failed here") != NULL);
    st_reader_close(r);
    close(fd);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
}

/* The record-by-record calls follow the library's one contract: 0 or a
 * DL_E* code that is also e.code; the end of the stream is *found == 0. */
static void test_record_calls_return_codes(void)
{
    dl_tensor t[2];
    dl_err e;
    size_t len;
    make_xy(t, 3);
    unsigned char *buf = stream_bytes(t, 2, 0, &len);
    buf[len - 1] ^= 0x40; /* damage the last payload */
    int fd = fd_holding(buf, len);
    st_reader *r;
    st_header h;
    dl_tensor got;
    int found = -1;
    CHECK(st_reader_from_fd(&r, fd, "mem", &e) == 0);
    CHECK(st_next_header(r, &h, &found, &e) == 0 && found == 1);
    CHECK(st_skip_payload(r, &h, &e) == 0);
    CHECK(st_next_header(r, &h, &found, &e) == 0 && found == 1);
    int rc = st_read_payload(r, &h, &got, &e);
    CHECK(rc == DL_EDATA && rc == e.code);
    st_reader_close(r);
    lseek(fd, 0, SEEK_SET);
    CHECK(st_reader_from_fd(&r, fd, "mem", &e) == 0);
    CHECK(st_read(r, &got, &found, &e) == 0 && found == 1);
    dl_tensor_free(&got);
    rc = st_read(r, &got, &found, &e);
    CHECK(rc == DL_EDATA && rc == e.code && found == 0);
    st_reader_close(r);
    CHECK(st_reader_from_fd(&r, fd, "mem", &e) == 0); /* at the end of the file now */
    CHECK(st_next_header(r, &h, &found, &e) == 0 && found == 0);
    st_reader_close(r);
    close(fd);
    free(buf);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
}

static void test_convert(void)
{
    dl_tensor t[2];
    dl_err e;
    make_xy(t, 2);
    CHECK(dl_tensor_convert(&t[0], DL_F32, &e) == 0);
    CHECK(((float *)t[0].data)[5] == -5.75f);
    CHECK(dl_tensor_convert(&t[0], DL_I64, &e) == DL_EDATA); /* -7.0 ok, -6.75 not */
    CHECK(dl_tensor_convert(&t[1], DL_I32, &e) == 0);
    CHECK(((int32_t *)t[1].data)[1] == 1);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
}

static void test_crc32c_known_value(void)
{
    CHECK(dl_crc32c(0, "123456789", 9) == 0xE3069283u);
    CHECK(dl_crc32c_portable(0, "123456789", 9) == 0xE3069283u);
    /* long enough for the three-way paths; split anywhere, and the
     * hardware and table paths agree */
    enum { N = 3 * 8192 * 2 + 3 * 256 + 13 };
    static unsigned char buf[N];
    for (int i = 0; i < N; i++)
        buf[i] = (unsigned char)(i * 37 + 11 + (i >> 9));
    uint32_t whole = dl_crc32c_portable(0, buf, N);
    for (size_t cut = 0; cut <= N; cut += 4099) {
        CHECK(dl_crc32c(dl_crc32c(0, buf, cut), buf + cut, N - cut) == whole);
        /* the two halves summed apart and joined */
        CHECK(dl_crc32c_combine(dl_crc32c(0, buf, cut), dl_crc32c(0, buf + cut, N - cut),
                                N - cut) == whole);
    }
    CHECK(dl_crc32c_combine(0xE3069283u, 0, 0) == 0xE3069283u);
    CHECK(dl_crc32c(0, buf + 1, N - 1) == dl_crc32c_portable(0, buf + 1, N - 1));
}

/* Finite values whose bits are nearest a NaN's or an Inf's. */
static void fill_extreme_finite(dl_tensor *t)
{
    static const double f64[] = {DBL_MAX, -DBL_MAX, -0.0, DBL_TRUE_MIN, -DBL_MIN, 1.0};
    static const float f32[] = {FLT_MAX, -FLT_MAX, -0.0f, FLT_TRUE_MIN, -FLT_MIN, 1.0f};
    for (uint64_t i = 0; i < dl_tensor_nelem(t); i++)
        if (t->dtype == DL_F32)
            ((float *)t->data)[i] = f32[i % 6];
        else
            ((double *)t->data)[i] = f64[i % 6];
}

/* Sets value i of t, an f32 or f64 tensor, to v. */
static void set_value(dl_tensor *t, uint64_t i, double v)
{
    if (t->dtype == DL_F32)
        ((float *)t->data)[i] = (float)v;
    else
        ((double *)t->data)[i] = v;
}

/* The first NaN or Inf, wherever it falls relative to the scan's blocks,
 * among values of every sign and the largest and smallest magnitudes. */
static void test_find_nonfinite(void)
{
    dl_err e;
    dl_tensor t;
    int wrong = 0;
    for (int dt = DL_F32; dt <= DL_F64; dt++)
        for (uint64_t n = 1; n < 3000; n += 97)
            for (uint64_t k = 0; k <= n; k += 13) {
                CHECK(dl_tensor_alloc2(&t, "x", dt, n, 1, &e) == 0);
                if (k % 2)
                    fill_extreme_finite(&t);
                double bad = k % 3 ? NAN : (k % 2 ? INFINITY : -INFINITY);
                if (k < n)
                    set_value(&t, k, bad);
                wrong += dl_tensor_find_nonfinite(&t) != (k < n ? (int64_t)k : -1);
                dl_tensor_free(&t);
            }
    CHECK(wrong == 0);
}

/* A tensor large enough to be checked in parts on BLAS's threads: the
 * first NaN or Inf is found wherever it falls, in the first part, in the
 * last, in both, and at every position near the middle, where the parts
 * meet. */
static void test_find_nonfinite_in_parts(void)
{
    dl_err e;
    dl_tensor t;
    int was = dl_blas_set_threads(2), wrong = 0;
    uint64_t n = (1u << 20) + 777;
    for (int dt = DL_F32; dt <= DL_F64; dt++) {
        CHECK(dl_tensor_alloc2(&t, "x", dt, n, 1, &e) == 0);
        fill_extreme_finite(&t);
        wrong += dl_tensor_find_nonfinite(&t) != -1;
        for (uint64_t k = n / 2 - 2100; k < n / 2 + 2100; k += 7) {
            set_value(&t, k, k % 2 ? NAN : -INFINITY);
            wrong += dl_tensor_find_nonfinite(&t) != (int64_t)k;
            set_value(&t, k, 1.0);
        }
        uint64_t pairs[][2] = {{0, n - 1}, {5, n / 2 + 3000}, {n / 2 - 3000, n - 1},
                               {n / 2 + 3000, n - 1}};
        for (size_t c = 0; c < sizeof pairs / sizeof *pairs; c++) {
            set_value(&t, pairs[c][0], NAN);
            set_value(&t, pairs[c][1], INFINITY);
            wrong += dl_tensor_find_nonfinite(&t) != (int64_t)pairs[c][0];
            set_value(&t, pairs[c][0], 1.0);
            wrong += dl_tensor_find_nonfinite(&t) != (int64_t)pairs[c][1];
            set_value(&t, pairs[c][1], 1.0);
        }
        dl_tensor_free(&t);
    }
    dl_blas_set_threads(was);
    CHECK(wrong == 0);
}

/* A set of many distinct names finds each by hash: the name comparisons stay
 * about one per lookup, where a scan would make n^2/2 (5e9 for 1e5 names). */
static void test_many_names_linear(void)
{
    enum { N = 100000 };
    dl_tensor_set set;
    dl_err e;
    dl_set_init(&set);
    for (int i = 0; i < N; i++) {
        char name[16];
        dl_tensor t;
        snprintf(name, sizeof name, "r%d", i);
        CHECK(dl_tensor_alloc2(&t, name, DL_U8, 1, 1, &e) == 0);
        CHECK(dl_set_add(&set, &t, &e) == 0);
    }
    CHECK(set.count == N);
    for (int i = 0; i < N; i += 997) {
        char name[16];
        snprintf(name, sizeof name, "r%d", i);
        dl_tensor *t = dl_set_find(&set, name);
        CHECK(t && strcmp(t->name, name) == 0);
    }
    CHECK(dl_set_find(&set, "absent") == NULL);
    CHECK(set.index.compares < 2 * (uint64_t)N);
    /* a take moves later items: every name is still found where it is */
    CHECK(dl_set_remove(&set, "r5"));
    CHECK(dl_set_find(&set, "r5") == NULL);
    CHECK(strcmp(dl_set_find(&set, "r99999")->name, "r99999") == 0);
    dl_tensor more;
    CHECK(dl_tensor_alloc2(&more, "r6", DL_U8, 2, 1, &e) == 0);
    CHECK(dl_set_add(&set, &more, &e) == 0);
    CHECK(set.count == N - 1 && dl_set_find(&set, "r6")->shape[0] == 3);
    dl_set_free(&set);
}

/* Names are one line of text: control characters are refused where a
 * name is set, written or read. */
/* Names offered by a message: quoted, the first 20, a long one cut where a
 * character starts. */
static void test_names_shown(void)
{
    char lng[64], *names[21];
    memset(lng, 'g', 47);
    strcpy(lng + 47, "\xc3\xa9z"); /* a two-byte character across byte 48 */
    for (int i = 0; i < 21; i++)
        names[i] = i == 1 ? lng : "a";
    dl_str b = {0};
    dl_names_show(&b, (const char *const *)names, 2);
    char want[128];
    snprintf(want, sizeof want, "'a', '%.47s...'", lng);
    CHECK_STR(dl_str_text(&b), want);
    dl_str_free(&b);
    names[1] = "a";
    dl_names_show(&b, (const char *const *)names, 21);
    dl_str all = {0};
    for (int i = 0; i < 20; i++)
        dl_str_printf(&all, "%s'a'", i ? ", " : "");
    dl_str_printf(&all, ", ...");
    CHECK_STR(dl_str_text(&b), dl_str_text(&all));
    dl_str_free(&all);
    dl_str_free(&b);
}

static void test_name_rules(void)
{
    CHECK(dl_name_fault("x", 1) == NULL);
    CHECK(dl_name_fault("caf\xc3\xa9 \xe2\x82\xac", 9) == NULL);
    CHECK_STR(dl_name_fault("a\nb", 3), "contains a control character");
    CHECK_STR(dl_name_fault("a\tb", 3), "contains a control character");
    CHECK_STR(dl_name_fault("\x7f", 1), "contains a control character");
    CHECK_STR(dl_name_fault("\xc2\x85", 2), "contains a control character");
    CHECK_STR(dl_name_fault("\xc3", 1), "is not valid UTF-8");
    CHECK_STR(dl_name_fault("a\0b", 3), "contains a NUL byte");
    /* what a text column counts: characters of 1, 2, 3 and 4 bytes */
    CHECK(dl_name_chars("", 0) == 0);
    CHECK(dl_name_chars("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14) == 8);
    CHECK(dl_name_chars("caf\xc3\xa9 \xe2\x82\xac", 5) == 4); /* the first len bytes */
    /* a field of 6 characters: 6 bytes for cafe, 7 for caf\xc3\xa9 (4 characters
     * in 5 bytes, then 2 spaces), of the first len bytes only; a name wider
     * than the field is printed whole, as printf does */
    CHECK(dl_name_field("cafe", 4, 6) == 6);
    CHECK(dl_name_field("caf\xc3\xa9", 5, 6) == 7);
    CHECK(dl_name_field("caf\xc3\xa9!", 5, 6) == 7);
    CHECK(dl_name_field("\xe2\x82\xac\xe2\x82\xac", 6, 1) == 5);
    char padded[16];
    snprintf(padded, sizeof padded, "[%-*s]", dl_name_field("caf\xc3\xa9", 5, 6), "caf\xc3\xa9");
    CHECK_STR(padded, "[caf\xc3\xa9  ]");
    dl_tensor t;
    dl_err e;
    CHECK(dl_tensor_alloc2(&t, "a\rb", DL_F32, 1, 1, &e) == DL_EUSAGE);
    dl_tensor_free(&t);
    CHECK(dl_tensor_alloc2(&t, "x", DL_F32, 1, 1, &e) == 0);
    CHECK(dl_tensor_rename(&t, "bad\x1b[31m", &e) == DL_EUSAGE);
    CHECK(strstr(e.msg, "control character") != NULL);
    strcpy(t.name, "new\nline"); /* as if set behind the library's back */
    st_writer *w;
    CHECK(st_writer_open(&w, "/dev/null", 0, &e) == 0);
    CHECK(st_write(w, &t, &e) == DL_EUSAGE);
    st_writer_abort(w);
    dl_tensor_free(&t);
    /* a record whose (checksummed) name holds a newline */
    unsigned char h[24 + 3 + 4] = {0x89, 'D', 'L', 'T', 1, DL_U8, 0, 0, 3, 0};
    memcpy(h + 24, "a\nb", 3);
    uint32_t crc = st_crc32(0, h, 27);
    for (int i = 0; i < 4; i++)
        h[27 + i] = (unsigned char)(crc >> (8 * i));
    unsigned char rec[sizeof h + 1];
    memcpy(rec, h, sizeof h);
    rec[sizeof h] = 7;
    uint32_t pcrc = st_crc32(0, rec + sizeof h, 1);
    for (int i = 0; i < 4; i++) /* the payload CRC field, then the header CRC again */
        rec[20 + i] = (unsigned char)(pcrc >> (8 * i));
    crc = st_crc32(0, rec, 27);
    for (int i = 0; i < 4; i++)
        rec[27 + i] = (unsigned char)(crc >> (8 * i));
    rec[12] = 1; /* payload length */
    crc = st_crc32(0, rec, 27);
    for (int i = 0; i < 4; i++)
        rec[27 + i] = (unsigned char)(crc >> (8 * i));
    dl_tensor_set set;
    CHECK(read_bytes(rec, sizeof rec, &set, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "control character") != NULL);
    dl_set_free(&set);
}

/* Records of one name are chunks of one tensor: a later one of another
 * dtype, rank or trailing axis is refused as its header is read, by a reader
 * that never decodes it too, naming both records. */
static void test_chunks_agree_in_their_headers(void)
{
    dl_err e;
    dl_tensor t[3];
    size_t len;
    static const struct {
        int dtype, rank;
        uint64_t cols;
        const char *what;
    } cases[] = {
        {DL_F32, 2, 2, "mem: record 3 ('x'): chunk dtype f32 differs from f64, the first "
                       "chunk's (record 1)"},
        {DL_F64, 1, 0, "mem: record 3 ('x'): chunk of rank 1 cannot extend rank 2, the first "
                       "chunk's (record 1)"},
        {DL_F64, 2, 3, "mem: record 3 ('x'): chunk axis 1 is 3, expected 2, the first chunk's "
                       "(record 1)"},
        {DL_F64, 2, 2, NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(dl_tensor_alloc2(&t[0], "x", DL_F64, 2, 2, &e) == 0);
        CHECK(dl_tensor_alloc2(&t[1], "y", DL_F64, 2, 1, &e) == 0);
        uint64_t shape[2] = {5, cases[i].cols};
        CHECK(dl_tensor_alloc(&t[2], "x", cases[i].dtype, cases[i].rank, shape, &e) == 0);
        unsigned char *buf = stream_bytes(t, 3, 0, &len);
        dl_err_clear(&e);
        if (cases[i].what) {
            CHECK(skip_bytes(buf, len, &e) == DL_EDATA);
            CHECK_STR(e.msg, cases[i].what);
        } else {
            CHECK(skip_bytes(buf, len, &e) == 0);
        }
        free(buf);
        for (int k = 0; k < 3; k++)
            dl_tensor_free(&t[k]);
    }
    /* a scalar has no axis to add rows along */
    CHECK(dl_tensor_alloc(&t[0], "s", DL_F64, 0, NULL, &e) == 0);
    CHECK(dl_tensor_alloc(&t[1], "s", DL_F64, 0, NULL, &e) == 0);
    unsigned char *buf = stream_bytes(t, 2, 0, &len);
    CHECK(skip_bytes(buf, len, &e) == DL_EDATA);
    CHECK_STR(e.msg, "mem: record 2 ('s'): chunk of rank 0 cannot extend rank 0, the first "
                     "chunk's (record 1)");
    free(buf);
    dl_tensor_free(&t[0]);
    dl_tensor_free(&t[1]);
}

int main(void)
{
    UNIT_RUN(test_find_nonfinite);
    UNIT_RUN(test_find_nonfinite_in_parts);
    UNIT_RUN(test_crc32c_known_value);
    UNIT_RUN(test_chunks_agree_in_their_headers);
    UNIT_RUN(test_round_trip_raw);
    UNIT_RUN(test_round_trip_zlib);
    UNIT_RUN(test_little_endian_layout);
    UNIT_RUN(test_chunks_reassemble);
    UNIT_RUN(test_read_set_only);
    UNIT_RUN(test_read_checkpoint_once);
    UNIT_RUN(test_shared_reads);
    UNIT_RUN(test_shared_reads_deflated);
    UNIT_RUN(test_large_tensor_deflates_in_chunks);
    UNIT_RUN(test_deflated_records_read_in_pairs);
    UNIT_RUN(test_records_deflated_in_turn);
    UNIT_RUN(test_chunk_read_in_place_is_checked);
    UNIT_RUN(test_read_payload_reuse);
    UNIT_RUN(test_write_spliced);
    UNIT_RUN(test_truncation_raw);
    UNIT_RUN(test_skip_checks_every_byte);
    UNIT_RUN(test_skip_and_copy_inflate_deflated);
    UNIT_RUN(test_ahead_in_order);
    UNIT_RUN(test_ahead_error_in_turn);
    UNIT_RUN(test_ahead_pieces);
    UNIT_RUN(test_ahead_leaves_and_recycles);
    UNIT_RUN(test_ahead_small_records_retire);
    UNIT_RUN(test_ahead_stops_while_waiting);
    UNIT_RUN(test_truncation_zlib);
    UNIT_RUN(test_bit_flips_raw);
    UNIT_RUN(test_bit_flips_zlib);
    UNIT_RUN(test_absurd_shape);
    UNIT_RUN(test_text_input_hint);
    UNIT_RUN(test_empty_stream_is_valid);
    UNIT_RUN(test_abandoned_mark);
    UNIT_RUN(test_record_calls_return_codes);
    UNIT_RUN(test_convert);
    UNIT_RUN(test_many_names_linear);
    UNIT_RUN(test_name_rules);
    UNIT_RUN(test_names_shown);
    return UNIT_DONE();
}
