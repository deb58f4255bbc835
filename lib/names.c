/* names.c - record names: validity, and a hash index from names to positions. */
#include "names.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

size_t dl_name_utf8_len(unsigned char lead)
{
    return lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3
                           : (lead >> 3) == 30 ? 4 : 0;
}

size_t dl_name_chars(const char *name, size_t len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; len--; p++)
        n += dl_name_utf8_len(*p) != 0; /* no character starts at a continuation byte */
    return n;
}

int dl_name_field(const char *name, size_t len, int width)
{
    size_t field = (size_t)(width > 0 ? width : 0) + (len - dl_name_chars(name, len));
    return field < INT_MAX ? (int)field : INT_MAX;
}

const char *dl_name_fault(const char *name, size_t len)
{
    const unsigned char *s = (const unsigned char *)name;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n = dl_name_utf8_len(c);
        if (c == 0)
            return "contains a NUL byte";
        if (n == 0 || i + n > len)
            return "is not valid UTF-8";
        for (size_t k = 1; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return "is not valid UTF-8";
        /* C0 controls, DEL, and C1 controls (U+0080-U+009F, bytes C2 80-9F) */
        if (c < 0x20 || c == 0x7F || (c == 0xC2 && s[i + 1] < 0xA0))
            return "contains a control character";
        i += n;
    }
    return NULL;
}

typedef struct dl_name_slot {
    uint64_t hash;
    size_t pos1; /* position + 1; 0 marks an empty slot */
} dl_name_slot;

/* FNV-1a, 64 bits: names are short, and the index only needs spread. */
static uint64_t hash_name(const char *name)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3u;
    return h;
}

void dl_names_init(dl_name_index *ix) { memset(ix, 0, sizeof *ix); }

void dl_names_free(dl_name_index *ix)
{
    free(ix->slots);
    dl_names_init(ix);
}

void dl_names_clear(dl_name_index *ix)
{
    if (ix->slots)
        memset(ix->slots, 0, ix->nslots * sizeof *ix->slots);
    ix->used = 0;
}

size_t dl_names_find(dl_name_index *ix, const char *name, const void *items,
                     dl_name_at *name_at)
{
    if (!ix->nslots)
        return SIZE_MAX;
    uint64_t h = hash_name(name);
    size_t mask = ix->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        const dl_name_slot *s = &ix->slots[i];
        if (!s->pos1)
            return SIZE_MAX;
        if (s->hash == h) {
            ix->compares++;
            if (strcmp(name_at(items, s->pos1 - 1), name) == 0)
                return s->pos1 - 1;
        }
    }
}

static void place(dl_name_slot *slots, size_t nslots, uint64_t hash, size_t pos1)
{
    size_t i = (size_t)hash & (nslots - 1);
    while (slots[i].pos1)
        i = (i + 1) & (nslots - 1);
    slots[i].hash = hash;
    slots[i].pos1 = pos1;
}

int dl_names_add(dl_name_index *ix, const char *name, size_t pos, dl_err *e)
{
    if (2 * (ix->used + 1) > ix->nslots) {
        size_t n = ix->nslots ? 2 * ix->nslots : 16;
        if (n > SIZE_MAX / 2 / sizeof *ix->slots)
            return dl_fail(e, DL_ENOMEM, "too many names to index (%zu)", ix->used);
        dl_name_slot *grown = calloc(n, sizeof *grown);
        if (!grown)
            return dl_fail(e, DL_ENOMEM, "out of memory indexing %zu names", ix->used + 1);
        for (size_t i = 0; i < ix->nslots; i++)
            if (ix->slots[i].pos1)
                place(grown, n, ix->slots[i].hash, ix->slots[i].pos1);
        free(ix->slots);
        ix->slots = grown;
        ix->nslots = n;
    }
    place(ix->slots, ix->nslots, hash_name(name), pos + 1);
    ix->used++;
    return 0;
}

#define NAME_SHOWN 48 /* bytes of one name */

void dl_names_show(dl_str *b, const char *const *names, size_t n)
{
    for (size_t j = 0; j < n && j < DL_NAMES_SHOWN; j++) {
        size_t len = strlen(names[j]);
        size_t cut = len <= NAME_SHOWN ? len : dl_str_cut(names[j], NAME_SHOWN);
        dl_str_printf(b, "%s'%.*s%s'", j ? ", " : "", (int)cut, names[j], cut < len ? "..." : "");
    }
    if (n > DL_NAMES_SHOWN)
        dl_str_printf(b, ", ...");
}
