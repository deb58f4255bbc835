/* libFuzzer target for checkpoint loading from whole streams: the bytes are
 * read as a stream (checksums are not checked in fuzzing builds, so the
 * fuzzer reaches what comes after them), opened as a model (linear or
 * network, with or without a design) and used to predict.  Build and run
 * with `make fuzz`. */
#include "fuzz_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd(data, size);
    if (fd < 0)
        return 0;
    dl_tensor_set set;
    dl_set_init(&set);
    dl_err e;
    if (fuzz_read_set(fd, &set, &e) == 0)
        fuzz_use_checkpoint(&set);
    dl_set_free(&set);
    close(fd);
    return 0;
}
