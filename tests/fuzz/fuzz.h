/* fuzz.h - what the libFuzzer targets share: the fuzz input as a file the
 * library can open by name or read by descriptor (an in-memory file, so a
 * run touches no disk), and the stream a reader gives back. */
#ifndef DL_FUZZ_H
#define DL_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An in-memory file holding the bytes, positioned at its start; -1 when the
 * system refuses (the input is then skipped, not reported). */
static inline int fuzz_memfd(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz", 0);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A name that opens the in-memory file afresh, from its first byte. */
static inline void fuzz_fd_path(int fd, char *buf, size_t len)
{
    snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* Reads the whole stream in fd (from its start) into set: 0 or an error. */
static inline int fuzz_read_set(int fd, dl_tensor_set *set, dl_err *e)
{
    if (lseek(fd, 0, SEEK_SET) != 0)
        return dl_fail_errno(e, "lseek");
    st_reader *r;
    if (st_reader_from_fd(&r, fd, "fuzz", e))
        return e->code;
    int rc = st_read_set_from(r, set, e);
    st_reader_close(r);
    return rc;
}

/* A property that must hold for every input failed: report it as a crash. */
static inline void fuzz_require(int ok, const char *what, const dl_err *e)
{
    if (!ok) {
        fprintf(stderr, "fuzz: %s: %s\n", what, e ? e->msg : "");
        abort();
    }
}

#endif
