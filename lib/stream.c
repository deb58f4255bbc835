#define _GNU_SOURCE /* F_SETPIPE_SZ, splice */
#include "stream.h"

#include "blasmem.h"
#include "buf.h"
#include "colmeta.h"
#include "crc32c.h"
#include "names.h"
#include "outfile.h"
#include "sig.h"
#include "tty.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Fuzzing builds use small buffers: a run then costs the fuzzer a few pages
 * instead of fresh megabytes, and small inputs reach the refill paths. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define IO_BUF (4u << 10)
#else
#define IO_BUF (1u << 20)
#endif
/* Reads of this much or more go straight to the caller's memory. */
#define DIRECT_READ (IO_BUF / 4)
/* The reader's first refill asks for this much, each next one for twice as
 * much up to IO_BUF: a checkpoint's small records cost a few pages, where a
 * whole IO_BUF read ahead would fault in a megabyte only to copy a large
 * payload out of it, or to be passed over (st_read_set_only). */
#define FIRST_FILL (IO_BUF / 16)
/* A payload passed on or skipped is read and summed in pieces this large,
 * which stay in the L2 cache between the two. */
#define PASS_PIECE DIRECT_READ
/* Payloads larger than this are allocated as their bytes arrive, so a header
 * that lies about its length costs no more memory than the stream holds. */
#define TRUSTED_ALLOC (64u << 20)
/* Deflate cannot expand data more than about 1032:1. */
#define DEFLATE_MAX_RATIO 1032u
/* The most stored bytes a deflated payload of `raw` bytes may have.  Deflate
 * holds any data in stored blocks at 5 bytes per 65,535, but a writer's sync
 * flushes (Z_SYNC_FLUSH, as a streaming writer makes) add 4 or 5 bytes each,
 * however little data came between them, so no bound is exact: twice the
 * raw length leaves room for a flush every few bytes, and 1 MiB for the
 * flushes of a small record.  It refuses an absurd length before it is read
 * (dl-stream(5) documents it). */
#define DEFLATED_MOST(raw) (2 * (uint64_t)(raw) + (1u << 20))
/* Fast deflate: binary floats gain little from the slower levels (measured
 * in bench/stream.sh), and a pipeline should not wait on its compressor. */
#define ST_ZLIB_LEVEL Z_BEST_SPEED
/* Raw bytes per deflated record: bounds the writer's memory (two at a time). */
#define DEFLATE_CHUNK (4u << 20)
/* The scratch buffer a deflated payload that is passed on or skipped is
 * inflated into (and dropped), to check its length. */
#define INFLATE_SCRATCH (64u << 10)
/* Raw bytes of a record worth deflating or inflating on a worker. */
#define WORKER_BYTES (1u << 20)

/* Fuzzing builds accept any checksum so the fuzzer can reach the checks that
 * come after it; every other build verifies both. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define CRC_MATCHES(a, b) ((void)(a), (void)(b), 1)
#else
#define CRC_MATCHES(a, b) ((a) == (b))
#endif

static const unsigned char st_magic[4] = {ST_MAGIC0, 'D', 'L', 'T'};

/* ============================ byte order ============================ */

static int host_is_little(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static void put_u16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint16_t get_u16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Reverses each element's bytes: little-endian <-> host on a big-endian host. */
static void swap_elements(void *data, uint64_t nbytes, size_t esize)
{
    unsigned char *p = data;
    for (uint64_t i = 0; esize > 1 && i + esize <= nbytes; i += esize)
        for (size_t a = 0, b = esize - 1; a < b; a++, b--) {
            unsigned char t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

uint32_t st_crc32(uint32_t crc, const void *buf, size_t len) { return dl_crc32c(crc, buf, len); }

/* A larger pipe buffer means fewer context switches between the tools of a
 * pipeline; where the system says no, the default is fine. */
static void widen_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
        (void)fcntl(fd, F_SETPIPE_SZ, IO_BUF);
#else
    (void)fd;
#endif
}

/* ============================== headers ============================= */

/* Encodes h into buf (at least ST_FIXED_HEADER + 8*rank + name + 4 bytes). */
static size_t encode_header(const st_header *h, unsigned char *buf)
{
    size_t name_len = strlen(h->name);
    memcpy(buf, st_magic, 4);
    buf[4] = ST_VERSION;
    buf[5] = (unsigned char)h->dtype;
    buf[6] = (unsigned char)h->encoding;
    buf[7] = (unsigned char)h->rank;
    put_u16(buf + 8, (uint16_t)name_len);
    put_u16(buf + 10, (uint16_t)h->flags);
    put_u64(buf + 12, h->payload_bytes);
    put_u32(buf + 20, h->payload_crc);
    size_t n = ST_FIXED_HEADER;
    for (int i = 0; i < h->rank; i++, n += 8)
        put_u64(buf + n, h->shape[i]);
    memcpy(buf + n, h->name, name_len);
    n += name_len;
    put_u32(buf + n, st_crc32(0, buf, n));
    return n + 4;
}

#define HEADER_MAX (ST_FIXED_HEADER + 8 * DL_RANK_MAX + DL_NAME_MAX + 4)

/* ============================== reading ============================= */

/* The first chunk of a name, whose dtype, rank and every axis but the first
 * each later chunk of it must have (dl-stream(5)). */
typedef struct first_chunk {
    size_t name_at;    /* its name's offset in st_reader.chunk_names */
    uint64_t index;    /* its record number */
    int dtype, rank;
    uint64_t shape[DL_RANK_MAX];
} first_chunk;

struct st_reader {
    int fd, owns_fd;
    char label[PATH_MAX]; /* a file name, whole */
    unsigned char *buf;
    size_t pos, len;   /* unread bytes are buf[pos..len) */
    uint64_t offset;   /* stream bytes consumed */
    uint64_t records;  /* headers read */
    int at_eof;
    int wake;          /* readable: reads stop (st_reader_set_wake); -1: none */
    size_t fill;       /* bytes the next refill asks for */
    int share_reads;   /* st_reader_share_reads */
    first_chunk *firsts;  /* one per name read, found through first_index */
    size_t nfirsts, firsts_cap;
    char *chunk_names;    /* their names, each ending in NUL */
    size_t names_len, names_cap;
    dl_name_index first_index;
};

int st_reader_from_fd(st_reader **out, int fd, const char *label, dl_err *e)
{
    *out = NULL;
    st_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->buf = malloc(IO_BUF))) {
        free(r);
        return dl_fail(e, DL_ENOMEM, "%s: cannot allocate a read buffer", label);
    }
    r->fd = fd;
    r->wake = -1;
    r->fill = FIRST_FILL;
    widen_pipe(fd);
    snprintf(r->label, sizeof r->label, "%s", label);
    *out = r;
    return 0;
}

void st_reader_set_wake(st_reader *r, int wake_fd) { r->wake = wake_fd; }
void st_reader_share_reads(st_reader *r, int on) { r->share_reads = on; }

int st_reader_open(st_reader **out, const char *path, dl_err *e)
{
    *out = NULL;
    if (dl_tty_refuse_input(path, "a stream", e))
        return e->code;
    if (!path || strcmp(path, "-") == 0)
        return st_reader_from_fd(out, STDIN_FILENO, "<stdin>", e);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dl_fail_open(e, path);
    /* a name of the terminal (/dev/stdin, /dev/tty) is refused as standard
     * input is: a stream cannot be typed, and the read would wait silently */
    if (dl_tty_refuse_named_input(fd, path, "a stream", e) ||
        st_reader_from_fd(out, fd, path, e)) {
        close(fd);
        return e->code;
    }
    (*out)->owns_fd = 1;
    return 0;
}

void st_reader_close(st_reader *r)
{
    if (!r)
        return;
    if (r->owns_fd)
        close(r->fd);
    free(r->buf);
    free(r->firsts);
    free(r->chunk_names);
    dl_names_free(&r->first_index);
    free(r);
}

const char *st_reader_label(const st_reader *r) { return r->label; }

uint64_t st_reader_records(const st_reader *r) { return r->records; }

int st_fail_empty(const char *label, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "%s: the input is empty (did the previous command fail?)", label);
}

/* 0 when the input has bytes (or its end) to read; -1 when the wake
 * descriptor says stop first. */
static int wait_input(st_reader *r, dl_err *e)
{
    struct pollfd p[2] = {{.fd = r->fd, .events = POLLIN}, {.fd = r->wake, .events = POLLIN}};
    while (poll(p, 2, -1) < 0)
        if (errno != EINTR)
            return dl_fail_errno(e, "%s: poll failed", r->label);
    if (p[1].revents)
        return dl_fail(e, DL_EINTR, "%s: reading stopped", r->label);
    return 0;
}

/* One read of up to n bytes into dst: *got 0 at end of input. */
static int read_some(st_reader *r, void *dst, size_t n, size_t *got, dl_err *e)
{
    for (;;) {
        if (r->wake >= 0 && wait_input(r, e))
            return e->code;
        ssize_t now = read(r->fd, dst, n);
        if (now >= 0) {
            *got = (size_t)now;
            return 0;
        }
        if (errno != EINTR)
            return dl_fail_errno(e, "%s: read failed", r->label);
    }
}

/* Copies up to n bytes into dst; returns how many (fewer only at end of input). */
static int read_upto(st_reader *r, void *dst, size_t n, size_t *got, dl_err *e)
{
    unsigned char *out = dst;
    size_t done = 0;
    while (done < n) {
        if (r->pos < r->len) {
            size_t take = r->len - r->pos < n - done ? r->len - r->pos : n - done;
            memcpy(out + done, r->buf + r->pos, take);
            r->pos += take;
            done += take;
            continue;
        }
        if (r->at_eof)
            break;
        size_t got_now;
        if (n - done >= DIRECT_READ) { /* large reads skip the buffer copy */
            if (read_some(r, out + done, n - done, &got_now, e))
                return e->code;
            done += got_now;
        } else {
            r->pos = r->len = 0;
            if (read_some(r, r->buf, r->fill, &got_now, e))
                return e->code;
            if (r->fill < IO_BUF)
                r->fill *= 2;
            r->len = got_now;
        }
        if (got_now == 0)
            r->at_eof = 1;
    }
    r->offset += done;
    *got = done;
    return 0;
}

/* "FILE: record N ('name'): what" with the status `code`. */
static int record_fail(const st_reader *r, const st_header *h, dl_err *e, int code,
                       const char *what)
{
    if (h->name[0] || h->rank >= 0)
        return dl_fail(e, code, "%s: record %llu ('%s'): %s", r->label,
                       (unsigned long long)h->index, h->name, what);
    return dl_fail(e, code, "%s: record %llu (at byte %llu): %s", r->label,
                   (unsigned long long)h->index, (unsigned long long)h->offset, what);
}

static int record_error(const st_reader *r, const st_header *h, dl_err *e, const char *what)
{
    return record_fail(r, h, e, DL_EDATA, what);
}

static int read_exact(st_reader *r, const st_header *h, void *dst, size_t n, dl_err *e)
{
    size_t got;
    if (read_upto(r, dst, n, &got, e))
        return e->code;
    return got < n ? record_error(r, h, e, "truncated header") : 0;
}

static int truncated_payload(const st_reader *r, const st_header *h, uint64_t got, dl_err *e)
{
    char what[160];
    snprintf(what, sizeof what, "truncated: the payload has %llu of its %llu bytes",
             (unsigned long long)got, (unsigned long long)h->payload_bytes);
    return record_error(r, h, e, what);
}

/* Reads the next n payload bytes; `done` of the payload came before them. */
static int read_payload_part(st_reader *r, const st_header *h, void *dst, size_t n,
                             uint64_t done, dl_err *e)
{
    size_t got;
    if (read_upto(r, dst, n, &got, e))
        return e->code;
    return got == n ? 0 : truncated_payload(r, h, done + got, e);
}

/* Where r's input is when it is a regular file: the descriptor's offset
 * (past what is buffered) in *at and the file's size in *size; 0 for a
 * pipe or a terminal, which can only be read on. */
static int file_position(const st_reader *r, off_t *at, uint64_t *size)
{
    struct stat sb;
    if ((*at = lseek(r->fd, 0, SEEK_CUR)) < 0 || fstat(r->fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    *size = (uint64_t)sb.st_size;
    return 1;
}

/* A payload (or a part of one) this large, of a reader that shares its
 * reads, is read from a regular file and summed in parts on BLAS's threads
 * (shared_read): dl-predict's pieces of 1,024 rows of 784 floats are 3 MiB. */
#define SHARED_READ ((size_t)2 << 20)

typedef struct read_part {
    int fd;
    unsigned char *dst;
    size_t n, got;
    off_t at; /* in the file */
    uint32_t crc;
    int err;  /* errno of a failed read */
} read_part;

static void read_part_run(void *arg)
{
    read_part *p = arg;
    while (p->got < p->n) {
        ssize_t k = pread(p->fd, p->dst + p->got, p->n - p->got, p->at + (off_t)p->got);
        if (k > 0) {
            p->got += (size_t)k;
        } else if (k == 0 || errno != EINTR) {
            p->err = k < 0 ? errno : 0;
            break;
        }
    }
    p->crc = dl_crc32c(0, p->dst, p->got);
}

/* The payload's next n bytes (`done` of it came before them) into dst and
 * their CRC into *crc, in parts on BLAS's threads, when r shares its reads,
 * n is at least SHARED_READ and the input is a regular file; else *shared
 * is 0 and nothing is read.  The sum is the same bits either way
 * (dl_crc32c_combine). */
static int shared_read(st_reader *r, const st_header *h, unsigned char *dst, size_t n,
                       uint64_t done, uint32_t *crc, int *shared, dl_err *e)
{
    off_t at;
    uint64_t size;
    size_t buffered = r->len - r->pos;
    *shared = 0;
    if (!r->share_reads || n < SHARED_READ || buffered >= n)
        return 0;
    int parts = dl_blas_parts(n - buffered, SHARED_READ / 2);
    if (parts < 2 || !file_position(r, &at, &size))
        return 0;
    *shared = 1;
    size_t rest = n - buffered;
    memcpy(dst, r->buf + r->pos, buffered);
    r->pos = r->len;
    read_part part[DL_BLAS_PARTS_MAX];
    for (int i = 0; i < parts; i++) {
        size_t from, to;
        dl_blas_part_range(rest, parts, i, 4096, &from, &to);
        part[i] = (read_part){.fd = r->fd, .dst = dst + buffered + from, .n = to - from,
                              .at = at + (off_t)from};
    }
    dl_blas_run(read_part_run, part, parts, sizeof *part);
    uint64_t got = buffered;
    *crc = dl_crc32c(0, dst, buffered);
    for (int i = 0; i < parts; i++) {
        if (part[i].err) {
            errno = part[i].err;
            return dl_fail_errno(e, "%s: read failed", r->label);
        }
        got += part[i].got;
        if (part[i].got < part[i].n)
            return truncated_payload(r, h, done + got, e);
        *crc = dl_crc32c_combine(*crc, part[i].crc, part[i].got);
    }
    if (lseek(r->fd, at + (off_t)rest, SEEK_SET) < 0)
        return dl_fail_errno(e, "%s: seek failed", r->label);
    r->offset += n;
    return 0;
}

/* The payload's sum against its header's: a mismatch names the record. */
static int check_payload(const st_reader *r, const st_header *h, uint32_t crc, dl_err *e)
{
    if (CRC_MATCHES(crc, h->payload_crc))
        return 0;
    return record_error(r, h, e, "payload checksum mismatch (corrupted data)");
}

/* The payload's next n bytes (`done` of it came before them, summed in
 * *crc) into dst, their sum added to *crc: in parts on BLAS's threads when
 * r shares its reads (shared_read), else here.  The bytes that end the
 * payload check its sum. */
static int read_summed(st_reader *r, const st_header *h, uint64_t done, unsigned char *dst,
                       size_t n, uint32_t *crc, dl_err *e)
{
    uint32_t sum;
    int shared;
    if (shared_read(r, h, dst, n, done, &sum, &shared, e))
        return e->code;
    if (shared) {
        *crc = dl_crc32c_combine(*crc, sum, n);
    } else {
        if (read_payload_part(r, h, dst, n, done, e))
            return e->code;
        *crc = st_crc32(*crc, dst, n);
    }
    return done + n == h->payload_bytes ? check_payload(r, h, *crc, e) : 0;
}

/* The whole payload, n bytes, into dst, checked. */
static int read_whole(st_reader *r, const st_header *h, unsigned char *dst, size_t n, dl_err *e)
{
    uint32_t crc = 0;
    return read_summed(r, h, 0, dst, n, &crc, e);
}

/* A raw payload read whole into dst (payload_bytes of room), checked, and
 * put in host order. */
static int read_raw_into(st_reader *r, const st_header *h, void *dst, dl_err *e)
{
    size_t n = (size_t)h->payload_bytes;
    if (read_whole(r, h, dst, n, e))
        return e->code;
    if (!host_is_little())
        swap_elements(dst, n, dl_dtype_size(h->dtype));
    return 0;
}

int st_read_part(st_reader *r, const st_header *h, uint64_t done, void *dst, size_t n,
                 uint32_t *crc, dl_err *e)
{
    if (h->encoding != ST_RAW || done > h->payload_bytes || n > h->payload_bytes - done ||
        n % dl_dtype_size(h->dtype))
        return record_fail(r, h, e, DL_EUSAGE, "no such part of a raw payload");
    if (read_summed(r, h, done, dst, n, crc, e))
        return e->code;
    if (!host_is_little())
        swap_elements(dst, n, dl_dtype_size(h->dtype));
    return 0;
}

/* Checks the fixed part; h->rank stays -1 (name unknown) so messages give the
 * offset, and the rank is returned in *rank. */
static int check_fixed(st_reader *r, st_header *h, const unsigned char *p, int *rank, dl_err *e)
{
    char what[200];
    if (memcmp(p, st_magic, 4) != 0) {
        int texty = p[0] >= 0x20 && p[0] < 0x7f;
        snprintf(what, sizeof what, "not a dl stream record (bad magic)%s",
                 texty && h->index == 1 ? "; text input? convert it with 'dl-tensor import'" : "");
        return record_error(r, h, e, what);
    }
    if (p[4] != ST_VERSION) {
        snprintf(what, sizeof what, "format version %d is not supported (this reader knows %d)",
                 p[4], ST_VERSION);
        return record_error(r, h, e, what);
    }
    h->dtype = p[5];
    h->encoding = p[6];
    *rank = p[7];
    if (!dl_dtype_size(h->dtype))
        return record_error(r, h, e, "unknown dtype code");
    if (h->encoding != ST_RAW && h->encoding != ST_DEFLATE)
        return record_error(r, h, e, "unknown encoding");
    if (*rank > DL_RANK_MAX)
        return record_error(r, h, e, "rank is over 8");
    h->flags = get_u16(p + 10);
    if (get_u16(p + 8) > DL_NAME_MAX || (h->flags & ~(unsigned)ST_ABANDONED))
        return record_error(r, h, e, "name length over 255 or reserved bits set");
    h->payload_bytes = get_u64(p + 12);
    h->payload_crc = get_u32(p + 20);
    return 0;
}

static int check_sizes(st_reader *r, st_header *h, dl_err *e)
{
    char what[240];
    dl_err shape_err;
    if (dl_shape_bytes(h->dtype, h->rank, h->shape, &h->nelem, &h->raw_bytes, &shape_err))
        return record_error(r, h, e, shape_err.msg);
    if (h->encoding == ST_RAW && h->payload_bytes != h->raw_bytes) {
        snprintf(what, sizeof what, "payload is %llu bytes but the shape needs %llu",
                 (unsigned long long)h->payload_bytes, (unsigned long long)h->raw_bytes);
        return record_error(r, h, e, what);
    }
    if (h->encoding == ST_DEFLATE && h->raw_bytes / DEFLATE_MAX_RATIO > h->payload_bytes) {
        snprintf(what, sizeof what, "compressed payload of %llu bytes cannot hold %llu bytes",
                 (unsigned long long)h->payload_bytes, (unsigned long long)h->raw_bytes);
        return record_error(r, h, e, what);
    }
    uint64_t most = DEFLATED_MOST(h->raw_bytes); /* raw_bytes < 2^46: no overflow */
    if (h->encoding == ST_DEFLATE && h->payload_bytes > most) {
        snprintf(what, sizeof what, "compressed payload of %llu bytes is larger than this "
                 "reader accepts: at most %llu bytes for %llu raw bytes",
                 (unsigned long long)h->payload_bytes, (unsigned long long)most,
                 (unsigned long long)h->raw_bytes);
        return record_error(r, h, e, what);
    }
    return 0;
}

static const char *first_chunk_name(const void *reader, size_t pos)
{
    const st_reader *r = reader;
    return r->chunk_names + r->firsts[pos].name_at;
}

static int remember_first_chunk(st_reader *r, const st_header *h, dl_err *e)
{
    size_t len = strlen(h->name) + 1;
    if (dl_vec_reserve(&r->firsts, &r->firsts_cap, r->nfirsts + 1, sizeof *r->firsts, e) ||
        dl_vec_reserve(&r->chunk_names, &r->names_cap, r->names_len + len, 1, e) ||
        dl_names_add(&r->first_index, h->name, r->nfirsts, e))
        return dl_err_wrap(e, "%s: record %llu ('%s')", r->label,
                           (unsigned long long)h->index, h->name);
    first_chunk *f = &r->firsts[r->nfirsts++];
    f->name_at = r->names_len;
    f->index = h->index;
    f->dtype = h->dtype;
    f->rank = h->rank;
    memcpy(f->shape, h->shape, sizeof f->shape);
    memcpy(r->chunk_names + r->names_len, h->name, len);
    r->names_len += len;
    return 0;
}

/* A record of a name read before is a chunk of the same tensor: its dtype,
 * rank and every axis but the first are the first chunk's, so every reader
 * refuses a stream that a reader of the whole tensor would. */
static int check_chunk(st_reader *r, const st_header *h, dl_err *e)
{
    size_t pos = dl_names_find(&r->first_index, h->name, r, first_chunk_name);
    if (pos == SIZE_MAX)
        return remember_first_chunk(r, h, e);
    const first_chunk *f = &r->firsts[pos];
    dl_tensor first = {.dtype = f->dtype, .rank = f->rank}, chunk;
    memcpy(first.shape, f->shape, sizeof first.shape);
    st_describe(h, &chunk);
    char what[200];
    int n = dl_tensor_chunk_mismatch(&first, &chunk, what, sizeof what);
    if (n == 0)
        return 0;
    snprintf(what + n, sizeof what - (size_t)n, ", the first chunk's (record %llu)",
             (unsigned long long)f->index);
    return record_error(r, h, e, what);
}

int st_next_header(st_reader *r, st_header *h, int *found, dl_err *e)
{
    unsigned char buf[HEADER_MAX];
    size_t got;
    *found = 0;
    memset(h, 0, sizeof *h);
    h->rank = -1;
    h->offset = r->offset;
    h->index = r->records + 1;
    memset(buf, 0, ST_FIXED_HEADER); /* a short read is checked for the magic as it is */
    if (read_upto(r, buf, ST_FIXED_HEADER, &got, e))
        return e->code;
    if (got == 0)
        return 0;
    r->records++;
    /* a short text is named as not a stream, not as a cut one */
    if (got < ST_FIXED_HEADER && memcmp(buf, st_magic, got < 4 ? got : 4) == 0)
        return record_error(r, h, e, "truncated header");
    int rank = 0; /* set by check_fixed; gcc -O1 cannot tell */
    if (check_fixed(r, h, buf, &rank, e))
        return e->code;
    size_t name_len = get_u16(buf + 8), rest = 8 * (size_t)rank + name_len + 4;
    if (read_exact(r, h, buf + ST_FIXED_HEADER, rest, e))
        return e->code;
    size_t crc_at = ST_FIXED_HEADER + rest - 4;
    if (!CRC_MATCHES(st_crc32(0, buf, crc_at), get_u32(buf + crc_at)))
        return record_error(r, h, e, "header checksum mismatch (corrupted header)");
    if (h->flags & ST_ABANDONED)
        return record_error(r, h, e, "the program writing this stream failed here (its own "
                                     "message says why): the records before are incomplete");
    const char *fault = dl_name_fault((const char *)buf + crc_at - name_len, name_len);
    if (fault) {
        char what[64];
        snprintf(what, sizeof what, "the name %s", fault);
        return record_error(r, h, e, what);
    }
    memcpy(h->name, buf + crc_at - name_len, name_len);
    h->name[name_len] = '\0';
    h->rank = rank;
    for (int i = 0; i < rank; i++)
        h->shape[i] = get_u64(buf + ST_FIXED_HEADER + 8 * (size_t)i);
    if (check_sizes(r, h, e) || check_chunk(r, h, e))
        return e->code;
    *found = 1;
    return 0;
}

/* Reads the stored payload into a buffer grown as bytes arrive, checking its CRC. */
static int read_stored(st_reader *r, const st_header *h, unsigned char **out, dl_err *e)
{
    uint64_t want = h->payload_bytes;
    if (want > SIZE_MAX)
        return record_error(r, h, e, "payload does not fit in memory");
    size_t cap = want < TRUSTED_ALLOC ? (size_t)want : TRUSTED_ALLOC, have = 0;
    unsigned char *buf = malloc(cap ? cap : 1); /* a tensor's, which may grow */
    dl_mem_huge(buf);
    if (buf && cap == want) { /* trusted: all at once */
        if (read_whole(r, h, buf, cap, e) == 0) {
            *out = buf;
            return 0;
        }
        free(buf);
        return e->code;
    }
    while (buf) {
        size_t step = (size_t)want - have < cap - have ? (size_t)want - have : cap - have;
        if (read_payload_part(r, h, buf + have, step, have, e))
            break;
        have += step;
        if (have == want) {
            if (check_payload(r, h, st_crc32(0, buf, have), e))
                break;
            *out = buf;
            return 0;
        }
        size_t grown = cap > (size_t)want / 2 ? (size_t)want : 2 * cap;
        unsigned char *bigger = realloc(buf, grown);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap = grown;
        dl_mem_huge(buf);
    }
    if (!buf)
        return record_fail(r, h, e, DL_ENOMEM, "out of memory for the payload");
    free(buf);
    return e->code;
}

/* What an inflate that ended in zrc (exact: it gave exactly the raw
 * length from every stored byte) means for the record. */
static int inflate_outcome(const st_reader *r, const st_header *h, int zrc, int exact,
                           dl_err *e)
{
    if (zrc == Z_MEM_ERROR) /* zlib allocates its window on the first inflate */
        return record_fail(r, h, e, DL_ENOMEM, "out of memory for zlib");
    if (!exact)
        return record_error(r, h, e, "compressed payload is corrupt or has the wrong length");
    return 0;
}

static int inflate_payload(const st_reader *r, const st_header *h, const unsigned char *in,
                           unsigned char *out, dl_err *e)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return record_fail(r, h, e, DL_ENOMEM, "out of memory starting zlib");
    uint64_t in_left = h->payload_bytes, out_left = h->raw_bytes;
    z.next_in = (unsigned char *)in;
    z.next_out = out;
    int zrc = Z_OK;
    while (zrc == Z_OK) {
        uInt in_step = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
        uInt out_step = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
        z.avail_in = in_step;
        z.avail_out = out_step;
        zrc = inflate(&z, Z_FINISH);
        in_left -= in_step - z.avail_in;
        out_left -= out_step - z.avail_out;
        if (zrc == Z_BUF_ERROR && (in_left || out_left) && (z.avail_in == 0 || z.avail_out == 0))
            zrc = Z_OK;
        if (zrc == Z_OK && in_step == z.avail_in && out_step == z.avail_out)
            break; /* no progress */
    }
    inflateEnd(&z);
    return inflate_outcome(r, h, zrc, zrc == Z_STREAM_END && !in_left && !out_left, e);
}

/* A deflated payload that is passed on or skipped is inflated as its
 * pieces pass, into a scratch buffer whose bytes are dropped: that it
 * inflates to exactly its raw length is checked as a read of it checks it,
 * without memory for that length.  A raw payload needs none of this. */
typedef struct inflate_check {
    z_stream z;
    unsigned char *scratch; /* NULL: a raw payload */
    uint64_t out;           /* bytes inflated so far */
    int zrc;                /* Z_OK while bytes may come, Z_STREAM_END at the end */
    int over;               /* bytes beyond the stream's end, or beyond the raw length */
} inflate_check;

static int inflate_check_begin(const st_reader *r, const st_header *h, inflate_check *c,
                               dl_err *e)
{
    memset(c, 0, sizeof *c);
    if (h->encoding != ST_DEFLATE)
        return 0;
    c->scratch = malloc(INFLATE_SCRATCH);
    if (c->scratch && inflateInit(&c->z) == Z_OK)
        return 0;
    free(c->scratch);
    c->scratch = NULL;
    return record_fail(r, h, e, DL_ENOMEM, "out of memory starting zlib");
}

/* Releases what inflate_check_begin took. */
static void inflate_check_drop(inflate_check *c)
{
    if (!c->scratch)
        return;
    inflateEnd(&c->z);
    free(c->scratch);
    c->scratch = NULL;
}

/* The next n stored bytes inflated; after a failure, or after the end of
 * the zlib stream, only passed over (bytes after its end are a failure). */
static void inflate_check_feed(const st_header *h, inflate_check *c, const unsigned char *in,
                               size_t n)
{
    if (!c->scratch || c->over || c->zrc != Z_OK) {
        c->over |= c->zrc == Z_STREAM_END && n;
        return;
    }
    c->z.next_in = (unsigned char *)in;
    c->z.avail_in = (uInt)n; /* a piece, far under UINT_MAX */
    do { /* until the piece is used up and nothing more comes out of it */
        c->z.next_out = c->scratch;
        c->z.avail_out = INFLATE_SCRATCH;
        int zrc = inflate(&c->z, Z_NO_FLUSH);
        c->out += INFLATE_SCRATCH - c->z.avail_out;
        c->zrc = zrc == Z_BUF_ERROR && !c->z.avail_in ? Z_OK : zrc; /* it wants more */
        c->over = c->out > h->raw_bytes || (c->zrc == Z_STREAM_END && c->z.avail_in);
    } while (c->zrc == Z_OK && !c->over && (c->z.avail_in || !c->z.avail_out));
}

/* The outcome once every stored byte was fed: 0, or the error a read of
 * the payload gives. */
static int inflate_check_end(const st_reader *r, const st_header *h, inflate_check *c,
                             dl_err *e)
{
    if (!c->scratch)
        return 0;
    inflate_check_drop(c);
    return inflate_outcome(r, h, c->zrc,
                           c->zrc == Z_STREAM_END && !c->over && c->out == h->raw_bytes, e);
}

/* The header's name, dtype and shape into t (not its data). */
void st_describe(const st_header *h, dl_tensor *t)
{
    memcpy(t->name, h->name, sizeof t->name);
    t->dtype = h->dtype;
    t->rank = h->rank;
    memcpy(t->shape, h->shape, sizeof t->shape);
}

/* t's name, dtype and shape from h, its data (read as h says) in host order. */
static void describe_payload(const st_header *h, dl_tensor *t)
{
    st_describe(h, t);
    if (!host_is_little())
        swap_elements(t->data, h->raw_bytes, dl_dtype_size(h->dtype));
}

/* A deflated record's stored payload inflated into t, on this thread or a
 * worker; r is only read, for messages. */
typedef struct inflate_job {
    const st_reader *r;
    st_header h;
    unsigned char *stored;
    dl_tensor t;
    int rc;
    dl_err e;
} inflate_job;

static void inflate_run(void *arg)
{
    inflate_job *j = arg;
    memset(&j->t, 0, sizeof j->t);
    j->t.data = malloc(j->h.raw_bytes ? (size_t)j->h.raw_bytes : 1);
    j->rc = j->t.data ? inflate_payload(j->r, &j->h, j->stored, j->t.data, &j->e)
                      : record_fail(j->r, &j->h, &j->e, DL_ENOMEM, "out of memory");
    free(j->stored);
    j->stored = NULL;
    if (j->rc)
        dl_tensor_free(&j->t);
    else
        describe_payload(&j->h, &j->t);
}

int st_read_payload(st_reader *r, const st_header *h, dl_tensor *t, dl_err *e)
{
    unsigned char *stored = NULL;
    memset(t, 0, sizeof *t);
    if (read_stored(r, h, &stored, e))
        return e->code;
    if (h->encoding == ST_RAW) {
        t->data = stored;
        describe_payload(h, t);
        return 0;
    }
    inflate_job j = {.r = r, .h = *h, .stored = stored};
    inflate_run(&j);
    if (j.rc) {
        *e = j.e;
        return e->code;
    }
    *t = j.t;
    return 0;
}

int st_read_payload_reuse(st_reader *r, const st_header *h, dl_tensor *t, size_t *cap,
                          dl_err *e)
{
    if (h->encoding != ST_RAW || !t->data || h->payload_bytes > *cap) {
        dl_tensor fresh;
        if (st_read_payload(r, h, &fresh, e))
            return e->code;
        dl_tensor_free(t);
        *t = fresh;
        *cap = (size_t)h->raw_bytes; /* what read_stored or the inflate allocated */
        return 0;
    }
    if (read_raw_into(r, h, t->data, e))
        return e->code;
    st_describe(h, t);
    return 0;
}

/* Streams the stored payload through `sink` in buffer-sized pieces, checking
 * the CRC and, of a deflated one, that it inflates to exactly its raw length. */
static int pass_payload(st_reader *r, const st_header *h, st_writer *sink, dl_err *e);

int st_skip_payload(st_reader *r, const st_header *h, dl_err *e)
{
    return pass_payload(r, h, NULL, e) ? e->code : 0;
}

int st_seek_payload(st_reader *r, const st_header *h, dl_err *e)
{
    off_t at;
    uint64_t size, buffered = r->len - r->pos;
    if (h->payload_bytes <= buffered) {
        r->pos += (size_t)h->payload_bytes;
        r->offset += h->payload_bytes;
        return 0;
    }
    uint64_t beyond = h->payload_bytes - buffered;
    if (!file_position(r, &at, &size) || beyond > (uint64_t)INT64_MAX)
        return st_skip_payload(r, h, e);
    if ((uint64_t)at + beyond > size) { /* named as a read of it would name it */
        uint64_t rest = size > (uint64_t)at ? size - (uint64_t)at : 0; /* 0: it shrank */
        return truncated_payload(r, h, buffered + rest, e);
    }
    if (lseek(r->fd, (off_t)beyond, SEEK_CUR) < 0)
        return dl_fail_errno(e, "%s: seek failed", r->label);
    r->pos = r->len = 0;
    r->fill = FIRST_FILL; /* what comes next may be passed over too */
    r->offset += h->payload_bytes;
    return 0;
}

int st_read(st_reader *r, dl_tensor *t, int *found, dl_err *e)
{
    st_header h;
    if (st_next_header(r, &h, found, e))
        return e->code;
    if (*found && st_read_payload(r, &h, t, e)) {
        *found = 0;
        return e->code;
    }
    return 0;
}

/* ============================== writing ============================= */

/* A slot's deflate stream, made once and reset for each record (the same
 * bytes as compress2's fresh one): a record deflated then allocates nothing. */
typedef struct deflate_state {
    z_stream z;
    int ready; /* deflateInit done */
} deflate_state;

/* A record's payload deflated, on this thread or the writer's worker. */
typedef struct deflate_job {
    st_header h;        /* the record's; encoding, payload_bytes and crc set once done */
    const void *data;   /* h.raw_bytes in host order */
    unsigned char *z;   /* the deflated payload, in the writer's buffer `slot` */
    size_t zcap;
    deflate_state *ds;  /* the slot's stream */
    int slot, failed;   /* failed: out of memory, or zlib's error */
} deflate_job;

struct st_writer {
    int fd, owns_fd, flags;
    int temporary;  /* -o FILE into a temporary: a failure removes it, no mark */
    uint64_t sent;  /* bytes that have reached fd */
    int held;       /* the signal handler ends fd with `mark` (sig_hold_stream) */
    unsigned char mark[HEADER_MAX];
    size_t mark_len;
    char label[PATH_MAX]; /* a file name, whole */
    dl_outfile out; /* -o FILE: committed or discarded with the writer */
    unsigned char *buf;
    size_t len;
    size_t head;    /* where in buf the record being written starts: what is
                     * before it is whole records (0 when none, or when its
                     * start has gone out) */
    wk_worker *deflater; /* deflates every other chunk of a large tensor, or record */
    int deflater_tried;
    unsigned char *zbuf[2]; /* deflated payloads, kept from record to record */
    size_t zcap[2];
    deflate_state ds[2];    /* each buffer's deflate stream */
    int pending;            /* `in_turn` handed to the deflater, not yet out */
    deflate_job in_turn;    /* in buffer 0, reading `copy` */
    unsigned char *copy;    /* the caller's rows it deflates (kept for the next) */
    size_t copy_cap;
};

/* n more bytes have reached fd. */
static void went_out(st_writer *w, size_t n)
{
    w->sent += (uint64_t)n;
    if (!w->temporary && !w->held) { /* a signal now must not leave the stream cut */
        sig_hold_stream(w->fd, w->mark, w->mark_len);
        w->held = 1;
    }
}

static int write_all(st_writer *w, const void *data, size_t n, dl_err *e)
{
    const unsigned char *p = data;
    if (w->fd < 0) { /* ST_LATE: the file is made with its first bytes */
        if (dl_outfile_create(&w->out, e))
            return e->code;
        w->fd = w->out.fd;
        w->owns_fd = 1;
    }
    while (n > 0) {
        ssize_t put = write(w->fd, p, n);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return dl_fail_errno(e, "%s: write failed", w->label);
        p += put;
        n -= (size_t)put;
        went_out(w, (size_t)put);
    }
    return 0;
}

static int flush_buf(st_writer *w, dl_err *e)
{
    int rc = write_all(w, w->buf, w->len, e);
    w->len = w->head = 0;
    return rc;
}

/* Sends the whole records of a full buffer and keeps the start of the one
 * being written, so that what is out ends where a record does while the
 * tool waits (for input, say): a signal's abandoned mark then follows the
 * last whole record, where every reader recognizes it, instead of being
 * taken for part of a cut payload. */
static int flush_whole_records(st_writer *w, dl_err *e)
{
    if (w->head == 0)
        return 0;
    if (write_all(w, w->buf, w->head, e))
        return e->code;
    memmove(w->buf, w->buf + w->head, w->len - w->head);
    w->len -= w->head;
    w->head = 0;
    return 0;
}

/* Small pieces are gathered in the buffer; large ones go straight out. */
static int emit(st_writer *w, const void *data, size_t n, dl_err *e)
{
    if (w->len + n > IO_BUF && flush_whole_records(w, e))
        return e->code;
    if (w->len + n <= IO_BUF) {
        memcpy(w->buf + w->len, data, n);
        w->len += n;
        return 0;
    }
    if (flush_buf(w, e))
        return e->code;
    if (n >= IO_BUF / 2)
        return write_all(w, data, n, e);
    memcpy(w->buf, data, n);
    w->len = n;
    return 0;
}

/* A writer of fd (-1: a file made at its first bytes, ST_LATE). */
static int writer_new(st_writer **out, int fd, const char *label, int flags, dl_err *e)
{
    st_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->buf = malloc(IO_BUF))) {
        free(w);
        return dl_fail(e, DL_ENOMEM, "%s: cannot allocate a write buffer", label);
    }
    w->fd = fd;
    if (fd >= 0)
        widen_pipe(fd);
    w->flags = flags;
    st_header mark = {.dtype = DL_U8, .rank = 1, .flags = ST_ABANDONED};
    w->mark_len = encode_header(&mark, w->mark);
    snprintf(w->label, sizeof w->label, "%s", label);
    *out = w;
    return 0;
}

int st_writer_from_fd(st_writer **out, int fd, const char *label, int flags, dl_err *e)
{
    *out = NULL;
    if (!(flags & ST_ALLOW_TTY) &&
        dl_tty_refuse_output(fd, label, "a binary stream",
                             "redirect it (> FILE), pipe it, or use -o FILE ('dl-tensor export' "
                             "gives text)", e))
        return e->code;
    if (dl_outfile_check_fd(fd, label, e))
        return e->code;
    return writer_new(out, fd, label, flags, e);
}

int st_writer_open(st_writer **out, const char *path, int flags, dl_err *e)
{
    *out = NULL; /* so that aborting after a failed open is harmless */
    if (!path || strcmp(path, "-") == 0)
        return st_writer_from_fd(out, STDOUT_FILENO, "standard output", flags, e);
    dl_outfile file;
    if ((flags & ST_LATE) ? dl_outfile_prepare(&file, path, e) : dl_outfile_open(&file, path, e))
        return e->code;
    /* a name of the terminal (/dev/stdout, /dev/tty) is refused as stdout is;
     * a temporary still to make is a regular file */
    if (file.unmade ? writer_new(out, -1, path, flags, e)
                    : st_writer_from_fd(out, file.fd, path, flags, e)) {
        if (!file.unmade)
            close(file.fd);
        dl_outfile_abort(&file);
        return e->code;
    }
    (*out)->owns_fd = !file.unmade;
    (*out)->temporary = file.final != NULL; /* a FIFO or device is written in place */
    (*out)->out = file;
    return 0;
}

static int emit_pending(st_writer *w, dl_err *e);

/* Every record starts here: the one deflated on the worker goes out first. */
static int write_header(st_writer *w, const st_header *h, dl_err *e)
{
    unsigned char buf[HEADER_MAX];
    if (emit_pending(w, e))
        return e->code;
    w->head = w->len;
    return emit(w, buf, encode_header(h, buf), e);
}

static int fill_header(st_header *h, const char *name, int dtype, int rank,
                       const uint64_t *shape, dl_err *e)
{
    memset(h, 0, sizeof *h);
    if (strlen(name) > DL_NAME_MAX)
        return dl_fail(e, DL_EUSAGE, "tensor name '%.40s...' is over %d bytes", name, DL_NAME_MAX);
    const char *fault = dl_name_fault(name, strlen(name));
    if (fault)
        return dl_fail(e, DL_EUSAGE, "a tensor name %s", fault);
    strcpy(h->name, name);
    h->dtype = dtype;
    h->rank = rank;
    for (int i = 0; i < rank; i++)
        h->shape[i] = shape[i];
    return dl_shape_bytes(dtype, rank, shape, &h->nelem, &h->raw_bytes, e);
}

/* Raw records: the payload leaves straight from the caller's memory. */
static int write_raw(st_writer *w, st_header *h, const void *data, dl_err *e)
{
    h->encoding = ST_RAW;
    h->payload_bytes = h->raw_bytes;
    if (host_is_little()) {
        h->payload_crc = st_crc32(0, data, (size_t)h->raw_bytes);
        return write_header(w, h, e) || emit(w, data, (size_t)h->raw_bytes, e) ? e->code : 0;
    }
    unsigned char *copy = malloc(h->raw_bytes ? (size_t)h->raw_bytes : 1);
    if (!copy)
        return dl_fail(e, DL_ENOMEM, "'%s': out of memory", h->name);
    memcpy(copy, data, (size_t)h->raw_bytes);
    swap_elements(copy, h->raw_bytes, dl_dtype_size(h->dtype));
    h->payload_crc = st_crc32(0, copy, (size_t)h->raw_bytes);
    int rc = write_header(w, h, e) || emit(w, copy, (size_t)h->raw_bytes, e) ? e->code : 0;
    free(copy);
    return rc ? e->code : 0;
}

/* A slot's buffer of at least `bound` bytes and its deflate stream; 0, or
 * -1 out of memory. */
static int deflate_room(unsigned char **z, size_t *zcap, deflate_state *ds, uLong bound)
{
    if (*zcap < bound) {
        free(*z);
        *z = dl_mem_big(bound);
        *zcap = *z ? bound : 0;
    }
    if (*z && !ds->ready)
        ds->ready = deflateInit(&ds->z, ST_ZLIB_LEVEL) == Z_OK;
    return *z && ds->ready ? 0 : -1;
}

/* compress2 on the slot's stream: its loop, after a reset of the stream
 * instead of a new one. */
static int deflate_into(z_stream *z, unsigned char *dest, uLongf *dest_len,
                        const unsigned char *src, uLong src_len)
{
    const uInt max = (uInt)-1;
    uLong left = *dest_len;
    if (deflateReset(z) != Z_OK)
        return Z_STREAM_ERROR;
    z->next_out = dest;
    z->avail_out = 0;
    z->next_in = (Bytef *)src;
    z->avail_in = 0;
    int err;
    do {
        if (z->avail_out == 0) {
            z->avail_out = left > (uLong)max ? max : (uInt)left;
            left -= z->avail_out;
        }
        if (z->avail_in == 0) {
            z->avail_in = src_len > (uLong)max ? max : (uInt)src_len;
            src_len -= z->avail_in;
        }
        err = deflate(z, src_len ? Z_NO_FLUSH : Z_FINISH);
    } while (err == Z_OK);
    *dest_len = z->total_out;
    return err == Z_STREAM_END ? Z_OK : err;
}

static void deflate_run(void *arg)
{
    deflate_job *j = arg;
    st_header *h = &j->h;
    uLong bound = compressBound((uLong)h->raw_bytes);
    unsigned char *le = NULL;
    const void *data = j->data;
    int room = deflate_room(&j->z, &j->zcap, j->ds, bound) == 0;
    if (room && !host_is_little() && (le = malloc(h->raw_bytes ? (size_t)h->raw_bytes : 1))) {
        memcpy(le, data, (size_t)h->raw_bytes);
        swap_elements(le, h->raw_bytes, dl_dtype_size(h->dtype));
        data = le;
    }
    uLongf zlen = bound;
    j->failed = !room || (!host_is_little() && !le) ||
                deflate_into(&j->ds->z, j->z, &zlen, data, (uLong)h->raw_bytes) != Z_OK;
    if (!j->failed) {
        h->encoding = ST_DEFLATE;
        h->payload_bytes = zlen;
        h->payload_crc = st_crc32(0, j->z, zlen);
    }
    free(le);
}

/* A job deflating into the writer's buffer `slot` (0 or 1).  The two are
 * kept from record to record: a fresh one faults in page by page, and
 * unmapping a freed one interrupts the other thread. */
static deflate_job job_for(st_writer *w, int slot, const st_header *h, const void *data)
{
    return (deflate_job){.h = *h, .data = data, .z = w->zbuf[slot], .zcap = w->zcap[slot],
                         .ds = &w->ds[slot], .slot = slot};
}

/* The job's buffer back to the writer (grown, maybe). */
static void job_done(st_writer *w, deflate_job *j)
{
    w->zbuf[j->slot] = j->z;
    w->zcap[j->slot] = j->zcap;
    j->z = NULL;
}

/* The deflated record out; its buffer back to the writer. */
static int emit_deflated(st_writer *w, deflate_job *j, dl_err *e)
{
    int rc = j->failed ? dl_fail(e, DL_ENOMEM, "'%s': out of memory for compression", j->h.name)
             : write_header(w, &j->h, e) || emit(w, j->z, (size_t)j->h.payload_bytes, e)
                 ? e->code
                 : 0;
    job_done(w, j);
    return rc;
}

static int write_deflated(st_writer *w, st_header *h, const void *data, dl_err *e)
{
    if (emit_pending(w, e)) /* its buffer is the one used here */
        return e->code;
    deflate_job j = job_for(w, 0, h, data);
    deflate_run(&j);
    return emit_deflated(w, &j, e);
}

/* The writer's worker, started for the first tensor of two chunks or more,
 * or the first record worth one; NULL: none (every chunk is deflated here). */
static wk_worker *deflater(st_writer *w)
{
    return wk_start_once(&w->deflater, &w->deflater_tried);
}

/* The rows of each chunk a deflated tensor of rows x row_bytes goes out in
 * (at least 1: a row over DEFLATE_CHUNK is a chunk of its own). */
static uint64_t chunk_rows(uint64_t rows, uint64_t row_bytes)
{
    uint64_t per = row_bytes ? DEFLATE_CHUNK / row_bytes : rows;
    return per ? per : 1;
}

/* Deflated tensors go out in row chunks so the writer's memory stays
 * bounded (two chunks at a time); each is its own zlib stream, so every
 * other one is deflated on the worker (deflate is a stream's slowest step)
 * and they go out in order: the same records. */
static int write_chunked(st_writer *w, st_header *h, const void *data, dl_err *e)
{
    uint64_t rows = h->shape[0], row_bytes = rows ? h->raw_bytes / rows : 0;
    uint64_t per = chunk_rows(rows, row_bytes);
    if (emit_pending(w, e))
        return e->code;
    wk_worker *helper = rows > per ? deflater(w) : NULL;
    for (uint64_t r0 = 0; r0 < rows || r0 == 0;) {
        deflate_job j[2];
        int n = 0;
        for (; n < 2 && (r0 < rows || (rows == 0 && n == 0)); n++) {
            j[n] = job_for(w, n, h, (const unsigned char *)data + r0 * row_bytes);
            j[n].h.shape[0] = rows - r0 < per ? rows - r0 : per;
            j[n].h.raw_bytes = j[n].h.shape[0] * row_bytes;
            r0 += j[n].h.shape[0];
        }
        if (helper && n == 2) {
            wk_run(helper, deflate_run, &j[1]);
            deflate_run(&j[0]);
            wk_wait(helper);
        } else {
            for (int i = 0; i < n; i++)
                deflate_run(&j[i]);
        }
        int rc = emit_deflated(w, &j[0], e);
        if (n == 2) {
            if (rc)
                job_done(w, &j[1]);
            else
                rc = emit_deflated(w, &j[1], e);
        }
        if (rc)
            return rc;
        if (rows == 0)
            break;
    }
    return 0;
}

/* The record deflated on the worker while the caller went on: out now,
 * before anything else goes out. */
static int emit_pending(st_writer *w, dl_err *e)
{
    if (!w->pending)
        return 0;
    w->pending = 0;
    wk_wait(w->deflater);
    return emit_deflated(w, &w->in_turn, e);
}

/* Records of one chunk in turn: the first of each pair is copied and
 * deflated on the worker while the caller goes on; the second is deflated
 * here, and both go out in order.  Without memory for the copy, a record
 * is deflated here alone. */
static int write_in_turn(st_writer *w, st_header *h, const void *data, dl_err *e)
{
    if (w->pending) {
        deflate_job j = job_for(w, 1, h, data);
        deflate_run(&j);
        if (emit_pending(w, e)) {
            job_done(w, &j);
            return e->code;
        }
        return emit_deflated(w, &j, e);
    }
    if (w->copy_cap < h->raw_bytes) {
        free(w->copy);
        w->copy = malloc((size_t)h->raw_bytes);
        w->copy_cap = w->copy ? (size_t)h->raw_bytes : 0;
    }
    if (!w->copy)
        return write_deflated(w, h, data, e);
    memcpy(w->copy, data, (size_t)h->raw_bytes);
    w->in_turn = job_for(w, 0, h, w->copy);
    w->pending = 1;
    wk_run(w->deflater, deflate_run, &w->in_turn);
    return 0;
}

int st_write_data(st_writer *w, const char *name, int dtype, int rank,
                  const uint64_t *shape, const void *data, dl_err *e)
{
    st_header h;
    if (fill_header(&h, name, dtype, rank, shape, e))
        return dl_err_wrap(e, "%s", w->label);
    if (!(w->flags & ST_ZLIB))
        return write_raw(w, &h, data, e);
    /* column metadata is one record, never chunks (colmeta.h) */
    if (rank == 0 || cm_is_meta_name(name))
        return write_deflated(w, &h, data, e);
    if (h.raw_bytes >= WORKER_BYTES && h.raw_bytes <= DEFLATE_CHUNK && deflater(w))
        return write_in_turn(w, &h, data, e);
    return emit_pending(w, e) ? e->code : write_chunked(w, &h, data, e);
}

int st_writer_splices(const st_writer *w)
{
    struct stat st;
    return !(w->flags & ST_ZLIB) && host_is_little() && fstat(w->fd, &st) == 0 &&
           S_ISFIFO(st.st_mode);
}

int st_pread_exact(int fd, void *buf, size_t n, uint64_t off, const char *label, dl_err *e)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(fd, (unsigned char *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return dl_fail_errno(e, "%s: cannot read the input file", label);
        if (r == 0)
            return dl_fail(e, DL_EIO, "%s: the file shrank while it was read", label);
        got += (size_t)r;
    }
    return 0;
}

/* Copies n bytes of in_fd from offset off through the writer's buffer: for
 * an output or a file system that splice(2) does not take. */
static int copy_from_file(st_writer *w, int in_fd, uint64_t off, uint64_t n, dl_err *e)
{
    while (n > 0) {
        size_t step = n < IO_BUF ? (size_t)n : IO_BUF;
        if (st_pread_exact(in_fd, w->buf, step, off, w->label, e) ||
            write_all(w, w->buf, step, e))
            return e->code;
        off += step;
        n -= step;
    }
    return 0;
}

int st_write_spliced(st_writer *w, const char *name, int dtype, int rank,
                     const uint64_t *shape, int in_fd, uint64_t off, uint32_t crc, dl_err *e)
{
    st_header h;
    if (fill_header(&h, name, dtype, rank, shape, e))
        return dl_err_wrap(e, "%s", w->label);
    h.encoding = ST_RAW;
    h.payload_bytes = h.raw_bytes;
    h.payload_crc = crc;
    if (write_header(w, &h, e) || flush_buf(w, e))
        return e->code;
    uint64_t left = h.payload_bytes;
    while (left > 0) {
        loff_t at = (loff_t)off;
        size_t step = left < ((size_t)1 << 30) ? (size_t)left : (size_t)1 << 30;
        ssize_t moved = splice(in_fd, &at, w->fd, NULL, step, SPLICE_F_MORE);
        if (moved < 0 && errno == EINTR)
            continue;
        if (moved < 0 && (errno == EINVAL || errno == ENOSYS))
            return copy_from_file(w, in_fd, off, left, e);
        if (moved < 0)
            return dl_fail_errno(e, "%s: write failed", w->label);
        if (moved == 0)
            return dl_fail(e, DL_EIO, "%s: the file shrank while it was read", w->label);
        went_out(w, (size_t)moved);
        off += (uint64_t)moved;
        left -= (uint64_t)moved;
    }
    return 0;
}

/* The raw bytes st_write_data deflates at once for a tensor (a whole
 * record, or a chunk of rows), and whether two records are then deflated at
 * once, in both of the writer's buffers. */
static uint64_t deflated_at_once(const dl_tensor *t, int *both)
{
    uint64_t raw = dl_tensor_nbytes(t);
    *both = 0;
    if (t->rank == 0 || cm_is_meta_name(t->name))
        return raw;
    if (raw >= WORKER_BYTES && raw <= DEFLATE_CHUNK) {
        *both = 1; /* in turn, with the next record */
        return raw;
    }
    uint64_t rows = t->shape[0], row_bytes = rows ? raw / rows : 0;
    uint64_t per = chunk_rows(rows, row_bytes);
    *both = rows > per;
    return rows > per ? per * row_bytes : raw;
}

int st_writer_reserve(st_writer *w, const dl_tensor_set *set, dl_err *e)
{
    if (!(w->flags & ST_ZLIB))
        return 0; /* raw records go out from the caller's memory */
    uint64_t most = 0;
    int both = 0;
    for (size_t i = 0; i < set->count; i++) {
        int two;
        uint64_t n = deflated_at_once(&set->items[i], &two);
        most = n > most ? n : most;
        both |= two;
    }
    uLong bound = compressBound((uLong)most);
    for (int i = 0; i < (both ? 2 : 1); i++)
        if (deflate_room(&w->zbuf[i], &w->zcap[i], &w->ds[i], bound))
            return dl_fail(e, DL_ENOMEM, "%s: cannot allocate %lu bytes to deflate records",
                           w->label, (unsigned long)bound);
    return 0;
}

int st_write(st_writer *w, const dl_tensor *t, dl_err *e)
{
    return st_write_data(w, t->name, t->dtype, t->rank, t->shape, t->data, e);
}

static int pass_payload(st_reader *r, const st_header *h, st_writer *sink, dl_err *e)
{
    uint32_t crc = 0;
    uint64_t left = h->payload_bytes;
    inflate_check z;
    if (inflate_check_begin(r, h, &z, e))
        return e->code;
    /* What came in with the header is passed where it lies. */
    size_t held = r->len - r->pos < left ? r->len - r->pos : (size_t)left;
    crc = st_crc32(crc, r->buf + r->pos, held);
    inflate_check_feed(h, &z, r->buf + r->pos, held);
    if (sink && held && emit(sink, r->buf + r->pos, held, e)) {
        inflate_check_drop(&z);
        return e->code;
    }
    r->pos += held;
    r->offset += held;
    left -= held;
    unsigned char *piece = left ? malloc(PASS_PIECE) : NULL;
    if (left && !piece) {
        inflate_check_drop(&z);
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", r->label);
    }
    int rc = 0;
    while (left > 0 && !rc) {
        size_t step = left < PASS_PIECE ? (size_t)left : PASS_PIECE;
        rc = read_payload_part(r, h, piece, step, h->payload_bytes - left, e);
        if (!rc) {
            crc = st_crc32(crc, piece, step);
            inflate_check_feed(h, &z, piece, step);
            if (sink)
                rc = emit(sink, piece, step, e);
        }
        left -= step;
    }
    free(piece);
    if (rc || check_payload(r, h, crc, e)) { /* the sum first, as a read checks it */
        inflate_check_drop(&z);
        return e->code;
    }
    return inflate_check_end(r, h, &z, e);
}

int st_copy_record(st_reader *r, const st_header *h, st_writer *w, dl_err *e)
{
    return write_header(w, h, e) || pass_payload(r, h, w, e) ? e->code : 0;
}

/* The stream is whole, or ends with the mark already: no mark from the
 * signal handler (and fd may be closed after). */
static void writer_release(st_writer *w)
{
    if (w->held)
        sig_release_stream(w->fd);
    w->held = 0;
}

/* Frees w; a file's temporary, unless committed, is removed. */
static void writer_free(st_writer *w)
{
    wk_stop(w->deflater); /* a record still pending is dropped */
    if (w->pending)
        job_done(w, &w->in_turn);
    free(w->copy);
    for (int i = 0; i < 2; i++) {
        free(w->zbuf[i]);
        if (w->ds[i].ready)
            deflateEnd(&w->ds[i].z);
    }
    writer_release(w);
    if (w->owns_fd)
        close(w->fd);
    dl_outfile_abort(&w->out);
    free(w->buf);
    free(w);
}

/* Writes out the buffer and closes the file, without committing it. */
static int writer_flush_close(st_writer *w, dl_err *e)
{
    int rc = emit_pending(w, e) ? e->code : flush_buf(w, e);
    if (!rc)
        writer_release(w);
    if (w->owns_fd && close(w->fd) != 0 && !rc)
        rc = dl_fail_errno(e, "%s: write failed", w->label);
    w->owns_fd = 0;
    return rc;
}

int st_writer_close_with(st_writer *const *w, size_t n, dl_outfile *const *files,
                         size_t n_files, dl_err *e)
{
    dl_outfile *all[8] = {0};
    int rc = n + n_files > sizeof all / sizeof *all ? dl_fail(e, DL_EUSAGE, "too many outputs") : 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = writer_flush_close(w[i], e);
        all[i] = &w[i]->out;
    }
    for (size_t i = 0; i < n_files && !rc; i++)
        all[n + i] = files[i];
    if (!rc)
        rc = dl_outfile_commit_all(all, n + n_files, e);
    for (size_t i = 0; i < n; i++) {
        if (rc)
            st_writer_abort(w[i]);
        else
            writer_free(w[i]);
    }
    for (size_t i = 0; i < n_files; i++) /* a no-op on a committed file */
        dl_outfile_abort(files[i]);
    return rc;
}

int st_writer_close_all(st_writer *const *w, size_t n, dl_err *e)
{
    return st_writer_close_with(w, n, NULL, 0, e);
}

int st_writer_close(st_writer *w, dl_err *e) { return st_writer_close_all(&w, 1, e); }

void st_writer_abort(st_writer *w)
{
    if (!w)
        return;
    if (!w->temporary && w->sent > 0) {
        /* Records are out, so the reader must learn they are not all.  What
         * is buffered ends the record that may be open; errors are ignored:
         * the run has failed already, and a reader that finds the stream cut
         * short fails as well.  Nothing out yet: the buffer is dropped, and
         * the reader finds the input empty. */
        dl_err ignored;
        if (emit(w, w->mark, w->mark_len, &ignored) == 0)
            flush_buf(w, &ignored);
    }
    writer_free(w);
}

/* =========================== whole streams ========================== */

/* A raw chunk of a tensor the set holds, read straight onto the end of its
 * data: no copy of the chunk, and no memory for it beside the tensor's.
 * *done 0 when the record is no such chunk (read it as any other). */
static int read_more_rows(st_reader *r, const st_header *h, dl_tensor_set *set, int *done,
                          dl_err *e)
{
    dl_tensor *have = dl_set_rows_of(set, h->name), rows = {0};
    *done = 0;
    if (!have || h->encoding != ST_RAW || h->payload_bytes > TRUSTED_ALLOC)
        return 0;
    st_describe(h, &rows);
    unsigned char *tail = dl_tensor_grow_rows(have, &rows, e);
    if (!tail)
        return dl_err_wrap(e, "%s", r->label);
    if (read_raw_into(r, h, tail, e))
        return e->code;
    have->shape[0] += h->shape[0];
    *done = 1;
    return 0;
}

/* A done job's tensor into the set, or its error into e. */
static int inflate_settle(inflate_job *j, dl_tensor_set *set, dl_err *e)
{
    if (j->rc) {
        *e = j->e;
        return e->code;
    }
    return dl_set_add(set, &j->t, e) ? dl_err_wrap(e, "%s: record %llu", j->r->label,
                                                   (unsigned long long)j->h.index)
                                     : 0;
}

/* The record on the worker, if one is, waited for and into the set. */
static int settle_pending(wk_worker *w, int *pending, inflate_job *j, dl_tensor_set *set,
                          dl_err *e)
{
    if (!*pending)
        return 0;
    wk_wait(w);
    *pending = 0;
    return inflate_settle(j, set, e);
}

/* A checkpoint holds each tensor once: the records of a name follow one
 * another (the chunks a writer splits a large tensor into), and a name that
 * comes back after another's record is a second copy, as the concatenation
 * of two checkpoints makes.  Refused here, naming it, before the set has it
 * appended to the first (a message about the tensors' shapes would follow). */
static int check_once(st_reader *r, const st_header *h, const char *prev, dl_err *e)
{
    size_t pos = dl_names_find(&r->first_index, h->name, r, first_chunk_name);
    uint64_t first = r->firsts[pos].index; /* st_next_header remembered every name */
    if (first == h->index || strcmp(prev, h->name) == 0)
        return 0;
    char what[DL_NAME_MAX + 200];
    snprintf(what, sizeof what, "a second '%s' record (the first is record %llu): a "
             "checkpoint holds each tensor once, its chunks one after another (two "
             "checkpoints concatenated?)", h->name, (unsigned long long)first);
    return record_error(r, h, e, what);
}

/* Deflated records of a whole stream, inflating being most of reading them:
 * a large one is handed to a worker while the next one is read and
 * inflated here, and both go into the set in order.  The pending one's
 * error comes first, as it would one record at a time.  A reader that
 * shares its reads with BLAS's threads parks them before the worker
 * starts (they spin from the library's load, on the worker's core), and
 * lets them run again at the end. */
static int read_set(st_reader *r, dl_tensor_set *set, int (*wanted)(const char *name),
                    int once, dl_err *e)
{
    wk_worker *w = NULL;
    int tried = 0, pending = 0, rc = 0, threads = 0;
    inflate_job job[2]; /* job[0] on the worker while pending */
    char prev[DL_NAME_MAX + 1] = ""; /* the name of the record before */
    for (;;) {
        st_header h;
        int found, done;
        if ((rc = st_next_header(r, &h, &found, e)) != 0 || !found)
            break;
        if (once && (rc = check_once(r, &h, prev, e)) != 0)
            break;
        memcpy(prev, h.name, sizeof prev);
        if (wanted && !wanted(h.name)) {
            if ((rc = st_seek_payload(r, &h, e)) != 0)
                break;
            continue;
        }
        if (h.encoding == ST_DEFLATE && r->share_reads && !threads) {
            threads = dl_blas_set_threads(1);
            dl_blas_park();
        }
        if (h.encoding == ST_DEFLATE && (pending || h.raw_bytes >= WORKER_BYTES)) {
            inflate_job *j = &job[pending];
            *j = (inflate_job){.r = r, .h = h};
            if ((rc = read_stored(r, &h, &j->stored, e)) != 0)
                break;
            if (!pending && wk_start_once(&w, &tried)) {
                wk_run(w, inflate_run, j);
                pending = 1;
                continue;
            }
            inflate_run(j);
            if ((rc = settle_pending(w, &pending, &job[0], set, e)) != 0) {
                dl_tensor_free(&j->t);
                break;
            }
            if ((rc = inflate_settle(j, set, e)) != 0)
                break;
            continue;
        }
        /* first the record before this one */
        if ((rc = settle_pending(w, &pending, &job[0], set, e)) != 0)
            break;
        if ((rc = read_more_rows(r, &h, set, &done, e)) != 0)
            break;
        if (done)
            continue;
        dl_tensor t;
        if ((rc = st_read_payload(r, &h, &t, e)) != 0)
            break;
        if (dl_set_add(set, &t, e)) {
            rc = dl_err_wrap(e, "%s: record %llu", r->label, (unsigned long long)h.index);
            break;
        }
    }
    if (pending) {
        wk_wait(w);
        if (!rc) {
            rc = inflate_settle(&job[0], set, e);
        } else if (job[0].rc) { /* a later record failed, but this one first */
            *e = job[0].e;
            rc = e->code;
        } else {
            dl_tensor_free(&job[0].t);
        }
    }
    wk_stop(w);
    if (threads)
        dl_blas_set_threads(threads);
    return rc;
}

int st_read_set_from(st_reader *r, dl_tensor_set *set, dl_err *e)
{
    return read_set(r, set, NULL, 0, e);
}

static int open_and_read_set(const char *path, dl_tensor_set *set,
                             int (*wanted)(const char *name), int shared, int once,
                             dl_err *e)
{
    st_reader *r;
    if (st_reader_open(&r, path, e))
        return e->code;
    st_reader_share_reads(r, shared);
    int rc = read_set(r, set, wanted, once, e);
    st_reader_close(r);
    return rc;
}

int st_read_set_only(const char *path, dl_tensor_set *set, int (*wanted)(const char *name),
                     dl_err *e)
{
    return open_and_read_set(path, set, wanted, 0, 0, e);
}

int st_read_checkpoint(const char *path, dl_tensor_set *set, int (*wanted)(const char *name),
                       dl_err *e)
{
    return open_and_read_set(path, set, wanted, 0, 1, e);
}

int st_read_set_shared(const char *path, dl_tensor_set *set, dl_err *e)
{
    return open_and_read_set(path, set, NULL, 1, 0, e);
}

int st_read_set(const char *path, dl_tensor_set *set, dl_err *e)
{
    return st_read_set_only(path, set, NULL, e);
}

int st_write_set(st_writer *w, const dl_tensor_set *set, dl_err *e)
{
    for (size_t i = 0; i < set->count; i++)
        if (st_write(w, &set->items[i], e))
            return e->code;
    return 0;
}

int st_save_set(const char *path, int flags, const dl_tensor_set *set, dl_err *e)
{
    st_writer *w;
    if (st_writer_open(&w, path, flags, e))
        return e->code;
    if (st_write_set(w, set, e)) {
        st_writer_abort(w);
        return e->code;
    }
    return st_writer_close(w, e);
}
