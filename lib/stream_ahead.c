/* stream_ahead.c - a reader's records read ahead on a thread of their own
 * (st_ahead in stream.h).
 *
 * The thread fills a ring of ST_AHEAD_SLOTS records; the caller takes them
 * in order.  Only the thread touches the reader until st_ahead_stop, except
 * while it waits behind a payload left in the reader: from the record that
 * left it until the caller asks for the next, r is the caller's.  Only the
 * caller touches a slot once the thread has counted it made.  A
 * thread that waits for input is woken through a pipe the reader polls
 * (st_reader_set_wake), so stopping never waits on the program upstream. */
#include "sig.h"
#include "stream.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ST_AHEAD_SLOTS 2
/* Buffers given back: the slots' and the one the caller holds. */
#define ST_AHEAD_SPARES (ST_AHEAD_SLOTS + 1)

typedef struct ahead_slot {
    st_header h;
    dl_tensor t; /* the payload, when read */
    int found, rc, left;
    dl_err err;
} ahead_slot;

typedef struct spare {
    void *data;
    size_t cap;
} spare;

struct st_ahead {
    st_reader *r;
    int (*keep)(const char *name);
    int threaded; /* 0: no thread could start; st_ahead_next reads itself */
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

/* One record into s: its header, then its payload read (into a buffer
 * given back when there is one), skipped, or left in the reader. */
static void read_record(st_ahead *a, ahead_slot *s)
{
    memset(s, 0, sizeof *s);
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
    pthread_mutex_lock(&a->mu);
    spare b = take_spare(a);
    pthread_mutex_unlock(&a->mu);
    s->t.data = b.data;
    s->rc = st_read_payload_reuse(a->r, &s->h, &s->t, &b.cap, &s->err);
    if (s->rc) /* a record that failed holds nothing */
        dl_tensor_free(&s->t);
}

static void *ahead_thread(void *arg)
{
    st_ahead *a = arg;
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
        last = s->rc || !s->found;
        pthread_mutex_lock(&a->mu);
        a->made++;
        a->lent = s->left;
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
                   dl_err *e)
{
    st_ahead *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", st_reader_label(r));
    a->r = r;
    a->keep = keep;
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
static int take(st_ahead *a, ahead_slot *s, st_header *h, dl_tensor *t, int *found, dl_err *e)
{
    *h = s->h;
    *t = s->t;
    *found = s->found;
    memset(&s->t, 0, sizeof s->t);
    a->caller_reads = s->left;
    if (s->rc)
        *e = s->err;
    return s->rc;
}

int st_ahead_next(st_ahead *a, st_header *h, dl_tensor *t, int *found, dl_err *e)
{
    memset(t, 0, sizeof *t);
    if (a->last_taken) { /* nothing more: the end again */
        *found = 0;
        return 0;
    }
    if (!a->threaded) {
        read_record(a, &a->ring[0]);
        int rc = take(a, &a->ring[0], h, t, found, e);
        a->last_taken = rc || !*found;
        return rc;
    }
    pthread_mutex_lock(&a->mu);
    if (a->caller_reads) { /* done with the payload left in r: the thread reads on */
        a->caller_reads = a->lent = 0;
        pthread_cond_broadcast(&a->cv);
    }
    while (a->taken == a->made)
        pthread_cond_wait(&a->cv, &a->mu);
    int rc = take(a, &a->ring[a->taken % ST_AHEAD_SLOTS], h, t, found, e);
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
        a->spares[a->nspares++] = (spare){t->data, dl_tensor_nbytes(t)};
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
