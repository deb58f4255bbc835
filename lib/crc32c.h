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
/* The CRC of A followed by B, from crc_a = dl_crc32c(0, A, ..) and crc_b =
 * dl_crc32c(0, B, len_b): so parts of a buffer can be summed apart, on
 * several threads, and joined in order (as zlib's crc32_combine). */
uint32_t dl_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);
/* The table-driven version every host can run (tests compare the two). */
uint32_t dl_crc32c_portable(uint32_t crc, const void *buf, size_t len);

#endif
