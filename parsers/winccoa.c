/* parsers/winccoa.c: the Siemens WinCC OA (PVSS II) log parser (formats/winccoa.md).
 *
 * Reads PVSS_II.log and the per-manager logs (WCCOA*, WCCIL*, PVSS00*) in the three record
 * layouts of the note: the standard record (L1, padded or collapsed whitespace), the Qt
 * message-handler form (L2, TABs) and the early-startup form (L3, "<ts>: text"). Every line
 * that does not start a record continues the open one (stack frames, Script:/Line: lines,
 * JSON dumps, empty lines); before the first record such a line is an unparsed event.
 *
 * Record starts are matched by hand, not by regex: the layout is rigid and this is the hot
 * path. Classification keys on the error number first (catalog texts are translated, the
 * number is not), then on the text through a PCRE2 catalog, then on OPC UA status codes.
 * What it leaves to others: decoding and raw offsets (parsers/decode.c), ids, host and cell
 * (parsers/stream.c), zones (parsers/ptime.c). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/catalog.h"
#include "parsers/opcua.h"
#include "parsers/parser.h"
#include "parsers/ptime.h"
#include "schemas/event.h"

#define SOURCE "winccoa"
/* A record longer than this keeps its first MAX_RECORD_BYTES of message text; lines and
 * offsets stay exact. Bounds memory on a runaway dump without dropping the record. */
#define MAX_RECORD_BYTES (4u * 1024 * 1024)
#define TS_LEN 23 /* YYYY.MM.DD HH:MM:SS.mmm */
/* The "(num), " part sits at column 14 when padded; a longer search only risks matching a
 * "(" inside message text of a continuation line. */
#define MAX_NAME_SCAN 160

/* A part of the held record's first line (offsets into st->first). */
struct span {
    uint32_t off, len;
};

enum wcc_kind {
    WCC_NONE, /* not a record start: continuation or, before any record, unparsed */
    WCC_BAD,  /* "<manager> (<n>), <valid ts>" but no layout fits the rest: unparsed */
    WCC_L1,   /* standard record */
    WCC_L2,   /* Qt message-handler form */
    WCC_L3,   /* early-startup form */
};

/* The parsed head of a record's first line; spans are relative to the line start. */
struct wcc_head {
    enum wcc_kind kind;
    struct span name, num, ts, err_class, prio, err_num, catalog, qt_cat, qt_type, text;
    int64_t manager_num;
    int64_t err_number; /* -1 when absent (L2, L3) */
    int64_t local_ms;
};

struct wcc_state {
    const struct fl_tz *tz;
    struct fl_tzfold fold;
    struct fl_catalog *text_cat;  /* unconditional text rows, table order */
    struct fl_catalog *crash_cat; /* only tried for FATAL */
    struct fl_catalog *redu_cat;  /* only tried for class REDU */
    bool has_open;
    struct fl_buf first; /* the held record's first line, as decoded */
    struct fl_buf msg;   /* message: first-line text, then "\n" + each continuation line */
    struct wcc_head head;
    int64_t utc_ms;
    size_t first_msg_len; /* bytes of msg that come from the first line */
    bool is_msg_cut;      /* msg reached MAX_RECORD_BYTES */
    struct span script, library, line; /* from continuation lines, offsets into msg */
    uint64_t offset, end_offset;
    uint32_t lines;
    struct fl_arena arena;
    struct fl_event ev;
};

/* ---- line shapes ------------------------------------------------------------------------ */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static struct span span_of(const char *base, const char *p, size_t len)
{
    return (struct span){(uint32_t)(p - base), (uint32_t)len};
}

static bool is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_space(p[i]))
            return false;
    return true;
}

static unsigned num_at(const char *p, size_t digits)
{
    unsigned v = 0;
    for (size_t i = 0; i < digits; i++)
        v = v * 10 + (unsigned)(p[i] - '0');
    return v;
}

/* YYYY.MM.DD HH:MM:SS.mmm at p (n bytes available); sets *local_ms. */
static bool parse_ts(const char *p, size_t n, int64_t *local_ms)
{
    static const char shape[] = "dddd.dd.dd dd:dd:dd.ddd";
    if (n < TS_LEN)
        return false;
    for (size_t i = 0; i < TS_LEN; i++) {
        if (shape[i] == 'd' ? !is_digit(p[i]) : p[i] != shape[i])
            return false;
    }
    unsigned y = num_at(p, 4), mo = num_at(p + 5, 2), d = num_at(p + 8, 2);
    unsigned h = num_at(p + 11, 2), mi = num_at(p + 14, 2), s = num_at(p + 17, 2);
    unsigned ms = num_at(p + 20, 3);
    if (!fl_civil_valid(y, mo, d, h, mi, s))
        return false;
    *local_ms = fl_civil_ms(y, mo, d, h, mi, s, ms);
    return true;
}

/* Finds "<name>\s*(<digits>), " + a timestamp: the lazy `^(\S(?:.*?\S)?)\s*\((\d+)\), ` of
 * the note, taking the first "(" that is followed by the whole prefix. Returns the index
 * of the timestamp, or 0. A date that cannot exist makes the line WCC_BAD via *is_bad_ts. */
static size_t find_prefix(const char *p, size_t n, struct wcc_head *h, bool *is_bad_ts)
{
    size_t scan_end = n < MAX_NAME_SCAN ? n : MAX_NAME_SCAN;
    for (size_t i = 1; i < scan_end; i++) {
        if (p[i] != '(')
            continue;
        size_t j = i + 1;
        while (j < n && j < i + 12 && is_digit(p[j]))
            j++;
        if (j == i + 1 || j + 3 > n || p[j] != ')' || p[j + 1] != ',' || p[j + 2] != ' ')
            continue;
        size_t ts = j + 3;
        if (n - ts < TS_LEN)
            continue;
        if (!parse_ts(p + ts, n - ts, &h->local_ms)) {
            /* The shape without the digit check decides whether this was meant as a time. */
            if (is_digit(p[ts]) && p[ts + 4] == '.' && p[ts + 10] == ' ' && p[ts + 19] == '.')
                *is_bad_ts = true;
            continue;
        }
        size_t name_end = i;
        while (name_end > 0 && is_space(p[name_end - 1]))
            name_end--;
        h->name = span_of(p, p, name_end);
        h->num = span_of(p, p + i + 1, j - i - 1);
        int64_t v = 0;
        for (size_t k = i + 1; k < j; k++)
            v = v * 10 + (p[k] - '0');
        h->manager_num = v;
        h->ts = span_of(p, p + ts, TS_LEN);
        return ts;
    }
    return 0;
}

static size_t skip_ws(const char *p, size_t n, size_t i)
{
    while (i < n && is_space(p[i]))
        i++;
    return i;
}

static size_t upper_run(const char *p, size_t n, size_t i)
{
    while (i < n && is_upper(p[i]))
        i++;
    return i;
}

/* The L2 tail: ",\t<category>,\t<TYPE>: <text>" at p[i] == ','. */
static bool parse_l2(const char *p, size_t n, size_t i, struct wcc_head *h)
{
    if (i + 1 >= n || p[i] != ',' || p[i + 1] != '\t')
        return false;
    size_t cat = i + 2, k = cat;
    while (k < n && p[k] != ',' && p[k] != '\t')
        k++;
    if (k == cat || k + 1 >= n || p[k] != ',' || p[k + 1] != '\t')
        return false;
    size_t type = k + 2, e = upper_run(p, n, type);
    if (e == type || e >= n || p[e] != ':')
        return false;
    if (e + 1 < n && p[e + 1] != ' ')
        return false;
    size_t text = e + 2 < n ? e + 2 : n;
    h->qt_cat = span_of(p, p + cat, k - cat);
    h->qt_type = span_of(p, p + type, e - type);
    h->text = span_of(p, p + text, n - text);
    return true;
}

/* The L1 tail: ",\s*CLASS,\s*PRIO,\s*NUM[/catalog][,\s*text]" at p[i] == ','. */
static bool parse_l1(const char *p, size_t n, size_t i, struct wcc_head *h)
{
    size_t k = skip_ws(p, n, i + 1), e = upper_run(p, n, k);
    if (e == k || e >= n || p[e] != ',')
        return false;
    h->err_class = span_of(p, p + k, e - k);
    k = skip_ws(p, n, e + 1);
    e = upper_run(p, n, k);
    if (e == k || e >= n || p[e] != ',')
        return false;
    h->prio = span_of(p, p + k, e - k);
    k = skip_ws(p, n, e + 1);
    e = k;
    int64_t v = 0;
    while (e < n && is_digit(p[e]) && e - k < 12)
        v = v * 10 + (p[e++] - '0');
    if (e == k)
        return false;
    h->err_num = span_of(p, p + k, e - k);
    h->err_number = v;
    if (e < n && p[e] == '/') {
        size_t c = e + 1, ce = c;
        while (ce < n && p[ce] != ',' && !is_space(p[ce]))
            ce++;
        if (ce == c)
            return false;
        h->catalog = span_of(p, p + c, ce - c);
        e = ce;
    }
    e = skip_ws(p, n, e);
    if (e == n) { /* a number with no text at all */
        h->text = span_of(p, p + n, 0);
        return true;
    }
    if (p[e] != ',')
        return false;
    k = skip_ws(p, n, e + 1);
    h->text = span_of(p, p + k, n - k);
    return true;
}

/* Reads what kind of line p[0..n) is and, for a record start, its head. */
static enum wcc_kind parse_start(const char *p, size_t n, struct wcc_head *h)
{
    memset(h, 0, sizeof *h);
    h->err_number = -1;
    if (n < TS_LEN + 6 || is_space(p[0]))
        return WCC_NONE;
    bool is_bad_ts = false;
    size_t ts = find_prefix(p, n, h, &is_bad_ts);
    if (ts == 0)
        return is_bad_ts ? WCC_BAD : WCC_NONE;
    size_t i = ts + TS_LEN;
    if (i < n && p[i] == ':' && (i + 1 == n || p[i + 1] == ' ')) {
        size_t text = i + 2 < n ? i + 2 : n;
        h->text = span_of(p, p + text, n - text);
        return h->kind = WCC_L3;
    }
    if (i < n && p[i] == ',') {
        if (parse_l2(p, n, i, h))
            return h->kind = WCC_L2;
        if (parse_l1(p, n, i, h))
            return h->kind = WCC_L1;
    }
    return WCC_BAD;
}

/* ---- normalization ------------------------------------------------------------------- */

static enum fl_severity severity_of(struct fl_str raw, enum wcc_kind kind)
{
    if (kind == WCC_L3)
        return FL_SEV_NOTICE;
    if (fl_str_eq(raw, "FATAL"))
        return FL_SEV_CRITICAL;
    if (fl_str_eq(raw, "SEVERE") || fl_str_eq(raw, "ERROR"))
        return FL_SEV_ERROR;
    if (fl_str_eq(raw, "CRITICAL")) /* Qt's type word (L2); not a WinCC OA priority */
        return FL_SEV_ERROR;
    if (fl_str_eq(raw, "WARNING"))
        return FL_SEV_WARNING;
    if (fl_str_eq(raw, "INFO"))
        return FL_SEV_INFO;
    if (fl_str_eq(raw, "DEBUG"))
        return FL_SEV_DEBUG;
    /* The note accepts other words as [unconfirmed]; none of them says how bad it is. */
    return FL_SEV_NOTICE;
}

/* Trims trailing blanks, and for L1 the empty trailing note fields (", " at line end). */
static size_t trim_text(const char *p, size_t n, bool is_l1)
{
    while (n > 0 && (is_space(p[n - 1]) || (is_l1 && p[n - 1] == ',')))
        n--;
    return n;
}

/* Category rows, in the note's table order. The first matching rank wins; a rank matches
 * on its error number (number keys work on translated texts), or on its text row, or on a
 * condition plus a text row. Text rows live in one catalog (text_rows) so that the common
 * record that matches nothing costs one regex pass. */
enum { NUM_ANY = -1 };
enum { COND_NONE, COND_FATAL, COND_REDU };
struct wcc_rank {
    int64_t err_num;      /* _errors.cat number (no catalog suffix), or NUM_ANY */
    int text_row;         /* index in text_rows, or -1 */
    int cond;             /* COND_FATAL: crash_rows; COND_REDU: redu_rows */
    const char *category; /* NULL: by OPC UA status (fl_opcua_scan) */
};

static const struct fl_catalog_row text_rows[] = {
    /* 0: licence about to run out; the runtime still runs */
    {"(?is)\\A(?!.*expired).*\\b(?:grace|emergency) period|Software Update Service expired",
     "license.expiring"},
    /* 1 */
    {"(?i)\\binvalid licen[cs]e|\\blicen[cs]e\\b.{0,40}\\b(?:invalid|lost|expired|missing|not "
     "found)\\b|\\bno (?:valid )?licen[cs]e\\b",
     "license.invalid"},
    /* 2: driver connection loss (S7, S7Plus, ...); "closing connection" is number 39 */
    {"(?i)\\bconnection\\b.{0,80}?\\b(?:lost|closed|broken|time ?out|timed out|interrupted)\\b|"
     "\\b(?:lost|broken)\\b.{0,20}\\bconnection\\b",
     "net.conn_lost"},
    /* 3 [unconfirmed] */
    {"(?i)\\bconnection\\b.{0,40}\\b(?:re-?)?established\\b|(?<!not )\\b(?:re-?)?connected\\b",
     "net.conn_restored"},
    /* 4 */
    {"(?i)address already in use|\\b(?:bind|port)\\b.{0,60}\\bin use\\b|\\b(?:could not|cannot|"
     "unable to|failed to) bind\\b|\\bbind(?:ing)?\\b.{0,30}\\bfail",
     "net.port_in_use"},
    /* 5: a status name decides (untrusted wins over SecurityChecksFailed) */
    {"\\bBad_?(?:Certificate\\w*|SecurityChecksFailed)\\b", NULL},
    /* 6 */
    {"(?i)\\bcertificate\\b.{0,80}\\b(?:untrusted|not trusted)\\b|\\buntrusted\\b.{0,30}"
     "\\bcertificate",
     "opcua.cert_untrusted"},
    /* 7 */
    {"(?i)\\bcertificate\\b.{0,80}\\brejected\\b|\\brejected\\b.{0,30}\\bcertificate",
     "opcua.cert_rejected"},
};
static const struct fl_catalog_row crash_rows[] = {
    {"(?i)\\b(?:exit|exits|exiting|exited|terminat\\w*|abort\\w*|crash\\w*|core dump\\w*|"
     "shut(?:ting)? ?down)\\b",
     "service.crash"},
};
static const struct fl_catalog_row redu_rows[] = {
    {"(?i)\\b(?:active|passive|switch\\w*)\\b", "redundancy.failover"},
};

static const struct wcc_rank ranks[] = {
    {1, -1, COND_NONE, "service.start"}, /* Manager Start */
    {2, -1, COND_NONE, "service.stop"},  /* Manager Stop */
    {NUM_ANY, -1, COND_FATAL, "service.crash"},
    {NUM_ANY, 0, COND_NONE, "license.expiring"},
    {105, 1, COND_NONE, "license.invalid"}, /* Invalid license */
    {39, 2, COND_NONE, "net.conn_lost"},    /* Connection lost */
    {NUM_ANY, 3, COND_NONE, "net.conn_restored"},
    {NUM_ANY, 4, COND_NONE, "net.port_in_use"},
    {NUM_ANY, 5, COND_NONE, NULL},
    {NUM_ANY, 6, COND_NONE, "opcua.cert_untrusted"},
    {NUM_ANY, 7, COND_NONE, "opcua.cert_rejected"},
    {NUM_ANY, -1, COND_REDU, "redundancy.failover"},
};

static const char *classify(struct wcc_state *st, struct fl_str text,
                            const struct fl_opcua_hit *hit, bool has_hit)
{
    const struct wcc_head *h = &st->head;
    const char *base = st->first.data;
    /* Numbers name _errors.cat texts only when no other catalog is given ("1/oaUnit_errors"
     * is another catalog's number 1). */
    int64_t num = (h->kind == WCC_L1 && h->catalog.len == 0) ? h->err_number : -2;
    struct fl_str prio = fl_str_make(base + h->prio.off, h->prio.len);
    struct fl_str cls = fl_str_make(base + h->err_class.off, h->err_class.len);
    int text_hit = -2; /* not matched yet */
    for (size_t r = 0; r < sizeof ranks / sizeof ranks[0]; r++) {
        const struct wcc_rank *rk = &ranks[r];
        bool is_hit = rk->err_num != NUM_ANY && rk->err_num == num;
        if (!is_hit && rk->text_row >= 0) {
            if (text_hit == -2)
                text_hit = fl_catalog_match(st->text_cat, text.p, text.len);
            is_hit = text_hit == rk->text_row;
        }
        if (!is_hit && rk->cond == COND_FATAL && fl_str_eq(prio, "FATAL"))
            is_hit = fl_catalog_match(st->crash_cat, text.p, text.len) >= 0;
        if (!is_hit && rk->cond == COND_REDU && fl_str_eq(cls, "REDU"))
            is_hit = fl_catalog_match(st->redu_cat, text.p, text.len) >= 0;
        if (!is_hit)
            continue;
        if (rk->category)
            return rk->category;
        /* A status-name row: the status table decides, "rejected" when it names none. */
        return has_hit && hit->status->category ? hit->status->category : "opcua.cert_rejected";
    }
    if (has_hit && hit->status->category)
        return hit->status->category;
    return NULL;
}

/* Finds lit in p[0..n); returns its index or -1. */
static long find(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (m == 0 || m > n)
        return -1;
    const char *q = memmem(p, n, lit, m);
    return q ? (long)(q - p) : -1;
}

static struct fl_str sub(struct fl_str s, size_t from, size_t to)
{
    return fl_str_make(s.p + from, to - from);
}

/* attrs.peer_manager/network/peer/peer_ip from
 * "(SYS: n <Type> -num n CONN: n) (P|S) @ <host> (<ip>)". */
static void attrs_peer(struct fl_event *ev, struct fl_str t)
{
    long at = find(t.p, t.len, "(SYS: ");
    if (at < 0)
        return;
    size_t i = (size_t)at + 6, n = t.len;
    while (i < n && is_digit(t.p[i]))
        i++;
    if (i >= n || t.p[i] != ' ')
        return;
    size_t mgr = ++i;
    long conn = find(t.p + i, n - i, " CONN: ");
    if (conn < 0)
        return;
    size_t mgr_end = i + (size_t)conn;
    if (find(t.p + mgr, mgr_end - mgr, " -num ") < 0)
        return;
    i = mgr_end + 7;
    while (i < n && is_digit(t.p[i]))
        i++;
    if (i + 8 > n || memcmp(t.p + i, ") (", 3) != 0 || (t.p[i + 3] != 'P' && t.p[i + 3] != 'S') ||
        memcmp(t.p + i + 4, ") @ ", 4) != 0)
        return;
    size_t net = i + 3, host = i + 8, host_end = host;
    while (host_end < n && !is_space(t.p[host_end]) && t.p[host_end] != '(' &&
           t.p[host_end] != ',')
        host_end++;
    /* The sentence may end right after the host ("@ CLIENT1."). */
    size_t host_trim = host_end;
    while (host_trim > host && t.p[host_trim - 1] == '.')
        host_trim--;
    if (host_trim == host)
        return;
    fl_event_attr_str(ev, "peer_manager", sub(t, mgr, mgr_end));
    fl_event_attr_str(ev, "network", sub(t, net, net + 1));
    fl_event_attr_str(ev, "peer", sub(t, host, host_trim));
    if (host_end + 2 < n && t.p[host_end] == ' ' && t.p[host_end + 1] == '(') {
        size_t ip = host_end + 2, ip_end = ip;
        while (ip_end < n && t.p[ip_end] != ')' && !is_space(t.p[ip_end]))
            ip_end++;
        if (ip_end < n && t.p[ip_end] == ')' && ip_end > ip)
            fl_event_attr_str(ev, "peer_ip", sub(t, ip, ip_end));
    }
}

/* attrs.dp: the data point element after "DP: ", without a trailing ',' or ':'. */
static void attrs_dp(struct fl_event *ev, struct fl_str t)
{
    long at = find(t.p, t.len, "DP: ");
    if (at < 0 || (at > 0 && t.p[at - 1] != ' '))
        return;
    size_t i = (size_t)at + 4, e = i;
    while (e < t.len && !is_space(t.p[e]))
        e++;
    while (e > i && (t.p[e - 1] == ',' || t.p[e - 1] == ':'))
        e--;
    if (e > i)
        fl_event_attr_str(ev, "dp", sub(t, i, e));
}

/* attrs.project and attrs.version of a Manager Start:
 * "Manager Start, PROJ, <project>, V <version> platform ...". */
static void attrs_start(struct fl_event *ev, struct fl_str t)
{
    long proj = find(t.p, t.len, ", PROJ, ");
    if (proj >= 0) {
        size_t i = (size_t)proj + 8, e = i;
        while (e < t.len && t.p[e] != ',')
            e++;
        if (e > i)
            fl_event_attr_str(ev, "project", sub(t, i, e));
    }
    long ver = find(t.p, t.len, ", V ");
    if (ver >= 0 && (size_t)ver + 4 < t.len && is_digit(t.p[ver + 4])) {
        size_t i = (size_t)ver + 4;
        long plat = find(t.p + i, t.len - i, " platform");
        size_t e = plat >= 0 ? i + (size_t)plat : i;
        if (plat < 0)
            while (e < t.len && t.p[e] != ',')
                e++;
        if (e > i)
            fl_event_attr_str(ev, "version", sub(t, i, e));
    }
}

/* Remembers Script:/Library:/Line: of a continuation line that starts at msg offset base. */
static void note_location(struct wcc_state *st, const char *p, size_t n, size_t base)
{
    size_t i = skip_ws(p, n, 0);
    struct span *dst = NULL;
    size_t v = 0;
    if (n - i > 8 && memcmp(p + i, "Script: ", 8) == 0) {
        dst = &st->script;
        v = i + 8;
    } else if (n - i > 9 && memcmp(p + i, "Library: ", 9) == 0) {
        dst = &st->library;
        v = i + 9;
    } else if (n - i > 6 && memcmp(p + i, "Line: ", 6) == 0) {
        dst = &st->line;
        v = i + 6;
    } else if (n - i > 7 && memcmp(p + i, ", Line ", 7) == 0) {
        dst = &st->line;
        v = i + 7;
    }
    if (!dst || dst->len)
        return; /* the first one of each wins */
    size_t e = v;
    if (dst == &st->line) {
        while (e < n && is_digit(p[e]))
            e++;
    } else {
        e = trim_text(p, n, false);
    }
    if (e > v)
        *dst = (struct span){(uint32_t)(base + v), (uint32_t)(e - v)};
}

/* "CLASS/NUM" or "CLASS/NUM/catalog" in the arena (printf costs more than the parse). */
static struct fl_str make_code(struct fl_arena *a, struct fl_str cls, struct fl_str num,
                               struct fl_str cat)
{
    size_t n = cls.len + 1 + num.len + (cat.len ? 1 + cat.len : 0);
    char *p = fl_arena_alloc(a, n + 1);
    if (!p)
        return FL_STR_NULL;
    char *w = p;
    memcpy(w, cls.p, cls.len);
    w += cls.len;
    *w++ = '/';
    memcpy(w, num.p, num.len);
    w += num.len;
    if (cat.len) {
        *w++ = '/';
        memcpy(w, cat.p, cat.len);
        w += cat.len;
    }
    *w = '\0';
    return fl_str_make(p, n);
}

static bool status_named(struct fl_str t, const struct fl_opcua_status *s)
{
    return find(t.p, t.len, s->canonical) >= 0 || find(t.p, t.len, s->name) >= 0;
}

/* ---- framing ---------------------------------------------------------------------------- */

static int emit_held(struct wcc_state *st, const struct fl_sink *sink)
{
    if (!st->has_open)
        return 0;
    st->has_open = false;
    struct fl_event *ev = &st->ev;
    const struct wcc_head *h = &st->head;
    const char *b = st->first.data;
    fl_event_reset(ev);
    fl_arena_reset(&st->arena);
    ev->source = SOURCE;
    ev->has_ts = true;
    ev->ts_ms = st->utc_ms;
    ev->ts_raw = fl_str_make(b + h->ts.off, h->ts.len);
    ev->component = fl_str_make(b + h->name.off, h->name.len);
    struct fl_str sev_raw = FL_STR_NULL;
    if (h->kind == WCC_L1)
        sev_raw = fl_str_make(b + h->prio.off, h->prio.len);
    else if (h->kind == WCC_L2)
        sev_raw = fl_str_make(b + h->qt_type.off, h->qt_type.len);
    ev->severity_raw = sev_raw;
    ev->severity = severity_of(sev_raw, h->kind);
    ev->message = fl_str_make(st->msg.data, st->msg.len);
    struct fl_str text = fl_str_make(st->msg.data, st->first_msg_len);

    fl_event_attr_int(ev, "manager_num", h->manager_num);
    if (h->kind == WCC_L1) {
        struct fl_str cls = fl_str_make(b + h->err_class.off, h->err_class.len);
        struct fl_str num = fl_str_make(b + h->err_num.off, h->err_num.len);
        struct fl_str cat = fl_str_make(b + h->catalog.off, h->catalog.len);
        ev->code = make_code(&st->arena, cls, num, cat);
        fl_event_attr_str(ev, "err_class", cls);
        fl_event_attr_str(ev, "err_num", num);
        if (cat.len)
            fl_event_attr_str(ev, "catalog", cat);
        if (h->err_number == 1 && cat.len == 0)
            attrs_start(ev, text);
    } else if (h->kind == WCC_L2) {
        fl_event_attr_str(ev, "qt_category", fl_str_make(b + h->qt_cat.off, h->qt_cat.len));
    }
    if (st->script.len)
        fl_event_attr_str(ev, "script", fl_str_make(st->msg.data + st->script.off, st->script.len));
    if (st->library.len)
        fl_event_attr_str(ev, "library",
                          fl_str_make(st->msg.data + st->library.off, st->library.len));
    if (st->line.len)
        fl_event_attr_str(ev, "line", fl_str_make(st->msg.data + st->line.off, st->line.len));
    attrs_peer(ev, text);
    attrs_dp(ev, text);

    struct fl_opcua_hit hit;
    bool has_hit = fl_opcua_scan(text.p, text.len, &hit) && hit.status;
    /* code holds CLASS/NUM, so a status the text writes (not one only described) goes to
     * attrs in both forms. */
    if (has_hit && (hit.has_hex || status_named(text, hit.status))) {
        char hex[11];
        fl_hex32_format(hit.status->hex, hex);
        fl_event_attr_str(ev, "status_name", fl_str_c(hit.status->canonical));
        fl_event_attr_str(ev, "status_hex", fl_arena_dup(&st->arena, hex, 10));
    }
    ev->category = classify(st, text, &hit, has_hit);
    if (!ev->category)
        ev->category = "unclassified";
    ev->offset = st->offset;
    ev->end_offset = st->end_offset;
    ev->lines = st->lines;
    return sink->emit(sink->ctx, ev);
}

static int open_record(struct wcc_state *st, const struct fl_line *ln, const struct wcc_head *h)
{
    fl_buf_reset(&st->first);
    fl_buf_reset(&st->msg);
    int rc = fl_buf_append(&st->first, ln->text, ln->len);
    if (rc != 0)
        return rc;
    st->head = *h;
    size_t text_len = trim_text(ln->text + h->text.off, h->text.len, h->kind == WCC_L1);
    rc = fl_buf_append(&st->msg, ln->text + h->text.off, text_len);
    if (rc != 0)
        return rc;
    st->first_msg_len = text_len;
    st->is_msg_cut = false;
    st->script = st->library = st->line = (struct span){0, 0};
    fl_tz_to_utc(st->tz, &st->fold, h->local_ms, &st->utc_ms);
    st->offset = ln->raw_off;
    st->end_offset = ln->raw_end;
    st->lines = 1;
    st->has_open = true;
    return 0;
}

static int append_line(struct wcc_state *st, const struct fl_line *ln)
{
    st->lines++;
    st->end_offset = ln->raw_end;
    if (st->is_msg_cut)
        return 0;
    size_t base = st->msg.len + 1;
    int rc = fl_buf_putc(&st->msg, '\n');
    if (rc == 0)
        rc = fl_buf_append(&st->msg, ln->text, ln->len);
    if (rc == FL_ETOOBIG) {
        st->is_msg_cut = true;
        return 0;
    }
    if (rc != 0)
        return rc;
    note_location(st, ln->text, ln->len, base);
    return 0;
}

static int wcc_feed(void *vst, const struct fl_line *ln, const struct fl_sink *sink)
{
    struct wcc_state *st = vst;
    struct wcc_head h;
    enum wcc_kind kind = parse_start(ln->text, ln->len, &h);
    int rc;
    switch (kind) {
    case WCC_L1:
    case WCC_L2:
    case WCC_L3:
        if ((rc = emit_held(st, sink)) != 0)
            return rc;
        return open_record(st, ln, &h);
    case WCC_BAD:
        if ((rc = emit_held(st, sink)) != 0)
            return rc;
        return fl_parser_emit_unparsed(SOURCE, ln, &st->ev, sink);
    case WCC_NONE:
        break;
    }
    if (st->has_open)
        return append_line(st, ln);
    if (is_blank(ln->text, ln->len))
        return 0; /* empty lines between records make no event */
    return fl_parser_emit_unparsed(SOURCE, ln, &st->ev, sink);
}

static int wcc_flush(void *vst, const struct fl_sink *sink)
{
    return emit_held(vst, sink);
}

static void wcc_close(void *vst)
{
    struct wcc_state *st = vst;
    if (!st)
        return;
    fl_catalog_free(st->text_cat);
    fl_catalog_free(st->crash_cat);
    fl_catalog_free(st->redu_cat);
    fl_buf_free(&st->first);
    fl_buf_free(&st->msg);
    fl_arena_free(&st->arena);
    free(st);
}

static void *wcc_open(const struct fl_parser_cfg *cfg, struct fl_err *err)
{
    struct wcc_state *st = calloc(1, sizeof *st);
    if (!st) {
        fl_err_set(err, cfg->file, 0, UINT64_MAX, "winccoa: out of memory");
        return NULL;
    }
    st->tz = cfg->tz ? cfg->tz : fl_tz_utc();
    fl_tzfold_init(&st->fold);
    fl_buf_init(&st->first, MAX_RECORD_BYTES);
    fl_buf_init(&st->msg, MAX_RECORD_BYTES);
    fl_arena_init(&st->arena, 1024);
    st->text_cat = fl_catalog_new(text_rows, sizeof text_rows / sizeof text_rows[0], err);
    if (st->text_cat)
        st->crash_cat = fl_catalog_new(crash_rows, 1, err);
    if (st->crash_cat)
        st->redu_cat = fl_catalog_new(redu_rows, 1, err);
    if (!st->redu_cat) {
        wcc_close(st);
        return NULL;
    }
    return st;
}

/* ---- detection ------------------------------------------------------------------------ */

/* 95 when the first non-empty line is a record, 85 when a record follows stray lines (a Qt
 * stderr message before the first record), else 0. The "<name> (<n>), YYYY.MM.DD ..." head
 * is specific enough that no other source's file looks like it. */
static int wcc_probe(const uint8_t *raw, size_t raw_len, const struct fl_line *lines,
                     size_t n_lines)
{
    (void)raw;
    (void)raw_len;
    bool is_first = true;
    for (size_t i = 0; i < n_lines; i++) {
        if (is_blank(lines[i].text, lines[i].len))
            continue;
        struct wcc_head h;
        enum wcc_kind kind = parse_start(lines[i].text, lines[i].len, &h);
        if (kind == WCC_L1 || kind == WCC_L2 || kind == WCC_L3)
            return is_first ? 95 : 85;
        is_first = false;
    }
    return 0;
}

extern const struct fl_parser fl_parser_winccoa;
const struct fl_parser fl_parser_winccoa = {
    .source = SOURCE,
    .probe = wcc_probe,
    .open = wcc_open,
    .feed = wcc_feed,
    .flush = wcc_flush,
    .close = wcc_close,
};
