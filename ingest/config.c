/* ingest/config.c: YAML -> struct fl_config, validating every key and value with its position. */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <librdkafka/rdkafka.h>
#include <pcre2.h>
#include "ingest/config.h"

#define TRY(expr)              \
    do {                       \
        int rc_ = (expr);      \
        if (rc_)               \
            return rc_;        \
    } while (0)

/* YAML's null (an empty plain value, ~, null): "key:" with its value left out or commented
 * away means the key is not set, as if absent. */
static bool is_null(const struct fl_ynode *n)
{
    return !n || (n->kind == FL_Y_SCALAR && !n->is_quoted &&
                  (!n->scalar[0] || !strcmp(n->scalar, "~") || !strcmp(n->scalar, "null") ||
                   !strcmp(n->scalar, "Null") || !strcmp(n->scalar, "NULL")));
}

/* The value of key in map, NULL when absent or null. */
static const struct fl_ynode *get(const struct fl_ynode *map, const char *key)
{
    const struct fl_ynode *n = fl_ymap_get(map, key);
    return is_null(n) ? NULL : n;
}

static int opt_str(const struct fl_ydoc *doc, const struct fl_ynode *map, const char *key,
                   const char **out, struct fl_err *err)
{
    const struct fl_ynode *n = get(map, key);
    if (!n)
        return 0;
    TRY(fl_y_str(doc, n, out, err));
    if (!**out)
        return fl_yaml_error(doc, n, err, "%s: empty value", key);
    return 0;
}

/* Compiles a layout pattern as the parsers do, so a bad one fails here with its position;
 * required names the groups it must have. */
static int check_pattern(const struct fl_ydoc *doc, const struct fl_ynode *n, const char *what,
                         const char *const *required, struct fl_err *err)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)n->scalar, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR why[120];
        if (pcre2_get_error_message(code, why, sizeof why) < 0)
            snprintf((char *)why, sizeof why, "PCRE2 error %d", code);
        return fl_yaml_error(doc, n, err, "%s: %s at offset %zu of the pattern", what,
                             (const char *)why, (size_t)off);
    }
    int rc = 0;
    for (size_t i = 0; required && required[i] && !rc; i++)
        if (pcre2_substring_number_from_name(re, (PCRE2_SPTR)required[i]) <= 0)
            rc = fl_yaml_error(doc, n, err, "%s: needs a named group (?<%s>...)", what,
                               required[i]);
    pcre2_code_free(re);
    return rc;
}

static int csv_char(const struct fl_ydoc *doc, const struct fl_ynode *n, char *out,
                    struct fl_err *err)
{
    const char *s;
    TRY(fl_y_str(doc, n, &s, err));
    if (strcmp(s, "\\t") == 0 || strcmp(s, "tab") == 0 || strcmp(s, "\t") == 0)
        *out = '\t';
    else if (strlen(s) == 1)
        *out = s[0];
    else
        return fl_yaml_error(doc, n, err, "expected one character (or \"\\t\"/tab)");
    return 0;
}

int fl_layout_from_yaml(const struct fl_ydoc *doc, const struct fl_ynode *node,
                        struct fl_layout *out, struct fl_err *err)
{
    static const char *const keys[] = {"pattern", "ts_format", "continuation", "csv", NULL};
    static const char *const csv_keys[] = {"delimiter", "quote", "header", "columns", NULL};
    static const char *const col_keys[] = {"ts", "level", "component", "message", "code",
                                           "host", NULL};
    static const char *const line_groups[] = {"ts", "message", NULL};
    memset(out, 0, sizeof *out);
    TRY(fl_ymap_check_keys(doc, node, keys, err));
    TRY(opt_str(doc, node, "pattern", &out->pattern, err));
    TRY(opt_str(doc, node, "ts_format", &out->ts_format, err));
    TRY(opt_str(doc, node, "continuation", &out->continuation, err));
    const struct fl_ynode *csv = get(node, "csv");
    if (csv && out->pattern)
        return fl_yaml_error(doc, csv, err, "a layout is either a line pattern or csv, not both");
    if (!csv && !out->pattern)
        return fl_yaml_error(doc, node, err, "a layout needs 'pattern' (line layout) or 'csv'");
    if (csv && out->continuation)
        return fl_yaml_error(doc, get(node, "continuation"), err,
                             "continuation belongs to a line layout (pattern), not to csv");
    if (out->pattern)
        TRY(check_pattern(doc, get(node, "pattern"), "pattern", line_groups, err));
    if (out->continuation)
        TRY(check_pattern(doc, get(node, "continuation"), "continuation", NULL, err));
    if (!csv)
        return 0;
    out->is_csv = true;
    out->csv_delimiter = ',';
    out->csv_quote = '"';
    out->csv_header = true;
    TRY(fl_ymap_check_keys(doc, csv, csv_keys, err));
    const struct fl_ynode *n;
    if ((n = get(csv, "delimiter")))
        TRY(csv_char(doc, n, &out->csv_delimiter, err));
    if ((n = get(csv, "quote")))
        TRY(csv_char(doc, n, &out->csv_quote, err));
    if ((n = get(csv, "header")))
        TRY(fl_y_bool(doc, n, &out->csv_header, err));
    const struct fl_ynode *cols = get(csv, "columns");
    if (!cols)
        return fl_yaml_error(doc, csv, err, "csv needs 'columns' (ts, level, component, message)");
    TRY(fl_ymap_check_keys(doc, cols, col_keys, err));
    const struct fl_ynode *ts = get(cols, "ts");
    if (!ts)
        return fl_yaml_error(doc, cols, err, "columns needs 'ts' (one column or [Date, Time])");
    if (ts->kind == FL_Y_SEQ) {
        if (ts->n_items < 1 || ts->n_items > 2)
            return fl_yaml_error(doc, ts, err, "ts takes one or two column names");
        for (size_t i = 0; i < ts->n_items; i++)
            TRY(fl_y_str(doc, ts->items[i], &out->col_ts[i], err));
    } else {
        TRY(fl_y_str(doc, ts, &out->col_ts[0], err));
    }
    TRY(opt_str(doc, cols, "level", &out->col_level, err));
    TRY(opt_str(doc, cols, "component", &out->col_component, err));
    TRY(opt_str(doc, cols, "message", &out->col_message, err));
    TRY(opt_str(doc, cols, "code", &out->col_code, err));
    TRY(opt_str(doc, cols, "host", &out->col_host, err));
    if (!out->col_message)
        return fl_yaml_error(doc, cols, err, "columns needs 'message'");
    return 0;
}

int fl_layout_load(const char *path, struct fl_layout *out, struct fl_ydoc **doc_out,
                   struct fl_err *err)
{
    struct fl_ydoc *doc = fl_yaml_load_file(path, err);
    if (!doc)
        return FL_ESYNTAX;
    const struct fl_ynode *node = doc->root;
    const struct fl_ynode *inner = fl_ymap_get(node, "layout");
    if (inner)
        node = inner;
    int rc = node ? fl_layout_from_yaml(doc, node, out, err)
                  : fl_yaml_error(doc, NULL, err, "empty layout file");
    if (rc) {
        fl_yaml_free(doc);
        return rc;
    }
    *doc_out = doc;
    return 0;
}

/* The key node of key in map (for messages about the key itself), or map. */
static const struct fl_ynode *key_of(const struct fl_ynode *map, const char *key)
{
    for (size_t i = 0; map && map->kind == FL_Y_MAP && i + 1 < map->n_items; i += 2)
        if (map->items[i]->kind == FL_Y_SCALAR && strcmp(map->items[i]->scalar, key) == 0)
            return map->items[i];
    return map;
}

/* "aveva, ftdiag, ..., auto": the source types this build knows, for messages. */
static void type_list(char *out, size_t cap)
{
    size_t n_parsers, len = 0;
    const struct fl_parser *const *all = fl_parser_all(&n_parsers);
    out[0] = 0;
    for (size_t i = 0; i < n_parsers && len < cap; i++) {
        int w = snprintf(out + len, cap - len, "%s, ", all[i]->source);
        if (w < 0)
            return;
        len += (size_t)w;
    }
    if (len < cap)
        snprintf(out + len, cap - len, "auto");
}

/* Only the sources whose vendor layout is unconfirmed take an override (DESIGN.md,
 * "Configurable layouts"); on any other a layout would be silently ignored. */
static bool takes_layout(const char *type)
{
    return strcmp(type, "historian") == 0 || strcmp(type, "ftdiag") == 0;
}

/* Opens the source's parser once with the configured zone, date order, layout and names, so
 * whatever the parser itself refuses (a ts_format directive it lacks, csv column numbers)
 * fails here, at the source's position, rather than when the first file opens. */
static int try_parser(const struct fl_ydoc *doc, const struct fl_ynode *at,
                      const struct fl_source_cfg *src, struct fl_err *err)
{
    const struct fl_parser *p = fl_parser_find(src->type);
    if (!p || !p->open)
        return 0; /* auto: decided per file */
    struct fl_err perr;
    fl_err_clear(&perr);
    struct fl_tz *tz = fl_tz_load(src->tz, &perr);
    if (!tz)
        return fl_yaml_error(doc, at, err, "unknown time zone '%.60s'", src->tz);
    struct fl_parser_cfg pcfg = {
        .file = doc->file,
        .tz = tz,
        .date_order = src->date_order,
        .extra_sources = src->extra_sources,
        .layout = src->has_layout ? &src->layout : NULL,
    };
    void *st = p->open(&pcfg, &perr);
    int rc = 0;
    if (!st)
        rc = fl_yaml_error(doc, at, err, "%s", perr.msg[0] ? perr.msg : "the parser refused it");
    else if (p->close)
        p->close(st);
    fl_tz_free(tz);
    return rc;
}

static int read_source(struct fl_config *cfg, const struct fl_ynode *n, size_t index,
                       struct fl_source_cfg *src, struct fl_err *err)
{
    static const char *const keys[] = {"name", "type", "paths", "host", "site", "line",
                                       "cell", "tz", "date_order", "encoding", "poll",
                                       "layout", "kepware_sources", NULL};
    const struct fl_ydoc *doc = cfg->doc;
    char types[160];
    TRY(fl_ymap_check_keys(doc, n, keys, err));
    src->line_no = n->line;
    src->tz = "UTC";
    type_list(types, sizeof types);
    const struct fl_ynode *v = get(n, "type");
    if (!v) /* at the key when it is there without a value */
        return fl_yaml_error(doc, key_of(n, "type"), err, "source needs 'type' (%s)", types);
    TRY(fl_y_str(doc, v, &src->type, err));
    if (!fl_parser_find(src->type) && strcmp(src->type, "auto") != 0)
        return fl_yaml_error(doc, v, err, "unknown source type '%.40s' (expected one of: %s)",
                             src->type, types);
    v = get(n, "paths");
    if (!v)
        return fl_yaml_error(doc, key_of(n, "paths"), err,
                             "source needs 'paths' (a list of absolute file globs)");
    const struct fl_ynode *const *items = &v;
    size_t n_items = 1;
    if (v->kind == FL_Y_SEQ) {
        items = (const struct fl_ynode *const *)v->items;
        n_items = v->n_items;
        if (n_items == 0)
            return fl_yaml_error(doc, v, err, "paths: the list is empty");
        if (n_items > FL_CONFIG_MAX_GLOBS)
            return fl_yaml_error(doc, v, err, "at most %d paths per source", FL_CONFIG_MAX_GLOBS);
    } else if (v->kind != FL_Y_SCALAR) {
        return fl_yaml_error(doc, v, err, "paths: expected a glob or a list of globs");
    }
    for (size_t i = 0; i < n_items; i++) {
        const char **glob = &src->globs[src->n_globs++];
        TRY(fl_y_str(doc, items[i], glob, err));
        /* A service's working directory is '/', so a relative glob would not mean what it
         * meant in the shell where it was tried. */
        if ((*glob)[0] != '/')
            return fl_yaml_error(doc, items[i], err, "path '%.60s' must be absolute (start with /)",
                                 *glob);
    }
    TRY(opt_str(doc, n, "name", &src->name, err));
    TRY(opt_str(doc, n, "host", &src->host, err));
    TRY(opt_str(doc, n, "site", &src->site, err));
    TRY(opt_str(doc, n, "line", &src->line, err));
    TRY(opt_str(doc, n, "cell", &src->cell, err));
    if ((v = get(n, "tz"))) {
        TRY(fl_y_str(doc, v, &src->tz, err));
        struct fl_tz *tz = fl_tz_load(src->tz, NULL);
        if (!tz)
            return fl_yaml_error(doc, v, err, "unknown time zone '%.60s' (an IANA name such as "
                                              "Europe/Berlin or America/Chicago)", src->tz);
        fl_tz_free(tz);
    }
    if ((v = get(n, "date_order"))) {
        const char *s;
        TRY(fl_y_str(doc, v, &s, err));
        int d = fl_date_order_from_name(s);
        if (d < 0)
            return fl_yaml_error(doc, v, err, "date_order '%.20s': expected dmy, mdy, ymd or auto",
                                 s);
        src->date_order = (enum fl_date_order)d;
    }
    if ((v = get(n, "encoding"))) {
        const char *s;
        TRY(fl_y_str(doc, v, &s, err));
        int e = fl_encoding_from_name(s);
        if (e < 0)
            return fl_yaml_error(doc, v, err, "encoding '%.20s': expected auto, utf-8, utf-16le, "
                                              "utf-16be or windows-1252", s);
        src->encoding = (enum fl_encoding)e;
    }
    if ((v = get(n, "poll"))) {
        const char *s;
        TRY(fl_y_str(doc, v, &s, err));
        if (strcmp(s, "auto") == 0)
            src->poll = FL_POLL_AUTO;
        else if (strcmp(s, "always") == 0 || strcmp(s, "true") == 0)
            src->poll = FL_POLL_ALWAYS;
        else if (strcmp(s, "never") == 0 || strcmp(s, "false") == 0)
            src->poll = FL_POLL_NEVER;
        else
            return fl_yaml_error(doc, v, err, "poll '%.20s': expected auto, always or never", s);
    }
    const struct fl_ynode *layout = get(n, "layout");
    if (layout) {
        if (!takes_layout(src->type))
            return fl_yaml_error(doc, key_of(n, "layout"), err,
                                 "layout: only historian and ftdiag sources take a layout "
                                 "(their vendor layouts are unconfirmed); %s has its own",
                                 src->type);
        TRY(fl_layout_from_yaml(doc, layout, &src->layout, err));
        src->has_layout = true;
    }
    if ((v = get(n, "kepware_sources"))) {
        if (strcmp(src->type, "kepware") != 0)
            return fl_yaml_error(doc, v, err, "kepware_sources is for kepware sources only");
        if (v->kind != FL_Y_SEQ || v->n_items > 16)
            return fl_yaml_error(doc, v, err, "kepware_sources: a list of at most 16 names");
        for (size_t i = 0; i < v->n_items; i++)
            TRY(fl_y_str(doc, v->items[i], &src->extra_sources[i], err));
    }
    if (!src->name) {
        /* A default name that stays stable while the list does not change. */
        snprintf(src->default_name, sizeof src->default_name, "%s-%zu", src->type, index + 1);
        src->name = src->default_name;
    }
    return try_parser(doc, layout ? key_of(n, "layout") : n, src, err);
}

static int read_cells(struct fl_config *cfg, const struct fl_ynode *seq, struct fl_err *err)
{
    static const char *const keys[] = {"match", "site", "line", "cell", NULL};
    static const char *const match_keys[] = {"host", "path", "attr", NULL};
    const struct fl_ydoc *doc = cfg->doc;
    if (seq->kind != FL_Y_SEQ)
        return fl_yaml_error(doc, seq, err, "cells: expected a list of mapping rules");
    cfg->cells = calloc(seq->n_items ? seq->n_items : 1, sizeof *cfg->cells);
    if (!cfg->cells)
        return FL_ENOMEM;
    for (size_t i = 0; i < seq->n_items; i++) {
        const struct fl_ynode *n = seq->items[i];
        struct fl_cell_rule *r = &cfg->cells[cfg->n_cells++];
        TRY(fl_ymap_check_keys(doc, n, keys, err));
        const struct fl_ynode *m = get(n, "match");
        if (!m)
            return fl_yaml_error(doc, n, err, "a cell rule needs 'match' (host, path or attr)");
        TRY(fl_ymap_check_keys(doc, m, match_keys, err));
        TRY(opt_str(doc, m, "host", &r->host_glob, err));
        TRY(opt_str(doc, m, "path", &r->path_glob, err));
        const struct fl_ynode *a = get(m, "attr");
        if (a) {
            if (a->kind != FL_Y_MAP || a->n_items != 2)
                return fl_yaml_error(doc, a, err, "attr: expected one 'key: value' pair");
            TRY(fl_y_str(doc, a->items[0], &r->attr_key, err));
            TRY(fl_y_str(doc, a->items[1], &r->attr_value, err));
        }
        /* An empty match would claim every file: a catch-all must say so (host: "*"). */
        if (!r->host_glob && !r->path_glob && !r->attr_key)
            return fl_yaml_error(doc, m, err, "match: give at least one of host, path, attr");
        if (r->path_glob && r->path_glob[0] != '/' && r->path_glob[0] != '*')
            return fl_yaml_error(doc, get(m, "path"), err,
                                 "match path '%.60s' must be absolute (start with / or *)",
                                 r->path_glob);
        TRY(opt_str(doc, n, "site", &r->site, err));
        TRY(opt_str(doc, n, "line", &r->line, err));
        TRY(opt_str(doc, n, "cell", &r->cell, err));
        if (!r->cell && !r->line && !r->site)
            return fl_yaml_error(doc, n, err, "a cell rule sets at least one of site, line, cell");
    }
    return 0;
}

/* librdkafka's own check of one property, on a scratch configuration: a misspelt property
 * or a bad value is named with its position at check time, not when the producer starts.
 * plugin.library.paths loads code when set, which a configuration check must not do. */
static int check_kafka_property(const struct fl_ydoc *doc, const struct fl_ynode *key,
                                const struct fl_ynode *value, rd_kafka_conf_t *conf,
                                struct fl_err *err)
{
    if (strcmp(key->scalar, "plugin.library.paths") == 0)
        return 0;
    char why[256];
    rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, key->scalar, value->scalar, why, sizeof why);
    if (res == RD_KAFKA_CONF_UNKNOWN)
        return fl_yaml_error(doc, key, err, "kafka property '%.60s': not a librdkafka property",
                             key->scalar);
    if (res != RD_KAFKA_CONF_OK)
        return fl_yaml_error(doc, value, err, "kafka property %.60s: %.150s", key->scalar, why);
    return 0;
}

static int read_kafka(struct fl_config *cfg, const struct fl_ynode *n, struct fl_err *err)
{
    static const char *const keys[] = {"brokers", "topic_events", "topic_incidents",
                                       "properties", NULL};
    const struct fl_ydoc *doc = cfg->doc;
    TRY(fl_ymap_check_keys(doc, n, keys, err));
    const struct fl_ynode *b = get(n, "brokers");
    if (b)
        TRY(fl_y_str(doc, b, &cfg->brokers, err));
    TRY(opt_str(doc, n, "topic_events", &cfg->topic_events, err));
    TRY(opt_str(doc, n, "topic_incidents", &cfg->topic_incidents, err));
    const struct fl_ynode *p = get(n, "properties");
    if (!p)
        return 0;
    if (p->kind != FL_Y_MAP)
        return fl_yaml_error(doc, p, err, "properties: expected librdkafka 'key: value' pairs");
    if (p->n_items / 2 > FL_CONFIG_MAX_KV)
        return fl_yaml_error(doc, p, err, "at most %d properties", FL_CONFIG_MAX_KV);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf)
        return FL_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i + 1 < p->n_items && !rc; i += 2) {
        struct fl_kv *kv = &cfg->kafka_props[cfg->n_kafka_props++];
        rc = fl_y_str(doc, p->items[i], &kv->key, err);
        if (!rc)
            rc = fl_y_str(doc, p->items[i + 1], &kv->value, err);
        if (!rc)
            rc = check_kafka_property(doc, p->items[i], p->items[i + 1], conf, err);
    }
    rd_kafka_conf_destroy(conf);
    return rc;
}

/* A duration within [min_ms, max_ms]: a zero poll interval would spin, an hour-long idle
 * flush would hold a record back for an hour. */
static int opt_duration(const struct fl_ydoc *doc, const struct fl_ynode *map, const char *key,
                        int64_t min_ms, int64_t max_ms, int64_t *out, struct fl_err *err)
{
    const struct fl_ynode *v = get(map, key);
    if (!v)
        return 0;
    int64_t ms;
    TRY(fl_y_duration_ms(doc, v, &ms, err));
    if (ms < min_ms || ms > max_ms)
        return fl_yaml_error(doc, v, err, "%s: %.20s is out of range %lldms..%llds", key,
                             v->scalar, (long long)min_ms, (long long)(max_ms / 1000));
    *out = ms;
    return 0;
}

static int read_limits(struct fl_config *cfg, const struct fl_ynode *n, struct fl_err *err)
{
    static const char *const keys[] = {"max_line_bytes", "spool_max_bytes", "queue_max_events",
                                       "idle_flush", "poll_interval", "checkpoint_interval",
                                       NULL};
    const struct fl_ydoc *doc = cfg->doc;
    const struct fl_ynode *v;
    TRY(fl_ymap_check_keys(doc, n, keys, err));
    if ((v = get(n, "max_line_bytes"))) {
        TRY(fl_y_size(doc, v, &cfg->max_line_bytes, err));
        if (cfg->max_line_bytes < 1024 || cfg->max_line_bytes > (256u << 20))
            return fl_yaml_error(doc, v, err, "max_line_bytes must be between 1KiB and 256MiB");
    }
    if ((v = get(n, "spool_max_bytes"))) {
        TRY(fl_y_size(doc, v, &cfg->spool_max_bytes, err));
        if (cfg->spool_max_bytes == 0)
            return fl_yaml_error(doc, v, err, "spool_max_bytes must be more than 0");
    }
    if ((v = get(n, "queue_max_events"))) {
        int64_t q;
        TRY(fl_y_int(doc, v, 100, 10000000, &q, err));
        cfg->queue_max_events = (uint64_t)q;
    }
    TRY(opt_duration(doc, n, "idle_flush", 10, 3600 * 1000, &cfg->idle_flush_ms, err));
    TRY(opt_duration(doc, n, "poll_interval", 10, 3600 * 1000, &cfg->poll_interval_ms, err));
    TRY(opt_duration(doc, n, "checkpoint_interval", 10, 3600 * 1000,
                     &cfg->checkpoint_interval_ms, err));
    return 0;
}

/* "off", or IPv4:port as ingest/metrics.c binds it (port 0: any free port). */
static int check_listen(const struct fl_ydoc *doc, const struct fl_ynode *v, const char *s,
                        struct fl_err *err)
{
    if (strcmp(s, "off") == 0)
        return 0;
    const char *colon = strrchr(s, ':');
    char host[64];
    struct in_addr addr;
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || (size_t)(colon - s) >= sizeof host || colon[1] == 0 || *end || port < 0 ||
        port > 65535)
        return fl_yaml_error(doc, v, err, "metrics.listen '%.60s': expected IPv4:port such as "
                                          "127.0.0.1:9464, or off", s);
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    if (inet_pton(AF_INET, host, &addr) != 1)
        return fl_yaml_error(doc, v, err, "metrics.listen '%.60s': '%s' is not an IPv4 address",
                             s, host);
    return 0;
}

static int config_read(struct fl_config *cfg, struct fl_err *err)
{
    static const char *const keys[] = {"state_dir", "sources", "cells", "kafka", "redis",
                                       "limits", "output", "metrics", "rules", NULL};
    const struct fl_ydoc *doc = cfg->doc;
    const struct fl_ynode *root = doc->root;
    cfg->state_dir = "/var/lib/faultline";
    cfg->topic_events = "faultline.events";
    cfg->topic_incidents = "faultline.incidents";
    cfg->max_line_bytes = 1u << 20;
    cfg->spool_max_bytes = 1ull << 30;
    cfg->queue_max_events = 100000;
    cfg->idle_flush_ms = 2000;
    cfg->poll_interval_ms = 1000;
    cfg->checkpoint_interval_ms = 200; /* ~1 ms of fsyncs each: a crash re-sends at most this much */
    cfg->is_archive = true;
    cfg->metrics_listen = "127.0.0.1:9464";
    if (is_null(root))
        return fl_yaml_error(doc, NULL, err, "empty configuration (it needs at least 'sources')");
    TRY(fl_ymap_check_keys(doc, root, keys, err));
    TRY(opt_str(doc, root, "state_dir", &cfg->state_dir, err));
    const struct fl_ynode *v = get(root, "sources");
    if (!v)
        return fl_yaml_error(doc, key_of(root, "sources"), err,
                             "the configuration needs 'sources' (a list of log sources)");
    if (v->kind != FL_Y_SEQ)
        return fl_yaml_error(doc, v, err, "sources: expected a list ('- type: ...' entries)");
    cfg->sources = calloc(v->n_items ? v->n_items : 1, sizeof *cfg->sources);
    if (!cfg->sources)
        return FL_ENOMEM;
    for (size_t i = 0; i < v->n_items; i++) {
        TRY(read_source(cfg, v->items[i], i, &cfg->sources[i], err));
        cfg->n_sources++;
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->sources[j].name, cfg->sources[i].name) == 0)
                return fl_yaml_error(doc, v->items[i], err,
                                     "duplicate source name '%.40s' (first at line %u)",
                                     cfg->sources[i].name, cfg->sources[j].line_no);
    }
    if ((v = get(root, "cells")))
        TRY(read_cells(cfg, v, err));
    if ((v = get(root, "kafka")))
        TRY(read_kafka(cfg, v, err));
    if (cfg->brokers && (strcmp(cfg->brokers, "none") == 0 || !cfg->brokers[0]))
        cfg->brokers = NULL;
    if ((v = get(root, "redis"))) {
        static const char *const rkeys[] = {"url", NULL};
        TRY(fl_ymap_check_keys(doc, v, rkeys, err));
        TRY(opt_str(doc, v, "url", &cfg->redis_url, err));
    }
    if ((v = get(root, "limits")))
        TRY(read_limits(cfg, v, err));
    if ((v = get(root, "output"))) {
        static const char *const okeys[] = {"stdout", "archive", NULL};
        const struct fl_ynode *o;
        TRY(fl_ymap_check_keys(doc, v, okeys, err));
        if ((o = get(v, "stdout")))
            TRY(fl_y_bool(doc, o, &cfg->is_stdout, err));
        if ((o = get(v, "archive")))
            TRY(fl_y_bool(doc, o, &cfg->is_archive, err));
    }
    if ((v = get(root, "metrics"))) {
        static const char *const mkeys[] = {"listen", NULL};
        const struct fl_ynode *l;
        TRY(fl_ymap_check_keys(doc, v, mkeys, err));
        if ((l = get(v, "listen"))) {
            TRY(fl_y_str(doc, l, &cfg->metrics_listen, err));
            TRY(check_listen(doc, l, cfg->metrics_listen, err));
        }
    }
    if ((v = get(root, "rules"))) {
        static const char *const rkeys[] = {"dir", NULL};
        TRY(fl_ymap_check_keys(doc, v, rkeys, err));
        TRY(opt_str(doc, v, "dir", &cfg->rules_dir, err));
    }
    return 0;
}

static struct fl_config *config_finish(struct fl_ydoc *doc, struct fl_err *err)
{
    if (!doc)
        return NULL;
    struct fl_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        fl_yaml_free(doc);
        return NULL;
    }
    cfg->doc = doc;
    cfg->path = doc->file;
    int rc = config_read(cfg, err);
    if (rc) {
        if (rc == FL_ENOMEM)
            fl_err_set(err, doc->file, 0, UINT64_MAX, "out of memory");
        fl_config_free(cfg);
        return NULL;
    }
    return cfg;
}

struct fl_config *fl_config_load(const char *path, struct fl_err *err)
{
    return config_finish(fl_yaml_load_file(path, err), err);
}

struct fl_config *fl_config_load_mem(const char *text, size_t n, const char *name,
                                     struct fl_err *err)
{
    return config_finish(fl_yaml_load_mem(text, n, name, err), err);
}

void fl_config_free(struct fl_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->sources);
    free(cfg->cells);
    fl_yaml_free(cfg->doc);
    free(cfg);
}

/* Host names compare as Windows does, ignoring case. In a path '*' also crosses '/', so a
 * rule for "/mnt/hist01/" followed by '*' takes the whole mount. */
static bool rule_matches_file(const struct fl_cell_rule *r, const char *host, const char *path)
{
    if (r->host_glob && (!host || fnmatch(r->host_glob, host, FNM_CASEFOLD) != 0))
        return false;
    return !r->path_glob || (path && fnmatch(r->path_glob, path, 0) == 0);
}

static void rule_apply(const struct fl_cell_rule *r, const char **site, const char **line,
                       const char **cell)
{
    if (r->site)
        *site = r->site;
    if (r->line)
        *line = r->line;
    if (r->cell)
        *cell = r->cell;
}

void fl_config_map_cell(const struct fl_config *cfg, const char *host, const char *path,
                        const char **site, const char **line, const char **cell)
{
    for (size_t i = 0; i < cfg->n_cells; i++) {
        const struct fl_cell_rule *r = &cfg->cells[i];
        if (r->attr_key)
            continue; /* attribute rules apply per event (fl_config_map_event) */
        if (rule_matches_file(r, host, path)) {
            rule_apply(r, site, line, cell);
            return;
        }
    }
}

bool fl_config_needs_event_map(const struct fl_config *cfg, bool has_host)
{
    for (size_t i = 0; i < cfg->n_cells; i++)
        if (cfg->cells[i].attr_key || (cfg->cells[i].host_glob && !has_host))
            return true;
    return false;
}

/* An attribute's value as text, for comparison with a rule's value. */
static bool attr_equals(const struct fl_attr *a, const char *want)
{
    char num[24];
    struct fl_str v;
    switch (a->kind) {
    case FL_ATTR_STR:
        v = a->str;
        break;
    case FL_ATTR_INT:
        v = (struct fl_str){num, (size_t)snprintf(num, sizeof num, "%lld", (long long)a->num)};
        break;
    default:
        v = fl_str_c(a->num ? "true" : "false");
        break;
    }
    return strlen(want) == v.len && memcmp(want, v.p, v.len) == 0;
}

void fl_config_map_event(const struct fl_config *cfg, const char *path, struct fl_event *ev)
{
    char host[256];
    size_t hn = ev->host.len < sizeof host ? ev->host.len : sizeof host - 1;
    memcpy(host, ev->host.p, hn);
    host[hn] = 0;
    for (size_t i = 0; i < cfg->n_cells; i++) {
        const struct fl_cell_rule *r = &cfg->cells[i];
        if (!rule_matches_file(r, hn ? host : NULL, path))
            continue;
        if (r->attr_key) {
            const struct fl_attr *a = fl_event_attr_get(ev, r->attr_key);
            if (!a || !attr_equals(a, r->attr_value))
                continue;
        }
        const char *site = NULL, *line = NULL, *cell = NULL;
        rule_apply(r, &site, &line, &cell);
        if (site && !ev->site.len)
            ev->site = fl_str_c(site);
        if (line && !ev->line.len)
            ev->line = fl_str_c(line);
        if (cell && !ev->cell.len)
            ev->cell = fl_str_c(cell);
        return;
    }
}
