/* schemas/event.h: the normalized event (schema v1, schemas/event.schema.json) and its writer.
 *
 * An fl_event is a set of views: its strings point into the record being parsed or into
 * the parser's arena, valid until the sink that receives the event returns. Resetting an
 * event frees nothing. The writer emits every key, always, in DESIGN.md's order, as one
 * line of valid UTF-8 JSON whatever bytes the views hold. */
#ifndef FL_EVENT_H
#define FL_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include "core/buf.h"

#define FL_EVENT_VERSION 1
#define FL_EVENT_MAX_ATTRS 32

/* RFC 5424 names, most severe first. */
enum fl_severity {
    FL_SEV_EMERGENCY,
    FL_SEV_ALERT,
    FL_SEV_CRITICAL,
    FL_SEV_ERROR,
    FL_SEV_WARNING,
    FL_SEV_NOTICE,
    FL_SEV_INFO,
    FL_SEV_DEBUG,
};
const char *fl_severity_name(enum fl_severity s);
/* Returns the severity named by p[0..n) (an RFC 5424 name, ASCII case-insensitive:
 * "WARNING" works, "warn" does not), or -1. */
int fl_severity_from_name(const char *p, size_t n);

enum fl_attr_kind { FL_ATTR_STR, FL_ATTR_INT, FL_ATTR_BOOL };

struct fl_attr {
    struct fl_str key;
    enum fl_attr_kind kind;
    struct fl_str str; /* FL_ATTR_STR */
    int64_t num;       /* FL_ATTR_INT; FL_ATTR_BOOL: 0 or 1 */
};

struct fl_event {
    uint64_t id;           /* xxh64 per DESIGN.md; written as 16 hex digits */
    int64_t ts_ms;         /* event time, UTC ms since the epoch; valid when has_ts */
    bool has_ts;           /* false: ts = ingest_ts and attrs.ts_source = "ingest" are written */
    struct fl_str ts_raw;  /* the timestamp text as written */
    int64_t ts_skew_ms;    /* 0 in ingest */
    int64_t ingest_ms;     /* when faultline read it, UTC ms */
    const char *source;    /* static source id ("ignition", ..., "unknown") */
    struct fl_str host, site, line, cell;
    enum fl_severity severity;
    struct fl_str severity_raw;
    struct fl_str component;
    const char *category;  /* static category name; NULL is written as "unclassified" */
    struct fl_str code;
    struct fl_str message;
    struct fl_attr attrs[FL_EVENT_MAX_ATTRS];
    uint32_t n_attrs;
    struct fl_str file;
    uint64_t offset;       /* raw byte offset of the record's first byte, as stored */
    uint64_t end_offset;   /* raw offset just past the record: where a checkpoint may move */
    uint32_t lines;        /* text lines in the record; 1 for binary/database records */
    bool is_unparsed;      /* category "unparsed": counted by the caller */
};

/* Clears every field to its empty value (strings "", attrs {}, category NULL, no time), with
 * severity info and lines 1 (the values a one-line record without a level has). Frees nothing. */
void fl_event_reset(struct fl_event *ev);

/* Adds an attribute; a key already present is replaced (last wins). Past FL_EVENT_MAX_ATTRS
 * the attribute is dropped and FL_ETOOBIG returned. Keys and values are borrowed. */
int fl_event_attr_str(struct fl_event *ev, const char *key, struct fl_str val);
int fl_event_attr_strn(struct fl_event *ev, struct fl_str key, struct fl_str val);
int fl_event_attr_int(struct fl_event *ev, const char *key, int64_t val);
int fl_event_attr_bool(struct fl_event *ev, const char *key, bool val);
/* Returns the attribute named key, or NULL. */
const struct fl_attr *fl_event_attr_get(const struct fl_event *ev, const char *key);

/* Turns ev into the unparsed event for one raw line: category "unparsed", severity notice,
 * message = line (decoded), no event time unless the caller sets one afterwards. Clears ts,
 * ts_raw, severity_raw, component, code and attrs; keeps id, ingest time, host/site/line/cell,
 * file, offsets and lines. */
void fl_event_set_unparsed(struct fl_event *ev, const char *source, struct fl_str line);

/* Appends the event as one JSON line (with '\n') to out. Returns 0 or FL_ETOOBIG/FL_ENOMEM;
 * on error out is left as it was (never half an event).
 * Key order: v id ts ts_raw ts_skew_ms ingest_ts source host site line cell severity
 * severity_raw component category code message attrs file offset lines. */
int fl_event_write_json(const struct fl_event *ev, struct fl_buf *out);

/* Formats UTC ms as RFC 3339 with milliseconds, "2026-11-23T07:14:07.123Z" (24 chars + NUL).
 * Years outside 0000..9999 are clamped. */
void fl_time_format_rfc3339(int64_t utc_ms, char out[25]);

#endif
