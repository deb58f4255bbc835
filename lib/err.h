/* err.h - error values carried up with context, printed once at the top.
 *
 * Every library function that can fail takes a `dl_err *` last and returns
 * 0 on success or one of the DL_E* codes (also stored in err->code).  Callers
 * add context with dl_err_wrap() on the way up; only main() prints.  The
 * codes double as the tools' documented exit statuses. */
#ifndef DL_ERR_H
#define DL_ERR_H

#include <stdarg.h>
#include <string.h>

enum dl_status {
    DL_OK = 0,
    DL_EDATA = 1,   /* bad input data: stream, CSV, YAML, shapes, NaN */
    DL_EUSAGE = 2,  /* bad command line */
    DL_EIO = 3,     /* the system refused: open, read, write, rename */
    DL_ENOMEM = 4,  /* out of memory or beyond a documented size limit */
    DL_ENUM = 5,    /* numerical failure: singular system, NaN loss */
    DL_EINTR = 6    /* interrupted by SIGINT/SIGTERM after saving state */
};

/* Room for two paths of PATH_MAX and what is wrong with them; a longer
 * message keeps its start and its end, the reason, around "...". */
#define DL_ERR_MSG_MAX (2 * 4096 + 1024)

typedef struct dl_err {
    int code;
    char msg[DL_ERR_MSG_MAX];
} dl_err;

#if defined(__GNUC__)
#define DL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DL_PRINTF(a, b)
#endif

/* "s" unless n is 1, for counts in messages: "%zu column%s", n, dl_plural(n). */
static inline const char *dl_plural(unsigned long long n) { return n == 1 ? "" : "s"; }
/* A file as messages name it: its path, or "<stdin>" for standard input
 * (NULL or "-"). */
static inline const char *dl_err_label(const char *path)
{
    return path && strcmp(path, "-") != 0 ? path : "<stdin>";
}

/* Sets the error and returns `code`, so `return dl_fail(e, DL_EDATA, ...)`.
 * Every message is kept to one line: control characters become '?'.  One
 * over DL_ERR_MSG_MAX - 1 bytes is cut in the middle ("..."). */
int dl_fail(dl_err *e, int code, const char *fmt, ...) DL_PRINTF(3, 4);
/* Prefixes the current message with "context: " and returns e->code. */
int dl_err_wrap(dl_err *e, const char *fmt, ...) DL_PRINTF(2, 3);
/* Sets DL_EIO with strerror(errno) appended: "what: No such file". */
int dl_fail_errno(dl_err *e, const char *fmt, ...) DL_PRINTF(2, 3);
/* An input file that open(2) refused: DL_EIO "PATH: cannot open: REASON",
 * and for an empty name (a variable left unset) "an input file's name is
 * empty", as outfile says of an output's, rather than ": cannot open". */
int dl_fail_open(dl_err *e, const char *path);
void dl_err_clear(dl_err *e);
/* Prints "tool: message" on stderr, once, at the top. */
void dl_err_print(const char *tool, const dl_err *e);
/* Short name of a status for documentation and tests ("bad data"). */
const char *dl_status_name(int code);

#endif
