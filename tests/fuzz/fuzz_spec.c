/* libFuzzer target for the spec loader: YAML text, then `-s key=value`
 * overrides, then validation.  The input is the spec text up to the first
 * NUL byte; each NUL-separated string after it is an override, in order.
 * Any input must give a spec or a one-line error with a documented status;
 * a spec must survive the round trip parse -> spec_format -> parse, giving
 * the same text again (that is how checkpoints store their network).
 * Build and run with `make fuzz`. */
#include <string.h>

#include "fuzz.h"
#include "spec.h"

#define MAX_OVERRIDES 8

static void check_error(int rc, const dl_err *e)
{
    fuzz_require(rc == e->code && rc >= DL_EDATA && rc <= DL_ENOMEM, "undocumented status", e);
    fuzz_require(e->msg[0] && !strchr(e->msg, '\n'), "not one line", e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a private NUL-terminated copy: the overrides are C strings */
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    size_t text_len = strlen(copy);
    const char *overrides[MAX_OVERRIDES];
    size_t n_overrides = 0;
    for (size_t at = text_len + 1; at < size && n_overrides < MAX_OVERRIDES;
         at += strlen(copy + at) + 1)
        overrides[n_overrides++] = copy + at;

    dl_spec *s = malloc(sizeof *s), *again = malloc(sizeof *again);
    dl_err e;
    if (s && again) {
        int rc = spec_parse(s, copy, text_len, "fuzz.yaml", overrides, n_overrides, &e);
        if (rc)
            check_error(rc, &e);
        char *text = NULL, *text2 = NULL;
        size_t len = 0, len2 = 0;
        if (rc == 0 && spec_format(s, &text, &len, &e) == 0) {
            rc = spec_parse(again, text, len, "formatted", NULL, 0, &e);
            fuzz_require(rc == 0, "the formatted spec does not parse", &e);
            fuzz_require(spec_format(again, &text2, &len2, &e) == 0, "format failed", &e);
            if (len != len2 || memcmp(text, text2, len) != 0) {
                fprintf(stderr, "first:\n%.*s\nagain:\n%.*s\n", (int)len, text, (int)len2, text2);
                fuzz_require(0, "parse -> format -> parse changed the spec", NULL);
            }
        }
        free(text);
        free(text2);
    }
    free(s);
    free(again);
    free(copy);
    return 0;
}
