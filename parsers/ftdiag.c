/* parsers/ftdiag.c: Rockwell FactoryTalk Diagnostics (formats/ftdiag.md).
 *
 * Three input shapes, told apart per line (note §3):
 *  - Diagnostics Viewer exports (TSV or CSV, header-driven). The header row names the columns
 *    and their order and decides the delimiter (TAB if the row has one, else comma). Fields may
 *    be quoted ("" inside quotes is one quote) and may hold line breaks: a record then spans
 *    lines until its quotes balance, joined with '\n'. The export layout is unconfirmed, so a
 *    configured layout (DESIGN.md "Configurable layouts", cfg->layout) replaces the built-in
 *    one: a csv layout fixes delimiter, quote and column names (header:false takes 1-based
 *    column numbers), a line layout (pattern/ts_format/continuation) frames by regex.
 *  - Windows events of the provider forwarded as JSON lines (NXLog im_msvistalog, Winlogbeat):
 *    a line starting with '{' before any header row. Parsed with jansson, which allocates
 *    per record: this path is not the hot one. The json_t lives until the event is emitted.
 *  - Bare message lines (the corpus *.msg.txt fixtures): any other line before a header row is
 *    one message with no time (ts = ingest), severity from the text (note §5.2).
 * The delimited path allocates nothing per record: the open record, unescaped fields and the
 * per-record arena are reused. Classification (category, code, attrs) is shared by all three.
 *
 * What it leaves to others: decoding and line splitting (parsers/decode.c), ids, file and
 * configured host/cell (parsers/stream.c). .evtx files are not read here (no dependency). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/catalog.h"
#include "parsers/opcua.h"
#include "parsers/parser.h"

#define SOURCE "ftdiag"
#define MAX_COLS 64
/* A record whose quotes never balance is cut here and emitted unparsed: a stray quote must
 * not swallow the rest of the file. */
#define MAX_REC_LINES 1000
#define MAX_REC_BYTES (1024u * 1024u)
#define MAX_DATA_ATTRS 16

/* Column roles. DATE+TIME are two columns; DATETIME is one. CODE only comes from a layout. */
enum role {
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

struct colname {
    const char *name;
    enum role role;
};

/* Note §3.1, plus "Computer": DESIGN.md names an FTDiag Computer column as the host. */
static const struct colname builtin_cols[] = {
    {"Date/Time", R_DATETIME}, {"Date and Time", R_DATETIME}, {"Date", R_DATE},
    {"Time", R_TIME},          {"Severity", R_SEVERITY},      {"Audience", R_AUDIENCE},
    {"Message", R_MESSAGE},    {"Location", R_LOCATION},      {"Computer", R_LOCATION},
    {"Provider", R_PROVIDER},  {"User", R_USER},              {"User Description", R_USER_DESC},
    {"Area", R_AREA},
};
#define N_BUILTIN (sizeof builtin_cols / sizeof builtin_cols[0])
#define MAX_NAMES (N_BUILTIN + 8)

/* Note §5.5, in table order; OPC UA statuses are looked up afterwards (classify). */
static const struct fl_catalog_row catalog_rows[] = {
    {"(?i)TCP/IP port may be in use", "net.port_in_use"},
    {"(?i)\\bgrace (mode|period)\\b", "license.expiring"},
    {"(?i)\\bnot licen[cs]ed\\b", "license.invalid"},
    {"(?i)\\bno licen[cs]es available\\b", "license.invalid"},
    {"FLEXnet Licensing error", "license.invalid"},
    {"(?i)\\bconnection to (the )?controller\\b.*\\bhas been lost\\b", "net.conn_lost"},
    {"(?i)\\bcommunication (error|failure)\\b", "net.conn_lost"},
    {"^Not connected to server$", "net.conn_lost"},
    {"(?i)\\blost communications?\\b", "net.conn_lost"},
    {"(?i)\\blost connection to\\b", "net.conn_lost"},
};

/* Note §5.2 (same rule as aveva): severity of a message that carries none. */
static const char sev_error_re[] =
    "(?i)\\b(error|errors|fail|failed|fails|failure|could not|cannot|can't|unable to|invalid|"
    "lost|not licen[cs]ed|no licen[cs]es?)\\b";
static const char sev_warning_re[] =
    "(?i)\\b(warn|warning|dropped|bad|timeout|timed out|not connected|went away|exceed|exceeds|"
    "exceeded|grace mode|down|not responding|disconnected)\\b";

/* Scanner states of the quote-aware framer (RFC 4180 plus leniency after a closing quote). */
enum qstate { Q_FIELD_START, Q_UNQUOTED, Q_QUOTED, Q_QUOTE_SEEN };

enum mode {
    M_BARE,    /* no header row yet: JSON lines and bare message lines */
    M_ROWS,    /* delimited rows with a column map */
    M_PATTERN, /* configured line layout */
};

struct ftd {
    const struct fl_tz *tz;
    struct fl_tzfold fold;
    struct fl_dateorder dorder;
    enum mode mode;

    /* delimited layout */
    char delim, quote;
    bool is_delim_fixed;    /* a csv layout names the delimiter */
    bool needs_header;      /* false: csv layout with header:false (columns by number) */
    struct colname names[MAX_NAMES];
    size_t n_names;
    bool has_layout_names;  /* names[] starts with the layout's names, then the built-ins */
    int col_of[R_N];        /* column index of each role, -1 if absent */
    char *ts_format;        /* layout ts_format, or NULL: the note's formats */

    /* open (quote-unbalanced) record */
    bool is_open;
    enum qstate q;
    struct fl_buf rec;
    uint64_t rec_off, rec_end;
    uint32_t rec_lines;

    /* fields of the record being filled */
    struct fl_buf fbuf;
    struct fl_str fields[MAX_COLS];
    size_t n_fields;

    /* line layout */
    pcre2_code *re_line, *re_cont;
    pcre2_match_data *md_line;
    int grp[R_N];           /* capture group of each role, -1 */
    int grp_host;
    bool is_held;
    struct fl_buf hline;    /* first line of the held record */
    struct fl_buf hmsg;     /* message group + continuation lines */
    PCRE2_SIZE hspan[R_N][2];
    PCRE2_SIZE hhost[2];

    struct fl_catalog *cat;
    pcre2_code *re_err, *re_warn;
    pcre2_match_data *md;
    struct fl_arena arena;
    struct fl_event ev;
    char *strings; /* owned copies of the layout's column names */
};

/* ---- small text helpers ---- */

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool ci_eqn(const char *p, size_t n, const char *lit)
{
    size_t k = 0;
    for (; k < n && lit[k]; k++)
        if (lower(p[k]) != lower(lit[k]))
            return false;
    return k == n && lit[k] == '\0';
}

/* Case-insensitive search for lit in p[0..n). */
static const char *ci_find(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (m == 0 || m > n)
        return NULL;
    char c0 = lower(lit[0]);
    for (size_t i = 0; i + m <= n; i++) {
        if (lower(p[i]) != c0)
            continue;
        size_t k = 1;
        while (k < m && lower(p[i + k]) == lower(lit[k]))
            k++;
        if (k == m)
            return p + i;
    }
    return NULL;
}

static struct fl_str trim(struct fl_str s)
{
    while (s.len && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.len--;
    while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
        s.len--;
    return s;
}

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
static enum qstate scan_quotes(enum qstate q, const char *p, size_t n, char delim, char quote)
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

static int name_role(const struct colname *names, size_t n_names, struct fl_str s)
{
    s = trim(s);
    for (size_t k = 0; k < n_names; k++)
        if (ci_eqn(s.p, s.len, names[k].name))
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
                         const struct colname *names, size_t n_names, int min_roles,
                         char *delim_out, struct colmap *cm)
{
    char out[4096];
    struct fl_str f[MAX_COLS];
    if (n == 0 || n > sizeof out)
        return false;
    if (!delim)
        delim = memchr(p, '\t', n) ? '\t' : ',';
    size_t nf = split_fields(p, n, delim, quote, out, f, MAX_COLS);
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
        struct fl_str t = trim(f[k]);
        if (r == R_AUDIENCE || r == R_PROVIDER || r == R_USER_DESC ||
            ci_eqn(t.p, t.len, "Date/Time") || ci_eqn(t.p, t.len, "Date and Time"))
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
    if (st->mode == M_ROWS &&
        (first.len == 0 || is_digit(first.p[0]) || name_role(st->names, st->n_names, first) < 0))
        return false;
    if (st->mode == M_BARE && !memchr(p, delim, n))
        return false;
    struct colmap cm;
    char used;
    if (!header_parse(p, n, st->is_delim_fixed ? st->delim : 0, st->quote, st->names,
                      st->n_names, st->has_layout_names ? 2 : 3, &used, &cm))
        return false;
    memcpy(st->col_of, cm.col_of, sizeof st->col_of);
    st->delim = used;
    st->mode = M_ROWS;
    return true;
}

/* ---- time ---- */

static bool read_num(const char *p, size_t n, size_t *i, unsigned max_digits, unsigned *v,
                     unsigned *digits)
{
    unsigned d = 0, x = 0;
    while (*i < n && d < max_digits && is_digit(p[*i])) {
        x = x * 10 + (unsigned)(p[*i] - '0');
        (*i)++;
        d++;
    }
    *v = x;
    if (digits)
        *digits = d;
    return d > 0;
}

/* Reads [.,]fff... (fractions truncated to ms), then an optional AM/PM. */
static bool read_frac_ampm(const char *p, size_t n, size_t *i, unsigned *h, unsigned *ms)
{
    *ms = 0;
    if (*i + 1 < n && (p[*i] == '.' || p[*i] == ',') && is_digit(p[*i + 1])) {
        (*i)++;
        unsigned d = 0;
        while (*i < n && is_digit(p[*i])) {
            if (d < 3)
                *ms = *ms * 10 + (unsigned)(p[*i] - '0');
            d++;
            (*i)++;
        }
        for (; d < 3; d++)
            *ms *= 10;
    }
    size_t j = *i;
    while (j < n && p[j] == ' ')
        j++;
    if (j + 1 < n && (lower(p[j]) == 'a' || lower(p[j]) == 'p') && lower(p[j + 1]) == 'm' &&
        (j + 2 == n || !is_word(p[j + 2]))) {
        if (*h < 1 || *h > 12)
            return false;
        bool is_pm = lower(p[j]) == 'p';
        *h = (*h % 12) + (is_pm ? 12 : 0);
        *i = j + 2;
    }
    return true;
}

/* Zone suffix: Z, +hh:mm, +hhmm. Returns true and sets *off_min when present. */
static bool read_zone(const char *p, size_t n, size_t *i, int *off_min)
{
    if (*i < n && (p[*i] == 'Z' || p[*i] == 'z')) {
        (*i)++;
        *off_min = 0;
        return true;
    }
    if (*i < n && (p[*i] == '+' || p[*i] == '-')) {
        int sign = p[*i] == '-' ? -1 : 1;
        size_t j = *i + 1;
        unsigned hh, mm = 0;
        if (!read_num(p, n, &j, 2, &hh, NULL))
            return false;
        if (j < n && p[j] == ':')
            j++;
        read_num(p, n, &j, 2, &mm, NULL);
        *off_min = sign * (int)(hh * 60 + mm);
        *i = j;
        return true;
    }
    return false;
}

/* The note's export formats (M/d/yyyy h:mm:ss tt, dd/MM/yyyy HH:mm:ss, yyyy-MM-dd HH:mm:ss,
 * each with optional .fff), ISO 8601 with T and zone for forwarded events. A four-digit first
 * field is year-first; otherwise the day/month order is the file's (default month first). */
static int ts_generic(struct fl_dateorder *dorder, const char *p, size_t n, int64_t *local_ms,
                      bool *has_zone, int *off_min)
{
    size_t i = 0;
    unsigned a, b, c, la, lc, y, mon, day;
    while (i < n && p[i] == ' ')
        i++;
    if (!read_num(p, n, &i, 4, &a, &la) || i >= n)
        return FL_EUNPARSED;
    char sep = p[i];
    if (sep != '/' && sep != '-' && sep != '.')
        return FL_EUNPARSED;
    i++;
    if (!read_num(p, n, &i, 2, &b, NULL) || i >= n || p[i] != sep)
        return FL_EUNPARSED;
    i++;
    if (!read_num(p, n, &i, 4, &c, &lc))
        return FL_EUNPARSED;
    if (la == 4) {
        y = a, mon = b, day = c;
    } else {
        if (lc != 4)
            return FL_EUNPARSED;
        y = c;
        if (fl_dateorder_apply(dorder, FL_DO_MDY, a, b, &mon, &day) != 0)
            return FL_EUNPARSED;
    }
    unsigned h = 0, mi = 0, s = 0, ms = 0;
    size_t j = i;
    if (j < n && p[j] == 'T')
        j++;
    else
        while (j < n && p[j] == ' ')
            j++;
    if (j > i && j < n && is_digit(p[j])) {
        i = j;
        if (!read_num(p, n, &i, 2, &h, NULL) || i >= n || p[i] != ':')
            return FL_EUNPARSED;
        i++;
        if (!read_num(p, n, &i, 2, &mi, NULL))
            return FL_EUNPARSED;
        if (i < n && p[i] == ':') {
            i++;
            if (!read_num(p, n, &i, 2, &s, NULL))
                return FL_EUNPARSED;
        }
        if (!read_frac_ampm(p, n, &i, &h, &ms))
            return FL_EUNPARSED;
    }
    *has_zone = read_zone(p, n, &i, off_min);
    while (i < n && p[i] == ' ')
        i++;
    if (i != n || !fl_civil_valid(y, mon, day, h, mi, s))
        return FL_EUNPARSED;
    *local_ms = fl_civil_ms(y, mon, day, h, mi, s, ms);
    return 0;
}

static const char *const month_abbr[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec"};

/* A layout's ts_format: %Y %y %m %d %e %H %I %M %S %f %p %b %T %F %z %%, other bytes literal,
 * a space matches any run of spaces. */
static int ts_by_format(const char *fmt, const char *p, size_t n, int64_t *local_ms,
                        bool *has_zone, int *off_min)
{
    unsigned y = 1970, mon = 1, day = 1, h = 0, mi = 0, s = 0, ms = 0, v, d;
    bool is_pm = false, has_ampm = false;
    size_t i = 0;
    *has_zone = false;
    for (const char *f = fmt; *f; f++) {
        if (*f == ' ') {
            while (i < n && p[i] == ' ')
                i++;
            continue;
        }
        if (*f != '%' || !f[1]) {
            if (i >= n || p[i] != *f)
                return FL_EUNPARSED;
            i++;
            continue;
        }
        f++;
        bool ok = true;
        switch (*f) {
        case 'Y':
            ok = read_num(p, n, &i, 4, &y, &d) && d == 4;
            break;
        case 'y':
            ok = read_num(p, n, &i, 2, &v, NULL);
            y = 2000 + v;
            break;
        case 'm':
            ok = read_num(p, n, &i, 2, &mon, NULL);
            break;
        case 'e': /* day, space-padded */
            while (i < n && p[i] == ' ')
                i++;
            ok = read_num(p, n, &i, 2, &day, NULL);
            break;
        case 'd':
            ok = read_num(p, n, &i, 2, &day, NULL);
            break;
        case 'H':
        case 'I':
            ok = read_num(p, n, &i, 2, &h, NULL);
            break;
        case 'M':
            ok = read_num(p, n, &i, 2, &mi, NULL);
            break;
        case 'S':
            ok = read_num(p, n, &i, 2, &s, NULL);
            break;
        case 'T':
            ok = read_num(p, n, &i, 2, &h, NULL) && i < n && p[i++] == ':' &&
                 read_num(p, n, &i, 2, &mi, NULL) && i < n && p[i++] == ':' &&
                 read_num(p, n, &i, 2, &s, NULL);
            break;
        case 'F':
            ok = read_num(p, n, &i, 4, &y, NULL) && i < n && p[i++] == '-' &&
                 read_num(p, n, &i, 2, &mon, NULL) && i < n && p[i++] == '-' &&
                 read_num(p, n, &i, 2, &day, NULL);
            break;
        case 'f':
            ms = 0;
            for (d = 0; i < n && is_digit(p[i]); i++, d++)
                if (d < 3)
                    ms = ms * 10 + (unsigned)(p[i] - '0');
            if (d == 0)
                return FL_EUNPARSED;
            for (; d < 3; d++)
                ms *= 10;
            break;
        case 'p':
            if (i + 1 >= n || (lower(p[i]) != 'a' && lower(p[i]) != 'p') || lower(p[i + 1]) != 'm')
                return FL_EUNPARSED;
            is_pm = lower(p[i]) == 'p';
            has_ampm = true;
            i += 2;
            break;
        case 'b': {
            int found = -1;
            for (int k = 0; k < 12 && found < 0; k++)
                if (i + 3 <= n && ci_eqn(p + i, 3, month_abbr[k]))
                    found = k;
            if (found < 0)
                return FL_EUNPARSED;
            mon = (unsigned)found + 1;
            i += 3;
            while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
                i++; /* a full month name */
            break;
        }
        case 'z':
            if (!read_zone(p, n, &i, off_min))
                return FL_EUNPARSED;
            *has_zone = true;
            break;
        case '%':
            if (i >= n || p[i] != '%')
                return FL_EUNPARSED;
            i++;
            break;
        default:
            return FL_EUNPARSED;
        }
        if (!ok)
            return FL_EUNPARSED;
    }
    if (has_ampm) {
        if (h < 1 || h > 12)
            return FL_EUNPARSED;
        h = (h % 12) + (is_pm ? 12 : 0);
    }
    while (i < n && p[i] == ' ')
        i++;
    if (i != n || !fl_civil_valid(y, mon, day, h, mi, s))
        return FL_EUNPARSED;
    *local_ms = fl_civil_ms(y, mon, day, h, mi, s, ms);
    return 0;
}

/* Sets ev's time from text; local times go through --tz and the file's fold state. */
static int set_time(struct ftd *st, struct fl_event *ev, struct fl_str raw, bool use_format)
{
    int64_t local_ms, utc_ms;
    bool has_zone = false;
    int off_min = 0;
    int rc = (use_format && st->ts_format)
                 ? ts_by_format(st->ts_format, raw.p, raw.len, &local_ms, &has_zone, &off_min)
                 : ts_generic(&st->dorder, raw.p, raw.len, &local_ms, &has_zone, &off_min);
    if (rc != 0)
        return rc;
    if (has_zone)
        utc_ms = local_ms - (int64_t)off_min * 60000;
    else
        fl_tz_to_utc(st->tz, &st->fold, local_ms, &utc_ms);
    ev->ts_ms = utc_ms;
    ev->has_ts = true;
    ev->ts_raw = raw;
    return 0;
}

/* ---- severity ---- */

/* Note §5.1: a Severity cell may hold two words (Audit + one of the others). Returns the
 * severity, or -1 when the cell names none. */
static int sev_from_cell(struct fl_str cell, bool *is_audit)
{
    /* Words of letters; the rules below then read "contains" as "has the word". */
    bool has_err = false, has_warn = false, has_info = false, has_crit = false, has_dbg = false;
    *is_audit = false;
    size_t i = 0;
    while (i < cell.len) {
        while (i < cell.len && !is_word(cell.p[i]))
            i++;
        size_t start = i;
        while (i < cell.len && is_word(cell.p[i]))
            i++;
        const char *w = cell.p + start;
        size_t n = i - start;
        if (ci_eqn(w, n, "error") || ci_eqn(w, n, "errors"))
            has_err = true;
        else if (ci_eqn(w, n, "warning") || ci_eqn(w, n, "warn"))
            has_warn = true;
        else if (ci_eqn(w, n, "information") || ci_eqn(w, n, "info"))
            has_info = true;
        else if (ci_eqn(w, n, "audit"))
            *is_audit = true;
        else if (ci_eqn(w, n, "critical"))
            has_crit = true; /* Windows levels, if a tool writes them (note §5.1) */
        else if (ci_eqn(w, n, "verbose") || ci_eqn(w, n, "debug"))
            has_dbg = true;
    }
    if (has_err)
        return FL_SEV_ERROR;
    if (has_warn)
        return FL_SEV_WARNING;
    if (has_info)
        return FL_SEV_INFO;
    if (*is_audit)
        return FL_SEV_NOTICE;
    if (has_crit)
        return FL_SEV_CRITICAL;
    if (has_dbg)
        return FL_SEV_DEBUG;
    return -1;
}

static bool re_hit(struct ftd *st, pcre2_code *re, struct fl_str s)
{
    return pcre2_match(re, (PCRE2_SPTR)s.p, s.len, 0, 0, st->md, NULL) >= 0;
}

static enum fl_severity sev_from_text(struct ftd *st, struct fl_str msg)
{
    if (re_hit(st, st->re_err, msg))
        return FL_SEV_ERROR;
    if (re_hit(st, st->re_warn, msg))
        return FL_SEV_WARNING;
    return FL_SEV_INFO;
}

/* ---- classification (category, code, attrs) ---- */

/* Where the literal markers of §5.4 first occur in a message, found in one pass: most
 * messages carry none, and one loop is cheaper than a memmem per marker. */
struct marks {
    const char *rna;    /* RNA:// */
    const char *ctl;    /* Connection to Controller  */
    const char *result; /* (result= */
    const char *flex;   /* FLEXnet Licensing error  */
    const char *bad;    /* Bad  at a word start */
};

static const char MARK_CTL[] = "Connection to Controller ";
static const char MARK_FLEX[] = "FLEXnet Licensing error ";

static bool has_prefix(const char *p, const char *end, const char *lit, size_t n)
{
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

static void find_marks(const char *p, size_t n, struct marks *m)
{
    const char *end = p + n;
    memset(m, 0, sizeof *m);
    for (const char *q = p; q < end; q++) {
        switch (*q) {
        case 'R':
            if (!m->rna && has_prefix(q, end, "RNA://", 6))
                m->rna = q;
            break;
        case 'C':
            if (!m->ctl && has_prefix(q, end, MARK_CTL, sizeof MARK_CTL - 1))
                m->ctl = q;
            break;
        case '(':
            if (!m->result && end - q >= 8 && ci_eqn(q, 8, "(result="))
                m->result = q;
            break;
        case 'F':
            if (!m->flex && has_prefix(q, end, MARK_FLEX, sizeof MARK_FLEX - 1))
                m->flex = q;
            break;
        case 'B':
            if (!m->bad && has_prefix(q, end, "Bad ", 4) && (q == p || !is_word(q[-1])))
                m->bad = q;
            break;
        default:
            break;
        }
    }
}

/* "Bad Disconnect": a status name written with a space (note §5.5). */
static const struct fl_opcua_status *bad_with_space(const char *p, size_t n, const char *from)
{
    const char *end = p + n;
    for (const char *q = from; (q = memmem(q, (size_t)(end - q), "Bad ", 4)) != NULL; q += 4) {
        if (q > p && is_word(q[-1]))
            continue;
        const char *w = q + 4;
        if (w >= end || !(*w >= 'A' && *w <= 'Z'))
            continue;
        const char *e = w;
        while (e < end && is_word(*e) && *e != '_')
            e++;
        if (e < end && is_word(*e))
            continue;
        char name[96];
        size_t wl = (size_t)(e - w);
        if (wl + 3 >= sizeof name)
            continue;
        memcpy(name, "Bad", 3);
        memcpy(name + 3, w, wl);
        const struct fl_opcua_status *s = fl_opcua_by_name(name, wl + 3);
        if (s)
            return s;
    }
    return NULL;
}

static struct fl_str hex_str(struct ftd *st, uint32_t v)
{
    char h[11];
    fl_hex32_format(v, h);
    return fl_arena_dup(&st->arena, h, 10);
}

/* (result=800421d) -> 0x0800421D (note §5.4). */
static bool result_code(const char *p, size_t n, const char *from, uint32_t *v)
{
    const char *q = from;
    if (!q)
        return false;
    size_t i = (size_t)(q - p) + 8, d = 0;
    if (i + 1 < n && p[i] == '0' && lower(p[i + 1]) == 'x')
        i += 2;
    uint32_t x = 0;
    for (; i < n && d < 9; i++, d++) {
        char c = lower(p[i]);
        unsigned nib;
        if (is_digit(c))
            nib = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            nib = (unsigned)(c - 'a' + 10);
        else
            break;
        x = (x << 4) | nib;
    }
    if (d == 0 || d > 8 || i >= n || p[i] != ')')
        return false;
    *v = x;
    return true;
}

/* FLEXnet Licensing error -96,491 -> "-96,491". */
static struct fl_str flexnet_code(const char *p, size_t n, const char *from)
{
    if (!from)
        return FL_STR_NULL;
    size_t i = (size_t)(from - p) + sizeof MARK_FLEX - 1, start = i;
    if (i < n && p[i] == '-')
        i++;
    size_t digits_at = i;
    while (i < n && is_digit(p[i]))
        i++;
    if (i == digits_at)
        return FL_STR_NULL;
    if (i + 1 < n && p[i] == ',' && (is_digit(p[i + 1]) || p[i + 1] == '-')) {
        size_t j = i + 1 + (p[i + 1] == '-');
        size_t k = j;
        while (k < n && is_digit(p[k]))
            k++;
        if (k > j)
            i = k;
    }
    return fl_str_make(p + start, i - start);
}

/* Sets category, code (unless has_code), attrs rna/controller/status_* from the message. */
static void classify(struct ftd *st, struct fl_event *ev, struct fl_str msg, bool has_code)
{
    const char *p = msg.p;
    size_t n = msg.len;

    struct marks m;
    find_marks(p, n, &m);
    const char *rna = m.rna;
    if (rna) {
        const char *e = rna;
        while (e < p + n && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r' && *e != ']' &&
               *e != ')')
            e++;
        fl_event_attr_str(ev, "rna", fl_str_make(rna, (size_t)(e - rna)));
    }
    if (m.ctl) {
        const char *w = m.ctl + sizeof MARK_CTL - 1, *e = w;
        while (e < p + n && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r')
            e++;
        static const char tail[] = " has been lost";
        size_t rest = (size_t)(p + n - e);
        if (e > w && rest >= sizeof tail - 1 && memcmp(e, tail, sizeof tail - 1) == 0)
            fl_event_attr_str(ev, "controller", fl_str_make(w, (size_t)(e - w)));
    }

    struct fl_opcua_hit hit;
    const struct fl_opcua_status *status = NULL;
    bool by_hex = false;
    if (fl_opcua_scan(p, n, &hit)) {
        status = hit.status;
        /* Written as a name when the text names it (either spelling) or only describes it;
         * as the hex when only the hex is there (opcua-status-codes.md §1). */
        by_hex = hit.has_hex && fl_opcua_by_hex(hit.first_hex) == status &&
                 !memmem(p, n, status->name, strlen(status->name)) &&
                 !memmem(p, n, status->canonical, strlen(status->canonical));
        /* FactoryTalk's own HRESULTs (0x80049006, Directory) share the high word of UA codes
         * (0x8004 is Bad_ResourceUnavailable). A UA status written in text has no info bits,
         * so a hex-only hit with low bits set stays a plain HRESULT, never a UA name. */
        if (by_hex && (hit.first_hex & 0xFFFFu) != 0) {
            status = NULL;
            by_hex = false;
        }
    } else {
        status = m.bad ? bad_with_space(p, n, m.bad) : NULL;
    }

    uint32_t v;
    struct fl_str code = FL_STR_NULL;
    if (!has_code) {
        if (result_code(p, n, m.result, &v))
            code = hex_str(st, v);
        else if ((code = flexnet_code(p, n, m.flex)).len)
            ;
        else if (status)
            code = by_hex ? hex_str(st, status->hex) : fl_str_c(status->canonical);
        else if (hit.has_hex)
            code = hex_str(st, hit.first_hex); /* an HRESULT: DESIGN.md "Codes" */
        if (code.len)
            ev->code = code;
    }
    /* The form of the status that is not the code goes to attrs (DESIGN.md "Codes"). */
    if (status) {
        char hex[11];
        fl_hex32_format(status->hex, hex);
        bool is_code_name = fl_str_eq(ev->code, status->canonical);
        bool is_code_hex = fl_str_eq(ev->code, hex);
        if (!is_code_hex)
            fl_event_attr_str(ev, "status_hex", hex_str(st, status->hex));
        if (!is_code_name)
            fl_event_attr_str(ev, "status_name", fl_str_c(status->canonical));
    }

    int row = fl_catalog_match(st->cat, p, n);
    if (row >= 0)
        ev->category = fl_catalog_row(st->cat, row)->category;
    else if (status && status->category)
        ev->category = status->category;
}

/* ---- emitting ---- */

static void ev_begin(struct ftd *st, struct fl_event *ev)
{
    fl_arena_reset(&st->arena);
    fl_event_reset(ev);
    ev->source = SOURCE;
}

static int emit_unparsed_text(struct ftd *st, struct fl_str text, uint64_t off, uint64_t end,
                              uint32_t lines, const struct fl_sink *sink)
{
    struct fl_event *ev = &st->ev;
    ev_begin(st, ev);
    fl_event_set_unparsed(ev, SOURCE, text);
    ev->offset = off;
    ev->end_offset = end;
    ev->lines = lines;
    return sink->emit(sink->ctx, ev);
}

static void set_where(struct fl_event *ev, uint64_t off, uint64_t end, uint32_t lines)
{
    ev->offset = off;
    ev->end_offset = end;
    ev->lines = lines;
}

/* A bare message line (note §3.3). */
static int emit_bare(struct ftd *st, const struct fl_line *ln, const struct fl_sink *sink)
{
    struct fl_event *ev = &st->ev;
    ev_begin(st, ev);
    struct fl_str msg = fl_str_make(ln->text, ln->len);
    ev->message = msg;
    ev->severity = sev_from_text(st, msg);
    classify(st, ev, msg, false);
    set_where(ev, ln->raw_off, ln->raw_end, 1);
    return sink->emit(sink->ctx, ev);
}

static struct fl_str cell(const struct ftd *st, enum role r)
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
    st->n_fields = split_fields(text, n, st->delim, st->quote, st->fbuf.data, st->fields,
                                MAX_COLS);
    ev_begin(st, ev);

    struct fl_str ts = cell(st, R_DATETIME);
    bool has_ts_col = st->col_of[R_DATETIME] >= 0 || st->col_of[R_DATE] >= 0;
    if (st->col_of[R_DATE] >= 0) {
        struct fl_str d = trim(cell(st, R_DATE)), t = trim(cell(st, R_TIME));
        ts = t.len ? fl_arena_printf(&st->arena, "%.*s %.*s", (int)d.len, d.p, (int)t.len, t.p)
                   : d;
    }
    ts = trim(ts);
    if (has_ts_col && set_time(st, ev, ts, true) != 0)
        return emit_unparsed_text(st, fl_str_make(text, n), off, end, lines, sink);

    struct fl_str msg = cell(st, R_MESSAGE);
    ev->message = msg;
    struct fl_str sev = trim(cell(st, R_SEVERITY));
    bool is_audit = false;
    int s = sev_from_cell(sev, &is_audit);
    ev->severity_raw = sev;
    /* An empty or unknown Severity cell: the rule for messages without one (note §5.2). */
    ev->severity = s >= 0 ? (enum fl_severity)s : sev_from_text(st, msg);
    if (is_audit)
        fl_event_attr_bool(ev, "audit", true);

    ev->component = trim(cell(st, R_PROVIDER));
    struct fl_str loc = trim(cell(st, R_LOCATION));
    ev->host = loc;
    attr_if(ev, "location", loc);
    attr_if(ev, "audience", trim(cell(st, R_AUDIENCE)));
    attr_if(ev, "user", trim(cell(st, R_USER)));
    attr_if(ev, "user_desc", trim(cell(st, R_USER_DESC)));
    attr_if(ev, "area", trim(cell(st, R_AREA)));
    struct fl_str code = trim(cell(st, R_CODE));
    if (code.len)
        ev->code = code;
    classify(st, ev, msg, code.len > 0);
    set_where(ev, off, end, lines);
    return sink->emit(sink->ctx, ev);
}

/* ---- JSON lines (NXLog, Winlogbeat) ---- */

/* Member by dotted path, nested ("winlog" -> "channel") or flattened ("winlog.channel"). */
static json_t *jget(json_t *root, const char *path)
{
    json_t *v = json_object_get(root, path);
    if (v || !strchr(path, '.'))
        return v;
    char seg[64];
    const char *p = path;
    v = root;
    while (v && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len >= sizeof seg)
            return NULL;
        memcpy(seg, p, len);
        seg[len] = '\0';
        v = json_is_object(v) ? json_object_get(v, seg) : NULL;
        p += len + (dot ? 1 : 0);
    }
    return v;
}

static struct fl_str jstr(json_t *v)
{
    return json_is_string(v) ? fl_str_make(json_string_value(v), json_string_length(v))
                             : FL_STR_NULL;
}

/* First present string among the paths. */
static struct fl_str jfirst(json_t *root, const char *const *paths)
{
    for (; *paths; paths++) {
        struct fl_str s = jstr(jget(root, *paths));
        if (s.len)
            return s;
    }
    return FL_STR_NULL;
}

/* A string or integer member as text (event IDs come either way). */
static struct fl_str jtext(struct ftd *st, json_t *v)
{
    if (json_is_string(v))
        return jstr(v);
    if (json_is_integer(v))
        return fl_arena_printf(&st->arena, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return fl_arena_printf(&st->arena, "%g", json_real_value(v));
    if (json_is_boolean(v))
        return fl_str_c(json_is_true(v) ? "true" : "false");
    return FL_STR_NULL;
}

/* Windows level word -> severity (note §5.1), -1 if unknown. */
static int sev_from_level(struct fl_str w)
{
    if (ci_find(w.p, w.len, "crit"))
        return FL_SEV_CRITICAL;
    if (ci_find(w.p, w.len, "err"))
        return FL_SEV_ERROR;
    if (ci_find(w.p, w.len, "warn"))
        return FL_SEV_WARNING;
    if (ci_find(w.p, w.len, "info"))
        return FL_SEV_INFO;
    if (ci_find(w.p, w.len, "verbose") || ci_find(w.p, w.len, "debug"))
        return FL_SEV_DEBUG;
    return -1;
}

/* Audit keywords: -1 none, 0 success, 1 failure. Keywords arrive as names (Winlogbeat's
 * array, NXLog's EventType AUDIT_*), or as the 64-bit mask (0x10.. failure, 0x20.. success). */
static int audit_of(json_t *root)
{
    static const char *const paths[] = {"winlog.keywords", "Keywords", "EventType", NULL};
    for (const char *const *pp = paths; *pp; pp++) {
        json_t *v = jget(root, *pp);
        json_t *one = v;
        size_t k = 0, n = json_is_array(v) ? json_array_size(v) : 1;
        for (; k < n; k++) {
            if (json_is_array(v))
                one = json_array_get(v, k);
            struct fl_str s = jstr(one);
            long long mask = 0;
            if (json_is_integer(one))
                mask = json_integer_value(one);
            else if (s.len && (is_digit(s.p[0]) || s.p[0] == '-'))
                mask = strtoll(s.p, NULL, 0);
            if (ci_find(s.p, s.len, "audit failure") || ci_find(s.p, s.len, "audit_failure") ||
                ((uint64_t)mask & 0x10000000000000ull))
                return 1;
            if (ci_find(s.p, s.len, "audit success") || ci_find(s.p, s.len, "audit_success") ||
                ((uint64_t)mask & 0x20000000000000ull))
                return 0;
        }
    }
    return -1;
}

static int emit_json(struct ftd *st, const struct fl_line *ln, const struct fl_sink *sink)
{
    static const char *const p_time[] = {"EventTime", "@timestamp", NULL};
    static const char *const p_host[] = {"Hostname", "host.name", "winlog.computer_name",
                                         "computer_name", NULL};
    static const char *const p_prov[] = {"SourceName", "winlog.provider_name", "ProviderName",
                                         NULL};
    static const char *const p_chan[] = {"Channel", "winlog.channel", NULL};
    static const char *const p_level[] = {"Severity", "log.level", "Level", "level", NULL};
    static const char *const p_msg[] = {"Message", "message", NULL};
    static const char *const p_id[] = {"EventID", "winlog.event_id", "event.code", NULL};
    static const char *const p_data[] = {"EventData", "winlog.event_data", NULL};

    json_error_t jerr;
    json_t *root = json_loadb(ln->text, ln->len, 0, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return fl_parser_emit_unparsed(SOURCE, ln, &st->ev, sink);
    }
    struct fl_event *ev = &st->ev;
    ev_begin(st, ev);
    struct fl_str ts = jfirst(root, p_time);
    /* An unreadable time keeps the event with ingest time: the JSON itself was fine. */
    if (ts.len)
        set_time(st, ev, ts, false);
    ev->host = jfirst(root, p_host);
    ev->component = jfirst(root, p_prov);
    attr_if(ev, "channel", jfirst(root, p_chan));
    struct fl_str msg = jfirst(root, p_msg);
    ev->message = msg;
    for (const char *const *pp = p_id; *pp && !ev->code.len; pp++)
        ev->code = jtext(st, jget(root, *pp));

    struct fl_str level = jfirst(root, p_level);
    int s = sev_from_level(level);
    ev->severity_raw = level;
    ev->severity = s >= 0 ? (enum fl_severity)s : sev_from_text(st, msg);
    int audit = audit_of(root);
    if (audit >= 0) {
        ev->severity = audit ? FL_SEV_ERROR : FL_SEV_NOTICE;
        fl_event_attr_bool(ev, "audit", true);
    }

    /* Event data has no mapping in the note: kept as data.<name>, strings as written. */
    json_t *data = NULL;
    for (const char *const *pp = p_data; *pp && !json_is_object(data); pp++)
        data = jget(root, *pp);
    if (json_is_object(data)) {
        const char *key;
        json_t *val;
        unsigned n_data = 0;
        json_object_foreach(data, key, val)
        {
            struct fl_str t = jtext(st, val);
            if (!t.len || n_data++ >= MAX_DATA_ATTRS)
                continue;
            fl_event_attr_strn(ev, fl_arena_printf(&st->arena, "data.%s", key), t);
        }
    }
    classify(st, ev, msg, ev->code.len > 0);
    set_where(ev, ln->raw_off, ln->raw_end, 1);
    int rc = sink->emit(sink->ctx, ev);
    json_decref(root);
    return rc;
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
    return emit_row(st, st->rec.data, st->rec.len, st->rec_off, st->rec_end, st->rec_lines,
                    sink);
}

/* ---- line layout ---- */

static void hspan_of(struct ftd *st, int grp, PCRE2_SIZE span[2])
{
    span[0] = span[1] = PCRE2_UNSET;
    if (grp <= 0)
        return;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->md_line);
    span[0] = ov[2 * grp];
    span[1] = ov[2 * grp + 1];
}

static struct fl_str hfield(const struct ftd *st, const PCRE2_SIZE span[2])
{
    if (span[0] == PCRE2_UNSET || span[1] < span[0])
        return FL_STR_NULL;
    return fl_str_make(st->hline.data + span[0], span[1] - span[0]);
}

static int held_emit(struct ftd *st, const struct fl_sink *sink)
{
    if (!st->is_held)
        return 0;
    st->is_held = false;
    struct fl_event *ev = &st->ev;
    ev_begin(st, ev);
    struct fl_str ts = trim(hfield(st, st->hspan[R_DATETIME]));
    if (st->grp[R_DATETIME] > 0 && set_time(st, ev, ts, true) != 0) {
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
    struct fl_str sev = trim(hfield(st, st->hspan[R_SEVERITY]));
    bool is_audit = false;
    int s = sev_from_cell(sev, &is_audit);
    ev->severity_raw = sev;
    ev->severity = s >= 0 ? (enum fl_severity)s : sev_from_text(st, msg);
    if (is_audit)
        fl_event_attr_bool(ev, "audit", true);
    ev->component = trim(hfield(st, st->hspan[R_PROVIDER]));
    ev->host = trim(hfield(st, st->hhost));
    struct fl_str code = trim(hfield(st, st->hspan[R_CODE]));
    if (code.len)
        ev->code = code;
    classify(st, ev, msg, code.len > 0);
    set_where(ev, st->rec_off, st->rec_end, st->rec_lines);
    return sink->emit(sink->ctx, ev);
}

static bool line_matches(struct ftd *st, pcre2_code *re, const struct fl_line *ln)
{
    return pcre2_match(re, (PCRE2_SPTR)ln->text, ln->len, 0, 0, st->md_line, NULL) >= 0;
}

static int feed_pattern(struct ftd *st, const struct fl_line *ln, const struct fl_sink *sink)
{
    if (st->is_held && st->re_cont && line_matches(st, st->re_cont, ln) &&
        st->hmsg.len + 1 + ln->len <= MAX_REC_BYTES && st->rec_lines < MAX_REC_LINES) {
        if (fl_buf_putc(&st->hmsg, '\n') != 0 ||
            fl_buf_append(&st->hmsg, ln->text, ln->len) != 0)
            return FL_ENOMEM;
        st->rec_end = ln->raw_end;
        st->rec_lines++;
        return 0;
    }
    if (!line_matches(st, st->re_line, ln)) {
        if (ln->len == 0)
            return 0; /* an empty line between records */
        int rc = held_emit(st, sink);
        return rc ? rc : fl_parser_emit_unparsed(SOURCE, ln, &st->ev, sink);
    }
    int rc = held_emit(st, sink);
    if (rc)
        return rc;
    fl_buf_reset(&st->hline);
    fl_buf_reset(&st->hmsg);
    if (fl_buf_append(&st->hline, ln->text, ln->len) != 0)
        return FL_ENOMEM;
    for (int r = 0; r < R_N; r++)
        hspan_of(st, st->grp[r], st->hspan[r]);
    hspan_of(st, st->grp_host, st->hhost);
    struct fl_str msg = st->grp[R_MESSAGE] > 0 ? hfield(st, st->hspan[R_MESSAGE])
                                                : fl_str_make(ln->text, ln->len);
    if (fl_buf_append(&st->hmsg, msg.p, msg.len) != 0)
        return FL_ENOMEM;
    st->is_held = true;
    st->rec_off = ln->raw_off;
    st->rec_end = ln->raw_end;
    st->rec_lines = 1;
    /* Without a continuation rule nothing can join: emit now rather than at the next line. */
    return st->re_cont ? 0 : held_emit(st, sink);
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
        return emit_json(st, ln, sink);
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
    fl_catalog_free(st->cat);
    pcre2_code_free(st->re_err);
    pcre2_code_free(st->re_warn);
    pcre2_code_free(st->re_line);
    pcre2_code_free(st->re_cont);
    pcre2_match_data_free(st->md);
    pcre2_match_data_free(st->md_line);
    fl_buf_free(&st->rec);
    fl_buf_free(&st->fbuf);
    fl_buf_free(&st->hline);
    fl_buf_free(&st->hmsg);
    fl_arena_free(&st->arena);
    free(st->ts_format);
    free(st->strings);
    free(st);
}

static pcre2_code *re_compile(const char *pattern, const char *what, const char *file,
                              struct fl_err *err)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(code, msg, sizeof msg);
        fl_err_set(err, file, 0, UINT64_MAX, "ftdiag: layout %s at %zu: %s", what, (size_t)off,
                   (const char *)msg);
        return NULL;
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Is s a 1-based column number? */
static int col_number(const char *s)
{
    int v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (!is_digit(*s) || v > 1000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v >= 1 && v <= MAX_COLS ? v - 1 : -1;
}

/* A csv layout: names first (so they win over the built-ins), or numbers with header:false. */
static int open_csv_layout(struct ftd *st, const struct fl_layout *lay, const char *file,
                           struct fl_err *err)
{
    const struct {
        const char *name;
        enum role role;
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
        enum role r = builtin_cols[k].role;
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

static int open_line_layout(struct ftd *st, const struct fl_layout *lay, const char *file,
                            struct fl_err *err)
{
    st->re_line = re_compile(lay->pattern, "pattern", file, err);
    if (!st->re_line)
        return FL_EINVAL;
    if (lay->continuation && lay->continuation[0]) {
        st->re_cont = re_compile(lay->continuation, "continuation", file, err);
        if (!st->re_cont)
            return FL_EINVAL;
    }
    st->md_line = pcre2_match_data_create_from_pattern(st->re_line, NULL);
    if (!st->md_line)
        return FL_ENOMEM;
    if (st->re_cont) {
        /* One match data serves both patterns: size it for the larger. */
        uint32_t a = 0, b = 0;
        pcre2_pattern_info(st->re_line, PCRE2_INFO_CAPTURECOUNT, &a);
        pcre2_pattern_info(st->re_cont, PCRE2_INFO_CAPTURECOUNT, &b);
        pcre2_match_data_free(st->md_line);
        st->md_line = pcre2_match_data_create((a > b ? a : b) + 1, NULL);
        if (!st->md_line)
            return FL_ENOMEM;
    }
    const struct {
        const char *group;
        enum role role;
    } groups[] = {{"ts", R_DATETIME}, {"level", R_SEVERITY}, {"component", R_PROVIDER},
                  {"message", R_MESSAGE}, {"code", R_CODE}};
    for (size_t k = 0; k < sizeof groups / sizeof groups[0]; k++) {
        int g = pcre2_substring_number_from_name(st->re_line, (PCRE2_SPTR)groups[k].group);
        st->grp[groups[k].role] = g > 0 ? g : -1;
    }
    int g = pcre2_substring_number_from_name(st->re_line, (PCRE2_SPTR) "host");
    st->grp_host = g > 0 ? g : -1;
    st->mode = M_PATTERN;
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
        st->col_of[r] = st->grp[r] = -1;
    st->grp_host = -1;
    memcpy(st->names, builtin_cols, sizeof builtin_cols);
    st->n_names = N_BUILTIN;
    fl_buf_init(&st->rec, MAX_REC_BYTES + 1);
    fl_buf_init(&st->fbuf, 2 * MAX_REC_BYTES);
    fl_buf_init(&st->hline, MAX_REC_BYTES);
    fl_buf_init(&st->hmsg, MAX_REC_BYTES + 1);
    fl_arena_init(&st->arena, 4096);

    st->cat = fl_catalog_new(catalog_rows, sizeof catalog_rows / sizeof catalog_rows[0], err);
    if (!st->cat)
        goto fail;
    st->re_err = re_compile(sev_error_re, "severity rule", file, err);
    st->re_warn = st->re_err ? re_compile(sev_warning_re, "severity rule", file, err) : NULL;
    if (!st->re_warn)
        goto fail;
    st->md = pcre2_match_data_create(4, NULL);
    if (!st->md)
        goto fail_nomem;

    const struct fl_layout *lay = cfg ? cfg->layout : NULL;
    if (lay) {
        int rc;
        if (lay->ts_format && !(st->ts_format = dup_str(lay->ts_format)))
            goto fail_nomem;
        if (lay->is_csv)
            rc = open_csv_layout(st, lay, file, err);
        else if (lay->pattern)
            rc = open_line_layout(st, lay, file, err);
        else
            rc = 0; /* only ts_format given: the built-in framing with that time form */
        if (rc == FL_ENOMEM)
            goto fail_nomem;
        if (rc)
            goto fail;
    }
    return st;

fail_nomem:
    fl_err_set(err, file, 0, UINT64_MAX, "ftdiag: out of memory");
fail:
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
        json_error_t jerr;
        json_t *root = json_loadb(ln->text, ln->len, 0, &jerr);
        int score = 0;
        if (json_is_object(root)) {
            static const char *const paths[] = {"SourceName", "winlog.provider_name",
                                                "ProviderName", "Channel", "winlog.channel",
                                                NULL};
            for (const char *const *pp = paths; *pp && !score; pp++) {
                struct fl_str s = jstr(jget(root, *pp));
                if (ci_find(s.p, s.len, "FactoryTalk") || ci_find(s.p, s.len, "FTDiag") ||
                    ci_find(s.p, s.len, "Rockwell"))
                    score = 85;
            }
        }
        json_decref(root);
        return score;
    }
    return 0;
}

extern const struct fl_parser fl_parser_ftdiag;
const struct fl_parser fl_parser_ftdiag = {
    .source = SOURCE,
    .probe = ftdiag_probe,
    .open = ftdiag_open,
    .is_header = ftdiag_is_header,
    .feed = ftdiag_feed,
    .flush = ftdiag_flush,
    .close = ftdiag_close,
};
