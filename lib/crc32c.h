/* crc32c.h - CRC-32C (Castagnoli), the stream's checksum.
 *
 * Chosen over zlib's CRC-32 because x86-64 computes it in hardware (SSE4.2)
 * at several GB/s, so checking every record costs little next to a pipe;
 * other hosts use a table. */
#ifndef DL_CRC32C_H
#define DL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues `crc` (0 to start) over buf[0..len). */
uint32_t dl_crc32c(uint32_t crc, const void *buf, size_t len);
/* The table-driven version every host can run (tests compare the two). */
uint32_t dl_crc32c_portable(uint32_t crc, const void *buf, size_t len);

#endif
