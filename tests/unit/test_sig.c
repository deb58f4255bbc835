/* What a signal does to a tool, each case in a child process so that the
 * handlers and the exit they cause stay out of the test runner; threads of
 * our own start with the signals blocked. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sig.h"
#include "unit.h"

typedef void (*child_fn)(void);

/* Runs fn in a child whose standard error is captured into out; returns its
 * exit status (-1 if it did not exit normally). */
static int run_child(child_fn fn, char *out, size_t cap)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDERR_FILENO);
        close(p[0]);
        close(p[1]);
        fn();
        _exit(0);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t got;
    while (n + 1 < cap && (got = read(p[0], out + n, cap - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = 0;
    close(p[0]);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static void plain_signal(void)
{
    sig_install("t");
    raise(SIGTERM);
}

static void deferred_twice(void)
{
    sig_install("t");
    volatile sig_atomic_t *stop = sig_defer();
    raise(SIGTERM);
    if (!*stop)
        _exit(10); /* the first one must only set the flag */
    raise(SIGTERM);
}

/* An MPI launcher ends the processes still finishing when one rank exits
 * non-zero: a rank that has already said how the job ended must not add a
 * second "interrupted" line, nor change its status. */
static void after_the_outcome(void)
{
    sig_install("t");
    volatile sig_atomic_t *stop = sig_defer();
    raise(SIGTERM);
    if (!*stop)
        _exit(10);
    sig_settle(6);
    raise(SIGTERM);
    _exit(11); /* not reached */
}

static void settled_on_an_error(void)
{
    sig_install("t");
    sig_settle(3);
    raise(SIGINT);
    _exit(11);
}

/* A stream held on standard error (the captured pipe) gets its mark before
 * the line; a released one does not. */
static const unsigned char mark[] = "<mark>";

static void held_stream(void)
{
    sig_install("t");
    (void)!write(STDERR_FILENO, "records", 7);
    sig_hold_stream(STDERR_FILENO, mark, sizeof mark - 1);
    raise(SIGTERM);
}

static void released_stream(void)
{
    sig_install("t");
    sig_hold_stream(STDERR_FILENO, mark, sizeof mark - 1);
    (void)!write(STDERR_FILENO, "records", 7);
    sig_release_stream(STDERR_FILENO);
    raise(SIGTERM);
}

/* fn run in a child exits with status, having written text to stderr. */
#define EXPECT_CHILD(fn, status, text)                              \
    do {                                                            \
        char out_[256];                                             \
        CHECK(run_child(fn, out_, sizeof out_) == (status));        \
        CHECK_STR(out_, text);                                      \
    } while (0)

static void test_a_held_stream_ends_with_its_mark(void)
{
    EXPECT_CHILD(held_stream, 6, "records<mark>t: interrupted by SIGTERM\n");
    EXPECT_CHILD(released_stream, 6, "recordst: interrupted by SIGTERM\n");
}

static void test_a_signal_ends_the_tool_with_one_line(void)
{
    EXPECT_CHILD(plain_signal, 6, "t: interrupted by SIGTERM\n");
}

static void test_a_deferred_signal_waits_for_a_second(void)
{
    EXPECT_CHILD(deferred_twice, 6, "t: interrupted by SIGTERM\n");
}

static void test_a_settled_tool_exits_silently_with_its_status(void)
{
    EXPECT_CHILD(after_the_outcome, 6, "");
    EXPECT_CHILD(settled_on_an_error, 3, "");
}

/* The thread's signal mask, as it started. */
static void *read_mask(void *arg)
{
    pthread_sigmask(SIG_SETMASK, NULL, arg);
    return NULL;
}

/* A thread of our own starts with every handled signal blocked; the
 * caller's mask is as it was. */
static void test_threads_start_with_signals_blocked(void)
{
    sigset_t before, after, inside;
    pthread_sigmask(SIG_SETMASK, NULL, &before);
    pthread_t t;
    CHECK(sig_thread_create(&t, read_mask, &inside) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGALRM};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        CHECK(sigismember(&inside, sigs[i]) == 1);
    int faults[] = {SIGBUS, SIGSEGV, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof faults / sizeof *faults; i++)
        CHECK(sigismember(&inside, faults[i]) == 0);
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        CHECK(sigismember(&after, sigs[i]) == sigismember(&before, sigs[i]));
}

int main(void)
{
    UNIT_RUN(test_a_signal_ends_the_tool_with_one_line);
    UNIT_RUN(test_a_deferred_signal_waits_for_a_second);
    UNIT_RUN(test_a_settled_tool_exits_silently_with_its_status);
    UNIT_RUN(test_a_held_stream_ends_with_its_mark);
    UNIT_RUN(test_threads_start_with_signals_blocked);
    return UNIT_DONE();
}
