/* shrink.so - an LD_PRELOAD shim that truncates a file to nothing the
 * moment the tool maps it (DL_SHRINK=PATH names the file), as if another
 * process had cut it while it was being read.  The tool then meets SIGBUS
 * on its first touch of the mapping; tests/bats/signals.bats checks that it
 * ends with one line and status 3 and leaves no output behind.  Truncating
 * right after mmap returns makes the moment exact, not a race.  A file read
 * at offsets instead (a .npy spliced into a pipe) is cut at the first pread. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void shrink_if_named(int fd)
{
    const char *path = getenv("DL_SHRINK");
    struct stat mapped, named;
    if (!path || fd < 0 || fstat(fd, &mapped) != 0 || stat(path, &named) != 0 ||
        mapped.st_dev != named.st_dev || mapped.st_ino != named.st_ino)
        return;
    if (truncate(path, 0) != 0)
        abort();
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *(*real)(void *, size_t, int, int, int, off_t) =
        (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
    void *m = real(addr, len, prot, flags, fd, off);
    if (m != MAP_FAILED)
        shrink_if_named(fd);
    return m;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap(addr, len, prot, flags, fd, off);
}

/* The same the moment the tool first reads the file at an offset (a .npy
 * file's rows checked before they are spliced into a pipe). */
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    ssize_t (*real)(int, void *, size_t, off_t) =
        (ssize_t (*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
    shrink_if_named(fd);
    return real(fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off);
ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
    return pread(fd, buf, n, off);
}
