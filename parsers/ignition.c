/* parsers/ignition.c: Ignition gateway wrapper.log (and copies of it) -> events.
 *
 * formats/ignition.md is the spec; its [RULE]s are implemented as written. A line is taken
 * apart outside in: a log viewer's prefix (L6) is stripped, then the wrapper prefix (L1 host
 * install, L4 container, L5 container without time), then the body is read (L2 logback 8.x,
 * L3 logback 7.x, L7 logback status, or plain text); unprefixed lines may also be a copy of
 * the gateway's web page (L8). A torn line (L9: a dying JVM's half line with the restarted
 * wrapper's line glued on) is split in two records. Records span lines by §4's rule (same
 * stream, stack shapes, exception headers, same wrapper second after a logback line).
 *
 * Where the note leaves a choice open, this module decides (and the cases in
 * tests/cases/ignition/ pin it down):
 *  - no layout (unparsed): a line that starts with a wrapper level column and '|' but has no
 *    complete prefix, or an unprefixed line holding C0 control bytes (binary junk); every
 *    other unprefixed line is plain text, which is a layout of its own;
 *  - a Kubernetes viewer prefix is stripped only in front of a container line (its shape
 *    alone is too common); the Docker Desktop one always;
 *  - MDC values may hold spaces (connection names do), and an L2 line ending in a space had
 *    an empty MDC (the pattern is "%m %X");
 *  - a torn head's message is its text, right-trimmed; attrs.exception also names a packaged
 *    java.lang.Exception/Throwable, which rule 4.2's regex leaves out;
 *  - code is the first status named; the status that decides the category may be another
 *    (an untrusted certificate wins over Bad_SecurityChecksFailed).
 *
 * The module's other files (parsers/ignition.h lists them) hold the hand matchers for the
 * layouts and the stack shapes (parsers/ignition_layout.c), and the classification this
 * parser shares with the system_logs.idb reader (parsers/ignition_cls.c). This file frames
 * records and fills their events.
 *
 * Speed: every line of a wrapper.log goes through here (the bench pushes 2M lines), so the
 * hot layouts are matched by hand (parsers/ignition_layout.c says how they stay exact).
 * PCRE2 (JIT) is used for the rare torn-line search and, through parsers/catalog.c, for the
 * category table, behind a literal prefilter. No line allocates: a record's first line is
 * copied once into a per-record arena that the event's views point into, continuation lines
 * go to one reused buffer, and both are reset per record. Classification (catalog, status
 * codes, attrs) runs once per record. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/ignition.h"
#include "parsers/parser.h"
#include "parsers/ptime.h"
#include "schemas/event.h"

#define SOURCE "ignition"
#define MAX_RECORD_LINES 1000          /* ignition.md §4 */
#define MAX_RECORD_BYTES (16u << 20)   /* joined text of one record; past it lines still count */
#define ARENA_BLOCK_BYTES (64u << 10)
#define PROBE_MAX_LINES 40

/* ---------------------------------------------------------------------------------------
 * L9 torn lines (PCRE2: a search anywhere in the line, rare). */

static const char torn_pattern[] =
    "(?:STATUS|INFO|WARN|ERROR|ADVICE|FATAL)\\s*\\| (?:wrapper|jvm \\d+)\\s*\\| "
    "\\d{4}/\\d{2}/\\d{2} ";
static pcre2_code *torn_code; /* immutable once built: shared by every parser state */
static pthread_once_t torn_once = PTHREAD_ONCE_INIT;

static void torn_compile(void)
{
    int errcode;
    PCRE2_SIZE erroff;
    /* Byte mode: the pattern is ASCII, and any bytes may come in without failing a match. */
    torn_code = pcre2_compile((PCRE2_SPTR)torn_pattern, PCRE2_ZERO_TERMINATED, 0, &errcode,
                              &erroff, NULL);
    if (torn_code)
        (void)pcre2_jit_compile(torn_code, PCRE2_JIT_COMPLETE);
}

/* ---------------------------------------------------------------------------------------
 * Parser state and records. */

struct ign_rec {
    bool is_open;
    bool is_prefixed;     /* stream: the wsrc column, or unprefixed */
    char wsrc[32];
    size_t wsrc_len;
    bool has_wdt;         /* rule 3 needs the first line's wrapper date-time */
    char wdt[19];
    bool is_logback;      /* the first line had an L2/L3 body (rule 3) */
    bool sev_by_lines;    /* §6 rule 3: error if any line is a stack line */
    bool has_stack_line;
    bool is_multi;        /* continuation lines joined in st->text */
    size_t msg_off;       /* message start in st->text */
    struct fl_str body;   /* first line's body (arena) */
    struct fl_str msg;    /* first line's message (arena) */
    struct fl_str exception;
};

struct ign_state {
    const struct fl_tz *tz;
    struct fl_tzfold fold;
    bool has_last_wdt;    /* one-entry cache: consecutive lines share their second */
    char last_wdt[19];
    bool last_wdt_ok;
    int64_t last_wdt_utc;
    struct fl_ignition_cls *cls;
    pcre2_match_data *md;
    struct fl_arena arena;  /* the open record's strings; reset per record */
    struct fl_buf text;     /* the open record's joined lines when it has several */
    struct fl_event ev;     /* the open record */
    struct fl_event aux;    /* unparsed lines and torn heads */
    struct ign_rec r;
    uint32_t pending_empty; /* empty unprefixed lines since the last line of the record */
};

static unsigned num(const char *p, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned)(p[i] - '0');
    return v;
}

/* Wrapper date-time "yyyy/MM/dd HH:mm:ss" in --tz to UTC ms. False if not a valid time. */
static bool wdt_to_utc(struct ign_state *st, const char *p, int64_t *utc)
{
    if (st->has_last_wdt && memcmp(st->last_wdt, p, 19) == 0) {
        *utc = st->last_wdt_utc;
        return st->last_wdt_ok;
    }
    int64_t y = num(p, 4);
    unsigned mo = num(p + 5, 2), d = num(p + 8, 2);
    unsigned h = num(p + 11, 2), mi = num(p + 14, 2), s = num(p + 17, 2);
    bool ok = fl_civil_valid(y, mo, d, h, mi, s);
    int64_t u = 0;
    if (ok)
        fl_tz_to_utc(st->tz, &st->fold, fl_civil_ms(y, mo, d, h, mi, s, 0), &u);
    memcpy(st->last_wdt, p, 19);
    st->has_last_wdt = true;
    st->last_wdt_ok = ok;
    st->last_wdt_utc = u;
    *utc = u;
    return ok;
}

/* L8 date-time "ddMMMyyyy HH:mm:ss" (English month) in --tz to UTC ms. */
static bool l8_to_utc(struct ign_state *st, const char *p, int64_t *utc)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    unsigned mo = 0;
    for (unsigned k = 0; k < 12; k++)
        if (memcmp(months + 3 * k, p + 2, 3) == 0)
            mo = k + 1;
    int64_t y = num(p + 5, 4);
    unsigned d = num(p, 2), h = num(p + 10, 2), mi = num(p + 13, 2), s = num(p + 16, 2);
    if (!mo || !fl_civil_valid(y, mo, d, h, mi, s))
        return false;
    fl_tz_to_utc(st->tz, &st->fold, fl_civil_ms(y, mo, d, h, mi, s, 0), utc);
    return true;
}

static struct fl_str rebase(struct fl_str v, const char *from, const char *to)
{
    if (v.len == 0)
        return FL_STR_NULL;
    return (struct fl_str){to + (v.p - from), v.len};
}

/* Component of a prefixed line without a logback body (§7): the wrapper source. */
static struct fl_str component_of(const struct ign_line *li)
{
    if (fl_str_eq(li->wsrc, "wrapper"))
        return FL_STR_LIT("wrapper");
    if (fl_str_eq(li->wsrc, "init"))
        return FL_STR_LIT("init");
    return FL_STR_LIT("stdout");
}

/* Severity of the wrapper level column (§6 rule 2). */
static enum fl_severity wrapper_severity(struct fl_str w)
{
    if (fl_str_eq(w, "FATAL"))
        return FL_SEV_CRITICAL;
    if (fl_str_eq(w, "ERROR"))
        return FL_SEV_ERROR;
    if (fl_str_eq(w, "WARN"))
        return FL_SEV_WARNING;
    if (fl_str_eq(w, "ADVICE") || fl_str_eq(w, "NOTICE"))
        return FL_SEV_NOTICE;
    if (fl_str_eq(w, "DEBUG"))
        return FL_SEV_DEBUG;
    return FL_SEV_INFO; /* STATUS, INFO */
}

/* Emits the open record, if any, and clears it. */
static int rec_emit(struct ign_state *st, const struct fl_sink *sink)
{
    struct ign_rec *r = &st->r;
    if (!r->is_open)
        return 0;
    struct fl_event *ev = &st->ev;
    const char *cls_text;
    size_t cls_len;
    if (r->is_multi && st->text.data) { /* no data only if the first append failed (OOM) */
        ev->message = fl_str_make(st->text.data + r->msg_off, st->text.len - r->msg_off);
        cls_text = st->text.data;
        cls_len = st->text.len;
    } else {
        ev->message = r->msg;
        cls_text = r->body.p;
        cls_len = r->body.len;
    }
    if (r->sev_by_lines)
        ev->severity = r->has_stack_line ? FL_SEV_ERROR : FL_SEV_INFO;
    if (r->exception.len)
        fl_event_attr_str(ev, "exception", r->exception);
    fl_ignition_cls_apply(st->cls, cls_text, cls_len, &st->arena, ev);
    int rc = sink->emit(sink->ctx, ev);
    r->is_open = false;
    r->is_multi = false;
    fl_arena_reset(&st->arena);
    fl_buf_reset(&st->text);
    return rc;
}

static bool is_stack_or_header(const char *p, size_t n)
{
    return fl_ignition_is_stack_line(p, n) || fl_ignition_is_exception_header(p, n, NULL);
}

/* A view of li rebased into the record's copy of its line: line is the decoded line li's
 * views point into, base the copy (in the arena) that the event may point into. */
#define RB(v) rebase((v), line, base)

/* Severity (§6), component (§7) and exception class of a record's first line. */
static void rec_first_fields(struct ign_state *st, const struct ign_line *li, const char *line,
                             const char *base)
{
    struct ign_rec *r = &st->r;
    struct fl_event *ev = &st->ev;
    enum fl_severity sev;
    r->sev_by_lines = false;
    if (li->level.len && fl_ignition_logback_severity(li->level.p, li->level.len, &sev)) {
        ev->severity = sev;
        ev->severity_raw = RB(li->level);
    } else if (li->pfx == PFX_L1 && fl_str_eq(li->wsrc, "wrapper")) {
        ev->severity = wrapper_severity(li->wlevel);
        ev->severity_raw = RB(li->wlevel);
    } else {
        r->sev_by_lines = true;
    }
    size_t hdr_len;
    bool is_header = fl_ignition_is_exception_header(li->msg.p, li->msg.len, &hdr_len);
    r->has_stack_line = is_header || fl_ignition_is_stack_line(li->msg.p, li->msg.len);
    switch (li->kind) {
    case BODY_L2:
    case BODY_L3:
    case BODY_L8:
        ev->component = RB(li->logger);
        break;
    case BODY_L7:
        ev->component = FL_STR_LIT("logback");
        break;
    case BODY_PLAIN:
        if (li->pfx != PFX_NONE)
            ev->component = component_of(li);
        else if (is_header)
            ev->component = RB(fl_str_make(li->msg.p, hdr_len));
        break;
    }
    struct fl_str exc;
    if (is_header)
        r->exception = RB(fl_str_make(li->msg.p, hdr_len));
    else if (fl_ignition_line_exception(li->msg.p, li->msg.len, &exc))
        r->exception = RB(exc);
}

/* The message of a record's first line, and the attrs it carries (§7). */
static void rec_first_message(struct ign_state *st, const struct ign_line *li, const char *line,
                              const char *base)
{
    struct fl_event *ev = &st->ev;
    /* L2 loses its MDC pairs (to attrs) and its trailing space. */
    struct fl_str msg = RB(li->msg);
    if (li->kind == BODY_L2) {
        size_t s = fl_ignition_mdc_start(msg.p, msg.len);
        if (s < msg.len)
            fl_ignition_mdc_to_attrs(ev, msg.p + s + 1, msg.len - s - 1);
        msg = rtrim(fl_str_make(msg.p, s));
    }
    st->r.msg = msg;

    if (li->wsrc.len > 4 && li->wsrc.p[0] == 'j')
        fl_event_attr_str(ev, "jvm", fl_str_make(RB(li->wsrc).p + 4, li->wsrc.len - 4));
    if (li->wlevel.len)
        fl_event_attr_str(ev, "wrapper_level", RB(li->wlevel));
    if (li->btime.len)
        fl_event_attr_str(ev, "body_time", RB(li->btime));
    if (li->viewer_ts.len)
        fl_event_attr_str(ev, "viewer_ts", RB(li->viewer_ts));
}

/* Opens a record with li as its first line. line/line_len: the whole decoded line li's
 * views point into (copied once into the arena). */
static int rec_start(struct ign_state *st, const char *line, size_t line_len,
                     const struct ign_line *li, uint64_t off, uint64_t end)
{
    struct ign_rec *r = &st->r;
    struct fl_event *ev = &st->ev;
    fl_event_reset(ev);
    ev->source = SOURCE;
    ev->offset = off;
    ev->end_offset = end;
    ev->lines = 1;

    struct fl_str copy = fl_arena_dup(&st->arena, line, line_len);
    if (copy.len != line_len)
        return FL_ENOMEM;
    const char *base = copy.p;

    r->is_open = true;
    r->is_multi = false;
    r->is_prefixed = li->pfx != PFX_NONE;
    r->wsrc_len = li->wsrc.len < sizeof r->wsrc ? li->wsrc.len : sizeof r->wsrc;
    if (r->wsrc_len)
        memcpy(r->wsrc, li->wsrc.p, r->wsrc_len);
    r->has_wdt = li->wdt.len == 19;
    if (r->has_wdt)
        memcpy(r->wdt, li->wdt.p, 19);
    r->is_logback = li->kind == BODY_L2 || li->kind == BODY_L3;
    r->body = RB(li->body);
    r->exception = FL_STR_NULL;

    /* Time (§5): the wrapper date-time, or L8's; else undated with the body time as ts_raw. */
    if (r->has_wdt) {
        ev->ts_raw = RB(li->wdt);
        ev->has_ts = wdt_to_utc(st, li->wdt.p, &ev->ts_ms);
    } else if (li->kind == BODY_L8) {
        ev->ts_raw = RB(li->l8_dt);
        ev->has_ts = l8_to_utc(st, li->l8_dt.p, &ev->ts_ms);
    } else {
        ev->ts_raw = RB(li->btime);
    }
    rec_first_fields(st, li, line, base);
    rec_first_message(st, li, line, base);
    return 0;
}
#undef RB

/* Appends a continuation line's body to the open record. */
static int rec_append(struct ign_state *st, const struct fl_line *ln, struct fl_str body)
{
    struct ign_rec *r = &st->r;
    struct fl_buf *t = &st->text;
    if (!r->is_multi) {
        fl_buf_reset(t);
        bool msg_is_body = r->msg.p == r->body.p;
        if (!msg_is_body) {
            (void)fl_buf_append(t, r->body.p, r->body.len);
            (void)fl_buf_putc(t, '\n');
        }
        r->msg_off = t->len;
        (void)fl_buf_append(t, r->msg.p, r->msg.len);
        r->is_multi = true;
    }
    /* Past the record's byte limit text is dropped, never the line count or offsets. */
    for (uint32_t k = 0; k < st->pending_empty; k++)
        (void)fl_buf_putc(t, '\n');
    if (fl_buf_reserve(t, body.len + 1) == 0) {
        (void)fl_buf_putc(t, '\n');
        (void)fl_buf_append(t, body.p, body.len);
    }
    st->ev.lines += st->pending_empty + 1;
    st->ev.end_offset = ln->raw_end;
    st->pending_empty = 0;
    if (!r->has_stack_line && is_stack_or_header(body.p, body.len))
        r->has_stack_line = true;
    struct fl_str exc;
    if (!r->exception.len && fl_ignition_line_exception(body.p, body.len, &exc))
        r->exception = fl_arena_dup(&st->arena, exc.p, exc.len);
    return 0;
}

/* §4: does li continue the open record? */
static bool continues(const struct ign_state *st, const struct ign_line *li)
{
    const struct ign_rec *r = &st->r;
    if (!r->is_open || st->ev.lines + st->pending_empty >= MAX_RECORD_LINES)
        return false;
    if (li->kind != BODY_PLAIN) /* an L2/L3/L7 (and L8) line always starts a record */
        return false;
    bool is_prefixed = li->pfx != PFX_NONE;
    if (is_prefixed != r->is_prefixed)
        return false;
    if (is_prefixed &&
        (li->wsrc.len != r->wsrc_len || memcmp(li->wsrc.p, r->wsrc, r->wsrc_len) != 0))
        return false;
    const char *b = li->body.p;
    size_t n = li->body.len;
    if (fl_ignition_is_stack_line(b, n) || fl_ignition_is_exception_header(b, n, NULL))
        return true;
    return r->is_logback && r->has_wdt && li->wdt.len == 19 && memcmp(li->wdt.p, r->wdt, 19) == 0;
}

/* Raw offset of position pos of the decoded line: equal bytes for UTF-8 text; one raw byte
 * per character for a Windows-1252 line; two per UTF-16 code unit for UTF-16 (its ASCII
 * bytes pair with NULs, which 8-bit text never holds). */
static uint64_t raw_offset_of(const struct fl_line *ln, size_t pos)
{
    if (ln->raw_len >= pos && memcmp(ln->raw, ln->text, pos) == 0)
        return ln->raw_off + pos;
    const unsigned char *t = (const unsigned char *)ln->text;
    uint64_t units = 0, chars = 0;
    for (size_t i = 0; i < pos; i++) {
        if ((t[i] & 0xC0) == 0x80)
            continue;
        chars++;
        units += t[i] >= 0xF0 ? 2 : 1;
    }
    if (memchr(ln->raw, 0, ln->raw_len))
        return ln->raw_off + 2 * units;
    return ln->raw_off + chars;
}

/* L9 head: a record of its own (attrs.torn, service.crash, info), dated by its own wrapper
 * date-time when that is complete. */
static int emit_torn_head(struct ign_state *st, const struct fl_line *ln, struct fl_str head,
                          struct fl_str viewer_ts, uint64_t off, uint64_t end,
                          const struct fl_sink *sink)
{
    struct fl_event *ev = &st->aux;
    fl_event_reset(ev);
    ev->source = SOURCE;
    ev->offset = off;
    ev->end_offset = end;
    ev->lines = 1;
    struct fl_str copy = fl_arena_dup(&st->arena, ln->text, ln->len);
    if (copy.len != ln->len)
        return FL_ENOMEM;
    head = rebase(head, ln->text, copy.p);
    viewer_ts = rebase(viewer_ts, ln->text, copy.p);

    /* The complete part of a wrapper prefix: level | wsrc | date time, or wsrc | date time. */
    struct ign_line li = {0};
    if (fl_ignition_match_torn_head(head.p, head.len, &li)) {
        if (li.wdt.len) {
            ev->ts_raw = li.wdt;
            ev->has_ts = wdt_to_utc(st, ev->ts_raw.p, &ev->ts_ms);
        }
        ev->component = component_of(&li);
        if (li.wsrc.len > 4 && li.wsrc.p[0] == 'j')
            fl_event_attr_str(ev, "jvm", fl_str_make(li.wsrc.p + 4, li.wsrc.len - 4));
        if (li.wlevel.len)
            fl_event_attr_str(ev, "wrapper_level", li.wlevel);
    }
    ev->severity = FL_SEV_INFO;
    ev->category = "service.crash";
    ev->message = rtrim(head);
    fl_event_attr_bool(ev, "torn", true);
    if (viewer_ts.len)
        fl_event_attr_str(ev, "viewer_ts", viewer_ts);
    fl_ignition_cls_apply(st->cls, ev->message.p, ev->message.len, &st->arena, ev);
    int rc = sink->emit(sink->ctx, ev);
    fl_arena_reset(&st->arena);
    return rc;
}

/* Where a torn line's embedded wrapper prefix starts (> 0), or 0. */
static size_t torn_split(struct ign_state *st, const char *p, size_t n)
{
    if (!torn_code || n < 20 || !memchr(p + 1, '|', n - 1) || !memchr(p, '/', n))
        return 0;
    int rc = pcre2_match(torn_code, (PCRE2_SPTR)p, n, 1, 0, st->md, NULL);
    if (rc < 0)
        return 0;
    return (size_t)pcre2_get_ovector_pointer(st->md)[0];
}

/* Empties li for the text p[0..n) (field by field: cheaper than zeroing the struct on
 * every line). */
static inline void line_init(struct ign_line *li, struct fl_str viewer_ts, const char *p, size_t n)
{
    li->viewer_ts = viewer_ts;
    li->text = fl_str_make(p, n);
    li->pfx = PFX_NONE;
    li->wlevel = li->wsrc = li->wdt = li->body = FL_STR_NULL;
    li->kind = BODY_PLAIN;
    li->level = li->logger = li->btime = li->l8_dt = li->msg = FL_STR_NULL;
}

/* An unparsed event for the line, or for a torn line's tail (its own offset, so that its id
 * differs from the head's). */
static int emit_unparsed(struct ign_state *st, const struct fl_line *ln, struct fl_str text,
                         uint64_t off, const struct fl_sink *sink)
{
    int rc = rec_emit(st, sink);
    st->pending_empty = 0;
    if (rc != 0)
        return rc;
    if (off == ln->raw_off)
        return fl_parser_emit_unparsed(SOURCE, ln, &st->aux, sink);
    fl_event_reset(&st->aux);
    fl_event_set_unparsed(&st->aux, SOURCE, text);
    st->aux.offset = off;
    st->aux.end_offset = ln->raw_end;
    st->aux.lines = 1;
    return sink->emit(sink->ctx, &st->aux);
}

/* One line, or the tail of a torn line (p/n inside ln->text, raw offset off). */
static int feed_text(struct ign_state *st, const struct fl_line *ln, const char *p, size_t n,
                     struct fl_str viewer_ts, uint64_t off, const struct fl_sink *sink)
{
    for (;;) {
        struct ign_line li;
        line_init(&li, viewer_ts, p, n);
        bool has_prefix_l14 = fl_ignition_match_l1(p, n, &li);
        if (!has_prefix_l14) {
            line_init(&li, viewer_ts, p, n);
            has_prefix_l14 = fl_ignition_match_l4_l5(p, n, false, &li);
        }
        if (!has_prefix_l14) {
            size_t split = torn_split(st, p, n);
            if (split) {
                uint64_t tail_off = raw_offset_of(ln, (size_t)(p + split - ln->text));
                int rc = rec_emit(st, sink);
                if (rc == 0)
                    rc = emit_torn_head(st, ln, fl_str_make(p, split), viewer_ts, off,
                                        tail_off, sink);
                if (rc != 0)
                    return rc;
                st->pending_empty = 0;
                p += split;
                n -= split;
                off = tail_off;
                continue;
            }
            line_init(&li, viewer_ts, p, n);
            if (!fl_ignition_match_l4_l5(p, n, true, &li)) {
                if (fl_ignition_has_no_layout(p, n))
                    return emit_unparsed(st, ln, fl_str_make(p, n), off, sink);
                li.pfx = PFX_NONE;
                li.body = li.text;
            }
        }
        fl_ignition_read_body(&li);
        if (continues(st, &li))
            return rec_append(st, ln, li.body);
        int rc = rec_emit(st, sink);
        st->pending_empty = 0;
        if (rc != 0)
            return rc;
        return rec_start(st, ln->text, ln->len, &li, off, ln->raw_end);
    }
}

static int ign_feed(void *vst, const struct fl_line *ln, const struct fl_sink *sink)
{
    struct ign_state *st = vst;
    const char *p = ln->text;
    size_t n = ln->len;
    struct fl_str viewer_ts = FL_STR_NULL;
    size_t strip = fl_ignition_match_viewer(p, n, &viewer_ts);
    p += strip;
    n -= strip;
    if (n == 0) {
        /* An empty unprefixed line is no record; kept only if the record goes on (DESIGN.md). */
        if (st->r.is_open)
            st->pending_empty++;
        return 0;
    }
    return feed_text(st, ln, p, n, viewer_ts, ln->raw_off, sink);
}

static int ign_flush(void *vst, const struct fl_sink *sink)
{
    struct ign_state *st = vst;
    st->pending_empty = 0;
    return rec_emit(st, sink);
}

static void ign_close(void *vst)
{
    struct ign_state *st = vst;
    if (!st)
        return;
    fl_ignition_cls_free(st->cls);
    pcre2_match_data_free(st->md);
    fl_arena_free(&st->arena);
    fl_buf_free(&st->text);
    free(st);
}

static void *ign_open(const struct fl_parser_cfg *cfg, struct fl_err *err)
{
    pthread_once(&torn_once, torn_compile);
    if (!torn_code) {
        fl_err_set(err, cfg ? cfg->file : NULL, 0, UINT64_MAX,
                   "ignition: cannot compile the torn-line pattern");
        return NULL;
    }
    struct ign_state *st = calloc(1, sizeof *st);
    if (!st)
        goto out_nomem;
    st->tz = cfg && cfg->tz ? cfg->tz : fl_tz_utc();
    fl_tzfold_init(&st->fold);
    fl_arena_init(&st->arena, ARENA_BLOCK_BYTES);
    fl_buf_init(&st->text, MAX_RECORD_BYTES);
    st->md = pcre2_match_data_create_from_pattern(torn_code, NULL);
    if (!st->md)
        goto out_nomem;
    st->cls = fl_ignition_cls_new(err);
    if (!st->cls) {
        ign_close(st);
        return NULL;
    }
    return st;
out_nomem:
    fl_err_set(err, cfg ? cfg->file : NULL, 0, UINT64_MAX, "ignition: out of memory");
    ign_close(st);
    return NULL;
}

/* --source auto: the share of the first lines in an Ignition layout. Wrapper and container
 * prefixes (L1, L4, L5, a torn L9 line; behind a viewer prefix too) are distinctive; bare
 * logback bodies and web copies (L8) count for less. Plain text never counts: every source
 * has it. */
static int ign_probe(const uint8_t *raw, size_t raw_len, const struct fl_line *lines,
                     size_t n_lines)
{
    size_t strong = 0, weak = 0, total = 0;
    pthread_once(&torn_once, torn_compile);
    pcre2_match_data *md = torn_code ? pcre2_match_data_create_from_pattern(torn_code, NULL) : NULL;
    for (size_t k = 0; k < n_lines && total < PROBE_MAX_LINES; k++) {
        const char *p = lines[k].text;
        size_t n = lines[k].len;
        struct fl_str vts;
        size_t strip = fl_ignition_match_viewer(p, n, &vts);
        p += strip;
        n -= strip;
        if (n == 0)
            continue;
        total++;
        struct ign_line li = {0};
        if (fl_ignition_match_l1(p, n, &li) || fl_ignition_match_l4_l5(p, n, false, &li)) {
            strong++;
            continue;
        }
        if (md && n >= 20 && memchr(p + 1, '|', n - 1) &&
            pcre2_match(torn_code, (PCRE2_SPTR)p, n, 1, 0, md, NULL) >= 0) {
            strong++;
            continue;
        }
        memset(&li, 0, sizeof li);
        if (fl_ignition_match_l4_l5(p, n, true, &li)) {
            strong++; /* "jvm N |", "wrapper |", "init |": no other source starts so */
            continue;
        }
        li.body = fl_str_make(p, n);
        fl_ignition_read_body(&li);
        if (li.kind != BODY_PLAIN)
            weak++;
    }
    pcre2_match_data_free(md);
    if (total == 0 || strong + weak == 0)
        return 0;
    unsigned share = (unsigned)(100 * (strong + weak) / total);
    if (strong)
        return (int)(60 + share * 40 / 100);
    return (int)(20 + share * 40 / 100);
}

extern const struct fl_parser fl_parser_ignition;
const struct fl_parser fl_parser_ignition = {
    .source = SOURCE,
    .is_binary = false,
    .probe = ign_probe,
    .open = ign_open,
    .feed = ign_feed,
    .flush = ign_flush,
    .close = ign_close,
};
