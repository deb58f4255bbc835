/* libFuzzer target for the stream reader: any bytes must give records or a
 * clean error, never a crash, a leak or an allocation beyond the input.
 * Build and run with `make fuzz`. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd(data, size);
    if (fd < 0)
        return 0;
    dl_err e;
    dl_tensor_set set;
    dl_set_init(&set);
    fuzz_read_set(fd, &set, &e);
    dl_set_free(&set);
    close(fd);
    return 0;
}
