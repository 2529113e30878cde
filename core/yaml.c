/* core/yaml.c: libyaml events -> fl_ynode tree, and typed accessors with positioned errors. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>
#include "core/yaml.h"

#define YAML_MAX_DEPTH 64

static void node_free(struct fl_ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_items; i++)
        node_free(n->items[i]);
    free(n->items);
    free(n->scalar);
    free(n);
}

void fl_yaml_free(struct fl_ydoc *doc)
{
    if (!doc)
        return;
    node_free(doc->root);
    free(doc->file);
    free(doc);
}

static int node_push(struct fl_ynode *parent, struct fl_ynode *child)
{
    struct fl_ynode **items = realloc(parent->items, (parent->n_items + 1) * sizeof *items);
    if (!items)
        return FL_ENOMEM;
    parent->items = items;
    parent->items[parent->n_items++] = child;
    return 0;
}

static struct fl_ynode *node_new(enum fl_ynode_kind kind, const yaml_mark_t *mark)
{
    struct fl_ynode *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->line = (uint32_t)mark->line + 1;
        n->col = (uint32_t)mark->column + 1;
    }
    return n;
}

static void set_err(struct fl_err *err, const char *file, uint32_t line, uint32_t col,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void set_err(struct fl_err *err, const char *file, uint32_t line, uint32_t col,
                    const char *fmt, ...)
{
    if (!err)
        return;
    fl_err_clear(err);
    snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* libyaml's message, placed where a person would look. An unterminated quote or a key
 * without its ':' is reported by libyaml where it gave up (often the end of the file or the
 * next line); the place that needs fixing is where the scalar or key started (context_mark).
 * A tab gets a plain explanation: it is the commonest mistake in hand-edited YAML. */
static void syntax_error(const struct fl_ydoc *doc, const yaml_parser_t *parser, const char *buf,
                         size_t n, struct fl_err *err)
{
    const char *problem = parser->problem ? parser->problem : "syntax error";
    const char *context = parser->context;
    yaml_mark_t mark = parser->problem_mark;
    if (context && (strstr(problem, "end of stream") || strstr(problem, "expected ':'")))
        mark = parser->context_mark;
    uint32_t line = (uint32_t)mark.line + 1, col = (uint32_t)mark.column + 1;
    size_t at = parser->problem_mark.index;
    if (at < n && buf[at] == '\t') {
        set_err(err, doc->file, line, col, "tab character: YAML indents with spaces, never tabs");
        return;
    }
    if (strstr(problem, "expected ':'")) {
        set_err(err, doc->file, line, col, "expected 'key: value' (a space after ':') %s",
                context);
        return;
    }
    if (context && strstr(problem, "end of stream") && strstr(context, "quoted scalar")) {
        set_err(err, doc->file, line, col, "a quoted value is never closed (missing quote)");
        return;
    }
    if (strstr(problem, "mapping values are not allowed")) {
        set_err(err, doc->file, line, col, "%s: quote a value that contains ': '", problem);
        return;
    }
    if (context && strstr(problem, "did not find expected") && strstr(context, "block")) {
        set_err(err, doc->file, line, col, "%s %s: check the indentation", problem, context);
        return;
    }
    set_err(err, doc->file, line, col, "%s%s%s", problem, context ? " " : "",
            context ? context : "");
}

static int cmp_key(const void *a, const void *b)
{
    const struct fl_ynode *x = *(const struct fl_ynode *const *)a;
    const struct fl_ynode *y = *(const struct fl_ynode *const *)b;
    int c = strcmp(x->scalar, y->scalar);
    if (c)
        return c;
    return x->line != y->line ? (x->line < y->line ? -1 : 1)
                              : (x->col < y->col ? -1 : x->col > y->col);
}

/* YAML forbids a key twice in one mapping, and a configuration where the second value
 * silently wins hides mistakes: refuse it, at the second occurrence. Sorting keeps a
 * mapping of many keys (a fuzzer's) from costing n^2 comparisons. */
static int find_duplicate_key(const struct fl_ydoc *doc, const struct fl_ynode *map,
                              struct fl_err *err)
{
    size_t n_keys = map->n_items / 2;
    if (n_keys < 2)
        return 0;
    const struct fl_ynode **keys = malloc(n_keys * sizeof *keys);
    if (!keys) {
        set_err(err, doc->file, 0, 0, "out of memory");
        return FL_ENOMEM;
    }
    size_t n_scalar = 0;
    for (size_t i = 0; i + 1 < map->n_items; i += 2)
        if (map->items[i]->kind == FL_Y_SCALAR)
            keys[n_scalar++] = map->items[i];
    qsort(keys, n_scalar, sizeof *keys, cmp_key);
    /* Of all duplicate pairs, report the one that comes first in the file. */
    const struct fl_ynode *first = NULL, *dup = NULL;
    for (size_t i = 1; i < n_scalar; i++) {
        if (strcmp(keys[i - 1]->scalar, keys[i]->scalar) != 0)
            continue;
        if (!dup || keys[i]->line < dup->line ||
            (keys[i]->line == dup->line && keys[i]->col < dup->col)) {
            first = keys[i - 1];
            dup = keys[i];
        }
    }
    int rc = 0;
    if (dup)
        rc = fl_yaml_error(doc, dup, err, "duplicate key '%.60s' (first at line %u)", dup->scalar,
                           first->line);
    free(keys);
    return rc;
}

struct fl_ydoc *fl_yaml_load_mem(const char *buf, size_t n, const char *name, struct fl_err *err)
{
    struct fl_ydoc *doc = calloc(1, sizeof *doc);
    if (!doc || !(doc->file = strdup(name ? name : "<config>"))) {
        free(doc);
        set_err(err, name ? name : "", 0, 0, "out of memory");
        return NULL;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        set_err(err, doc->file, 0, 0, "out of memory");
        fl_yaml_free(doc);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, n);
    struct fl_ynode *stack[YAML_MAX_DEPTH];
    size_t depth = 0;
    bool is_done = false, is_ok = true;
    while (!is_done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            syntax_error(doc, &parser, buf, n, err);
            is_ok = false;
            break;
        }
        struct fl_ynode *node = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            is_done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (doc->root) {
                set_err(err, doc->file, (uint32_t)ev.start_mark.line + 1,
                        (uint32_t)ev.start_mark.column + 1, "only one YAML document is allowed");
                is_ok = false;
            }
            break;
        case YAML_ALIAS_EVENT:
            set_err(err, doc->file, (uint32_t)ev.start_mark.line + 1,
                    (uint32_t)ev.start_mark.column + 1, "aliases (*name) are not supported");
            is_ok = false;
            break;
        case YAML_SCALAR_EVENT:
            node = node_new(FL_Y_SCALAR, &ev.start_mark);
            if (node) {
                node->scalar = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
                node->is_quoted = ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                                  ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
                if (!node->scalar) {
                    free(node);
                    node = NULL;
                }
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            node = node_new(ev.type == YAML_SEQUENCE_START_EVENT ? FL_Y_SEQ : FL_Y_MAP,
                            &ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
            if (depth)
                depth--;
            break;
        case YAML_MAPPING_END_EVENT:
            if (depth && find_duplicate_key(doc, stack[depth - 1], err) != 0)
                is_ok = false;
            if (depth)
                depth--;
            break;
        default:
            break;
        }
        bool is_container = ev.type == YAML_SEQUENCE_START_EVENT ||
                            ev.type == YAML_MAPPING_START_EVENT;
        bool wants_node = ev.type == YAML_SCALAR_EVENT || is_container;
        yaml_event_delete(&ev);
        if (!is_ok)
            break;
        if (wants_node && !node) {
            set_err(err, doc->file, 0, 0, "out of memory");
            is_ok = false;
            break;
        }
        if (!node)
            continue;
        if (depth == 0) {
            doc->root = node;
        } else if (node_push(stack[depth - 1], node) != 0) {
            node_free(node);
            set_err(err, doc->file, 0, 0, "out of memory");
            is_ok = false;
            break;
        }
        if (is_container) {
            if (depth == YAML_MAX_DEPTH) {
                set_err(err, doc->file, node->line, node->col, "nesting deeper than %d levels",
                        YAML_MAX_DEPTH);
                is_ok = false;
                break;
            }
            stack[depth++] = node;
        }
    }
    yaml_parser_delete(&parser);
    if (!is_ok) {
        if (err)
            err->offset = UINT64_MAX;
        fl_yaml_free(doc);
        return NULL;
    }
    return doc;
}

struct fl_ydoc *fl_yaml_load_file(const char *path, struct fl_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = ncap > (64u << 20) ? NULL : realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                set_err(err, path, 0, 0, "file too large or out of memory");
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    bool is_bad = ferror(f);
    fclose(f);
    if (is_bad) {
        free(buf);
        set_err(err, path, 0, 0, "read error");
        return NULL;
    }
    struct fl_ydoc *doc = fl_yaml_load_mem(buf, len, path, err);
    free(buf);
    return doc;
}

int fl_yaml_error(const struct fl_ydoc *doc, const struct fl_ynode *node, struct fl_err *err,
                  const char *fmt, ...)
{
    if (err) {
        fl_err_clear(err);
        snprintf(err->file, sizeof err->file, "%s", doc ? doc->file : "");
        err->line = node ? node->line : 0;
        err->col = node ? node->col : 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return FL_ESYNTAX;
}

const struct fl_ynode *fl_ymap_get(const struct fl_ynode *map, const char *key)
{
    if (!map || map->kind != FL_Y_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->n_items; i += 2) {
        const struct fl_ynode *k = map->items[i];
        if (k->kind == FL_Y_SCALAR && strcmp(k->scalar, key) == 0)
            return map->items[i + 1];
    }
    return NULL;
}

/* Edit distance with adjacent transpositions ("pahts" is one step from "paths"), for the
 * "did you mean" hint; long words are not worth it and get a large distance. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAX_WORD = 40 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAX_WORD || lb > MAX_WORD)
        return SIZE_MAX;
    size_t d[MAX_WORD + 1][MAX_WORD + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static const char *suggest(const char *word, const char *const *known)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; known[i]; i++) {
        size_t d = edit_distance(word, known[i]);
        if (d < best_d) {
            best_d = d;
            best = known[i];
        }
    }
    /* Close enough to be a typo, not a different word: at most 2 edits, and fewer than
     * half the letters of the shorter word. */
    size_t len = strlen(word);
    if (best && best_d <= 2 && best_d * 2 < (len < strlen(best) ? len : strlen(best)))
        return best;
    return NULL;
}

int fl_ymap_check_keys(const struct fl_ydoc *doc, const struct fl_ynode *map,
                       const char *const *allowed, struct fl_err *err)
{
    if (!map || map->kind != FL_Y_MAP)
        return fl_yaml_error(doc, map, err, "expected a mapping (key: value)");
    for (size_t i = 0; i + 1 < map->n_items; i += 2) {
        const struct fl_ynode *k = map->items[i];
        if (k->kind != FL_Y_SCALAR)
            return fl_yaml_error(doc, k, err, "a key must be a plain word");
        bool is_known = false;
        for (size_t a = 0; allowed[a]; a++)
            if (strcmp(allowed[a], k->scalar) == 0)
                is_known = true;
        if (!is_known) {
            const char *hint = suggest(k->scalar, allowed);
            if (hint)
                return fl_yaml_error(doc, k, err, "unknown key '%.60s' (did you mean '%s'?)",
                                     k->scalar, hint);
            char list[160];
            size_t n = 0;
            for (size_t a = 0; allowed[a] && n < sizeof list - 1; a++) {
                int w = snprintf(list + n, sizeof list - n, "%s%s", a ? ", " : "", allowed[a]);
                if (w < 0)
                    break;
                n += (size_t)w;
            }
            return fl_yaml_error(doc, k, err, "unknown key '%.60s' (expected one of: %s)",
                                 k->scalar, list);
        }
        for (size_t j = 0; j < i; j += 2)
            if (map->items[j]->kind == FL_Y_SCALAR && strcmp(map->items[j]->scalar, k->scalar) == 0)
                return fl_yaml_error(doc, k, err, "duplicate key '%.60s' (first at line %u)",
                                     k->scalar, map->items[j]->line);
    }
    return 0;
}

int fl_y_str(const struct fl_ydoc *doc, const struct fl_ynode *n, const char **out,
             struct fl_err *err)
{
    if (!n || n->kind != FL_Y_SCALAR)
        return fl_yaml_error(doc, n, err, "expected a text value, not a %s",
                             n && n->kind == FL_Y_SEQ ? "list" : "mapping");
    *out = n->scalar;
    return 0;
}

int fl_y_int(const struct fl_ydoc *doc, const struct fl_ynode *n, int64_t min, int64_t max,
             int64_t *out, struct fl_err *err)
{
    if (!n || n->kind != FL_Y_SCALAR || !n->scalar[0])
        return fl_yaml_error(doc, n, err, "expected a whole number");
    char *end;
    errno = 0;
    long long v = strtoll(n->scalar, &end, 10);
    if (errno || *end || !isdigit((unsigned char)n->scalar[n->scalar[0] == '-']))
        return fl_yaml_error(doc, n, err, "'%.40s' is not a whole number", n->scalar);
    if (v < min || v > max)
        return fl_yaml_error(doc, n, err, "%lld is out of range %lld..%lld", v, (long long)min,
                             (long long)max);
    *out = v;
    return 0;
}

int fl_y_bool(const struct fl_ydoc *doc, const struct fl_ynode *n, bool *out, struct fl_err *err)
{
    if (n && n->kind == FL_Y_SCALAR && !n->is_quoted) {
        if (!strcasecmp(n->scalar, "true") || !strcasecmp(n->scalar, "yes") ||
            !strcasecmp(n->scalar, "on")) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(n->scalar, "false") || !strcasecmp(n->scalar, "no") ||
            !strcasecmp(n->scalar, "off")) {
            *out = false;
            return 0;
        }
    }
    /* "true" in quotes is text in YAML; say so rather than leave the reader puzzled. */
    if (n && n->kind == FL_Y_SCALAR && n->is_quoted)
        return fl_yaml_error(doc, n, err, "expected true or false without quotes, not \"%.40s\"",
                             n->scalar);
    if (n && n->kind == FL_Y_SCALAR)
        return fl_yaml_error(doc, n, err, "expected true or false, not '%.40s'", n->scalar);
    return fl_yaml_error(doc, n, err, "expected true or false");
}

/* Parses "<digits>[.<digits>][ ]<unit>" (units matched case-insensitively; a bare number
 * takes dflt_scale). No signs, exponents, hex, inf or nan: strtod alone would take them. */
static int number_with_unit(const char *s, const char *const *units, const uint64_t *scale,
                            uint64_t dflt_scale, uint64_t *out)
{
    size_t n_int = strspn(s, "0123456789");
    if (n_int == 0)
        return -1;
    size_t n_num = n_int;
    if (s[n_num] == '.') {
        size_t n_frac = strspn(s + n_num + 1, "0123456789");
        if (n_frac == 0)
            return -1;
        n_num += 1 + n_frac;
    }
    char num[64];
    if (n_num >= sizeof num)
        return -1;
    memcpy(num, s, n_num);
    num[n_num] = 0;
    double v = strtod(num, NULL);
    const char *unit = s + n_num;
    while (*unit == ' ')
        unit++;
    uint64_t mul = dflt_scale;
    if (*unit) {
        mul = 0;
        for (size_t i = 0; units[i]; i++)
            if (strcasecmp(unit, units[i]) == 0)
                mul = scale[i];
        if (!mul)
            return -1;
    } else if (unit != s + n_num) {
        return -1; /* trailing spaces without a unit */
    }
    double r = v * (double)mul;
    if (!(r <= 9.2e18))
        return -1;
    *out = (uint64_t)r;
    return 0;
}

int fl_y_size(const struct fl_ydoc *doc, const struct fl_ynode *n, uint64_t *out,
              struct fl_err *err)
{
    static const char *const units[] = {"b", "k", "kb", "kib", "m", "mb", "mib",
                                        "g", "gb", "gib", NULL};
    static const uint64_t scale[] = {1, 1024, 1024, 1024, 1u << 20, 1u << 20, 1u << 20,
                                     1u << 30, 1u << 30, 1u << 30};
    if (!n || n->kind != FL_Y_SCALAR)
        return fl_yaml_error(doc, n, err, "expected a size such as 64MB or 512KiB");
    if (number_with_unit(n->scalar, units, scale, 1, out))
        return fl_yaml_error(doc, n, err,
                             "'%.40s' is not a size: expected a number and a unit such as 64MB, "
                             "512KiB or 1G",
                             n->scalar);
    return 0;
}

int fl_y_duration_ms(const struct fl_ydoc *doc, const struct fl_ynode *n, int64_t *out,
                     struct fl_err *err)
{
    static const char *const units[] = {"ms", "s", "m", "min", "h", NULL};
    static const uint64_t scale[] = {1, 1000, 60000, 60000, 3600000};
    uint64_t v;
    if (!n || n->kind != FL_Y_SCALAR)
        return fl_yaml_error(doc, n, err, "expected a duration such as 500ms, 10s or 5m");
    if (number_with_unit(n->scalar, units, scale, 1000, &v))
        return fl_yaml_error(doc, n, err,
                             "'%.40s' is not a duration: expected a number and a unit such as "
                             "500ms, 10s, 5m or 1h",
                             n->scalar);
    *out = (int64_t)v;
    return 0;
}
