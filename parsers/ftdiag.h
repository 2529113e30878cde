/* parsers/ftdiag.h: internals of the FactoryTalk Diagnostics parser, shared by parsers/ftdiag*.c
 * only (nothing else includes it; the parser's one public face is fl_parser_ftdiag).
 *
 *   ftdiag.c           the parser proper: state, export framing (quotes, header row, columns),
 *                      delimited records, configured line layouts, bare lines, probe
 *   ftdiag_classify.c  what a record's text means: time (the note's formats, a layout's
 *                      ts_format), severity, category, code and attrs
 *   ftdiag_json.c      Windows events forwarded as JSON lines (NXLog, Winlogbeat), via jansson
 *
 * All of it is pure (parsers/parser.h): no I/O, no clock, no globals. */
#ifndef FL_FTDIAG_H
#define FL_FTDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/catalog.h"
#include "parsers/layout.h"
#include "parsers/parser.h"

#define FTD_SOURCE "ftdiag"
#define FTD_MAX_COLS 64

/* Column roles. DATE+TIME are two columns; DATETIME is one. CODE only comes from a layout. */
enum ftd_role {
    R_DATETIME,
    R_DATE,
    R_TIME,
    R_SEVERITY,
    R_AUDIENCE,
    R_MESSAGE,
    R_LOCATION,
    R_PROVIDER,
    R_USER,
    R_USER_DESC,
    R_AREA,
    R_CODE,
    R_N
};

struct ftd_colname {
    const char *name;
    enum ftd_role role;
};

/* Built-in column names known to the parser, plus room for a layout's own. */
#define FTD_MAX_NAMES 24

/* Scanner states of the quote-aware framer (RFC 4180 plus leniency after a closing quote). */
enum ftd_qstate { Q_FIELD_START, Q_UNQUOTED, Q_QUOTED, Q_QUOTE_SEEN };

enum ftd_mode {
    M_BARE,    /* no header row yet: JSON lines and bare message lines */
    M_ROWS,    /* delimited rows with a column map */
    M_PATTERN, /* configured line layout */
};

/* Per-file state (new in fl_parser_ftdiag.open, freed by its close). */
struct ftd {
    const struct fl_tz *tz;
    struct fl_tzfold fold;
    struct fl_dateorder dorder;
    enum ftd_mode mode;

    /* delimited layout */
    char delim, quote;
    bool is_delim_fixed; /* a csv layout names the delimiter */
    bool needs_header;   /* false: csv layout with header:false (columns by number) */
    struct ftd_colname names[FTD_MAX_NAMES];
    size_t n_names;
    bool has_layout_names;         /* names[] starts with the layout's names, then the built-ins */
    int col_of[R_N];               /* column index of each role, -1 if absent */
    bool has_ts_format;            /* a layout gave ts_format: read times with it, not the note's */
    struct fl_layout_ts ts_format; /* compiled at open; invalid (reads nothing) when refused */

    /* open (quote-unbalanced) record; also the held record of a line layout */
    bool is_open;
    enum ftd_qstate q;
    struct fl_buf rec;
    uint64_t rec_off, rec_end;
    uint32_t rec_lines;

    /* fields of the record being filled */
    struct fl_buf fbuf;
    struct fl_str fields[FTD_MAX_COLS];
    size_t n_fields;

    /* line layout (parsers/layout.h) */
    struct fl_layout_line lay;
    bool is_held;
    struct fl_buf hline;           /* first line of the held record */
    struct fl_buf hmsg;            /* message group + continuation lines */
    struct fl_layout_fields hhead; /* the first line's fields, offsets into hline */

    /* classification (ftdiag_classify.c) */
    struct fl_catalog *cat;
    pcre2_code *re_err, *re_warn;
    pcre2_match_data *md;

    struct fl_arena arena; /* per record: joined dates, hex codes, JSON numbers */
    struct fl_event ev;
    char *strings; /* owned copies of the layout's column names */
};

/* ---- small text helpers (ASCII) ---- */

static inline char ftd_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static inline bool ftd_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool ftd_is_word(char c)
{
    return ftd_is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

/* p[0..n) equals the NUL-terminated lit, ignoring ASCII case. */
static inline bool ftd_ci_eqn(const char *p, size_t n, const char *lit)
{
    size_t k = 0;
    for (; k < n && lit[k]; k++)
        if (ftd_lower(p[k]) != ftd_lower(lit[k]))
            return false;
    return k == n && lit[k] == '\0';
}

static inline struct fl_str ftd_trim(struct fl_str s)
{
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.len--;
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
        s.len--;
    return s;
}

/* Starts an event for a new record: clears it and the per-record arena. */
static inline void ftd_ev_begin(struct ftd *st, struct fl_event *ev)
{
    fl_arena_reset(&st->arena);
    fl_event_reset(ev);
    ev->source = FTD_SOURCE;
}

static inline void ftd_set_where(struct fl_event *ev, uint64_t off, uint64_t end, uint32_t lines)
{
    ev->offset = off;
    ev->end_offset = end;
    ev->lines = lines;
}

/* ---- ftdiag_classify.c ---- */

/* Compiles the catalog and the severity rules into st. 0, or FL_EINVAL/FL_ENOMEM with err
 * set; what was made is freed by fl_ftdiag_classify_free either way. */
int fl_ftdiag_classify_init(struct ftd *st, const char *file, struct fl_err *err);
void fl_ftdiag_classify_free(struct ftd *st);

/* Sets ev's ts, has_ts and ts_raw from raw: with the layout's ts_format when use_format and
 * one is configured, else the note's formats (ISO 8601 with a zone included). Local times go
 * through the file's zone and fold state. Returns 0 or FL_EUNPARSED (ev's time untouched). */
int fl_ftdiag_set_time(struct ftd *st, struct fl_event *ev, struct fl_str raw, bool use_format);

/* Note §5.1: a Severity cell (may hold two words, Audit + one other). Returns the severity,
 * or -1 when the cell names none; *is_audit when it says Audit. */
int fl_ftdiag_sev_from_cell(struct fl_str cell, bool *is_audit);

/* Note §5.2: the severity of a message that carries none. */
enum fl_severity fl_ftdiag_sev_from_text(struct ftd *st, struct fl_str msg);

/* Sets category, code (unless has_code), attrs rna/controller/status_* from the message.
 * Strings it makes live in st->arena. */
void fl_ftdiag_classify(struct ftd *st, struct fl_event *ev, struct fl_str msg, bool has_code);

/* ---- ftdiag_json.c ---- */

/* One forwarded Windows event (a JSON object line) -> one event; a line that is not a JSON
 * object becomes an unparsed event. Returns the sink's value. */
int fl_ftdiag_emit_json(struct ftd *st, const struct fl_line *ln, const struct fl_sink *sink);

/* Probe score of a JSON line: 85 when its provider or channel names FactoryTalk, else 0. */
int fl_ftdiag_probe_json(const char *p, size_t n);

#endif
