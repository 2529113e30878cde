/* parsers/ignition.h: the Ignition module's internals, shared by its own files only.
 *
 * The module turns an Ignition gateway's logs into events (formats/ignition.md): wrapper.log
 * text through fl_parser_ignition, and the SQLite store system_logs.idb through
 * fl_ignition_idb_read (parsers/ignition_idb.h, the one header other modules use). Its files:
 *   parsers/ignition.c         the text parser proper: state, framing, records, time, probe;
 *   parsers/ignition_layout.c  the hand matchers for the line layouts (L1-L9), the L2 MDC
 *                              rule and the stack-line / exception-header rules (§4);
 *   parsers/ignition_cls.c     the classification both paths share: category catalog, status
 *                              code, extracted attrs, logback severity, MDC attrs;
 *   parsers/ignition_idb.c     the system_logs.idb reader.
 * Only parsers/ignition*.c include this header. The functions declared here do no I/O,
 * allocate nothing of their own (fl_ignition_cls_new aside; fl_ignition_cls_apply copies
 * into the caller's arena) and keep no mutable state outside what they are given (the
 * classification's anchor table is built once, then only read).
 *
 * Every view (struct fl_str) a matcher fills points into the text it was given (borrowed). */
#ifndef FL_IGNITION_H
#define FL_IGNITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "core/buf.h"
#include "core/err.h"
#include "schemas/event.h"

/* ---------------------------------------------------------------------------------------
 * Character classes (parsers/ignition_layout.c holds the table). PCRE2's \s, \d and \w
 * without UCP are ASCII only; so are these. One lookup per byte on the hot path instead of
 * chains of comparisons; inline so that every file's matchers stay as fast. */

enum { C_SP = 1, C_DIG = 2, C_UP = 4, C_LO = 8, C_US = 16, C_DOLLAR = 32 };
extern const unsigned char fl_ignition_cclass[256];

static inline bool is_sp(unsigned char c)
{
    return fl_ignition_cclass[c] & C_SP;
}
static inline bool is_dig(unsigned char c)
{
    return fl_ignition_cclass[c] & C_DIG;
}
static inline bool is_upper(unsigned char c)
{
    return fl_ignition_cclass[c] & C_UP;
}
static inline bool is_lower(unsigned char c)
{
    return fl_ignition_cclass[c] & C_LO;
}
static inline bool is_alnum(unsigned char c)
{
    return fl_ignition_cclass[c] & (C_DIG | C_UP | C_LO);
}
static inline bool is_word(unsigned char c) /* \w */
{
    return fl_ignition_cclass[c] & (C_DIG | C_UP | C_LO | C_US);
}
static inline bool is_ident(unsigned char c) /* [\w$] */
{
    return fl_ignition_cclass[c] & (C_DIG | C_UP | C_LO | C_US | C_DOLLAR);
}
static inline bool is_ident_start(unsigned char c) /* [A-Za-z_$] */
{
    return fl_ignition_cclass[c] & (C_UP | C_LO | C_US | C_DOLLAR);
}

static inline bool has_prefix(const char *p, size_t n, const char *lit, size_t lit_len)
{
    return n >= lit_len && memcmp(p, lit, lit_len) == 0;
}
#define HAS_LIT(p, n, lit) has_prefix((p), (n), (lit), sizeof(lit) - 1)

static inline struct fl_str rtrim(struct fl_str s)
{
    while (s.len && is_sp((unsigned char)s.p[s.len - 1]))
        s.len--;
    return s;
}

/* ---------------------------------------------------------------------------------------
 * One line taken apart (parsers/ignition_layout.c). All views point into the line's
 * decoded text. */

enum ign_prefix { PFX_NONE, PFX_L1, PFX_L4, PFX_L5 };
enum ign_body { BODY_PLAIN, BODY_L2, BODY_L3, BODY_L7, BODY_L8 };

struct ign_line {
    struct fl_str viewer_ts; /* L6 prefix text (without its separator), "" if none */
    struct fl_str text;      /* the line after the viewer prefix */
    enum ign_prefix pfx;
    struct fl_str wlevel;    /* L1 level column */
    struct fl_str wsrc;      /* "jvm 1", "wrapper", "init" */
    struct fl_str wdt;       /* wrapper date and time, "2021/03/14 08:49:25" (L1, L4) */
    struct fl_str body;      /* after the wrapper prefix; the whole text when unprefixed */
    enum ign_body kind;
    struct fl_str level;     /* L2 letter, L3/L7 word */
    struct fl_str logger;    /* L2/L3 logger (padding trimmed), L8 logger column */
    struct fl_str btime;     /* L2/L3/L7 body time as written */
    struct fl_str l8_dt;     /* L8 "07Mar2024 14:02:09" */
    struct fl_str msg;       /* the message part of the body */
};

/* L1 (level | wsrc | date time | rest) on p[0..n). On a match sets li->pfx, wlevel, wsrc,
 * wdt and body and returns true. False if none; li may then hold stray views (the caller
 * empties it before trying another layout). */
bool fl_ignition_match_l1(const char *p, size_t n, struct ign_line *li);

/* L4 (wsrc | date time | rest), else, when allow_l5, L5 (wsrc | rest). Sets li->pfx, wsrc,
 * wdt (FL_STR_NULL for L5) and body; false if neither, li then as after fl_ignition_match_l1. */
bool fl_ignition_match_l4_l5(const char *p, size_t n, bool allow_l5, struct ign_line *li);

/* L6: the length of a log viewer's prefix to strip from p[0..n), or 0; *ts gets the
 * viewer's time text (left alone when 0 is returned). */
size_t fl_ignition_match_viewer(const char *p, size_t n, struct fl_str *ts);

/* Reads li->body as L2, L3, L7 or (when li->pfx is PFX_NONE) L8, else plain text: sets
 * li->kind, msg and, as the layout has them, level, logger, btime and l8_dt. */
void fl_ignition_read_body(struct ign_line *li);

/* L9: the complete part of the wrapper prefix a torn line's head starts with ("level |
 * wsrc | date time" or "wsrc | date time", each part only if those before it are whole).
 * Sets li->wlevel (empty if none), li->wsrc, and li->wdt when the date-time is whole (left
 * alone otherwise); false when no wsrc is whole. */
bool fl_ignition_match_torn_head(const char *p, size_t n, struct ign_line *li);

/* True if p[0..n), a line with no wrapper prefix, fits no layout at all: a wrapper prefix
 * cut short, or binary junk. Such a line becomes an unparsed event. */
bool fl_ignition_has_no_layout(const char *p, size_t n);

/* The L2 MDC rule (§3): the index of the space that starts the MDC pairs at the end of an
 * L2 message m[0..n), or n when it has none. */
size_t fl_ignition_mdc_start(const char *m, size_t n);
/* Adds the MDC pairs p[0..n) ("k=v, k=v", what follows that space) as attrs through
 * fl_ignition_attr_mdc (views into p). */
void fl_ignition_mdc_to_attrs(struct fl_event *ev, const char *p, size_t n);

/* Rule 4.2: the line is an exception header ("java.lang.Throwable: null"); *class_len
 * (may be NULL) gets the length of its class name. */
bool fl_ignition_is_exception_header(const char *p, size_t n, size_t *class_len);
/* Rule 4.1: the line is a stack line (TAB, "at x", "Caused by: ", "Suppressed: ",
 * "... N more" / "... N common frames omitted"). */
bool fl_ignition_is_stack_line(const char *p, size_t n);
/* The exception class a line names: an exception header's class (also a packaged class
 * named just Exception/Error/Throwable, java.lang.Throwable, which rule 4.2 leaves out), or
 * the class after "Caused by: " / "Suppressed: ". Returns false if the line names none. */
bool fl_ignition_line_exception(const char *p, size_t n, struct fl_str *cls);

/* ---------------------------------------------------------------------------------------
 * Classification and field rules shared by wrapper.log and system_logs.idb
 * (parsers/ignition_cls.c). */

/* The compiled category catalog (ignition.md §8) and its match data. new: free with
 * fl_ignition_cls_free; NULL with err set on failure. Not thread-safe: one per parser
 * state or per idb read. */
struct fl_ignition_cls;
struct fl_ignition_cls *fl_ignition_cls_new(struct fl_err *err);
void fl_ignition_cls_free(struct fl_ignition_cls *c);

/* Classifies one record whose whole text (all lines) is text[0..n): sets ev->category
 * (unless the caller already set one), ev->code, and the attrs status_hex, endpoint, peer,
 * port, http_status and gateway_error. Views point into text or into arena (borrowed: both
 * must outlive the event's emission). */
void fl_ignition_cls_apply(struct fl_ignition_cls *c, const char *text, size_t n,
                           struct fl_arena *arena, struct fl_event *ev);

/* Severity of a logback level (ignition.md §6 rule 1): "E"/"ERROR" error, "W"/"WARN"
 * warning, "I"/"INFO" info, "D"/"DEBUG" and "T"/"TRACE" debug. False if p is none of them. */
bool fl_ignition_logback_severity(const char *p, size_t n, enum fl_severity *sev);

/* Adds one MDC pair as an attribute (key as written); connection-name is also written as
 * attrs.connection. key and val are borrowed. */
void fl_ignition_attr_mdc(struct fl_event *ev, struct fl_str key, struct fl_str val);

#endif
