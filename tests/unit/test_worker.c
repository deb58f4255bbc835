/* The worker: its jobs run on a thread of their own, one at a time, with
 * their writes seen by the caller once waited for, and the signals blocked
 * there but SIGBUS; stopping waits for the job in hand; none under a memory
 * limit. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "worker.h"

typedef struct job {
    pthread_t ran_on;
    int sigint_blocked, sigbus_blocked;
    uint64_t sum;
    const uint64_t *from;
    size_t n;
} job;

static void sum_job(void *arg)
{
    job *j = arg;
    j->ran_on = pthread_self();
    sigset_t mask;
    pthread_sigmask(SIG_BLOCK, NULL, &mask);
    j->sigint_blocked = sigismember(&mask, SIGINT);
    j->sigbus_blocked = sigismember(&mask, SIGBUS);
    j->sum = 0;
    for (size_t i = 0; i < j->n; i++)
        j->sum += j->from[i];
}

static void test_a_job_runs_on_the_worker(void)
{
    wk_worker *w = wk_start();
    CHECK(w != NULL);
    if (!w)
        return;
    uint64_t v[1000];
    for (size_t i = 0; i < 1000; i++)
        v[i] = i;
    job j = {.from = v, .n = 1000};
    wk_run(w, sum_job, &j);
    wk_wait(w);
    CHECK(j.sum == 999 * 1000 / 2);
    CHECK(!pthread_equal(j.ran_on, pthread_self()));
    CHECK(j.sigint_blocked == 1);
    CHECK(j.sigbus_blocked == 0);
    wk_stop(w);
}

/* Many jobs in turn, the caller doing a share of its own beside each: every
 * sum is the worker's, over numbers the caller wrote just before. */
static void test_jobs_in_turn(void)
{
    wk_worker *w = wk_start();
    CHECK(w != NULL);
    if (!w)
        return;
    enum { ROUNDS = 20000, N = 64 };
    uint64_t *v = malloc(N * sizeof *v);
    int bad = 0;
    for (uint64_t r = 0; r < ROUNDS && v; r++) {
        for (size_t i = 0; i < N; i++)
            v[i] = r + i;
        job j = {.from = v, .n = N / 2}, mine = {.from = v + N / 2, .n = N / 2};
        wk_run(w, sum_job, &j);
        sum_job(&mine);
        wk_wait(w);
        bad += j.sum + mine.sum != N * r + N * (N - 1) / 2;
    }
    CHECK(v != NULL && bad == 0);
    free(v);
    wk_stop(w);
}

static void set_flag_job(void *arg)
{
    volatile uint64_t spin = 0;
    for (int i = 0; i < 1000000; i++) /* work for the stop to wait on */
        spin += (uint64_t)i;
    *(int *)arg = spin > 0;
}

static void test_stop_waits_for_the_job(void)
{
    wk_wait(NULL);
    wk_stop(NULL);
    wk_stop(wk_start()); /* no job */
    wk_worker *w = wk_start();
    CHECK(w != NULL);
    if (!w)
        return;
    int done = 0;
    wk_run(w, set_flag_job, &done);
    wk_stop(w);
    CHECK(done == 1);
}

/* Started the first time it is asked for, and that one thereafter. */
static void test_start_once(void)
{
    wk_worker *w = NULL;
    int tried = 0;
    wk_worker *first = wk_start_once(&w, &tried);
    CHECK(tried == 1 && first == w && first != NULL);
    CHECK(wk_start_once(&w, &tried) == first);
    wk_stop(w);
}

/* Under an address-space limit no worker starts (its stack and arena would
 * take the room BLAS's buffers were found): checked in a child, whose limit
 * stays its own. */
static void test_no_worker_under_a_memory_limit(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {(rlim_t)1 << 40, (rlim_t)1 << 40};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(2);
        wk_worker *w = wk_start();
        _exit(w == NULL ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
    UNIT_RUN(test_a_job_runs_on_the_worker);
    UNIT_RUN(test_jobs_in_turn);
    UNIT_RUN(test_stop_waits_for_the_job);
    UNIT_RUN(test_start_once);
    UNIT_RUN(test_no_worker_under_a_memory_limit);
    return UNIT_DONE();
}
