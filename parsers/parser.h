/* parsers/parser.h: the interface every source parser implements.
 *
 * A parser frames records out of decoded lines (stack traces, continuation lines, quoted CSV
 * fields) and turns each into one fl_event. It is pure: no I/O, no clock, no mutable
 * globals, never ingest/, Kafka or Redis; all it needs arrives as arguments. Tailing, offline
 * parsing and fuzzing share this one code path through parsers/stream.h.
 *
 * Push model: the stream hands a parser one line at a time (feed); the parser emits the
 * records it has completed through the sink and holds back the unfinished last one until a
 * line that starts a new record, or flush (EOF or an idle timeout). Binary sources take raw
 * bytes instead (feed_raw). A line that fits no layout still becomes an event (unparsed).
 *
 * What a parser fills: ts/has_ts/ts_raw, severity(+raw), component, category, code, message,
 * attrs, offset, end_offset, lines, and host when the record itself names the machine. The
 * stream fills id, file, ingest_ms, and host/site/line/cell from the configuration. */
#ifndef FL_PARSER_H
#define FL_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "parsers/decode.h"
#include "parsers/ptime.h"
#include "schemas/event.h"

/* Where a parser sends finished events. emit borrows ev (valid during the call only); a
 * non-zero return stops the parser, which returns that value from feed/flush. */
struct fl_sink {
    int (*emit)(void *ctx, struct fl_event *ev);
    void *ctx;
};

/* A line layout or delimited-export layout given in the config, overriding a note's default
 * where the note marks the layout unconfirmed (DESIGN.md "Configurable layouts"). */
struct fl_layout {
    const char *pattern;      /* PCRE2 with named groups ts, level, component, message[, code] */
    const char *ts_format;    /* strptime-like form; %f for fractions */
    const char *continuation; /* PCRE2 that a continuation line matches; NULL: none */
    bool is_csv;
    char csv_delimiter;       /* '\t' or ',' */
    char csv_quote;           /* '"' */
    bool csv_header;
    const char *col_ts[2];    /* one or two column names (Date, Time) */
    const char *col_level, *col_component, *col_message, *col_code, *col_host;
};

struct fl_parser_cfg {
    const char *file;                  /* path as configured: into errors */
    const struct fl_tz *tz;            /* never NULL (UTC by default) */
    enum fl_date_order date_order;     /* AUTO unless configured */
    const char *const *extra_sources;  /* kepware: Source names to add to its dictionary,
                                        * NULL-terminated; may be NULL */
    const struct fl_layout *layout;    /* NULL: the note's built-in layout */
};

struct fl_parser {
    const char *source;  /* "ignition", "kepware", ... */
    bool is_binary;      /* takes raw bytes (feed_raw), not decoded lines */
    /* 0..100: how sure the parser is that a file with this head is its own. raw is the
     * file's first bytes (up to 4 KiB); lines are its first decoded lines (text parsers). */
    int (*probe)(const uint8_t *raw, size_t raw_len, const struct fl_line *lines, size_t n_lines);
    /* new: per-file state; NULL + err on failure. */
    void *(*open)(const struct fl_parser_cfg *cfg, struct fl_err *err);
    /* Optional: true if ln is a header row. The stream asks for every line; a header row is
     * not fed to feed() (it yields no event, is counted, and is never the fingerprint line),
     * so a parser whose columns come from the header records them here, in st. */
    bool (*is_header)(void *st, const struct fl_line *ln);
    /* Text sources: one decoded line. Returns 0 or the sink's non-zero value / FL_ENOMEM. */
    int (*feed)(void *st, const struct fl_line *ln, const struct fl_sink *sink);
    /* Binary sources: raw bytes starting at raw_off; sets *used to the bytes consumed (whole
     * records); the rest is offered again with more bytes. is_eof: no more bytes will come. */
    int (*feed_raw)(void *st, const uint8_t *p, size_t n, uint64_t raw_off, bool is_eof,
                    size_t *used, const struct fl_sink *sink);
    /* Binary sources: the file fingerprint bytes (DESIGN.md id rule) from the head; returns 0,
     * or FL_EAGAIN when the head is too short yet. */
    int (*fingerprint)(const uint8_t *head, size_t n, uint64_t *fp);
    /* Emits the held-back record, if any (EOF, idle timeout). */
    int (*flush)(void *st, const struct fl_sink *sink);
    void (*close)(void *st);
};

/* The registry: NULL if unknown. */
const struct fl_parser *fl_parser_find(const char *source);
/* All parsers, in a fixed order; *n set to their count. */
const struct fl_parser *const *fl_parser_all(size_t *n);

/* Shared helpers for parsers. */

/* Emits one unparsed event for line ln (source given, ts from the caller's state: has_ts
 * false unless the caller sets it), with offset/end/lines from the line. */
int fl_parser_emit_unparsed(const char *source, const struct fl_line *ln, struct fl_event *ev,
                            const struct fl_sink *sink);

#endif
