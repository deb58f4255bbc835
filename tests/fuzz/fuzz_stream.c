/* libFuzzer target for the stream reader: any bytes must give records or a
 * clean error, never a crash, a leak or an allocation beyond the input.
 * Build and run with `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *tmp = tmpfile();
    if (!tmp)
        return 0;
    fwrite(data, 1, size, tmp);
    fflush(tmp);
    rewind(tmp);
    st_reader *r;
    dl_err e;
    dl_tensor_set set;
    dl_set_init(&set);
    if (st_reader_from_fd(&r, fileno(tmp), "fuzz", &e) == 0) {
        st_read_set_from(r, &set, &e);
        st_reader_close(r);
    }
    dl_set_free(&set);
    fclose(tmp);
    return 0;
}
