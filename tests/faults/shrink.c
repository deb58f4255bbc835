/* shrink.so - an LD_PRELOAD shim that truncates a file to nothing while
 * the tool reads it (DL_SHRINK=PATH names the file), as if another process
 * had cut it: at the tool's first pread of it (a .npy file's rows, spliced
 * into a pipe), or with DL_SHRINK_AT=read right after its first read()
 * (CSV text).  tests/bats/signals.bats checks that the tool ends with one
 * line and status 3 and leaves no output behind.  Truncating at a call of
 * the tool's own makes the moment exact, not a race. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Truncates the file DL_SHRINK names if fd is open on it: 1 if it did. */
static int shrink_if_named(int fd)
{
    const char *path = getenv("DL_SHRINK");
    struct stat open_file, named;
    if (!path || fd < 0 || fstat(fd, &open_file) != 0 || stat(path, &named) != 0 ||
        open_file.st_dev != named.st_dev || open_file.st_ino != named.st_ino)
        return 0;
    if (truncate(path, 0) != 0)
        abort();
    return 1;
}

/* With DL_SHRINK_AT=read: the moment the tool's first read() of the file
 * returns, so the bytes read are there and the rest is gone: the file is
 * cut in the middle of the text, and the tool meets its end early. */
ssize_t read(int fd, void *buf, size_t n);
ssize_t read(int fd, void *buf, size_t n)
{
    static int done;
    ssize_t (*real)(int, void *, size_t) = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    ssize_t got = real(fd, buf, n);
    const char *at = getenv("DL_SHRINK_AT");
    if (!done && got > 0 && at && strcmp(at, "read") == 0)
        done = shrink_if_named(fd);
    return got;
}

/* The same the moment the tool first reads the file at an offset (a .npy
 * file's rows checked before they are spliced into a pipe). */
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    ssize_t (*real)(int, void *, size_t, off_t) =
        (ssize_t (*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
    (void)shrink_if_named(fd);
    return real(fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off);
ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
    return pread(fd, buf, n, off);
}
