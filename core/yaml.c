/* core/yaml.c: libyaml events -> fl_ynode tree, and typed accessors with positioned errors. */
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
            set_err(err, doc->file, (uint32_t)parser.problem_mark.line + 1,
                    (uint32_t)parser.problem_mark.column + 1, "%s%s%s",
                    parser.problem ? parser.problem : "syntax error",
                    parser.context ? " " : "", parser.context ? parser.context : "");
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
        case YAML_MAPPING_END_EVENT:
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
                return fl_yaml_error(doc, k, err, "duplicate key '%.60s'", k->scalar);
    }
    return 0;
}

int fl_y_str(const struct fl_ydoc *doc, const struct fl_ynode *n, const char **out,
             struct fl_err *err)
{
    if (!n || n->kind != FL_Y_SCALAR)
        return fl_yaml_error(doc, n, err, "expected a text value");
    *out = n->scalar;
    return 0;
}

int fl_y_int(const struct fl_ydoc *doc, const struct fl_ynode *n, int64_t min, int64_t max,
             int64_t *out, struct fl_err *err)
{
    if (!n || n->kind != FL_Y_SCALAR || !n->scalar[0])
        return fl_yaml_error(doc, n, err, "expected a number");
    char *end;
    errno = 0;
    long long v = strtoll(n->scalar, &end, 10);
    if (errno || *end)
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
    return fl_yaml_error(doc, n, err, "expected true or false");
}

/* Parses "<number><unit>" with a table of units; the unit is required when is_unit_required. */
static int number_with_unit(const char *s, const char *const *units, const uint64_t *scale,
                            uint64_t dflt_scale, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    while (*end == ' ')
        end++;
    uint64_t mul = dflt_scale;
    if (*end) {
        mul = 0;
        for (size_t i = 0; units[i]; i++)
            if (strcasecmp(end, units[i]) == 0)
                mul = scale[i];
        if (!mul)
            return -1;
    }
    double r = v * (double)mul;
    if (r > 9.2e18)
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
    if (!n || n->kind != FL_Y_SCALAR || number_with_unit(n->scalar, units, scale, 1, out))
        return fl_yaml_error(doc, n, err, "expected a size such as 64MB or 512KiB");
    return 0;
}

int fl_y_duration_ms(const struct fl_ydoc *doc, const struct fl_ynode *n, int64_t *out,
                     struct fl_err *err)
{
    static const char *const units[] = {"ms", "s", "m", "min", "h", NULL};
    static const uint64_t scale[] = {1, 1000, 60000, 60000, 3600000};
    uint64_t v;
    if (!n || n->kind != FL_Y_SCALAR || number_with_unit(n->scalar, units, scale, 1000, &v))
        return fl_yaml_error(doc, n, err, "expected a duration such as 500ms, 10s or 5m");
    *out = (int64_t)v;
    return 0;
}
