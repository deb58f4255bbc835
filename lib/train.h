/* train.h - the training loop of dl-train.
 *
 * tr_train reads x and y from a data set (any float or integer dtype; used
 * as float32), holds out a validation part (a seeded fraction, or a separate
 * set), runs seeded shuffled minibatches for the spec's epochs with its
 * optimizer and lr schedule, tracks the best epoch (lowest validation loss,
 * the initial weights' epoch 0 included, or training loss when there is no
 * validation data), stops early after
 * `patience` epochs without an improvement of more than min_delta, and
 * returns a checkpoint whose weights are the best epoch's.  The checkpoint
 * also holds the state of the last completed epoch (weights, optimizer
 * moments, step count, shuffling RNG, counters), so a run continued with
 * --resume gives the same bits as one that never stopped.
 *
 * Rows may carry weights (a `w` record, times training.class_weight): every
 * loss is then the weighted mean sum w_i l_i / sum w_i over a minibatch
 * (PyTorch's weighted cross-entropy convention), the epoch's training and
 * validation losses too.
 *
 * The checkpoint's `training` record (lib/netmodel.h) sums the run up:
 * epochs, the best epoch and its losses, why it stopped, seed, BLAS
 * threads, processes and the tool's version.  A resumed run records the
 * threads of its own epochs (the saved count when it trains none), and
 * says on c->notes when they are not the saved run's: the products then
 * sum in another order, and the bits are no uninterrupted run's.
 *
 * Nothing is allocated inside the epoch loop, nor after it: the checkpoint
 * is made, every record of its size, before the first epoch, and filled in
 * place at the end.
 *
 * Data-parallel (c->group of several processes): every process runs the
 * same spec on its share of the rows.  The shuffle is of the global row
 * indices, from the same seed on every process, so each global batch holds
 * the same rows as in one process; each process computes the gradient of
 * the rows of the batch that it holds, and the sums over processes (started
 * layer by layer during the backward pass, in buckets) give every process
 * the same global-mean gradient, hence the same weights and optimizer state.
 * Weighted, each process's share is a weighted sum and the summed gradient
 * is divided by the batch's summed weights (the global normalization).
 * The loss, validation loss and a stop request are summed too, so early
 * stopping and interruption happen at the same step everywhere. */
#ifndef DL_TRAIN_H
#define DL_TRAIN_H

#include <signal.h>
#include <stdio.h>

#include "dist.h"
#include "err.h"
#include "outfile.h"
#include "shard.h"
#include "spec.h"
#include "stream.h"
#include "tensor.h"

typedef struct tr_opts {
    const dl_spec *spec;
    const char *data_label;          /* names the training data in messages */
    const char *val_label;           /* names the validation set, if any */
    FILE *progress;                  /* one line per epoch, and the notes; NULL: quiet */
    FILE *notes;                     /* what -q does not silence; NULL: nothing */
    const char *tool;                /* begins every note ("tool: ...") */
    int progress_bar;                /* also a bar within each epoch (a terminal) */
    FILE *log;                       /* learning curve TSV, or NULL */
    FILE *diagnostics;               /* per-layer statistics TSV, or NULL */
    volatile sig_atomic_t *stop;     /* set by a signal: stop after the batch */
    dl_tensor_set *resume;           /* checkpoint to continue exactly, or NULL */
    dl_tensor_set *init_from;        /* checkpoint whose weights start the run, or NULL */
    const char *ckpt_label;          /* names the resume or init_from file in messages */
    const char *version;             /* the tool's, recorded in the checkpoint's summary */
    /* The writer the checkpoint goes to, or NULL: what writing it needs is
     * allocated once the checkpoint is made, before training
     * (st_writer_reserve), so that a run that trained can save. */
    st_writer *out;
    /* A data-parallel run (NULL or one process: a plain run).  Each process
     * holds its share of the rows of data (data_share) and val (val_share);
     * they agree at start-up (dd_agree) and sum every step's gradient. */
    dd_group *group;
    const sh_share *data_share, *val_share;
} tr_opts;

/* Trains on data (records x, y; a `design` record is moved into the
 * checkpoint) and the optional validation set val (x, y).  Never puts NaN
 * or Inf weights in ckpt.  Returns:
 *   0         ckpt holds the checkpoint (c->resume's records, moved
 *             unchanged, when that run had stopped early and its patience
 *             is still used up: nothing to train);
 *   DL_ENUM   a NaN or Inf loss, gradient or weights stopped training; ckpt
 *             holds the best epoch so far (epoch 0 is the initial weights),
 *             or is left empty when the weights drawn before any epoch
 *             were not finite;
 *   DL_EINTR  *stop was set; ckpt holds the best epoch so far;
 *   other     an error; ckpt is left empty.
 * e describes what happened in the DL_ENUM and DL_EINTR cases too. */
int tr_train(const tr_opts *c, dl_tensor_set *data, dl_tensor_set *val, dl_tensor_set *ckpt,
             dl_err *e);

/* ---- dl-train's run (train_run.c): its files around tr_train ---- */

/* What a run reads and writes, as its command line names them (NULL: not
 * given; data and output NULL or "-": standard input and output). */
typedef struct tr_files {
    const char *data, *output, *val, *resume, *init_from, *log, *diag;
    int quiet, zlib;
    const char *tool;                /* the tool's name, which begins its notes */
    const char *version;             /* the tool's, for the checkpoint */
} tr_files;

/* Everything a run holds.  The caller opens the group (dd_open) and loads
 * the spec; tr_session_free releases the rest. */
typedef struct tr_session {
    dd_group group;                  /* the processes of a data-parallel run (or one) */
    dl_spec spec;
    sh_share data_share, val_share;
    dl_tensor_set data, val, resume, init_from, ckpt;
    FILE *log, *diag;
    dl_outfile log_file, diag_file;
    st_writer *out;                  /* the checkpoint's (rank 0's) */
} tr_session;

void tr_session_init(tr_session *s);
/* Rank 0 checks its outputs first (a terminal, a directory where no
 * temporary can be made: refused before any reading); every process reads
 * its rows (its share in a data-parallel run), trains with tr_train, and
 * rank 0 writes the checkpoint and commits it with the --log and
 * --diagnostics files as one output: all of them appear, or none.
 * Returns as tr_train, DL_ENUM and DL_EINTR with the outputs committed. */
int tr_session_run(tr_session *s, const tr_files *f, dl_err *e);
/* Aborts what a failed run left uncommitted (the checkpoint's temporary;
 * the logs go with it) and frees all but the group. */
void tr_session_free(tr_session *s);

#endif
