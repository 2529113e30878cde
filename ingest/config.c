/* ingest/config.c: YAML -> struct fl_config, validating every key and value with its position. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ingest/config.h"

#define TRY(expr)              \
    do {                       \
        int rc_ = (expr);      \
        if (rc_)               \
            return rc_;        \
    } while (0)

static int opt_str(const struct fl_ydoc *doc, const struct fl_ynode *map, const char *key,
                   const char **out, struct fl_err *err)
{
    const struct fl_ynode *n = fl_ymap_get(map, key);
    if (!n)
        return 0;
    return fl_y_str(doc, n, out, err);
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
    memset(out, 0, sizeof *out);
    TRY(fl_ymap_check_keys(doc, node, keys, err));
    TRY(opt_str(doc, node, "pattern", &out->pattern, err));
    TRY(opt_str(doc, node, "ts_format", &out->ts_format, err));
    TRY(opt_str(doc, node, "continuation", &out->continuation, err));
    const struct fl_ynode *csv = fl_ymap_get(node, "csv");
    if (csv && out->pattern)
        return fl_yaml_error(doc, csv, err, "a layout is either a line pattern or csv, not both");
    if (!csv && !out->pattern)
        return fl_yaml_error(doc, node, err, "a layout needs 'pattern' (line layout) or 'csv'");
    if (!csv)
        return 0;
    out->is_csv = true;
    out->csv_delimiter = ',';
    out->csv_quote = '"';
    out->csv_header = true;
    TRY(fl_ymap_check_keys(doc, csv, csv_keys, err));
    const struct fl_ynode *n;
    if ((n = fl_ymap_get(csv, "delimiter")))
        TRY(csv_char(doc, n, &out->csv_delimiter, err));
    if ((n = fl_ymap_get(csv, "quote")))
        TRY(csv_char(doc, n, &out->csv_quote, err));
    if ((n = fl_ymap_get(csv, "header")))
        TRY(fl_y_bool(doc, n, &out->csv_header, err));
    const struct fl_ynode *cols = fl_ymap_get(csv, "columns");
    if (!cols)
        return fl_yaml_error(doc, csv, err, "csv needs 'columns' (ts, level, component, message)");
    TRY(fl_ymap_check_keys(doc, cols, col_keys, err));
    const struct fl_ynode *ts = fl_ymap_get(cols, "ts");
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

static int read_source(struct fl_config *cfg, const struct fl_ynode *n, size_t index,
                       struct fl_source_cfg *src, struct fl_err *err)
{
    static const char *const keys[] = {"name", "type", "paths", "host", "site", "line",
                                       "cell", "tz", "date_order", "encoding", "poll",
                                       "layout", "kepware_sources", NULL};
    const struct fl_ydoc *doc = cfg->doc;
    TRY(fl_ymap_check_keys(doc, n, keys, err));
    src->line_no = n->line;
    src->tz = "UTC";
    const struct fl_ynode *v = fl_ymap_get(n, "type");
    if (!v)
        return fl_yaml_error(doc, n, err, "source needs 'type' (ignition, kepware, ftdiag, "
                                          "aveva, winccoa, historian)");
    TRY(fl_y_str(doc, v, &src->type, err));
    if (!fl_parser_find(src->type) && strcmp(src->type, "auto") != 0)
        return fl_yaml_error(doc, v, err, "unknown source type '%.40s'", src->type);
    v = fl_ymap_get(n, "paths");
    if (!v)
        return fl_yaml_error(doc, n, err, "source needs 'paths' (a list of file globs)");
    if (v->kind == FL_Y_SCALAR) {
        src->globs[src->n_globs++] = v->scalar;
    } else if (v->kind == FL_Y_SEQ && v->n_items > 0) {
        if (v->n_items > FL_CONFIG_MAX_GLOBS)
            return fl_yaml_error(doc, v, err, "at most %d paths per source", FL_CONFIG_MAX_GLOBS);
        for (size_t i = 0; i < v->n_items; i++)
            TRY(fl_y_str(doc, v->items[i], &src->globs[src->n_globs++], err));
    } else {
        return fl_yaml_error(doc, v, err, "paths: expected a glob or a list of globs");
    }
    for (size_t i = 0; i < src->n_globs; i++)
        if (src->globs[i][0] != '/')
            return fl_yaml_error(doc, v, err, "path '%.60s' must be absolute", src->globs[i]);
    TRY(opt_str(doc, n, "name", &src->name, err));
    TRY(opt_str(doc, n, "host", &src->host, err));
    TRY(opt_str(doc, n, "site", &src->site, err));
    TRY(opt_str(doc, n, "line", &src->line, err));
    TRY(opt_str(doc, n, "cell", &src->cell, err));
    if ((v = fl_ymap_get(n, "tz"))) {
        TRY(fl_y_str(doc, v, &src->tz, err));
        struct fl_err tzerr;
        struct fl_tz *tz = fl_tz_load(src->tz, &tzerr);
        if (!tz)
            return fl_yaml_error(doc, v, err, "unknown time zone '%.60s'", src->tz);
        fl_tz_free(tz);
    }
    if ((v = fl_ymap_get(n, "date_order"))) {
        const char *s;
        TRY(fl_y_str(doc, v, &s, err));
        int d = fl_date_order_from_name(s);
        if (d < 0)
            return fl_yaml_error(doc, v, err, "date_order: expected dmy, mdy or ymd");
        src->date_order = (enum fl_date_order)d;
    }
    if ((v = fl_ymap_get(n, "encoding"))) {
        const char *s;
        TRY(fl_y_str(doc, v, &s, err));
        int e = fl_encoding_from_name(s);
        if (e < 0)
            return fl_yaml_error(doc, v, err, "encoding: expected auto, utf-8, utf-16le, "
                                              "utf-16be or windows-1252");
        src->encoding = (enum fl_encoding)e;
    }
    if ((v = fl_ymap_get(n, "poll"))) {
        const char *s;
        TRY(fl_y_str(doc, v, &s, err));
        if (strcmp(s, "auto") == 0)
            src->poll = FL_POLL_AUTO;
        else if (strcmp(s, "always") == 0 || strcmp(s, "true") == 0)
            src->poll = FL_POLL_ALWAYS;
        else if (strcmp(s, "never") == 0 || strcmp(s, "false") == 0)
            src->poll = FL_POLL_NEVER;
        else
            return fl_yaml_error(doc, v, err, "poll: expected auto, always or never");
    }
    if ((v = fl_ymap_get(n, "layout"))) {
        TRY(fl_layout_from_yaml(doc, v, &src->layout, err));
        src->has_layout = true;
    }
    if ((v = fl_ymap_get(n, "kepware_sources"))) {
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
    return 0;
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
        const struct fl_ynode *m = fl_ymap_get(n, "match");
        if (!m)
            return fl_yaml_error(doc, n, err, "a cell rule needs 'match' (host, path or attr)");
        TRY(fl_ymap_check_keys(doc, m, match_keys, err));
        TRY(opt_str(doc, m, "host", &r->host_glob, err));
        TRY(opt_str(doc, m, "path", &r->path_glob, err));
        const struct fl_ynode *a = fl_ymap_get(m, "attr");
        if (a) {
            if (a->kind != FL_Y_MAP || a->n_items != 2)
                return fl_yaml_error(doc, a, err, "attr: expected one 'key: value' pair");
            TRY(fl_y_str(doc, a->items[0], &r->attr_key, err));
            TRY(fl_y_str(doc, a->items[1], &r->attr_value, err));
        }
        TRY(opt_str(doc, n, "site", &r->site, err));
        TRY(opt_str(doc, n, "line", &r->line, err));
        TRY(opt_str(doc, n, "cell", &r->cell, err));
        if (!r->cell && !r->line && !r->site)
            return fl_yaml_error(doc, n, err, "a cell rule sets at least one of site, line, cell");
    }
    return 0;
}

static int read_kafka(struct fl_config *cfg, const struct fl_ynode *n, struct fl_err *err)
{
    static const char *const keys[] = {"brokers", "topic_events", "topic_incidents",
                                       "properties", NULL};
    const struct fl_ydoc *doc = cfg->doc;
    TRY(fl_ymap_check_keys(doc, n, keys, err));
    TRY(opt_str(doc, n, "brokers", &cfg->brokers, err));
    TRY(opt_str(doc, n, "topic_events", &cfg->topic_events, err));
    TRY(opt_str(doc, n, "topic_incidents", &cfg->topic_incidents, err));
    const struct fl_ynode *p = fl_ymap_get(n, "properties");
    if (p) {
        if (p->kind != FL_Y_MAP)
            return fl_yaml_error(doc, p, err, "properties: expected librdkafka 'key: value' pairs");
        if (p->n_items / 2 > FL_CONFIG_MAX_KV)
            return fl_yaml_error(doc, p, err, "at most %d properties", FL_CONFIG_MAX_KV);
        for (size_t i = 0; i + 1 < p->n_items; i += 2) {
            struct fl_kv *kv = &cfg->kafka_props[cfg->n_kafka_props++];
            TRY(fl_y_str(doc, p->items[i], &kv->key, err));
            TRY(fl_y_str(doc, p->items[i + 1], &kv->value, err));
        }
    }
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
    if ((v = fl_ymap_get(n, "max_line_bytes")))
        TRY(fl_y_size(doc, v, &cfg->max_line_bytes, err));
    if ((v = fl_ymap_get(n, "spool_max_bytes")))
        TRY(fl_y_size(doc, v, &cfg->spool_max_bytes, err));
    if ((v = fl_ymap_get(n, "queue_max_events"))) {
        int64_t q;
        TRY(fl_y_int(doc, v, 100, 10000000, &q, err));
        cfg->queue_max_events = (uint64_t)q;
    }
    if ((v = fl_ymap_get(n, "idle_flush")))
        TRY(fl_y_duration_ms(doc, v, &cfg->idle_flush_ms, err));
    if ((v = fl_ymap_get(n, "poll_interval")))
        TRY(fl_y_duration_ms(doc, v, &cfg->poll_interval_ms, err));
    if ((v = fl_ymap_get(n, "checkpoint_interval")))
        TRY(fl_y_duration_ms(doc, v, &cfg->checkpoint_interval_ms, err));
    if (cfg->max_line_bytes < 1024 || cfg->max_line_bytes > (256u << 20))
        return fl_yaml_error(doc, fl_ymap_get(n, "max_line_bytes"), err,
                             "max_line_bytes must be between 1KiB and 256MiB");
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
    cfg->checkpoint_interval_ms = 1000;
    cfg->is_archive = true;
    cfg->metrics_listen = "127.0.0.1:9464";
    if (!root)
        return fl_yaml_error(doc, NULL, err, "empty configuration");
    TRY(fl_ymap_check_keys(doc, root, keys, err));
    TRY(opt_str(doc, root, "state_dir", &cfg->state_dir, err));
    const struct fl_ynode *v = fl_ymap_get(root, "sources");
    if (!v)
        return fl_yaml_error(doc, root, err, "the configuration needs 'sources'");
    if (v->kind != FL_Y_SEQ)
        return fl_yaml_error(doc, v, err, "sources: expected a list");
    cfg->sources = calloc(v->n_items ? v->n_items : 1, sizeof *cfg->sources);
    if (!cfg->sources)
        return FL_ENOMEM;
    for (size_t i = 0; i < v->n_items; i++) {
        TRY(read_source(cfg, v->items[i], i, &cfg->sources[i], err));
        cfg->n_sources++;
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->sources[j].name, cfg->sources[i].name) == 0)
                return fl_yaml_error(doc, v->items[i], err, "duplicate source name '%.40s'",
                                     cfg->sources[i].name);
    }
    if ((v = fl_ymap_get(root, "cells")))
        TRY(read_cells(cfg, v, err));
    if ((v = fl_ymap_get(root, "kafka")))
        TRY(read_kafka(cfg, v, err));
    if (cfg->brokers && (strcmp(cfg->brokers, "none") == 0 || !cfg->brokers[0]))
        cfg->brokers = NULL;
    if ((v = fl_ymap_get(root, "redis"))) {
        static const char *const rkeys[] = {"url", NULL};
        TRY(fl_ymap_check_keys(doc, v, rkeys, err));
        TRY(opt_str(doc, v, "url", &cfg->redis_url, err));
    }
    if ((v = fl_ymap_get(root, "limits")))
        TRY(read_limits(cfg, v, err));
    if ((v = fl_ymap_get(root, "output"))) {
        static const char *const okeys[] = {"stdout", "archive", NULL};
        const struct fl_ynode *o;
        TRY(fl_ymap_check_keys(doc, v, okeys, err));
        if ((o = fl_ymap_get(v, "stdout")))
            TRY(fl_y_bool(doc, o, &cfg->is_stdout, err));
        if ((o = fl_ymap_get(v, "archive")))
            TRY(fl_y_bool(doc, o, &cfg->is_archive, err));
    }
    if ((v = fl_ymap_get(root, "metrics"))) {
        static const char *const mkeys[] = {"listen", NULL};
        TRY(fl_ymap_check_keys(doc, v, mkeys, err));
        TRY(opt_str(doc, v, "listen", &cfg->metrics_listen, err));
    }
    if ((v = fl_ymap_get(root, "rules"))) {
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

void fl_config_map_cell(const struct fl_config *cfg, const char *host, const char *path,
                        const char **site, const char **line, const char **cell)
{
    for (size_t i = 0; i < cfg->n_cells; i++) {
        const struct fl_cell_rule *r = &cfg->cells[i];
        if (r->attr_key)
            continue; /* attribute rules apply per event, not per file */
        if (r->host_glob && (!host || fnmatch(r->host_glob, host, 0) != 0))
            continue;
        if (r->path_glob && (!path || fnmatch(r->path_glob, path, FNM_PATHNAME) != 0))
            continue;
        if (r->site)
            *site = r->site;
        if (r->line)
            *line = r->line;
        if (r->cell)
            *cell = r->cell;
        return;
    }
}
