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

static int wanted_signal(void)
{
    const char *s = getenv("DL_SIGTEMP");
    if (!s)
        return 0;
    return !strcmp(s, "TERM") ? SIGTERM : !strcmp(s, "HUP") ? SIGHUP : !strcmp(s, "INT") ? SIGINT : 0;
}

static int created(int fd)
{
    int sig = wanted_signal();
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
