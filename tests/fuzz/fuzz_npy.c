/* libFuzzer target for .npy import: header dictionary, versions, byte orders, Fortran order.  Build and run with `make fuzz`. */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_import(data, size, TX_NPY);
}
