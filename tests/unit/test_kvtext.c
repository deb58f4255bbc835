/* test_kvtext.c - lib/kvtext: a key looked up in record text (trimmed, cut
 * to the buffer, absent keys and key prefixes told apart), and a record
 * split into a known set of keys, refusing what is not one. */
#include <string.h>

#include "kvtext.h"
#include "unit.h"

static void test_value(void)
{
    const char *text = "kind: linear\nrows:  12 \r\nlast:x";
    size_t len = strlen(text);
    char buf[16];
    CHECK(kv_value(text, len, "rows", buf, sizeof buf) == 1);
    CHECK_STR(buf, "12");
    CHECK(kv_value(text, len, "last", buf, sizeof buf) == 1);
    CHECK_STR(buf, "x");
    CHECK(kv_value(text, len, "row", buf, sizeof buf) == 0);
    CHECK(kv_value(text, len, "kind", buf, 4) == 1);
    CHECK_STR(buf, "lin");
    CHECK(kv_value(text, 10, "rows", buf, sizeof buf) == 0); /* only the first len bytes */
}

static void test_split(void)
{
    static const char *const keys[3] = {"inputs", "poly", "mean"};
    const char *v[3];
    dl_err e = {0};
    char ok[] = "poly: 3\ninputs: 2\n";
    CHECK(kv_split(ok, keys, 3, v, "design record", &e) == 0);
    CHECK(v[0] && strcmp(v[0], " 2") == 0 && v[1] && strcmp(v[1], " 3") == 0 && !v[2]);
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"inputs 2\n", "design record: line 'inputs 2' has no ':'"},
        {"bias: 1\n", "design record: unknown key 'bias'"},
        {"poly: 1\npoly: 2\n", "design record: key 'poly' given twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[32];
        snprintf(text, sizeof text, "%s", bad[i].text);
        CHECK(kv_split(text, keys, 3, v, "design record", &e) == DL_EDATA);
        CHECK_STR(e.msg, bad[i].msg);
    }
}

int main(void)
{
    UNIT_RUN(test_value);
    UNIT_RUN(test_split);
    return UNIT_DONE();
}
