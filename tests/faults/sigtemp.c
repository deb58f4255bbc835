/* sigtemp.so - an LD_PRELOAD shim that raises a signal in the thread that
 * has just created a file with mkstemp, before mkstemp returns to the tool
 * (DL_SIGTEMP=TERM, HUP or INT).  A tool that lists its temporary for the
 * signal handler only after creating it would leave that file behind;
 * tests/bats/signals.bats checks that none is left.  The signal goes to
 * the calling thread (raise), so the moment is exact, not a race. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static int signal_named(const char *variable)
{
    const char *s = getenv(variable);
    if (!s)
        return 0;
    return !strcmp(s, "TERM") ? SIGTERM : !strcmp(s, "HUP") ? SIGHUP : !strcmp(s, "INT") ? SIGINT : 0;
}

static int created(int fd)
{
    int sig = signal_named("DL_SIGTEMP");
    if (fd >= 0 && sig)
        raise(sig);
    return fd;
}

int mkstemp(char *template);
int mkstemp(char *template)
{
    int (*real)(char *) = (int (*)(char *))dlsym(RTLD_NEXT, "mkstemp");
    return created(real(template));
}

int mkstemp64(char *template);
int mkstemp64(char *template)
{
    int (*real)(char *) = (int (*)(char *))dlsym(RTLD_NEXT, "mkstemp64");
    return created(real(template));
}

int rename(const char *from, const char *to);
int rename(const char *from, const char *to)
{
    static int raised;
    int (*real)(const char *, const char *) =
        (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    int rc = real(from, to);
    int sig = signal_named("DL_SIGRENAME");
    if (rc == 0 && sig && !raised) {
        raised = 1;
        raise(sig);
    }
    return rc;
}
