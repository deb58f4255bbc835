#include "sig.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The global state this module exists for (see sig.h for why). */
static atomic_flag table_lock = ATOMIC_FLAG_INIT;
static const char *temporaries[SIG_TEMPORARIES];
static pid_t child;
static struct {
    int fd; /* -1: a free entry */
    const unsigned char *mark;
    size_t len;
} streams[SIG_STREAMS] = {{-1, NULL, 0}, {-1, NULL, 0}, {-1, NULL, 0}, {-1, NULL, 0}};
static const char *tool_name = "dl";
static volatile sig_atomic_t stop_flag;
static atomic_int deferring, caught;
static atomic_int settled = -1; /* the status sig_settle decided, or -1 */

static const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
/* Raised by the faulting thread itself; blocked there, the kernel ends the
 * process anyway, without a handler (a sanitizer's, say) having run. */
static const int faults[] = {SIGBUS, SIGSEGV, SIGFPE, SIGILL};

static void lock_table(void)
{
    while (atomic_flag_test_and_set_explicit(&table_lock, memory_order_acquire))
        ;
}

static void unlock_table(void) { atomic_flag_clear_explicit(&table_lock, memory_order_release); }

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "SIGPIPE";
    }
}

/* The abandoned mark after what went out of each stream written in place,
 * where it fits without waiting (a reader that reads no more would hold
 * the handler forever); a pipe whose reader is gone reports an error, and
 * SIGPIPE stays blocked in the handler. */
static void end_streams(void)
{
    for (int i = 0; i < SIG_STREAMS; i++) {
        struct pollfd p = {.fd = streams[i].fd, .events = POLLOUT};
        if (streams[i].fd >= 0 && poll(&p, 1, 0) == 1 && p.revents == POLLOUT)
            (void)!write(streams[i].fd, streams[i].mark, streams[i].len);
    }
}

/* Ends the process from a handler, the table's lock held (and never
 * released): the child killed, the temporaries removed, the streams ended;
 * then the status sig_settle decided, silently, or `status` after the line
 * made of parts[0..n).  Only async-signal-safe calls.  The line is skipped
 * when standard error could block (a full pipe): ending matters more than
 * saying so. */
static void end_process(int status, const char *const *parts, int n)
{
    if (child > 0) {
        kill(child, SIGKILL);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    for (int i = 0; i < SIG_TEMPORARIES; i++)
        if (temporaries[i])
            unlink(temporaries[i]);
    end_streams();
    int decided = atomic_load(&settled);
    if (decided >= 0)
        _exit(decided);
    struct pollfd p = {.fd = STDERR_FILENO, .events = POLLOUT};
    if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT)) {
        char line[PATH_MAX + 128]; /* the tool, a file name whole, the reason */
        size_t len = 0;
        for (int i = 0; i < n; i++)
            for (const char *c = parts[i]; *c && len < sizeof line; c++)
                line[len++] = *c;
        (void)!write(STDERR_FILENO, line, len);
    }
    _exit(status);
}

static void on_signal(int sig)
{
    if (atomic_load(&settled) < 0 && sig != SIGPIPE && atomic_load(&deferring) &&
        atomic_fetch_add(&caught, 1) == 0) {
        stop_flag = 1;
        return;
    }
    lock_table();
    const char *parts[] = {tool_name, ": interrupted by ", signal_name(sig), "\n"};
    end_process(DL_EINTR, parts, 4);
}

void sig_block(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof handled / sizeof *handled; i++)
        sigaddset(&set, handled[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

void sig_unblock(const sigset_t *old) { pthread_sigmask(SIG_SETMASK, old, NULL); }

int sig_thread_create(pthread_t *thread, void *(*run)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    for (size_t i = 0; i < sizeof faults / sizeof *faults; i++)
        sigdelset(&all, faults[i]);
    int rc = pthread_sigmask(SIG_SETMASK, &all, &old);
    if (rc != 0)
        return rc;
    rc = pthread_create(thread, NULL, run, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void sig_install(const char *tool)
{
    tool_name = tool;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof handled / sizeof *handled; i++)
        sigaddset(&sa.sa_mask, handled[i]);
    /* A SIGHUP ignored when the tool started stays ignored: nohup asked for
     * that.  The others are caught even so (a script's background job starts
     * with SIGINT ignored, and is still interrupted by it cleanly). */
    for (size_t i = 0; i < sizeof handled / sizeof *handled; i++) {
        struct sigaction was;
        if (handled[i] == SIGHUP && sigaction(SIGHUP, NULL, &was) == 0 &&
            was.sa_handler == SIG_IGN)
            continue;
        sigaction(handled[i], &sa, NULL);
    }
    /* A write past the file-size limit (ulimit -f) then fails with EFBIG,
     * which the writer reports and cleans up after like any failed write,
     * instead of a silent end that leaves the temporary behind. */
    signal(SIGXFSZ, SIG_IGN);
}

const char *sig_tool(void) { return tool_name; }

volatile sig_atomic_t *sig_defer(void)
{
    stop_flag = 0;
    atomic_store(&caught, 0);
    atomic_store(&deferring, 1);
    return &stop_flag;
}

void sig_settle(int status) { atomic_store(&settled, status); }


/* Runs change on the table with the signals blocked and the lock held. */
static int set_entry(const char *find, const char *put)
{
    sigset_t old;
    sig_block(&old);
    lock_table();
    int found = 0;
    for (int i = 0; i < SIG_TEMPORARIES && !found; i++)
        if (temporaries[i] == find) {
            temporaries[i] = put;
            found = 1;
        }
    unlock_table();
    sig_unblock(&old);
    return found;
}

int sig_hold_temporary(const char *path, dl_err *e)
{
    if (!set_entry(NULL, path))
        return dl_fail(e, DL_ENOMEM, "%s: more than %d temporary files at once", path,
                       SIG_TEMPORARIES);
    return 0;
}

int sig_create_temporary(char *path, int *fd, dl_err *e)
{
    sigset_t old;
    sig_block(&old); /* this thread's handler would wait for the lock forever */
    lock_table();
    int slot = -1;
    for (int i = 0; i < SIG_TEMPORARIES && slot < 0; i++)
        if (!temporaries[i])
            slot = i;
    *fd = slot < 0 ? -1 : mkstemp(path);
    int why = errno;
    if (*fd >= 0)
        temporaries[slot] = path;
    unlock_table();
    sig_unblock(&old);
    if (slot < 0)
        return dl_fail(e, DL_ENOMEM, "more than %d temporary files at once", SIG_TEMPORARIES);
    if (*fd < 0) {
        errno = why;
        return dl_fail_errno(e, "cannot create a temporary file");
    }
    return 0;
}

void sig_release_temporary(const char *path)
{
    if (path)
        set_entry(path, NULL);
}

/* Puts (fd, mark, len) in the entry of fd `find` (-1: a free one), with the
 * signals blocked and the lock held. */
static void set_stream(int find, int fd, const unsigned char *mark, size_t len)
{
    sigset_t old;
    sig_block(&old);
    lock_table();
    for (int i = 0; i < SIG_STREAMS; i++)
        if (streams[i].fd == find) {
            streams[i].fd = fd;
            streams[i].mark = mark;
            streams[i].len = len;
            break;
        }
    unlock_table();
    sig_unblock(&old);
}

void sig_hold_stream(int fd, const unsigned char *mark, size_t len)
{
    if (fd >= 0)
        set_stream(-1, fd, mark, len);
}

void sig_release_stream(int fd)
{
    if (fd >= 0)
        set_stream(fd, -1, NULL, 0);
}

void sig_hold_child(pid_t pid)
{
    sigset_t old;
    sig_block(&old);
    lock_table();
    child = pid;
    unlock_table();
    sig_unblock(&old);
}
