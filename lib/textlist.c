/* textlist.c - the quoting of CSV cells, and the lists of options quoted
 * the same way (apart from csv.c, so that a tool that takes a list links
 * no table reader). */
#include <stdlib.h>
#include <string.h>

#include "textio.h"

const char *tx_closing_quote(const char *q, const char *end)
{
    for (q++; q < end; q++)
        if (*q == '"') {
            if (q + 1 == end || q[1] != '"')
                return q;
            q++;
        }
    return end;
}

size_t tx_unquote(char *dst, const char *p, const char *end, int quoted)
{
    size_t k = 0;
    for (const char *q = p; q < end; q++) {
        dst[k++] = *q;
        if (quoted && *q == '"' && q + 1 < end && q[1] == '"')
            q++;
    }
    dst[k] = '\0';
    return k;
}

void tx_list_free(tx_list *l)
{
    free(l->item);
    free(l->text);
    memset(l, 0, sizeof *l);
}

/* The item of the list that starts at p (the `number`th): its text in
 * [*start, *stop), inside its quotes when *quoted, and *after where it
 * ends, at a comma or the list's end. */
static int list_item(const char *option, const char *list, size_t number, const char *p,
                     const char **start, const char **stop, int *quoted, const char **after,
                     dl_err *e)
{
    const char *end = p + strlen(p);
    *quoted = *p == '"';
    if (!*quoted) {
        const char *comma = strchr(p, ',');
        *start = p;
        *stop = *after = comma ? comma : end;
        return 0;
    }
    const char *close = tx_closing_quote(p, end);
    if (close == end)
        return dl_fail(e, DL_EUSAGE, "%s '%s': item %zu: unterminated quote (a quoted item "
                       "ends at its closing quote)", option, list, number);
    if (close[1] && close[1] != ',')
        return dl_fail(e, DL_EUSAGE, "%s '%s': item %zu: text after the closing quote of a "
                       "quoted item (a quote inside one is written \"\")", option, list, number);
    *start = p + 1;
    *stop = close;
    *after = close + 1;
    return 0;
}

int tx_list_parse(tx_list *l, const char *option, const char *list, dl_err *e)
{
    memset(l, 0, sizeof *l);
    size_t len = strlen(list), most = 1; /* items: at most one per comma, and one */
    for (const char *q = list; *q; q++)
        most += *q == ',';
    l->item = malloc(most * sizeof *l->item);
    l->text = malloc(len + 1);
    if (!l->item || !l->text) {
        tx_list_free(l);
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", option);
    }
    char *dst = l->text;
    for (const char *p = list;; p++) {
        const char *start = p, *stop = p;
        int quoted = 0;
        if (list_item(option, list, l->count + 1, p, &start, &stop, &quoted, &p, e)) {
            tx_list_free(l);
            return e->code;
        }
        l->item[l->count++] = dst;
        dst += tx_unquote(dst, start, stop, quoted) + 1;
        if (!*p)
            return 0;
    }
}
