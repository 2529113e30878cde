/* tests/unit/test_yaml.c: the YAML tree keeps every node's line and column, refuses what a
 * configuration must not contain (aliases, duplicate keys, several documents), reads typed
 * values (sizes, durations, bools, numbers) strictly, and every error names line and column. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "tests/unit/unit.h"

static struct fl_ydoc *load(const char *text, struct fl_err *err)
{
    fl_err_clear(err);
    return fl_yaml_load_mem(text, strlen(text), "t.yaml", err);
}

/* Walks a path of map keys ("a", "b") and sequence indexes ("#1") from the root. */
static const struct fl_ynode *at(const struct fl_ydoc *doc, const char *const *path)
{
    const struct fl_ynode *n = doc ? doc->root : NULL;
    for (size_t i = 0; n && path[i]; i++) {
        if (path[i][0] == '#') {
            size_t k = (size_t)strtoul(path[i] + 1, NULL, 10);
            n = n->kind == FL_Y_SEQ && k < n->n_items ? n->items[k] : NULL;
        } else {
            n = fl_ymap_get(n, path[i]);
        }
    }
    return n;
}

static void nested_nodes_carry_their_line_and_column(void)
{
    static const char text[] = "# comment\n"
                               "sources:\n"
                               "  - name: a\n"
                               "    paths:\n"
                               "      - /mnt/a/*.log\n"
                               "      - \"/mnt/b/*.log\"\n"
                               "    layout: {pattern: 'x', csv: {delimiter: ','}}\n"
                               "limits:\n"
                               "    idle_flush: 2s\n";
    static const struct {
        const char *path[6];
        uint32_t line, col;
        enum fl_ynode_kind kind;
    } cases[] = {
        {{NULL}, 2, 1, FL_Y_MAP},
        {{"sources", NULL}, 3, 3, FL_Y_SEQ},
        {{"sources", "#0", NULL}, 3, 5, FL_Y_MAP},
        {{"sources", "#0", "name", NULL}, 3, 11, FL_Y_SCALAR},
        {{"sources", "#0", "paths", NULL}, 5, 7, FL_Y_SEQ},
        {{"sources", "#0", "paths", "#0", NULL}, 5, 9, FL_Y_SCALAR},
        {{"sources", "#0", "paths", "#1", NULL}, 6, 9, FL_Y_SCALAR},
        {{"sources", "#0", "layout", NULL}, 7, 13, FL_Y_MAP},
        {{"sources", "#0", "layout", "pattern", NULL}, 7, 23, FL_Y_SCALAR},
        {{"sources", "#0", "layout", "csv", "delimiter", NULL}, 7, 45, FL_Y_SCALAR},
        {{"limits", "idle_flush", NULL}, 9, 17, FL_Y_SCALAR},
    };
    struct fl_err err;
    struct fl_ydoc *doc = load(text, &err);
    CHECK(doc != NULL);
    if (!doc)
        return;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct fl_ynode *n = at(doc, cases[i].path);
        CHECK(n != NULL);
        if (!n) {
            fprintf(stderr, "    case %zu: no node\n", i);
            continue;
        }
        if (n->line != cases[i].line || n->col != cases[i].col || n->kind != cases[i].kind)
            fprintf(stderr, "    case %zu: at %u:%u kind %d\n", i, n->line, n->col, n->kind);
        CHECK_INT(n->line, cases[i].line);
        CHECK_INT(n->col, cases[i].col);
        CHECK_INT(n->kind, cases[i].kind);
    }
    const struct fl_ynode *quoted = at(doc, (const char *const[]){"sources", "#0", "paths", "#1",
                                                                  NULL});
    CHECK(quoted && quoted->is_quoted);
    CHECK_STR(quoted ? quoted->scalar : NULL, "/mnt/b/*.log");
    fl_yaml_free(doc);
}

/* Each refused document: the exact position and a fragment of the message. */
static void refused_documents_name_line_and_column(void)
{
    static const struct {
        const char *name, *text;
        uint32_t line, col;
        const char *msg;
    } cases[] = {
        {"alias", "a: &x 1\nb: *x\n", 2, 4, "aliases"},
        {"alias in a list", "base: &b {k: 1}\nlist:\n  - *b\n", 3, 5, "aliases"},
        {"duplicate key", "a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a' (first at line 1)"},
        {"duplicate nested key", "s:\n  - name: x\n    type: y\n    name: z\n", 4, 5,
         "duplicate key 'name'"},
        {"duplicate key in flow map", "m: {k: 1, j: 2, k: 3}\n", 1, 17, "duplicate key 'k'"},
        {"first duplicate of several reported", "b: 1\na: 1\nb: 2\na: 2\n", 3, 1,
         "duplicate key 'b'"},
        {"two documents", "a: 1\n---\nb: 2\n", 2, 1, "only one YAML document"},
        {"tab indentation", "a:\n\tb: 1\n", 2, 1, "tab"},
        {"tab inside a block", "a:\n  b: 1\n\tc: 2\n", 3, 1, "tab"},
        {"unclosed quote points at the opening quote", "a: 1\nb: \"text\nc: 2\n", 2, 4,
         "never closed"},
        {"key without space after colon", "a: 1\nb:2\nc: 3\n", 2, 1, "key: value"},
        {"colon inside a plain value", "a: b: c\n", 1, 5, "quote a value"},
        {"bad indentation", "a:\n  - x\n - y\n", 3, 2, "indentation"},
        {"unclosed flow list", "a: [1, 2\nb: 3\n", 2, 2, "expected ',' or ']'"},
        {"nesting too deep",
         "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]"
         "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
         1, 65, "nesting deeper"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_err err;
        struct fl_ydoc *doc = load(cases[i].text, &err);
        CHECK(doc == NULL);
        fl_yaml_free(doc);
        if (err.line != cases[i].line || err.col != cases[i].col ||
            !strstr(err.msg, cases[i].msg))
            fprintf(stderr, "    case '%s': %u:%u: %s\n", cases[i].name, err.line, err.col,
                    err.msg);
        CHECK_STR(err.file, "t.yaml");
        CHECK_INT(err.line, cases[i].line);
        CHECK_INT(err.col, cases[i].col);
        CHECK(strstr(err.msg, cases[i].msg) != NULL);
    }
}

static void error_text_reads_file_line_col_message(void)
{
    struct fl_err err;
    struct fl_ydoc *doc = load("a: 1\na: 2\n", &err);
    CHECK(doc == NULL);
    char text[600];
    fl_err_format(&err, text, sizeof text);
    CHECK_STR(text, "t.yaml:2:1: duplicate key 'a' (first at line 1)");
}

static void anchors_without_aliases_and_many_keys_load(void)
{
    struct fl_err err;
    struct fl_ydoc *doc = load("a: &anchor 1\n", &err);
    CHECK(doc != NULL);
    fl_yaml_free(doc);
    /* 5,000 distinct keys: the duplicate check must not be quadratic, and none is reported. */
    size_t cap = 5000 * 16;
    char *big = malloc(cap);
    size_t n = 0;
    for (int i = 0; i < 5000; i++)
        n += (size_t)snprintf(big + n, cap - n, "k%d: %d\n", i, i);
    doc = fl_yaml_load_mem(big, n, "big.yaml", &err);
    CHECK(doc != NULL);
    CHECK(doc && doc->root && doc->root->n_items == 10000);
    fl_yaml_free(doc);
    free(big);
}

static void empty_document_has_no_root(void)
{
    struct fl_err err;
    struct fl_ydoc *doc = load("# only a comment\n", &err);
    CHECK(doc != NULL);
    CHECK(doc && doc->root == NULL);
    fl_yaml_free(doc);
    doc = fl_yaml_load_mem("", 0, "t.yaml", &err);
    CHECK(doc != NULL);
    fl_yaml_free(doc);
}

static void missing_file_error_names_the_file(void)
{
    struct fl_err err;
    fl_err_clear(&err);
    struct fl_ydoc *doc = fl_yaml_load_file("/nonexistent/faultline.yaml", &err);
    CHECK(doc == NULL);
    CHECK_STR(err.file, "/nonexistent/faultline.yaml");
    CHECK(strstr(err.msg, "cannot open") != NULL);
}

/* A one-key document "v: <text>" and its value node. */
struct one {
    struct fl_ydoc *doc;
    const struct fl_ynode *v;
};

static struct one one_value(const char *value_text)
{
    char text[200];
    snprintf(text, sizeof text, "v: %s\n", value_text);
    struct fl_err err;
    struct one o = {load(text, &err), NULL};
    if (o.doc)
        o.v = fl_ymap_get(o.doc->root, "v");
    return o;
}

static void sizes_read_with_binary_units(void)
{
    static const struct {
        const char *text;
        bool is_ok;
        uint64_t bytes;
    } cases[] = {
        {"64MB", true, 64ull << 20},
        {"512KiB", true, 512ull << 10},
        {"512 KiB", true, 512ull << 10},
        {"1G", true, 1ull << 30},
        {"1GiB", true, 1ull << 30},
        {"2gb", true, 2ull << 30},
        {"1048576", true, 1048576},
        {"100b", true, 100},
        {"1.5k", true, 1536},
        {"0", true, 0},
        {"\"64MB\"", true, 64ull << 20}, /* quoting a size is harmless */
        {"MB", false, 0},                /* a unit without its number */
        {"", false, 0},
        {"64XB", false, 0},
        {"-1MB", false, 0},
        {"+1MB", false, 0},
        {"0x10", false, 0},
        {"1e3", false, 0},
        {"nan", false, 0},
        {"inf", false, 0},
        {"1.MB", false, 0},
        {".5MB", false, 0},
        {"64 MB extra", false, 0},
        {"99999999999G", false, 0},
        {"[1, 2]", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct one o = one_value(cases[i].text);
        CHECK(o.doc != NULL);
        struct fl_err err;
        fl_err_clear(&err);
        uint64_t bytes = 12345;
        int rc = fl_y_size(o.doc, o.v, &bytes, &err);
        if ((rc == 0) != cases[i].is_ok || (rc == 0 && bytes != cases[i].bytes))
            fprintf(stderr, "    size '%s': rc %d, %llu\n", cases[i].text, rc,
                    (unsigned long long)bytes);
        CHECK_INT(rc == 0, cases[i].is_ok);
        if (cases[i].is_ok) {
            CHECK_INT(bytes, cases[i].bytes);
        } else {
            CHECK_INT(rc, FL_ESYNTAX);
            CHECK_INT(err.line, 1);
            CHECK_INT(err.col, cases[i].text[0] ? 4 : 3); /* an empty value sits after "v:" */
            CHECK_INT(bytes, 12345); /* untouched on error */
        }
        fl_yaml_free(o.doc);
    }
}

static void durations_read_in_milliseconds_with_bare_seconds(void)
{
    static const struct {
        const char *text;
        bool is_ok;
        int64_t ms;
    } cases[] = {
        {"500ms", true, 500},  {"2s", true, 2000},      {"5m", true, 300000},
        {"5min", true, 300000}, {"1h", true, 3600000},  {"2", true, 2000},
        {"1.5s", true, 1500},  {"0ms", true, 0},        {"10 s", true, 10000},
        {"2S", true, 2000},    {"5x", false, 0},        {"s", false, 0},
        {"-2s", false, 0},     {"2 s s", false, 0},     {"1d", false, 0},
        {"nan", false, 0},     {"{a: 1}", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct one o = one_value(cases[i].text);
        CHECK(o.doc != NULL);
        struct fl_err err;
        int64_t ms = -7;
        int rc = fl_y_duration_ms(o.doc, o.v, &ms, &err);
        if ((rc == 0) != cases[i].is_ok || (rc == 0 && ms != cases[i].ms))
            fprintf(stderr, "    duration '%s': rc %d, %lld\n", cases[i].text, rc,
                    (long long)ms);
        CHECK_INT(rc == 0, cases[i].is_ok);
        if (cases[i].is_ok) {
            CHECK_INT(ms, cases[i].ms);
        } else {
            CHECK_INT(err.line, 1);
            CHECK_INT(err.col, 4);
        }
        fl_yaml_free(o.doc);
    }
}

static void bools_are_plain_words_and_quoted_ones_are_refused(void)
{
    static const struct {
        const char *text;
        int want; /* 1 true, 0 false, -1 refused */
        const char *msg;
    } cases[] = {
        {"true", 1, NULL},   {"True", 1, NULL},  {"yes", 1, NULL},
        {"on", 1, NULL},     {"false", 0, NULL}, {"FALSE", 0, NULL},
        {"no", 0, NULL},     {"off", 0, NULL},   {"\"true\"", -1, "without quotes"},
        {"'false'", -1, "without quotes"},       {"1", -1, "not '1'"},
        {"maybe", -1, "not 'maybe'"},            {"[true]", -1, "true or false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct one o = one_value(cases[i].text);
        struct fl_err err;
        fl_err_clear(&err);
        bool b = false;
        int rc = fl_y_bool(o.doc, o.v, &b, &err);
        if (cases[i].want < 0) {
            CHECK_INT(rc, FL_ESYNTAX);
            CHECK_INT(err.line, 1);
            CHECK_INT(err.col, 4);
            CHECK(strstr(err.msg, cases[i].msg) != NULL);
        } else {
            CHECK_INT(rc, 0);
            CHECK_INT(b, cases[i].want);
        }
        fl_yaml_free(o.doc);
    }
}

static void whole_numbers_are_range_checked(void)
{
    static const struct {
        const char *text;
        bool is_ok;
        int64_t v;
    } cases[] = {
        {"100", true, 100},     {"-5", true, -5},       {"1000000", true, 1000000},
        {"1000001", false, 0},  {"-11", false, 0},      {"12abc", false, 0},
        {"1.5", false, 0},      {"+5", false, 0},       {"", false, 0},
        {"99999999999999999999", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct one o = one_value(cases[i].text);
        struct fl_err err;
        int64_t v = 0;
        int rc = fl_y_int(o.doc, o.v, -10, 1000000, &v, &err);
        if ((rc == 0) != cases[i].is_ok)
            fprintf(stderr, "    int '%s': rc %d\n", cases[i].text, rc);
        CHECK_INT(rc == 0, cases[i].is_ok);
        if (cases[i].is_ok)
            CHECK_INT(v, cases[i].v);
        else
            CHECK_INT(err.col, cases[i].text[0] ? 4 : 3);
        fl_yaml_free(o.doc);
    }
}

static void text_read_refuses_lists_and_maps(void)
{
    struct one o = one_value("[a, b]");
    struct fl_err err;
    const char *s = NULL;
    CHECK_INT(fl_y_str(o.doc, o.v, &s, &err), FL_ESYNTAX);
    CHECK(strstr(err.msg, "list") != NULL);
    CHECK_INT(err.col, 4);
    fl_yaml_free(o.doc);
    o = one_value("plain text");
    CHECK_INT(fl_y_str(o.doc, o.v, &s, &err), 0);
    CHECK_STR(s, "plain text");
    fl_yaml_free(o.doc);
}

static void unknown_key_is_named_with_a_suggestion_when_close(void)
{
    static const char *const allowed[] = {"paths", "type", "tz", "date_order", NULL};
    static const struct {
        const char *text;
        int rc;
        uint32_t line, col;
        const char *msg;
    } cases[] = {
        {"type: x\npaths: y\n", 0, 0, 0, NULL},
        {"type: x\npahts: y\n", FL_ESYNTAX, 2, 1, "unknown key 'pahts' (did you mean 'paths'?)"},
        {"type: x\ndateorder: y\n", FL_ESYNTAX, 2, 1, "did you mean 'date_order'?"},
        {"type: x\nwindw: y\n", FL_ESYNTAX, 2, 1,
         "unknown key 'windw' (expected one of: paths, type, tz, date_order)"},
        {"type: x\n  # indented comment\nzz: 1\n", FL_ESYNTAX, 3, 1, "unknown key 'zz'"},
        {"[1, 2]\n", FL_ESYNTAX, 1, 1, "expected a mapping"},
        {"? [a]\n: 1\n", FL_ESYNTAX, 1, 3, "plain word"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_err err;
        struct fl_ydoc *doc = load(cases[i].text, &err);
        CHECK(doc != NULL);
        if (!doc)
            continue;
        fl_err_clear(&err);
        int rc = fl_ymap_check_keys(doc, doc->root, allowed, &err);
        if (rc != cases[i].rc || (cases[i].msg && !strstr(err.msg, cases[i].msg)))
            fprintf(stderr, "    keys case %zu: rc %d %u:%u: %s\n", i, rc, err.line, err.col,
                    err.msg);
        CHECK_INT(rc, cases[i].rc);
        if (cases[i].rc) {
            CHECK_INT(err.line, cases[i].line);
            CHECK_INT(err.col, cases[i].col);
            CHECK(strstr(err.msg, cases[i].msg) != NULL);
        }
        fl_yaml_free(doc);
    }
}

static void error_at_a_null_node_still_names_the_file(void)
{
    struct fl_err err;
    struct fl_ydoc *doc = load("a: 1\n", &err);
    CHECK_INT(fl_yaml_error(doc, NULL, &err, "empty %s", "thing"), FL_ESYNTAX);
    CHECK_STR(err.file, "t.yaml");
    CHECK_INT(err.line, 0);
    CHECK_STR(err.msg, "empty thing");
    fl_yaml_free(doc);
}

UNIT_MAIN(UNIT_TEST(nested_nodes_carry_their_line_and_column),
          UNIT_TEST(refused_documents_name_line_and_column),
          UNIT_TEST(error_text_reads_file_line_col_message),
          UNIT_TEST(anchors_without_aliases_and_many_keys_load),
          UNIT_TEST(empty_document_has_no_root), UNIT_TEST(missing_file_error_names_the_file),
          UNIT_TEST(sizes_read_with_binary_units),
          UNIT_TEST(durations_read_in_milliseconds_with_bare_seconds),
          UNIT_TEST(bools_are_plain_words_and_quoted_ones_are_refused),
          UNIT_TEST(whole_numbers_are_range_checked),
          UNIT_TEST(text_read_refuses_lists_and_maps),
          UNIT_TEST(unknown_key_is_named_with_a_suggestion_when_close),
          UNIT_TEST(error_at_a_null_node_still_names_the_file))
