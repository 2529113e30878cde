/* ingest/config.h: faultline's configuration (YAML), loaded and validated once at start.
 *
 * Every key is documented in deploy/faultline.yaml. Loading fails with the file, line and
 * column of the first problem ("faultline.yaml:14:3: unknown key 'windw' (expected ...)");
 * nothing is guessed. A key whose value is YAML's null (left empty, ~) counts as not set.
 * What can be checked before the first file opens is: time zones, librdkafka properties
 * (unknown names, bad values), layout patterns (compiled; groups ts and message required),
 * and each source's parser is opened once with its settings. The struct borrows its strings from the YAML document it keeps.
 * It lives in ingest/ because it sits above parsers/ (source types, layouts, zones); the
 * correlator gets the few settings it needs (brokers, redis, rules) handed down by faultline.c. */
#ifndef FL_INGEST_CONFIG_H
#define FL_INGEST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/yaml.h"
#include "parsers/parser.h"

enum fl_poll_mode {
    FL_POLL_AUTO,   /* inotify, polling on network filesystems or when inotify fails */
    FL_POLL_ALWAYS, /* polling only (forced network-filesystem path) */
    FL_POLL_NEVER,  /* inotify only */
};

#define FL_CONFIG_MAX_GLOBS 16
#define FL_CONFIG_MAX_KV 64

struct fl_kv {
    const char *key, *value;
};

struct fl_source_cfg {
    const char *name;        /* unique; defaults to "<type>-<index>" */
    const char *type;        /* parser id */
    const char *globs[FL_CONFIG_MAX_GLOBS];
    size_t n_globs;
    const char *host, *site, *line, *cell; /* NULL when not set */
    const char *tz;          /* IANA zone, default "UTC" */
    enum fl_date_order date_order;
    enum fl_encoding encoding;
    enum fl_poll_mode poll;
    bool has_layout;
    struct fl_layout layout;
    const char *extra_sources[17]; /* kepware Source names, NULL-terminated */
    uint32_t line_no;        /* where the entry starts in the config (for messages) */
    char default_name[48];   /* storage for "<type>-<n>" when no name is given */
};

/* A cell mapping rule: the first rule whose patterns all match sets site/line/cell. */
struct fl_cell_rule {
    const char *host_glob;   /* fnmatch pattern on the host, ignoring case, or NULL */
    const char *path_glob;   /* fnmatch pattern on the file path ('*' also matches '/', so
                              * "/mnt/hist01/" + '*' takes the whole mount), or NULL */
    const char *attr_key;    /* attrs key that must equal attr_value, or NULL */
    const char *attr_value;
    const char *site, *line, *cell;
};

struct fl_config {
    struct fl_ydoc *doc;     /* owns every string below */
    const char *path;
    const char *state_dir;   /* default /var/lib/faultline */
    struct fl_source_cfg *sources;
    size_t n_sources;
    struct fl_cell_rule *cells;
    size_t n_cells;
    /* kafka */
    const char *brokers;     /* NULL or "none": no Kafka (embedded default) */
    const char *topic_events, *topic_incidents;
    struct fl_kv kafka_props[FL_CONFIG_MAX_KV];
    size_t n_kafka_props;
    /* redis */
    const char *redis_url;   /* NULL: state in memory */
    /* limits */
    uint64_t max_line_bytes;
    uint64_t spool_max_bytes;
    uint64_t queue_max_events;   /* events in flight to Kafka before back-pressure */
    int64_t idle_flush_ms;       /* a held multi-line record is flushed after this */
    int64_t poll_interval_ms;
    int64_t checkpoint_interval_ms;
    /* outputs and operations */
    bool is_stdout;          /* also write events to stdout (run) */
    bool is_archive;         /* hourly zstd NDJSON archive in state_dir (run) */
    const char *metrics_listen; /* "127.0.0.1:9464"; "" or "off" disables */
    const char *rules_dir;   /* correlation rules (deploy/rules) */
};

/* new: loads and validates path. NULL + err (file:line:col) on any problem. */
struct fl_config *fl_config_load(const char *path, struct fl_err *err);
struct fl_config *fl_config_load_mem(const char *text, size_t n, const char *name,
                                     struct fl_err *err);
void fl_config_free(struct fl_config *cfg);

/* Reads a `layout:` value (or a file whose root is one, or has a `layout:` key) into out.
 * Strings are borrowed from doc. */
int fl_layout_from_yaml(const struct fl_ydoc *doc, const struct fl_ynode *node,
                        struct fl_layout *out, struct fl_err *err);
/* new doc in *doc_out (free with fl_yaml_free after the layout is no longer used). */
int fl_layout_load(const char *path, struct fl_layout *out, struct fl_ydoc **doc_out,
                   struct fl_err *err);

/* Per event, for files whose site/line/cell the file-level rules cannot decide: attribute
 * rules, and host rules when the host comes from the records (no sources[].host). True when
 * cfg has such rules for a file with (has_host) or without a configured host. */
bool fl_config_needs_event_map(const struct fl_config *cfg, bool has_host);
/* Applies the first rule matching the event's host, path and attributes; fills only the
 * event's empty site/line/cell (with strings owned by cfg). */
void fl_config_map_event(const struct fl_config *cfg, const char *path, struct fl_event *ev);
/* Applies the cell rules to (host, path), skipping attribute rules; leaves the outputs
 * untouched when no rule matches. */
void fl_config_map_cell(const struct fl_config *cfg, const char *host, const char *path,
                        const char **site, const char **line, const char **cell);

#endif
