/* worker.c - a thread that runs one job at a time beside its caller. */
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>

#include "buf.h"
#include "sig.h"

struct wk_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;   /* a job handed over, a job done, or quit */
    void (*run)(void *);   /* the job, NULL when there is none */
    void *arg;
    int quit;
};

static void *worker_loop(void *arg)
{
    wk_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->run && !w->quit)
            pthread_cond_wait(&w->wake, &w->lock);
        if (!w->run)
            break;
        void (*run)(void *) = w->run;
        pthread_mutex_unlock(&w->lock);
        run(w->arg);
        pthread_mutex_lock(&w->lock);
        w->run = NULL;
        pthread_cond_broadcast(&w->wake);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Whether the address space or the data segment has a limit (ulimit -v,
 * ulimit -d). */
static int memory_limited(void)
{
    const char *limit;
    dl_mem_most(&limit);
    return limit != NULL;
}

wk_worker *wk_start(void)
{
    if (memory_limited())
        return NULL;
    wk_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    if (pthread_mutex_init(&w->lock, NULL) == 0) {
        if (pthread_cond_init(&w->wake, NULL) == 0) {
            if (sig_thread_create(&w->thread, worker_loop, w) == 0)
                return w;
            pthread_cond_destroy(&w->wake);
        }
        pthread_mutex_destroy(&w->lock);
    }
    free(w);
    return NULL;
}

wk_worker *wk_start_once(wk_worker **w, int *tried)
{
    if (!*tried) {
        *tried = 1;
        *w = wk_start();
    }
    return *w;
}

void wk_run(wk_worker *w, void (*run)(void *), void *arg)
{
    pthread_mutex_lock(&w->lock);
    w->run = run;
    w->arg = arg;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

void wk_wait(wk_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    while (w->run)
        pthread_cond_wait(&w->wake, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

void wk_stop(wk_worker *w)
{
    if (!w)
        return;
    wk_wait(w);
    pthread_mutex_lock(&w->lock);
    w->quit = 1;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
