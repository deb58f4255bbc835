#include "kvtext.h"

#include <string.h>

int kv_value(const char *text, size_t len, const char *key, char *buf, size_t size)
{
    const char *s = text, *end = text + len;
    size_t klen = strlen(key);
    while (s && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *line_end = nl ? nl : end;
        if ((size_t)(line_end - s) > klen && memcmp(s, key, klen) == 0 && s[klen] == ':') {
            const char *v = s + klen + 1;
            while (v < line_end && (*v == ' ' || *v == '\t'))
                v++;
            size_t n = (size_t)(line_end - v);
            while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\r'))
                n--;
            n = n < size - 1 ? n : size - 1;
            memcpy(buf, v, n);
            buf[n] = '\0';
            return 1;
        }
        s = nl ? nl + 1 : end;
    }
    return 0;
}

static int key_index(const char *key, const char *const *keys, int nkeys)
{
    for (int i = 0; i < nkeys; i++)
        if (strcmp(key, keys[i]) == 0)
            return i;
    return -1;
}

int kv_split(char *text, const char *const *keys, int nkeys, const char **values,
             const char *what, dl_err *e)
{
    for (int i = 0; i < nkeys; i++)
        values[i] = NULL;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (!colon)
            return dl_fail(e, DL_EDATA, "%s: line '%.40s' has no ':'", what, line);
        *colon = '\0';
        int k = key_index(line, keys, nkeys);
        if (k < 0)
            return dl_fail(e, DL_EDATA, "%s: unknown key '%.40s'", what, line);
        if (values[k])
            return dl_fail(e, DL_EDATA, "%s: key '%s' given twice", what, line);
        values[k] = colon + 1;
    }
    return 0;
}
