/* parsers/ftdiag.c: Rockwell FactoryTalk Diagnostics (formats/ftdiag.md).
 *
 * Three input shapes, told apart per line (note §3):
 *  - Diagnostics Viewer exports (TSV or CSV, header-driven). The header row names the columns
 *    and their order and decides the delimiter (TAB if the row has one, else comma). Fields may
 *    be quoted ("" inside quotes is one quote) and may hold line breaks: a record then spans
 *    lines until its quotes balance, joined with '\n'. The export layout is unconfirmed, so a
 *    configured layout (DESIGN.md "Configurable layouts", cfg->layout) replaces the built-in
 *    one: a csv layout fixes delimiter, quote and column names (header:false takes 1-based
 *    column numbers), a line layout (pattern/ts_format/continuation, parsers/layout.h) frames
 *    by regex.
 *  - Windows events of the provider forwarded as JSON lines (NXLog im_msvistalog, Winlogbeat):
 *    a line starting with '{' before any header row (parsers/ftdiag_json.c).
 *  - Bare message lines (the corpus *.msg.txt fixtures): any other line before a header row is
 *    one message with no time (ts = ingest), severity from the text (note §5.2).
 * This file frames records and maps columns; what a record's text means (time, severity,
 * category, code, attrs) is parsers/ftdiag_classify.c's, shared by all three shapes. The
 * delimited path allocates nothing per record: the open record, unescaped fields and the
 * per-record arena are reused.
 *
 * What it leaves to others: decoding and line splitting (parsers/decode.c), ids, file and
 * configured host/cell (parsers/stream.c). .evtx files are not read here (no dependency). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/ftdiag.h"
#include "parsers/layout.h"
#include "parsers/parser.h"

/* A record whose quotes never balance is cut here and emitted unparsed: a stray quote must
 * not swallow the rest of the file. */
#define MAX_REC_LINES 1000
#define MAX_REC_BYTES (1024u * 1024u)

/* Note §3.1, plus "Computer": DESIGN.md names an FTDiag Computer column as the host. */
static const struct ftd_colname builtin_cols[] = {
    {"Date/Time", R_DATETIME}, {"Date and Time", R_DATETIME},
    {"Date", R_DATE},          {"Time", R_TIME},
    {"Severity", R_SEVERITY},  {"Audience", R_AUDIENCE},
    {"Message", R_MESSAGE},    {"Location", R_LOCATION},
    {"Computer", R_LOCATION},  {"Provider", R_PROVIDER},
    {"User", R_USER},          {"User Description", R_USER_DESC},
    {"Area", R_AREA},
};
#define N_BUILTIN (sizeof builtin_cols / sizeof builtin_cols[0])
/* A csv layout names up to 7 columns; the built-in names follow them (open_csv_layout). */
_Static_assert(N_BUILTIN + 7 <= FTD_MAX_NAMES, "room for a layout's names");

static bool is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

/* ---- fields ---- */

/* Splits one complete record into fields. Unquoted fields are views into p; quoted ones are
 * unescaped into out, which has room for n bytes (an unescaped field is never longer than its
 * quoted form, so out never moves while views into it are taken). Returns the field count,
 * at most max (extra columns are ignored). */
static size_t split_fields(const char *p, size_t n, char delim, char quote, char *out,
                           struct fl_str *fields, size_t max)
{
    size_t nf = 0, i = 0, o = 0;
    for (;;) {
        struct fl_str f;
        if (i < n && p[i] == quote && quote) {
            size_t start = o;
            i++;
            while (i < n) {
                if (p[i] == quote) {
                    if (i + 1 < n && p[i + 1] == quote) {
                        out[o++] = quote;
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                out[o++] = p[i++];
            }
            /* Text after the closing quote (malformed, but seen) stays in the field. */
            while (i < n && p[i] != delim)
                out[o++] = p[i++];
            f = fl_str_make(out + start, o - start);
        } else {
            const char *d = i < n ? memchr(p + i, delim, n - i) : NULL;
            size_t end = d ? (size_t)(d - p) : n;
            f = fl_str_make(p + i, end - i);
            i = end;
        }
        if (nf < max)
            fields[nf++] = f;
        if (i >= n)
            break;
        i++; /* the delimiter */
    }
    return nf;
}

/* Advances the framer over one line of a record; the state at the end says whether the line
 * break sits inside a quoted field (Q_QUOTED: the record continues). */
static enum ftd_qstate scan_quotes(enum ftd_qstate q, const char *p, size_t n, char delim,
                                   char quote)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        switch (q) {
        case Q_FIELD_START:
            if (c == quote)
                q = Q_QUOTED;
            else if (c != delim)
                q = Q_UNQUOTED;
            break;
        case Q_UNQUOTED:
            if (c == delim)
                q = Q_FIELD_START;
            break;
        case Q_QUOTED:
            if (c == quote)
                q = Q_QUOTE_SEEN;
            break;
        case Q_QUOTE_SEEN: /* "" is an escaped quote; anything else closed the field */
            if (c == quote)
                q = Q_QUOTED;
            else if (c == delim)
                q = Q_FIELD_START;
            else
                q = Q_UNQUOTED;
            break;
        }
    }
    return q;
}

/* ---- header rows ---- */

static int name_role(const struct ftd_colname *names, size_t n_names, struct fl_str s)
{
    s = ftd_trim(s);
    for (size_t k = 0; k < n_names; k++)
        if (ftd_ci_eqn(s.p, s.len, names[k].name))
            return (int)names[k].role;
    return -1;
}

struct colmap {
    int col_of[R_N];
    int n_roles;
    bool is_specific; /* a name no other vendor's header uses */
};

/* Reads p as a header row; true when it names the columns of an export. delim 0: detect. */
static bool header_parse(const char *p, size_t n, char delim, char quote,
                         const struct ftd_colname *names, size_t n_names, int min_roles,
                         char *delim_out, struct colmap *cm)
{
    char out[4096];
    struct fl_str f[FTD_MAX_COLS];
    if (n == 0 || n > sizeof out)
        return false;
    if (!delim)
        delim = memchr(p, '\t', n) ? '\t' : ',';
    size_t nf = split_fields(p, n, delim, quote, out, f, FTD_MAX_COLS);
    for (int r = 0; r < R_N; r++)
        cm->col_of[r] = -1;
    cm->n_roles = 0;
    cm->is_specific = false;
    for (size_t k = 0; k < nf; k++) {
        int r = name_role(names, n_names, f[k]);
        if (r < 0 || cm->col_of[r] >= 0)
            continue; /* unknown column, or the role is taken by an earlier one */
        cm->col_of[r] = (int)k;
        cm->n_roles++;
        struct fl_str t = ftd_trim(f[k]);
        if (r == R_AUDIENCE || r == R_PROVIDER || r == R_USER_DESC ||
            ftd_ci_eqn(t.p, t.len, "Date/Time") || ftd_ci_eqn(t.p, t.len, "Date and Time"))
            cm->is_specific = true;
    }
    if (cm->col_of[R_MESSAGE] < 0 || cm->n_roles < min_roles)
        return false;
    /* "Time" alone is the date-and-time column (the field's other name, note §2). */
    if (cm->col_of[R_DATETIME] < 0 && cm->col_of[R_DATE] < 0 && cm->col_of[R_TIME] >= 0) {
        cm->col_of[R_DATETIME] = cm->col_of[R_TIME];
        cm->col_of[R_TIME] = -1;
    }
    if (cm->col_of[R_DATETIME] >= 0)
        cm->col_of[R_DATE] = cm->col_of[R_TIME] = -1;
    *delim_out = delim;
    return true;
}

/* Cheap test first: a header row's first field is a column name; a data row's rarely is. */
static bool try_header(struct ftd *st, const char *p, size_t n)
{
    if (st->mode == M_PATTERN || !st->needs_header || st->is_open || n == 0)
        return false;
    char delim = st->is_delim_fixed ? st->delim : (memchr(p, '\t', n) ? '\t' : ',');
    const char *d = memchr(p, delim, n);
    struct fl_str first = fl_str_make(p, d ? (size_t)(d - p) : n);
    if (first.len && first.p[0] == st->quote && first.len >= 2 &&
        first.p[first.len - 1] == st->quote)
        first = fl_str_make(first.p + 1, first.len - 2);
    /* Rows mostly start with a date: no column name starts with a digit. */
    if (st->mode == M_ROWS && (first.len == 0 || ftd_is_digit(first.p[0]) ||
                               name_role(st->names, st->n_names, first) < 0))
        return false;
    if (st->mode == M_BARE && !memchr(p, delim, n))
        return false;
    struct colmap cm;
    char used;
    if (!header_parse(p, n, st->is_delim_fixed ? st->delim : 0, st->quote, st->names, st->n_names,
                      st->has_layout_names ? 2 : 3, &used, &cm))
        return false;
    memcpy(st->col_of, cm.col_of, sizeof st->col_of);
    st->delim = used;
    st->mode = M_ROWS;
    return true;
}

/* ---- emitting ---- */

static int emit_unparsed_text(struct ftd *st, struct fl_str text, uint64_t off, uint64_t end,
                              uint32_t lines, const struct fl_sink *sink)
{
    struct fl_event *ev = &st->ev;
    ftd_ev_begin(st, ev);
    fl_event_set_unparsed(ev, FTD_SOURCE, text);
    ftd_set_where(ev, off, end, lines);
    return sink->emit(sink->ctx, ev);
}

/* A bare message line (note §3.3). */
static int emit_bare(struct ftd *st, const struct fl_line *ln, const struct fl_sink *sink)
{
    struct fl_event *ev = &st->ev;
    ftd_ev_begin(st, ev);
    struct fl_str msg = fl_str_make(ln->text, ln->len);
    ev->message = msg;
    ev->severity = fl_ftdiag_sev_from_text(st, msg);
    fl_ftdiag_classify(st, ev, msg, false);
    ftd_set_where(ev, ln->raw_off, ln->raw_end, 1);
    return sink->emit(sink->ctx, ev);
}

static struct fl_str cell(const struct ftd *st, enum ftd_role r)
{
    int k = st->col_of[r];
    return (k >= 0 && (size_t)k < st->n_fields) ? st->fields[k] : FL_STR_NULL;
}

static void attr_if(struct fl_event *ev, const char *key, struct fl_str v)
{
    if (v.len)
        fl_event_attr_str(ev, key, v);
}

/* One complete delimited record text[0..n): fields -> event. */
static int emit_row(struct ftd *st, const char *text, size_t n, uint64_t off, uint64_t end,
                    uint32_t lines, const struct fl_sink *sink)
{
    struct fl_event *ev = &st->ev;
    fl_buf_reset(&st->fbuf);
    if (fl_buf_reserve(&st->fbuf, n + 1) != 0)
        return emit_unparsed_text(st, fl_str_make(text, n), off, end, lines, sink);
    st->n_fields =
        split_fields(text, n, st->delim, st->quote, st->fbuf.data, st->fields, FTD_MAX_COLS);
    ftd_ev_begin(st, ev);

    struct fl_str ts = cell(st, R_DATETIME);
    bool has_ts_col = st->col_of[R_DATETIME] >= 0 || st->col_of[R_DATE] >= 0;
    if (st->col_of[R_DATE] >= 0) {
        struct fl_str d = ftd_trim(cell(st, R_DATE)), t = ftd_trim(cell(st, R_TIME));
        ts = t.len ? fl_arena_printf(&st->arena, "%.*s %.*s", (int)d.len, d.p, (int)t.len, t.p) : d;
    }
    ts = ftd_trim(ts);
    if (has_ts_col && fl_ftdiag_set_time(st, ev, ts, true) != 0)
        return emit_unparsed_text(st, fl_str_make(text, n), off, end, lines, sink);

    struct fl_str msg = cell(st, R_MESSAGE);
    ev->message = msg;
    struct fl_str sev = ftd_trim(cell(st, R_SEVERITY));
    bool is_audit = false;
    int s = fl_ftdiag_sev_from_cell(sev, &is_audit);
    ev->severity_raw = sev;
    /* An empty or unknown Severity cell: the rule for messages without one (note §5.2). */
    ev->severity = s >= 0 ? (enum fl_severity)s : fl_ftdiag_sev_from_text(st, msg);
    if (is_audit)
        fl_event_attr_bool(ev, "audit", true);

    ev->component = ftd_trim(cell(st, R_PROVIDER));
    struct fl_str loc = ftd_trim(cell(st, R_LOCATION));
    ev->host = loc;
    attr_if(ev, "location", loc);
    attr_if(ev, "audience", ftd_trim(cell(st, R_AUDIENCE)));
    attr_if(ev, "user", ftd_trim(cell(st, R_USER)));
    attr_if(ev, "user_desc", ftd_trim(cell(st, R_USER_DESC)));
    attr_if(ev, "area", ftd_trim(cell(st, R_AREA)));
    struct fl_str code = ftd_trim(cell(st, R_CODE));
    if (code.len)
        ev->code = code;
    fl_ftdiag_classify(st, ev, msg, code.len > 0);
    ftd_set_where(ev, off, end, lines);
    return sink->emit(sink->ctx, ev);
}

/* ---- delimited framing ---- */

static void rec_drop(struct ftd *st)
{
    st->is_open = false;
    fl_buf_reset(&st->rec);
}

static int rec_emit_unparsed(struct ftd *st, const struct fl_sink *sink)
{
    int rc = emit_unparsed_text(st, fl_str_make(st->rec.data, st->rec.len), st->rec_off,
                                st->rec_end, st->rec_lines, sink);
    rec_drop(st);
    return rc;
}

static int feed_row_start(struct ftd *st, const struct fl_line *ln, const struct fl_sink *sink)
{
    /* The common case, a line with no quote, is a whole record. */
    if (!memchr(ln->text, st->quote, ln->len) ||
        scan_quotes(Q_FIELD_START, ln->text, ln->len, st->delim, st->quote) != Q_QUOTED)
        return emit_row(st, ln->text, ln->len, ln->raw_off, ln->raw_end, 1, sink);
    fl_buf_reset(&st->rec);
    if (fl_buf_append(&st->rec, ln->text, ln->len) != 0)
        return emit_row(st, ln->text, ln->len, ln->raw_off, ln->raw_end, 1, sink);
    st->is_open = true;
    st->q = Q_QUOTED;
    st->rec_off = ln->raw_off;
    st->rec_end = ln->raw_end;
    st->rec_lines = 1;
    return 0;
}

static int feed_row_more(struct ftd *st, const struct fl_line *ln, const struct fl_sink *sink)
{
    if (st->rec.len + 1 + ln->len > MAX_REC_BYTES || st->rec_lines + 1 > MAX_REC_LINES) {
        int rc = rec_emit_unparsed(st, sink);
        return rc ? rc : feed_row_start(st, ln, sink);
    }
    if (fl_buf_putc(&st->rec, '\n') != 0 || fl_buf_append(&st->rec, ln->text, ln->len) != 0)
        return FL_ENOMEM;
    st->rec_end = ln->raw_end;
    st->rec_lines++;
    st->q = scan_quotes(st->q, ln->text, ln->len, st->delim, st->quote);
    if (st->q == Q_QUOTED)
        return 0;
    st->is_open = false;
    return emit_row(st, st->rec.data, st->rec.len, st->rec_off, st->rec_end, st->rec_lines, sink);
}

/* ---- line layout ---- */

/* A field of the held record's first line; FL_STR_NULL when its group is absent or unset. */
static struct fl_str hfield(const struct ftd *st, enum fl_layout_field f)
{
    const struct fl_layout_span *s = &st->hhead.f[f];
    return s->is_set ? fl_str_make(st->hline.data + s->off, s->len) : FL_STR_NULL;
}

static int held_emit(struct ftd *st, const struct fl_sink *sink)
{
    if (!st->is_held)
        return 0;
    st->is_held = false;
    struct fl_event *ev = &st->ev;
    ftd_ev_begin(st, ev);
    struct fl_str ts = ftd_trim(hfield(st, FL_LF_TS));
    if (fl_layout_line_has(&st->lay, FL_LF_TS) && fl_ftdiag_set_time(st, ev, ts, true) != 0) {
        /* The whole record: first line, then the continuation lines after the message. */
        struct fl_str msg = fl_str_make(st->hmsg.data, st->hmsg.len);
        struct fl_str first = fl_str_make(st->hline.data, st->hline.len);
        const char *nl = memchr(msg.p, '\n', msg.len);
        struct fl_str all = nl ? fl_arena_printf(&st->arena, "%.*s%.*s", (int)first.len, first.p,
                                                 (int)(msg.len - (size_t)(nl - msg.p)), nl)
                               : first;
        return emit_unparsed_text(st, all, st->rec_off, st->rec_end, st->rec_lines, sink);
    }
    struct fl_str msg = fl_str_make(st->hmsg.data, st->hmsg.len);
    ev->message = msg;
    struct fl_str sev = ftd_trim(hfield(st, FL_LF_LEVEL));
    bool is_audit = false;
    int s = fl_ftdiag_sev_from_cell(sev, &is_audit);
    ev->severity_raw = sev;
    ev->severity = s >= 0 ? (enum fl_severity)s : fl_ftdiag_sev_from_text(st, msg);
    if (is_audit)
        fl_event_attr_bool(ev, "audit", true);
    ev->component = ftd_trim(hfield(st, FL_LF_COMPONENT));
    ev->host = ftd_trim(hfield(st, FL_LF_HOST));
    struct fl_str code = ftd_trim(hfield(st, FL_LF_CODE));
    if (code.len)
        ev->code = code;
    fl_ftdiag_classify(st, ev, msg, code.len > 0);
    ftd_set_where(ev, st->rec_off, st->rec_end, st->rec_lines);
    return sink->emit(sink->ctx, ev);
}

static int feed_pattern(struct ftd *st, const struct fl_line *ln, const struct fl_sink *sink)
{
    if (st->is_held && fl_layout_line_continues(&st->lay, ln->text, ln->len) &&
        st->hmsg.len + 1 + ln->len <= MAX_REC_BYTES && st->rec_lines < MAX_REC_LINES) {
        if (fl_buf_putc(&st->hmsg, '\n') != 0 || fl_buf_append(&st->hmsg, ln->text, ln->len) != 0)
            return FL_ENOMEM;
        st->rec_end = ln->raw_end;
        st->rec_lines++;
        return 0;
    }
    struct fl_layout_fields fields;
    if (!fl_layout_line_match(&st->lay, ln->text, ln->len, &fields)) {
        if (ln->len == 0)
            return 0; /* an empty line between records */
        int rc = held_emit(st, sink);
        return rc ? rc : fl_parser_emit_unparsed(FTD_SOURCE, ln, &st->ev, sink);
    }
    int rc = held_emit(st, sink);
    if (rc)
        return rc;
    fl_buf_reset(&st->hline);
    fl_buf_reset(&st->hmsg);
    if (fl_buf_append(&st->hline, ln->text, ln->len) != 0)
        return FL_ENOMEM;
    st->hhead = fields;
    struct fl_str msg = fl_layout_line_has(&st->lay, FL_LF_MESSAGE)
                            ? hfield(st, FL_LF_MESSAGE)
                            : fl_str_make(ln->text, ln->len);
    if (fl_buf_append(&st->hmsg, msg.p, msg.len) != 0)
        return FL_ENOMEM;
    st->is_held = true;
    st->rec_off = ln->raw_off;
    st->rec_end = ln->raw_end;
    st->rec_lines = 1;
    /* Without a continuation rule nothing can join: emit now rather than at the next line. */
    return st->lay.cont_re ? 0 : held_emit(st, sink);
}

/* ---- the parser interface ---- */

static bool ftdiag_is_header(void *vst, const struct fl_line *ln)
{
    return try_header(vst, ln->text, ln->len);
}

static int ftdiag_feed(void *vst, const struct fl_line *ln, const struct fl_sink *sink)
{
    struct ftd *st = vst;
    if (st->mode == M_PATTERN)
        return feed_pattern(st, ln, sink);
    if (st->is_open)
        return feed_row_more(st, ln, sink);
    if (is_blank(ln->text, ln->len))
        return 0; /* empty lines between records produce no event */
    /* The stream asks is_header first; this covers callers that do not. */
    if (try_header(st, ln->text, ln->len))
        return 0;
    if (st->mode == M_ROWS)
        return feed_row_start(st, ln, sink);
    size_t i = 0;
    while (i < ln->len && (ln->text[i] == ' ' || ln->text[i] == '\t'))
        i++;
    if (i < ln->len && ln->text[i] == '{')
        return fl_ftdiag_emit_json(st, ln, sink);
    return emit_bare(st, ln, sink);
}

static int ftdiag_flush(void *vst, const struct fl_sink *sink)
{
    struct ftd *st = vst;
    if (st->mode == M_PATTERN)
        return held_emit(st, sink);
    if (st->is_open)
        return rec_emit_unparsed(st, sink); /* a quote never closed before EOF */
    return 0;
}

static void ftdiag_close(void *vst)
{
    struct ftd *st = vst;
    if (!st)
        return;
    fl_ftdiag_classify_free(st);
    fl_layout_line_free(&st->lay);
    fl_buf_free(&st->rec);
    fl_buf_free(&st->fbuf);
    fl_buf_free(&st->hline);
    fl_buf_free(&st->hmsg);
    fl_arena_free(&st->arena);
    free(st->strings);
    free(st);
}

/* Is s a 1-based column number? */
static int col_number(const char *s)
{
    int v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (!ftd_is_digit(*s) || v > 1000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v >= 1 && v <= FTD_MAX_COLS ? v - 1 : -1;
}

/* A csv layout: names first (so they win over the built-ins), or numbers with header:false. */
static int open_csv_layout(struct ftd *st, const struct fl_layout *lay, const char *file,
                           struct fl_err *err)
{
    const struct {
        const char *name;
        enum ftd_role role;
    } given[] = {
        {lay->col_ts[0], lay->col_ts[1] ? R_DATE : R_DATETIME},
        {lay->col_ts[1], R_TIME},
        {lay->col_level, R_SEVERITY},
        {lay->col_component, R_PROVIDER},
        {lay->col_message ? lay->col_message : "Message", R_MESSAGE},
        {lay->col_code, R_CODE},
        {lay->col_host, R_LOCATION},
    };
    if (lay->csv_delimiter) {
        st->delim = lay->csv_delimiter;
        st->is_delim_fixed = true;
    }
    if (lay->csv_quote)
        st->quote = lay->csv_quote;
    st->needs_header = lay->csv_header;
    size_t n = 0;
    for (size_t k = 0; k < sizeof given / sizeof given[0]; k++) {
        if (!given[k].name)
            continue;
        if (!lay->csv_header) {
            int col = col_number(given[k].name);
            if (col < 0) {
                fl_err_set(err, file, 0, UINT64_MAX,
                           "ftdiag: layout csv with header: false needs column numbers, not '%s'",
                           given[k].name);
                return FL_EINVAL;
            }
            st->col_of[given[k].role] = col;
            continue;
        }
        st->names[n].name = given[k].name;
        st->names[n].role = given[k].role;
        n++;
    }
    if (!lay->csv_header) {
        if (!st->is_delim_fixed)
            st->delim = '\t';
        st->mode = M_ROWS;
        return 0;
    }
    /* Own copies: the layout's strings belong to the configuration. */
    size_t bytes = 0;
    for (size_t k = 0; k < n; k++)
        bytes += strlen(st->names[k].name) + 1;
    st->strings = malloc(bytes ? bytes : 1);
    if (!st->strings)
        return FL_ENOMEM;
    char *w = st->strings;
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(st->names[k].name) + 1;
        memcpy(w, st->names[k].name, len);
        st->names[k].name = w;
        w += len;
    }
    /* The built-in names still map the roles the layout leaves open (Audience, User...). */
    bool has_ts = lay->col_ts[0] != NULL;
    for (size_t k = 0; k < N_BUILTIN; k++) {
        enum ftd_role r = builtin_cols[k].role;
        bool is_taken = (has_ts && (r == R_DATETIME || r == R_DATE || r == R_TIME));
        for (size_t j = 0; j < sizeof given / sizeof given[0] && !is_taken; j++)
            is_taken = given[j].name && given[j].role == r;
        if (!is_taken)
            st->names[n++] = builtin_cols[k];
    }
    st->n_names = n;
    st->has_layout_names = true;
    return 0;
}

static void *ftdiag_open(const struct fl_parser_cfg *cfg, struct fl_err *err)
{
    const char *file = cfg ? cfg->file : NULL;
    struct ftd *st = calloc(1, sizeof *st);
    if (!st) {
        fl_err_set(err, file, 0, UINT64_MAX, "ftdiag: out of memory");
        return NULL;
    }
    st->tz = cfg && cfg->tz ? cfg->tz : fl_tz_utc();
    fl_tzfold_init(&st->fold);
    fl_dateorder_init(&st->dorder, cfg ? cfg->date_order : FL_DO_AUTO);
    st->mode = M_BARE;
    st->delim = '\t';
    st->quote = '"';
    st->needs_header = true;
    for (int r = 0; r < R_N; r++)
        st->col_of[r] = -1;
    memcpy(st->names, builtin_cols, sizeof builtin_cols);
    st->n_names = N_BUILTIN;
    fl_buf_init(&st->rec, MAX_REC_BYTES + 1);
    fl_buf_init(&st->fbuf, 2 * MAX_REC_BYTES);
    fl_buf_init(&st->hline, MAX_REC_BYTES);
    fl_buf_init(&st->hmsg, MAX_REC_BYTES + 1);
    fl_arena_init(&st->arena, 4096);

    int rc = fl_ftdiag_classify_init(st, file, err);
    const struct fl_layout *lay = cfg ? cfg->layout : NULL;
    if (rc == 0 && lay) {
        /* A directive the reader lacks is not refused here: the records whose time cannot be
         * read become unparsed events (this parser always did so). */
        if (lay->ts_format) {
            st->has_ts_format = true;
            (void)fl_layout_ts_compile(&st->ts_format, lay->ts_format, FTD_SOURCE, file, NULL);
        }
        if (lay->is_csv)
            rc = open_csv_layout(st, lay, file, err);
        else if (lay->pattern) {
            rc = fl_layout_line_init(&st->lay, lay->pattern, lay->continuation, FTD_SOURCE, file,
                                     err);
            if (rc == 0)
                st->mode = M_PATTERN;
        }
        /* else only ts_format given: the built-in framing with that time form */
    }
    if (rc == 0)
        return st;
    if (rc == FL_ENOMEM)
        fl_err_set(err, file, 0, UINT64_MAX, "ftdiag: out of memory");
    ftdiag_close(st);
    return NULL;
}

/* Claims a file only on a header row with FTDiag's column names, or a forwarded event whose
 * provider or channel names FactoryTalk. Bare message lines are fixtures: never claimed. */
static int ftdiag_probe(const uint8_t *raw, size_t raw_len, const struct fl_line *lines,
                        size_t n_lines)
{
    (void)raw;
    (void)raw_len;
    for (size_t k = 0; k < n_lines; k++) {
        const struct fl_line *ln = &lines[k];
        if (is_blank(ln->text, ln->len))
            continue;
        struct colmap cm;
        char delim;
        if (header_parse(ln->text, ln->len, 0, '"', builtin_cols, N_BUILTIN, 3, &delim, &cm))
            return cm.is_specific && cm.n_roles >= 4 ? 90 : (cm.is_specific ? 70 : 30);
        if (ln->text[0] != '{')
            return 0;
        return fl_ftdiag_probe_json(ln->text, ln->len);
    }
    return 0;
}

extern const struct fl_parser fl_parser_ftdiag;
const struct fl_parser fl_parser_ftdiag = {
    .source = FTD_SOURCE,
    .probe = ftdiag_probe,
    .open = ftdiag_open,
    .is_header = ftdiag_is_header,
    .feed = ftdiag_feed,
    .flush = ftdiag_flush,
    .close = ftdiag_close,
};
