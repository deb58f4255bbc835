/* test_err.c - lib/err: a message holds two paths of the longest kind and
 * the reason whole, and one longer still keeps its start and its reason
 * around "...", whether it was made at once, with errno's reason, or by
 * wrapping. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "unit.h"

#define LONG_PATH 4095 /* PATH_MAX less its terminator */

static char path_a[LONG_PATH + 1], path_b[LONG_PATH + 1], huge[32768]; /* over DL_ERR_MSG_MAX */

static void fill(char *s, size_t len, char c)
{
    memset(s, c, len);
    s[len] = '\0';
}

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), k = strlen(end);
    return n >= k && strcmp(s + n - k, end) == 0;
}

static void test_two_long_paths_and_the_reason_are_whole(void)
{
    fill(path_a, LONG_PATH, 'a');
    fill(path_b, LONG_PATH, 'b');
    dl_err e;
    errno = ENOENT;
    CHECK(dl_fail_errno(&e, "%s: cannot open", path_a) == DL_EIO);
    snprintf(huge, sizeof huge, "%s: cannot open: %s", path_a, strerror(ENOENT));
    CHECK_STR(e.msg, huge);
    CHECK(dl_err_wrap(&e, "%s", path_b) == DL_EIO);
    snprintf(huge, sizeof huge, "%s: %s: cannot open: %s", path_b, path_a, strerror(ENOENT));
    CHECK_STR(e.msg, huge);
}

/* The message cut is as long as it may be, starts as the whole would, and
 * ends with its reason. */
static void check_cut(const dl_err *e, const char *start, const char *reason)
{
    CHECK(strlen(e->msg) == DL_ERR_MSG_MAX - 1);
    CHECK(strncmp(e->msg, start, strlen(start)) == 0);
    CHECK(strstr(e->msg, "...") != NULL);
    CHECK(ends_with(e->msg, reason));
}

static void test_a_longer_message_keeps_its_start_and_reason(void)
{
    fill(huge, sizeof huge - 1, 'h');
    dl_err e;
    CHECK(dl_fail(&e, DL_EDATA, "%s: record 1: not a number", huge) == DL_EDATA);
    check_cut(&e, "hhhh", ": record 1: not a number");
    errno = EACCES;
    CHECK(dl_fail_errno(&e, "%s: cannot open", huge) == DL_EIO);
    check_cut(&e, "hhhh", strerror(EACCES));
    dl_fail(&e, DL_EDATA, "not a number");
    CHECK(dl_err_wrap(&e, "x: %s", huge) == DL_EDATA);
    check_cut(&e, "x: hhhh", ": not a number");
    CHECK(e.code == DL_EDATA);
}

static void test_a_cut_falls_between_characters(void)
{
    /* two-byte characters after one byte: a cut by bytes alone would split one */
    huge[0] = 'x';
    for (size_t i = 1; i + 2 < sizeof huge; i += 2)
        memcpy(huge + i, "\xc3\xa9", 2);
    huge[sizeof huge - 2] = '\0';
    dl_err e;
    dl_fail(&e, DL_EDATA, "%s: bad", huge);
    const char *cut = strstr(e.msg, "...");
    CHECK(cut != NULL);
    if (cut) {
        CHECK(((unsigned char)cut[-1] & 0xC0) != 0xC0); /* no lead byte before it */
        CHECK(((unsigned char)cut[3] & 0xC0) != 0x80);  /* no continuation after */
    }
    CHECK(ends_with(e.msg, ": bad"));
}

int main(void)
{
    UNIT_RUN(test_two_long_paths_and_the_reason_are_whole);
    UNIT_RUN(test_a_longer_message_keeps_its_start_and_reason);
    UNIT_RUN(test_a_cut_falls_between_characters);
    return UNIT_DONE();
}
