/* stream.h - the tensor stream: self-delimiting, checksummed records.
 *
 * Record layout (all integers little-endian; see man/dl-stream.5):
 *
 *   off size field
 *     0   4  magic 0x89 'D' 'L' 'T'
 *     4   1  format version (1)
 *     5   1  dtype (enum dl_dtype)
 *     6   1  encoding (0 raw, 1 zlib)
 *     7   1  rank (0..8)
 *     8   2  name length in bytes (0..255)
 *    10   2  flags: 0, or ST_ABANDONED (the abandoned mark below); other bits reserved
 *    12   8  payload length in bytes, as stored
 *    20   4  CRC-32C of the stored payload
 *    24  8r  shape, one u64 per axis
 *   ...   n  name, UTF-8, no terminator
 *   ...   4  CRC-32C of every header byte before this field
 *   ...      payload: the elements, C order, little-endian (zlib: deflated)
 *
 * Records with the same name are chunks of one tensor along its first axis;
 * a reader that wants the tensor whole appends them (dl_set_add).
 *
 * The abandoned mark: a record with flags ST_ABANDONED (u8, shape [0], no
 * name, no payload) that a writer to a pipe or standard output appends when
 * its program fails after part of the stream has gone out (st_writer_abort),
 * or that the signal handler appends when a signal ends the program then
 * (sig_hold_stream), so that the next program in a pipeline fails on it
 * too, instead of taking the records before it for the whole stream.
 * Readers refuse it as bad data.  A failure before any byte went out leaves
 * the output empty. */
#ifndef DL_STREAM_H
#define DL_STREAM_H

#include <stdint.h>

#include "outfile.h"
#include "tensor.h"

#define ST_MAGIC0 0x89
#define ST_VERSION 1
#define ST_FIXED_HEADER 24
#define ST_ABANDONED 1 /* the header's flags: the abandoned mark */
enum st_encoding { ST_RAW = 0, ST_DEFLATE = 1 };

/* What a record header says, checked before any of it is trusted. */
typedef struct st_header {
    char name[DL_NAME_MAX + 1];
    int dtype, encoding, rank;
    unsigned flags;              /* 0, or ST_ABANDONED */
    uint64_t shape[DL_RANK_MAX];
    uint64_t nelem, raw_bytes;   /* from the shape */
    uint64_t payload_bytes;      /* as stored */
    uint32_t payload_crc;
    uint64_t index;              /* 1-based record number in the stream */
    uint64_t offset;             /* byte offset of the record */
} st_header;

/* ------------------------------- reading ------------------------------- */
typedef struct st_reader st_reader;

/* path NULL or "-" reads standard input. */
int st_reader_open(st_reader **r, const char *path, dl_err *e);
int st_reader_from_fd(st_reader **r, int fd, const char *label, dl_err *e);
void st_reader_close(st_reader *r);
/* Reads of r first wait in poll(2) for its input or for wake_fd (-1: no
 * more): once wake_fd is readable, a read fails (DL_EINTR, "reading
 * stopped") instead of waiting for input that may never come.  So a thread
 * reading r for another (st_ahead) can be stopped. */
void st_reader_set_wake(st_reader *r, int wake_fd);
/* on: r's large raw payloads, or parts of one (st_read_part), of 2 MiB and
 * more from a regular file are read and checked in parts on BLAS's threads
 * (dl_blas_run), the same bytes and errors.  Only for a reader read on the thread that calls BLAS, between
 * its products, when no core is free for a thread of its own: st_ahead's
 * thread turns it off. */
void st_reader_share_reads(st_reader *r, int on);
const char *st_reader_label(const st_reader *r);
/* Records whose header was read so far (0 after the end: an empty stream). */
uint64_t st_reader_records(const st_reader *r);
/* DL_EDATA "LABEL: the input is empty (did the previous command fail?)":
 * what a tool says instead of "no 'x' record" when nothing came at all, as
 * when the command before it in a pipe failed and wrote nothing. */
int st_fail_empty(const char *label, dl_err *e);

/* Every function here returns 0 or a DL_E* code (also in e->code), as the
 * rest of the library does; where the end of the stream is a normal outcome
 * *found says whether a record came. */

/* Reads the next header: *found 1 when there is one, 0 at a clean end of
 * stream.  An error names "FILE: record N ('name'): what is wrong".  A
 * record of a name read before must agree with that name's first record in
 * dtype, rank and every axis but the first (chunks of one tensor,
 * dl-stream(5)), whatever the caller then does with it: DL_EDATA naming
 * both records. */
int st_next_header(st_reader *r, st_header *h, int *found, dl_err *e);
/* After st_next_header: decodes the payload into t (host order, checked CRC
 * and length); or skips it, or copies the stored record unchanged to a
 * writer, checking it all the same: its CRC and, deflated, that it inflates
 * to exactly its raw length (into a small buffer, dropped). */
int st_read_payload(st_reader *r, const st_header *h, dl_tensor *t, dl_err *e);
/* st_read_payload into t's buffer of *cap bytes, kept from an earlier call
 * (t empty and *cap 0 the first time; t freed by the caller at the end):
 * a raw payload that fits is read in place, else t's buffer is replaced
 * and *cap updated.  A loop over chunks so allocates once.  On failure t's
 * data is undefined but t is still the caller's to free. */
int st_read_payload_reuse(st_reader *r, const st_header *h, dl_tensor *t, size_t *cap,
                          dl_err *e);
/* t's name, dtype, rank and shape as h says (t's data untouched). */
void st_describe(const st_header *h, dl_tensor *t);
/* After st_next_header of a raw record: the payload's next n bytes, after
 * the `done` that earlier calls read, into dst in host order (n a whole
 * number of elements).  *crc carries the sum from call to call (0 before
 * the first).  The call that reads the last bytes checks the sum, so a
 * payload read in parts fails as one read whole would, with the same
 * message, but only once its last part is read. */
int st_read_part(st_reader *r, const st_header *h, uint64_t done, void *dst, size_t n,
                 uint32_t *crc, dl_err *e);
int st_skip_payload(st_reader *r, const st_header *h, dl_err *e);
/* Skips the payload like st_skip_payload, but by seeking when the input is
 * a regular file: the payload is neither read nor checked (its reader checks
 * it), so N processes sharing one file each read only their part. */
int st_seek_payload(st_reader *r, const st_header *h, dl_err *e);
struct st_writer;
int st_copy_record(st_reader *r, const st_header *h, struct st_writer *w, dl_err *e);
/* Header and payload in one call; *found 0 at the end (t untouched). */
int st_read(st_reader *r, dl_tensor *t, int *found, dl_err *e);

/* A reader's records read ahead on a thread of their own, so that reading
 * them (the copy from the input, the checksum, the allocation) overlaps
 * the caller's work on the records before.  At most two records wait.
 * keep(name) says what becomes of each payload: read (ST_AHEAD_READ, or
 * 1), skipped and checked (ST_AHEAD_SKIP, or 0), or left in the reader
 * (ST_AHEAD_LEAVE): the thread stops there and the caller reads, skips or
 * copies it with r itself.  Without a thread (none could start) the records
 * are read when asked for; the results are the same. */
enum { ST_AHEAD_SKIP = 0, ST_AHEAD_READ = 1, ST_AHEAD_LEAVE = 2 };
typedef struct st_ahead st_ahead;
/* r is the thread's from here until st_ahead_stop.  threaded 0: no thread,
 * for a caller whose own work already keeps every core busy.
 * piece_rows > 0: a raw record read (ST_AHEAD_READ) that has more rows
 * than that comes in pieces of piece_rows rows (the last one fewer), each
 * its own tensor, so that a large record takes buffers of a piece, which
 * stay in the cache, instead of one of its size, which would first be
 * faulted in page by page.  Its sum is checked when its last piece is
 * read: the pieces before are unchecked until then, so a caller acts on
 * none of a record until its last piece has come without an error. */
int st_ahead_start(st_ahead **a, st_reader *r, int (*keep)(const char *name), int threaded,
                   uint64_t piece_rows, dl_err *e);
/* Where a tensor from st_ahead_next lies in its record. */
typedef struct st_piece {
    uint64_t first; /* the record's row it starts at */
    int last;       /* 1: the record is complete (a record read whole is one piece) */
} st_piece;
/* The next record in order: its header in *h and, if read, its payload (or
 * its next piece, described in *piece when that is not NULL) in *t (the
 * caller's to free or give back; empty otherwise); *found 0 at the end.  A
 * payload left in the reader is the caller's to take from r until the next
 * call.  An error reading a record comes here after every record (and
 * piece) before it, and then the end. */
int st_ahead_next(st_ahead *a, st_header *h, dl_tensor *t, st_piece *piece, int *found,
                  dl_err *e);
/* 1 while a thread of its own reads ahead; 0 once the caller reads (no
 * thread could start, or it retired after a run of small records and was
 * joined). */
int st_ahead_threaded(const st_ahead *a);
/* Gives a payload's buffer back (t is left empty): a later payload is read
 * into it rather than into new memory, which a large one would first have
 * to fault in page by page. */
void st_ahead_recycle(st_ahead *a, dl_tensor *t);
/* Ends the thread, also while it waits for input that has not come, and
 * frees what it read that nobody took; r is the caller's again.  NULL is ok. */
void st_ahead_stop(st_ahead *a);

/* ------------------------------- writing ------------------------------- */
typedef struct st_writer st_writer;
enum st_writer_flags {
    ST_ZLIB = 1,       /* deflate payloads: a tensor over 4 MiB as records of 4 MiB of rows;
                          records of 1 MiB and more are deflated two at a time, one of them
                          on a thread (wk_worker), and go out in order (the first of a pair
                          at the next write or at close) */
    ST_ALLOW_TTY = 2,  /* do not refuse a terminal (a spool of the tool's own, tests) */
    ST_LATE = 4        /* a file renamed into place is made with the first bytes that go
                          out (dl_outfile_prepare): the output of a long run, which a
                          process killed meanwhile leaves no trace of; everything else
                          the writer needs is allocated at the open */
};

/* path NULL or "-" writes standard output, which must not be a terminal
 * and must be open for writing (dl_outfile_check_fd), as every fd given
 * st_writer_from_fd: both refused here, before any work.  A named file is written to a temporary beside it and renamed into place
 * by st_writer_close, so a failed run never leaves a partial file (the
 * rules for files are outfile.h's). */
int st_writer_open(st_writer **w, const char *path, int flags, dl_err *e);
int st_writer_from_fd(st_writer **w, int fd, const char *label, int flags, dl_err *e);
int st_write(st_writer *w, const dl_tensor *t, dl_err *e);
/* Allocates now what writing the tensors of set will need (with ST_ZLIB the
 * deflate buffers and streams; raw records need none), so that writing
 * them later allocates nothing on a little-endian host: the checkpoint of
 * a long run, made before the run.  Only what the writer does without may
 * then still be asked for: a second thread deflating every other record,
 * and the copy of a record it deflates. */
int st_writer_reserve(st_writer *w, const dl_tensor_set *set, dl_err *e);
int st_write_data(st_writer *w, const char *name, int dtype, int rank,
                  const uint64_t *shape, const void *data, dl_err *e);
/* Reads exactly n bytes of the regular file fd from offset `off` into buf;
 * a file that ends before them "shrank while it was read".  label names
 * the file, or the output it is read for. */
int st_pread_exact(int fd, void *buf, size_t n, uint64_t off, const char *label, dl_err *e);
/* Whether st_write_spliced moves a payload without copying it: the output
 * is a pipe and records go out raw. */
int st_writer_splices(const st_writer *w);
/* A raw record whose payload is the bytes of the regular file in_fd from
 * offset `off` on, as many as name, dtype and shape make, in the stream's
 * byte order; the caller has read and checked them, and crc is their
 * CRC-32C.  Into a pipe they go from the file in the kernel (splice(2)),
 * not through this process; elsewhere they are read again and written.
 * Should the file change in between, the record's checksum no longer
 * matches and its reader refuses it. */
int st_write_spliced(st_writer *w, const char *name, int dtype, int rank,
                     const uint64_t *shape, int in_fd, uint64_t off, uint32_t crc, dl_err *e);
/* Flushes and commits; frees w in every case. */
int st_writer_close(st_writer *w, dl_err *e);
/* Closes n writers as one output: all are flushed and closed before any
 * file is moved into place, and a failure leaves every path as it was
 * (dl_outfile_commit_all).  Frees them all in every case. */
int st_writer_close_all(st_writer *const *w, size_t n, dl_err *e);
/* st_writer_close_all, committing in the same step n_files more files that
 * the caller wrote and closed (dl_outfile_fclose_pending): all appear or
 * none.  At most 8 outputs in all.  Every one is finished in every case. */
int st_writer_close_with(st_writer *const *w, size_t n, dl_outfile *const *files,
                         size_t n_files, dl_err *e);
/* Gives up an output after a failure; frees w.  NULL is ok.  A file's
 * temporary is removed.  Standard output, a descriptor, or a FIFO or device
 * written in place that has had bytes gets what is buffered, then the
 * abandoned mark (both as far as writing succeeds); one that has had none
 * stays empty. */
void st_writer_abort(st_writer *w);

/* --------------------------- whole streams ---------------------------- */
/* Reads every record, reassembling chunks by name (dl_set_add).  Deflated
 * records of 1 MiB and more are inflated two at a time, one of them on a
 * thread (wk_worker); the set and the first error are those of one record
 * at a time. */
int st_read_set(const char *path, dl_tensor_set *set, dl_err *e);
/* st_read_set with the large raw payloads of a regular file read and
 * summed in parts on BLAS's threads (st_reader_share_reads): for a caller
 * whose BLAS threads have nothing else to do meanwhile.  From the first
 * deflated record on, BLAS runs on one thread, its idle workers parked,
 * while a worker of the reader's inflates (they would spin on its core). */
int st_read_set_shared(const char *path, dl_tensor_set *set, dl_err *e);
int st_read_set_from(st_reader *r, dl_tensor_set *set, dl_err *e);
/* st_read_set of the records whose name `wanted` says yes to (non-zero);
 * the others are passed over as st_seek_payload does (in a regular file,
 * seeked past: their payloads are neither read nor checked). */
int st_read_set_only(const char *path, dl_tensor_set *set, int (*wanted)(const char *name),
                     dl_err *e);
/* st_read_set_only (wanted NULL: every record) of a checkpoint, which holds
 * each tensor once: the records of a name must follow one another (the
 * chunks of one tensor), and a name that comes back after another's record
 * is DL_EDATA naming it, "record 5 ('model'): a second 'model' record (the
 * first is record 1): ...", as the concatenation of two checkpoints makes;
 * not a tensor of their rows appended, whose shape or names would be blamed. */
int st_read_checkpoint(const char *path, dl_tensor_set *set, int (*wanted)(const char *name),
                       dl_err *e);
int st_write_set(st_writer *w, const dl_tensor_set *set, dl_err *e);
/* Opens, writes the set, commits: the common tail of a tool. */
int st_save_set(const char *path, int flags, const dl_tensor_set *set, dl_err *e);

/* CRC-32C (Castagnoli, as iSCSI and ext4) continuing from `crc`. */
uint32_t st_crc32(uint32_t crc, const void *buf, size_t len);

#endif
