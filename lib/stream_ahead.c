/* stream_ahead.c - a reader's records read ahead on a thread of their own
 * (st_ahead in stream.h).
 *
 * The thread fills a ring of ST_AHEAD_SLOTS records; the caller takes them
 * in order.  Only the thread touches the reader until st_ahead_stop, except
 * while it waits behind a payload left in the reader: from the record that
 * left it until the caller asks for the next, r is the caller's.  Only the
 * caller touches a slot once the thread has counted it made.  A
 * thread that waits for input is woken through a pipe the reader polls
 * (st_reader_set_wake), so stopping never waits on the program upstream.
 * A record read in pieces takes one slot a piece; the thread reads them in
 * turn (st_read_part) before the next header.
 *
 * A run of small records retires the thread: each one would cost two
 * context switches to hand over, more than reading it takes, so once
 * SMALL_RUN records in a row held at most SMALL_BYTES each, the thread
 * ends after the last of them and the caller reads the rest itself, as
 * without a thread (a stream of one-row records went 300 times slower). */
#include "buf.h"
#include "sig.h"
#include "stream.h"

#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ST_AHEAD_SLOTS 2
/* Buffers given back: the slots' and the one the caller holds. */
#define ST_AHEAD_SPARES (ST_AHEAD_SLOTS + 1)
/* A record whose pieces would be larger than this is read whole, so that a
 * header cannot make a piece reserve more than the stream holds (stream.c
 * reads such a payload as its bytes arrive). */
#define PIECE_BYTES_MAX ((uint64_t)64 << 20)
#define SMALL_BYTES ((uint64_t)32 << 10)
#define SMALL_RUN 16

typedef struct ahead_slot {
    st_header h;
    dl_tensor t; /* the payload, or a piece of it, when read */
    st_piece piece;
    int found, rc, left;
    dl_err err; /* last: read_record clears what comes before it, and err's code */
} ahead_slot;

/* The record being read in pieces, by whoever reads (the thread, or the
 * caller when there is none). */
typedef struct in_pieces {
    st_header h;
    uint64_t rows; /* read so far */
    uint32_t crc;  /* of those */
    int active;
} in_pieces;

typedef struct spare {
    void *data;
    size_t cap;
} spare;

struct st_ahead {
    st_reader *r;
    int (*keep)(const char *name);
    uint64_t piece_rows; /* 0: records whole */
    in_pieces cur;
    int threaded; /* 0: no thread (none could start, or it retired); st_ahead_next reads */
    int retired;  /* the thread ended after a run of small records; under the lock */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ahead_slot ring[ST_AHEAD_SLOTS];
    uint64_t made, taken; /* slots the thread filled, slots the caller took */
    int stop;             /* the caller is done: the thread ends */
    int lent;             /* a payload is left in the reader: the thread waits */
    int caller_reads;     /* the caller took that record: r is its own */
    int last_taken;       /* the end or an error went to the caller */
    spare spares[ST_AHEAD_SPARES];
    int nspares;
    int wake[2];
};

/* A buffer given back, or none; under the lock. */
static spare take_spare(st_ahead *a)
{
    spare s = {NULL, 0};
    if (a->nspares > 0)
        s = a->spares[--a->nspares];
    return s;
}

/* Whether h's payload comes in pieces: raw, more rows than a piece, rows
 * of some bytes (the rows of an empty record, [2^40, 0], would be pieces
 * without end, each reading nothing), and pieces of a size a header cannot
 * inflate.  So every piece reads bytes the input must hold. */
static int comes_in_pieces(const st_ahead *a, const st_header *h)
{
    if (!a->piece_rows || h->encoding != ST_RAW || h->rank < 1 || h->shape[0] <= a->piece_rows)
        return 0;
    uint64_t row_bytes = h->raw_bytes / h->shape[0];
    return row_bytes > 0 && row_bytes <= PIECE_BYTES_MAX / a->piece_rows;
}

/* The next piece of the record in a->cur into s (into a buffer given back
 * when there is one, grown if it is too small). */
static void read_piece(st_ahead *a, ahead_slot *s)
{
    in_pieces *p = &a->cur;
    uint64_t row_bytes = p->h.raw_bytes / p->h.shape[0], left = p->h.shape[0] - p->rows;
    uint64_t rows = left < a->piece_rows ? left : a->piece_rows;
    size_t n = (size_t)(rows * row_bytes);
    s->h = p->h;
    s->found = 1;
    s->piece = (st_piece){.first = p->rows, .last = rows == left};
    pthread_mutex_lock(&a->mu);
    spare b = take_spare(a);
    pthread_mutex_unlock(&a->mu);
    /* exactly a piece: dl_vec_reserve's doubling would fault in more */
    if (b.cap < n) {
        free(b.data); /* what it held is not kept */
        void *room = dl_mem_big(n);
        if (!room) {
            s->rc = dl_fail(&s->err, DL_ENOMEM, "%s: record %llu ('%s'): out of memory for "
                            "its rows", st_reader_label(a->r),
                            (unsigned long long)p->h.index, p->h.name);
            s->piece.last = 1;
            p->active = 0;
            return;
        }
        b.data = room;
    }
    dl_tensor *t = &s->t;
    st_describe(&p->h, t);
    t->shape[0] = rows;
    t->data = b.data;
    s->rc = st_read_part(a->r, &p->h, p->rows * row_bytes, b.data, n, &p->crc, &s->err);
    p->rows += rows;
    if (s->rc) {
        dl_tensor_free(t);
        s->piece.last = 1;
    }
    p->active = !s->piece.last;
}

/* One record into s: its header, then its payload read (into a buffer
 * given back when there is one), skipped, or left in the reader; or the
 * next piece of one. */
static void read_record(st_ahead *a, ahead_slot *s)
{
    memset(s, 0, offsetof(ahead_slot, err)); /* not the message's room, at every small record */
    dl_err_clear(&s->err);
    if (a->cur.active) {
        read_piece(a, s);
        return;
    }
    s->piece.last = 1;
    s->rc = st_next_header(a->r, &s->h, &s->found, &s->err);
    if (s->rc || !s->found)
        return;
    int what = a->keep(s->h.name);
    if (what == ST_AHEAD_LEAVE) {
        s->left = 1;
        return;
    }
    if (what == ST_AHEAD_SKIP) {
        s->rc = st_skip_payload(a->r, &s->h, &s->err);
        return;
    }
    if (comes_in_pieces(a, &s->h)) {
        a->cur = (in_pieces){.h = s->h, .active = 1};
        read_piece(a, s);
        return;
    }
    pthread_mutex_lock(&a->mu);
    spare b = take_spare(a);
    pthread_mutex_unlock(&a->mu);
    s->t.data = b.data;
    s->rc = st_read_payload_reuse(a->r, &s->h, &s->t, &b.cap, &s->err);
    if (s->rc) /* a record that failed holds nothing */
        dl_tensor_free(&s->t);
}

/* Whether s, just read, is a small whole record, neither the end, an
 * error, nor one left in the reader (as stored and as read, so a small
 * deflated record that inflates to a large one is not small). */
static int is_small(const ahead_slot *s)
{
    return !s->rc && s->found && !s->left && s->piece.first == 0 && s->piece.last &&
           s->h.payload_bytes <= SMALL_BYTES && s->h.raw_bytes <= SMALL_BYTES;
}

static void *ahead_thread(void *arg)
{
    st_ahead *a = arg;
    int small_run = 0;
    for (int last = 0; !last;) {
        pthread_mutex_lock(&a->mu);
        while ((a->made - a->taken == ST_AHEAD_SLOTS || a->lent) && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        int stop = a->stop;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            break;
        ahead_slot *s = &a->ring[a->made % ST_AHEAD_SLOTS];
        read_record(a, s);
        small_run = is_small(s) ? small_run + 1 : 0;
        last = s->rc || !s->found || small_run == SMALL_RUN;
        pthread_mutex_lock(&a->mu);
        a->made++;
        a->lent = s->left;
        a->retired = small_run == SMALL_RUN;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

/* The thread starts with the signals blocked (sig_thread_create), so the
 * handlers (sig.h) run on the caller's thread, as in a program without
 * this one. */
static int start_thread(st_ahead *a) { return sig_thread_create(&a->thread, ahead_thread, a) == 0; }

int st_ahead_start(st_ahead **out, st_reader *r, int (*keep)(const char *name), int threaded,
                   uint64_t piece_rows, dl_err *e)
{
    st_ahead *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", st_reader_label(r));
    a->r = r;
    a->keep = keep;
    a->piece_rows = piece_rows;
    a->wake[0] = a->wake[1] = -1;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    if (threaded && pipe(a->wake) == 0 && fcntl(a->wake[0], F_SETFD, FD_CLOEXEC) == 0 &&
        fcntl(a->wake[1], F_SETFD, FD_CLOEXEC) == 0) {
        st_reader_set_wake(r, a->wake[0]);
        st_reader_share_reads(r, 0); /* BLAS runs on the caller's thread meanwhile */
        a->threaded = start_thread(a);
        if (!a->threaded)
            st_reader_set_wake(r, -1);
    }
    *out = a;
    return 0;
}

/* Moves slot s to the caller. */
static int take(st_ahead *a, ahead_slot *s, st_header *h, dl_tensor *t, st_piece *piece,
                int *found, dl_err *e)
{
    *h = s->h;
    *t = s->t;
    if (piece)
        *piece = s->piece;
    *found = s->found;
    memset(&s->t, 0, sizeof s->t);
    a->caller_reads = s->left;
    if (s->rc)
        *e = s->err;
    return s->rc;
}

/* The thread has ended: from here on the caller reads. */
static void retire(st_ahead *a)
{
    pthread_join(a->thread, NULL);
    a->threaded = 0;
    st_reader_set_wake(a->r, -1);
}

int st_ahead_threaded(const st_ahead *a) { return a->threaded; }

int st_ahead_next(st_ahead *a, st_header *h, dl_tensor *t, st_piece *piece, int *found,
                  dl_err *e)
{
    memset(t, 0, sizeof *t);
    if (a->last_taken) { /* nothing more: the end again */
        *found = 0;
        return 0;
    }
    if (!a->threaded) {
        read_record(a, &a->ring[0]);
        int rc = take(a, &a->ring[0], h, t, piece, found, e);
        a->last_taken = rc || !*found;
        return rc;
    }
    pthread_mutex_lock(&a->mu);
    if (a->caller_reads) { /* done with the payload left in r: the thread reads on */
        a->caller_reads = a->lent = 0;
        pthread_cond_broadcast(&a->cv);
    }
    while (a->taken == a->made && !a->retired)
        pthread_cond_wait(&a->cv, &a->mu);
    if (a->taken == a->made) { /* retired, and all it read taken: r is ours */
        pthread_mutex_unlock(&a->mu);
        retire(a);
        return st_ahead_next(a, h, t, piece, found, e);
    }
    int rc = take(a, &a->ring[a->taken % ST_AHEAD_SLOTS], h, t, piece, found, e);
    a->last_taken = rc || !*found;
    a->taken++;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return rc;
}

void st_ahead_recycle(st_ahead *a, dl_tensor *t)
{
    pthread_mutex_lock(&a->mu);
    if (t->data && a->nspares < ST_AHEAD_SPARES) {
        a->spares[a->nspares++] = (spare){t->data, dl_mem_room(t->data)};
        memset(t, 0, sizeof *t);
    }
    pthread_mutex_unlock(&a->mu);
    dl_tensor_free(t);
}

void st_ahead_stop(st_ahead *a)
{
    if (!a)
        return;
    if (a->threaded) {
        pthread_mutex_lock(&a->mu);
        a->stop = 1;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        ssize_t put = write(a->wake[1], "", 1);
        (void)put; /* a pipe just made has room for a byte */
        pthread_join(a->thread, NULL);
    }
    for (uint64_t i = a->taken; i < a->made; i++)
        dl_tensor_free(&a->ring[i % ST_AHEAD_SLOTS].t);
    while (a->nspares > 0)
        free(a->spares[--a->nspares].data);
    st_reader_set_wake(a->r, -1);
    if (a->wake[0] >= 0) {
        close(a->wake[0]);
        close(a->wake[1]);
    }
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a);
}
