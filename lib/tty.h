/* tty.h - no tool waits silently for input typed at a terminal, and none
 * writes binary to one.
 *
 * A tool run with nothing piped in and no FILE would otherwise sit reading
 * the keyboard, which looks like a hang; every reader of standard input
 * (streams, text to import, logs to plot, a spec) asks here first.  Every
 * writer of binary (streams and checkpoints, .npy, PNG images) asks here
 * before its first byte, whatever names the terminal: standard output,
 * /dev/tty, /dev/stdout, a link to one. */
#ifndef DL_TTY_H
#define DL_TTY_H

#include "err.h"

/* When path is NULL or "-" and standard input is a terminal: DL_EUSAGE,
 * "the input is a terminal: give FILE or pipe <what>" (what: "a stream",
 * "the text", ...).  Else 0. */
int dl_tty_refuse_input(const char *path, const char *what, dl_err *e);

/* When fd, opened from the name label (/dev/tty, /dev/stdin at a terminal,
 * a link to one), is a terminal: DL_EUSAGE, "LABEL is a terminal: give a
 * file or pipe WHAT".  Else 0.  For a binary input, which cannot be typed. */
int dl_tty_refuse_named_input(int fd, const char *label, const char *what, dl_err *e);

/* When fd is a terminal: DL_EUSAGE, "LABEL is a terminal: refusing to
 * write WHAT there; HINT".  Else 0. */
int dl_tty_refuse_output(int fd, const char *label, const char *what, const char *hint,
                         dl_err *e);

#endif
