#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A message is one line whatever it quotes (a file name, an override, a
 * YAML scalar): control characters become '?'. */
static void one_line(char *msg)
{
    for (unsigned char *p = (unsigned char *)msg; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static int vset(dl_err *e, int code, const char *fmt, va_list ap)
{
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    one_line(e->msg);
    return code;
}

int dl_fail(dl_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

int dl_fail_errno(dl_err *e, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    vset(e, DL_EIO, fmt, ap);
    va_end(ap);
    size_t len = strlen(e->msg);
    if (saved != 0 && len < sizeof e->msg)
        snprintf(e->msg + len, sizeof e->msg - len, ": %s", strerror(saved));
    one_line(e->msg);
    return saved == ENOMEM ? (e->code = DL_ENOMEM) : DL_EIO;
}

int dl_err_wrap(dl_err *e, const char *fmt, ...)
{
    char prefix[DL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix - 2, fmt, ap);
    va_end(ap);
    size_t plen = n < 0 ? 0 : strlen(prefix);
    memcpy(prefix + plen, ": ", 3);
    plen += 2;
    /* Shift the old message right, keeping the terminator inside the buffer. */
    size_t old = strnlen(e->msg, sizeof e->msg - 1);
    if (plen + old > sizeof e->msg - 1)
        old = sizeof e->msg - 1 - plen;
    memmove(e->msg + plen, e->msg, old);
    e->msg[plen + old] = '\0';
    memcpy(e->msg, prefix, plen);
    one_line(e->msg);
    return e->code;
}

void dl_err_clear(dl_err *e)
{
    e->code = DL_OK;
    e->msg[0] = '\0';
}

void dl_err_print(const char *tool, const dl_err *e)
{
    fprintf(stderr, "%s: %s\n", tool, e->msg[0] ? e->msg : dl_status_name(e->code));
}

const char *dl_status_name(int code)
{
    switch (code) {
    case DL_OK: return "success";
    case DL_EDATA: return "bad input data";
    case DL_EUSAGE: return "bad usage";
    case DL_EIO: return "input/output error";
    case DL_ENOMEM: return "out of memory or over a size limit";
    case DL_ENUM: return "numerical failure";
    case DL_EINTR: return "interrupted";
    default: return "unknown error";
    }
}
