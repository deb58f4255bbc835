/* libFuzzer target for CSV and TSV import (and the format guess: the first byte may leave it to the content).  Build and run with `make fuzz`. */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_import(data, size, size > 0 && (data[0] & 3) == 0 ? TX_AUTO : TX_CSV);
}
