/* test_yamltree.c - lib/yamltree: nodes carry their line and column, an
 * error names them, overrides make missing maps and replace values, and a
 * second document or a duplicate key is refused at its place, and so is a
 * mapping of more keys than a spec has (each is compared with those before
 * it: 50,000 took seconds). */
#include <string.h>

#include "buf.h"
#include "unit.h"
#include "yamltree.h"

static void test_positions_and_errors(void)
{
    const char *text = "model:\n  layers:\n    - {units: 4}\nloss: mse\n";
    sn_node *root = NULL;
    dl_err e = {0};
    CHECK(sn_parse(text, strlen(text), "net.yaml", 0, &root, &e) == 0);
    CHECK(root && root->kind == SN_MAP && root->n == 2);
    if (!root)
        return;
    sn_node *loss = sn_map_get(root, "loss");
    CHECK(loss && loss->kind == SN_SCALAR && strcmp(loss->text, "mse") == 0);
    CHECK(loss && loss->line == 4 && loss->col == 7);
    CHECK(sn_map_get(root, "optimizer") == NULL);
    CHECK(sn_error(loss, &e, "unknown loss '%s'", loss->text) == DL_EDATA);
    CHECK_STR(e.msg, "net.yaml:4:7: unknown loss 'mse'");
    sn_free(root);
}

/* A long value quoted in an error stays whole when it fits (here 6,000
 * bytes of two-byte characters), and a longer one is cut between
 * characters with its end kept. */
static void test_long_values_in_errors(void)
{
    const char *text = "loss: mse\n";
    sn_node *root = NULL;
    dl_err e = {0};
    enum { CHARS = 3000 };
    static char value[2 * 6 * CHARS + 1];
    CHECK(sn_parse(text, strlen(text), "net.yaml", 0, &root, &e) == 0);
    sn_node *loss = root ? sn_map_get(root, "loss") : NULL;
    CHECK(loss != NULL);
    if (!loss)
        return;
    for (int times = 1; times <= 6; times += 5) {
        size_t n = 0;
        for (int i = 0; i < times * CHARS; i++, n += 2)
            memcpy(value + n, "\xc3\xa9", 2); /* e acute */
        value[n] = '\0';
        CHECK(sn_error(loss, &e, "unknown loss '%s'", value) == DL_EDATA);
        size_t len = strlen(e.msg);
        CHECK(len < sizeof e.msg && e.msg[len - 1] == '\'');
        CHECK(strncmp(e.msg, "net.yaml:1:7: unknown loss '\xc3\xa9", 30) == 0);
        CHECK((strstr(e.msg, "...") != NULL) == (times > 1));
        for (size_t i = 0; i < len; i++) /* no half character: a lead byte before each pair */
            if (((unsigned char)e.msg[i] & 0xC0) == 0x80)
                CHECK(i > 0 && (unsigned char)e.msg[i - 1] == 0xc3);
    }
    sn_free(root);
}

static void test_overrides(void)
{
    const char *text = "optimizer:\n  lr: 0.1\n";
    sn_node *root = NULL;
    dl_err e = {0};
    CHECK(sn_parse(text, strlen(text), "s.yaml", 0, &root, &e) == 0);
    CHECK(sn_override(&root, "optimizer.lr=3e-4", "-s 'optimizer.lr=3e-4'", &e) == 0);
    CHECK(sn_override(&root, "training.epochs=5", "-s 'training.epochs=5'", &e) == 0);
    sn_node *opt = root ? sn_map_get(root, "optimizer") : NULL;
    sn_node *lr = opt ? sn_map_get(opt, "lr") : NULL;
    CHECK(lr && strcmp(lr->text, "3e-4") == 0 && lr->line == 0);
    sn_node *tr = root ? sn_map_get(root, "training") : NULL;
    sn_node *ep = tr ? sn_map_get(tr, "epochs") : NULL;
    CHECK(ep && strcmp(ep->text, "5") == 0);
    if (ep) {
        sn_error(ep, &e, "too few");
        CHECK_STR(e.msg, "-s 'training.epochs=5': too few");
    }
    CHECK(sn_override(&root, "training", "-s 'training'", &e) == DL_EUSAGE);
    sn_free(root);
}

static void test_refusals_name_the_place(void)
{
    sn_node *root = NULL;
    dl_err e = {0};
    const char *two = "a: 1\n---\nb: 2\n";
    CHECK(sn_parse(two, strlen(two), "t.yaml", 0, &root, &e) == DL_EDATA && root == NULL);
    CHECK(strncmp(e.msg, "t.yaml:2:1: ", 12) == 0);
    const char *dup = "a: 1\na: 2\n";
    CHECK(sn_parse(dup, strlen(dup), "t.yaml", 0, &root, &e) == DL_EDATA);
    CHECK_STR(e.msg, "t.yaml:2:1: duplicate key 'a'");
    CHECK(sn_parse("", 0, "t.yaml", 0, &root, &e) == 0 && root == NULL);
    /* an empty document is no node, as an empty file; a quoted '' is one */
    CHECK(sn_parse("---\n", 4, "t.yaml", 0, &root, &e) == 0 && root == NULL);
    CHECK(sn_parse("---\n...\n", 8, "t.yaml", 0, &root, &e) == 0 && root == NULL);
    CHECK(sn_parse("''\n", 3, "t.yaml", 0, &root, &e) == 0 && root && root->kind == SN_SCALAR);
    sn_free(root);
    /* a tab where YAML wants indentation is named as a tab */
    const char *tab = "model:\n  layers: [1]\n  \tinit: auto\n", *tab_first = "a:\n\tb: 1\n";
    CHECK(sn_parse(tab, strlen(tab), "t.yaml", 0, &root, &e) == DL_EDATA);
    CHECK_STR(e.msg, "t.yaml:3:3: found character that cannot start any token (a tab: YAML "
                     "indents with spaces)");
    CHECK(sn_parse(tab_first, strlen(tab_first), "t.yaml", 0, &root, &e) == DL_EDATA);
    CHECK_STR(e.msg, "t.yaml:2:1: found character that cannot start any token (a tab: YAML "
                     "indents with spaces)");
    const char *other = "a: [1\nb: 2\n";
    CHECK(sn_parse(other, strlen(other), "t.yaml", 0, &root, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "a tab") == NULL);
    /* an escaped NUL would end the value's text there: "a\0b" is not 'a' */
    const char *nul = "a: 1\nb: \"x\\0y\"\n", *nul_key = "\"k\\u0000\": 1\n";
    root = NULL;
    CHECK(sn_parse(nul, strlen(nul), "t.yaml", 0, &root, &e) == DL_EDATA && root == NULL);
    CHECK_STR(e.msg, "t.yaml:2:4: a value holds a NUL character (\\0), which no spec value "
                     "can hold");
    CHECK(sn_parse(nul_key, strlen(nul_key), "t.yaml", 0, &root, &e) == DL_EDATA);
    CHECK_STR(e.msg, "t.yaml:1:1: a value holds a NUL character (\\0), which no spec value "
                     "can hold");
}

/* A -s value's label is its place: no line and column after it. */
static void test_override_refusals_name_the_override(void)
{
    const char *text = "optimizer:\n  lr: 0.1\n";
    sn_node *root = NULL;
    dl_err e = {0};
    CHECK(sn_parse(text, strlen(text), "s.yaml", 0, &root, &e) == 0);
    CHECK(sn_override(&root, "optimizer.lr=1\n---\n2", "-s 'lr'", &e) == DL_EDATA);
    CHECK_STR(e.msg, "-s 'lr': a spec is one YAML document, not several");
    CHECK(sn_override(&root, "optimizer.lr=[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]", "-s 'deep'",
                      &e) == DL_ENOMEM);
    CHECK_STR(e.msg, "-s 'deep': the spec has a value in more than 16 mappings and lists");
    CHECK(sn_override(&root, "optimizer.lr=*a", "-s 'alias'", &e) == DL_EDATA);
    CHECK_STR(e.msg, "-s 'alias': YAML anchors and aliases are not supported in a spec");
    const char *deep = "a: [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]\n";
    sn_node *other = NULL;
    CHECK(sn_parse(deep, strlen(deep), "t.yaml", 0, &other, &e) == DL_ENOMEM && other == NULL);
    CHECK_STR(e.msg, "t.yaml:1:20: the spec has a value in more than 16 mappings and lists");
    sn_free(root);
}

/* A mapping of `keys` keys k0: 0, k1: 0, ... under `top:`. */
static int parse_keys(size_t keys, sn_node **root, dl_err *e)
{
    dl_str b = {0};
    dl_str_printf(&b, "top:\n");
    for (size_t i = 0; i < keys; i++)
        dl_str_printf(&b, "  k%zu: 0\n", i);
    const char *text = dl_str_text(&b);
    int rc = sn_parse(text, strlen(text), "big.yaml", 0, root, e);
    dl_str_free(&b);
    return rc;
}

static void test_keys_of_a_mapping_are_bounded(void)
{
    sn_node *root = NULL;
    dl_err e = {0};
    CHECK(parse_keys(1024, &root, &e) == 0 && root && root->n == 1 && root->vals[0]->n == 1024);
    /* nor does an override make a 1025th */
    CHECK(sn_override(&root, "top.k0=1", "-s 'top.k0=1'", &e) == 0);
    CHECK(sn_override(&root, "top.more=1", "-s 'top.more=1'", &e) == DL_ENOMEM);
    CHECK_STR(e.msg, "-s 'top.more=1': a mapping of more than 1024 keys");
    sn_free(root);
    CHECK(parse_keys(1025, &root, &e) == DL_ENOMEM && root == NULL);
    CHECK_STR(e.msg, "big.yaml:1026:3: a mapping of more than 1024 keys");
}

int main(void)
{
    UNIT_RUN(test_positions_and_errors);
    UNIT_RUN(test_overrides);
    UNIT_RUN(test_long_values_in_errors);
    UNIT_RUN(test_refusals_name_the_place);
    UNIT_RUN(test_override_refusals_name_the_override);
    UNIT_RUN(test_keys_of_a_mapping_are_bounded);
    return UNIT_DONE();
}
