#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A message is one line whatever it quotes (a file name, an override, a
 * YAML scalar): control characters become '?'. */
static void one_line(char *msg)
{
    for (unsigned char *p = (unsigned char *)msg; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* The message as the parts that make it, one after the other. */
typedef struct parts {
    const char *text[3];
    size_t len[3];
} parts;

static char part_byte(const parts *p, size_t at)
{
    for (int i = 0; i < 3; at -= p->len[i++])
        if (at < p->len[i])
            return p->text[i][at];
    return '\0';
}

static void copy_parts(char *out, const parts *p, size_t from, size_t to)
{
    for (size_t at = from; at < to; at++)
        *out++ = part_byte(p, at);
}

/* Whether the byte at `at` starts a character (UTF-8), where a cut may fall. */
static int starts_char(const parts *p, size_t at)
{
    return ((unsigned char)part_byte(p, at) & 0xC0) != 0x80;
}

/* The parts into e->msg: whole when they fit, else their start and their
 * end around "...", so that the reason, which ends a message, survives a
 * long name before it.  The parts must not be e->msg itself. */
static void keep(dl_err *e, const parts *p)
{
    size_t len = p->len[0] + p->len[1] + p->len[2], room = sizeof e->msg - 1;
    if (len <= room) {
        copy_parts(e->msg, p, 0, len);
        e->msg[len] = '\0';
    } else {
        size_t head = (room - 3) / 2, tail = len - (room - 3 - head);
        while (head > 0 && !starts_char(p, head))
            head--;
        while (tail < len && !starts_char(p, tail))
            tail++;
        copy_parts(e->msg, p, 0, head);
        memcpy(e->msg + head, "...", 3);
        copy_parts(e->msg + head + 3, p, tail, len);
        e->msg[head + 3 + len - tail] = '\0';
    }
    one_line(e->msg);
}

/* fmt's text, then ": " and after when after is given, kept by keep().  A
 * text too long for the stack is formatted on the heap; without memory,
 * its start stands for it. */
static void put(dl_err *e, const char *after, const char *fmt, va_list ap)
{
    char first[DL_ERR_MSG_MAX];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(first, sizeof first, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n;
    char *text = len < sizeof first ? first : malloc(len + 1);
    if (text && text != first)
        vsnprintf(text, len + 1, fmt, again);
    va_end(again);
    if (!text) {
        text = first;
        len = sizeof first - 1;
    }
    parts p = {{text, ": ", after}, {len, after ? 2 : 0, after ? strlen(after) : 0}};
    keep(e, &p);
    if (text != first)
        free(text);
}

int dl_fail(dl_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    put(e, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int dl_fail_errno(dl_err *e, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    e->code = saved == ENOMEM ? DL_ENOMEM : DL_EIO;
    put(e, saved ? strerror(saved) : NULL, fmt, ap);
    va_end(ap);
    return e->code;
}

int dl_fail_open(dl_err *e, const char *path)
{
    if (!*path)
        return dl_fail(e, DL_EIO, "an input file's name is empty");
    return dl_fail_errno(e, "%s: cannot open", path);
}

int dl_err_wrap(dl_err *e, const char *fmt, ...)
{
    char old[DL_ERR_MSG_MAX];
    memcpy(old, e->msg, sizeof old);
    old[sizeof old - 1] = '\0';
    va_list ap;
    va_start(ap, fmt);
    put(e, old, fmt, ap);
    va_end(ap);
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
