/* parsers/historian.c: the GE Proficy Historian log parser (formats/historian.md).
 *
 * No line from a running Historian has been published, so every record shape here is a line
 * layout (DESIGN.md "Configurable layouts", read by parsers/layout.h): a PCRE2 pattern with
 * named groups ts, level, component, message and optionally code, strptime-like ts_formats
 * (%f for fractions) and a continuation pattern. The config's layout replaces the built-in
 * one; the built-in one is the note's default: (a) the OPC HDA Server trace shape
 * "M/D/YYYY h:mm:ss AM|PM text", (b) the bracketed archiver shape "[MM/DD/YY HH:MM:SS.mmm]
 * text" with 2- or 4-digit years and optional fractions, (c) "<ISO-like date> <time>[.mmm]
 * text"; (b) and (c) read a level word that follows the time. With the built-in layout every
 * line that starts no record continues the one above (the note says so for (a); nothing is
 * known of the others); with a config layout only lines matching its continuation pattern
 * do, and the rest become unparsed events.
 *
 * Numeric day/month dates go through the per-file date-order decision (month first unless the
 * file proves otherwise or the config says so). HTML markup of the trace file is stripped
 * from lines that begin with a tag. Severity, category and attrs follow the note's keyword
 * tables. Decoding, ids, host and cell are the stream's (parsers/stream.c). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/catalog.h"
#include "parsers/historian.h"
#include "parsers/layout.h"
#include "parsers/opcua.h"
#include "parsers/parser.h"
#include "parsers/ptime.h"
#include "schemas/event.h"

#define SOURCE "historian"
#define MAX_RECORD_BYTES (4u * 1024 * 1024)
#define MAX_SHAPES 4
#define MAX_FORMATS 4
#define HDA_COMPONENT "OPCHDAServer"

/* ---- layouts ----------------------------------------------------------------------------- */

/* A record shape: a line layout (parsers/layout.h) and the ts_formats tried on its ts group. */
struct shape {
    struct fl_layout_line lay; /* pattern; a config layout's continuation pattern too */
    struct fl_layout_ts formats[MAX_FORMATS]; /* compiled at open */
    size_t n_formats;
    bool use_dateorder; /* numeric day/month subject to the file's date order */
    bool is_hda;        /* (a): the OPC HDA Server trace; no level word */
};

struct builtin_shape {
    const char *pattern;
    const char *formats[MAX_FORMATS];
    bool use_dateorder, is_hda;
};

#define LEVEL_WORDS                                                                           \
    "(?:(?<level>(?i:fatal|critical|error|warning|warn|information|info|debug|trace|verbose))" \
    "(?::\\s*|\\s+))?"

static const struct builtin_shape builtin_shapes[] = {
    {"^(?<ts>\\d{1,2}/\\d{1,2}/\\d{4} \\d{1,2}:\\d{2}:\\d{2} [AaPp][Mm])(?: (?<message>.*))?$",
     {"%m/%d/%Y %I:%M:%S %p"},
     true,
     true},
    {"^\\[(?<ts>\\d{1,2}/\\d{1,2}/(?:\\d{4}|\\d{2}) \\d{1,2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?)\\] ?" LEVEL_WORDS
     "(?<message>.*)$",
     {"%m/%d/%y %H:%M:%S.%f"},
     true,
     false},
    {"^(?<ts>\\d{4}[-/]\\d{2}[-/]\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?)(?:\\s+" LEVEL_WORDS
     "(?<message>.*))?$",
     {"%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y/%m/%d %H:%M:%S.%f"},
     false,
     false},
};

/* Formats tried on a config pattern's ts group when the config gives no ts_format. */
static const char *const fallback_formats[] = {"%m/%d/%Y %I:%M:%S %p", "%m/%d/%y %H:%M:%S.%f",
                                               "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f"};

/* ---- classification tables ------------------------------------------------------------- */

/* The note's category table, in its order (first row wins). All of it is faultline's keyword
 * rule set, not vendor text. */
static const struct fl_catalog_row category_rows[] = {
    {"(?is)not licen[cs]ed|\\A(?=.*licen[cs]e)(?=.*(?:invalid|expired|not found))",
     "license.invalid"},
    {"(?is)\\A(?=.*licen[cs]e).*expir", "license.expiring"},
    /* OPC server loss is the next row's; "server" here is the archiver/Historian server. */
    {"(?is)\\A(?!.*\\bOPC)(?=.*(?:lost connection|disconnected|connection (?:\\S+ ){0,3}lost))"
     "(?=.*(?:archiver|historian|server))",
     "historian.collector_disconnected"},
    {"(?is)\\A(?=.*\\bOPC)(?=.*(?:shut ?down|disconnect|lost connection|connection lost))",
     "net.conn_lost"},
    {"(?i)buffer|store[- ](?:and|&)[- ]forward", "historian.store_forward"},
    {"(?is)\\A(?=.*heartbeat)(?=.*(?:lost|missed|time ?out|timed out))",
     "historian.heartbeat_lost"},
    {"\\bBad_?Certificate\\w*", NULL}, /* the status table decides */
    {"(?is)\\A(?=.*certificate)(?=.*(?:untrusted|not trusted))", "opcua.cert_untrusted"},
    {"(?is)\\A(?=.*certificate)(?=.*rejected)", "opcua.cert_rejected"},
    {"(?is)address already in use|\\A(?=.*\\bbind)(?=.*\\bport\\b)", "net.port_in_use"},
    {"(?i)insufficient space|disk space|not enough (?:free )?space", "storage.full"},
    {"(?i)\\b(?:started|starting up)\\b", "service.start"},
    {"(?i)\\b(?:stopped|shutting down)\\b", "service.stop"},
};

/* Severity of a record without a level word (the note's 2.1 rule). */
static const char SEV_ERROR_RE[] = "(?i)not licensed|error|fail|exception";
static const char SEV_WARNING_RE[] = "(?i)disconnect|lost|timeout|shut ?down";

/* attrs. */
static const char SERVER_RE[] = "(?i)\\bserver\\s*:\\s*\\[([^\\]\\s]+)\\]";
static const char ENDPOINT_RE[] = "opc\\.tcp://[^\\s'\"<>\\]\\)]+";
static const char PROGID_RE[] =
    "(?i)\\bOPC (?:DA |UA |HDA )?server\\s*[:=]?\\s*['\"]?(?!opc\\.tcp)([A-Za-z][\\w-]*(?:\\.[\\w-]+)+)";
static const char BUFFER_MB_RE[] = "(?i)(\\d+(?:\\.\\d+)?)\\s*MB\\b";
static const char TAG_RE[] = "(?i)\\btag(?:name)?\\s*[:=]\\s*['\"]?([^\\s'\",]+)";
static const char MESSAGEADD_RE[] = "MessageAdd -(\\S+) Collector\\b";

enum { RE_SEV_ERR, RE_SEV_WARN, RE_SERVER, RE_ENDPOINT, RE_PROGID, RE_BUFFER, RE_TAG, RE_MSGADD,
       RE_COUNT };
static const char *const aux_patterns[RE_COUNT] = {
    SEV_ERROR_RE, SEV_WARNING_RE, SERVER_RE, ENDPOINT_RE, PROGID_RE, BUFFER_MB_RE, TAG_RE,
    MESSAGEADD_RE,
};

/* ---- state -------------------------------------------------------------------------------- */

struct hist_state {
    struct shape shapes[MAX_SHAPES];
    size_t n_shapes;
    bool is_builtin;        /* the note's default layout (prefilter, any line continues) */
    pcre2_code *aux[RE_COUNT];
    pcre2_match_data *md;   /* for aux, sized for the largest */
    struct fl_catalog *cat;
    const struct fl_tz *tz;
    struct fl_tzfold fold;
    struct fl_dateorder dord;
    bool has_last_date;     /* for time-only formats: the previous dated record's date */
    int last_year, last_mon, last_day;
    char file_component[128];
    struct fl_buf clean;    /* a markup line with tags stripped */
    /* The held record. */
    bool has_open;
    struct fl_buf first;    /* first line, as matched (after markup stripping) */
    struct fl_buf msg;      /* message: first-line text + "\n" + continuation lines */
    struct shape *shape;
    struct fl_layout_fields head; /* the first line's fields, offsets into first */
    bool has_ts;
    int64_t utc_ms;
    size_t first_msg_len;
    bool is_msg_cut;
    uint64_t offset, end_offset;
    uint32_t lines;
    struct fl_arena arena;
    struct fl_event ev;
};

/* ---- helpers ------------------------------------------------------------------------------ */

static bool re_match(struct hist_state *st, const pcre2_code *re, const char *p, size_t n)
{
    return pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, st->md, NULL) >= 0;
}

/* Group 1 of the last aux match, relative to the subject; empty when unset. */
static struct fl_layout_span group1(struct hist_state *st)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->md);
    if (pcre2_get_ovector_count(st->md) < 2 || ov[2] == PCRE2_UNSET)
        return (struct fl_layout_span){0, 0, false};
    return (struct fl_layout_span){ov[2], ov[3] - ov[2], true};
}

static struct fl_str span_str(const char *base, struct fl_layout_span s)
{
    return fl_str_make(base + s.off, s.len);
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

static size_t trim_end(const char *p, size_t n)
{
    while (n > 0 && hist_is_space(p[n - 1]))
        n--;
    return n;
}

/* Strips tags and decodes the entities the note names (plus &#39; and &nbsp;) into out. */
static int strip_markup(const char *p, size_t n, struct fl_buf *out)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'},   {"&gt;", '>'},
                {"&quot;", '"'}, {"&#39;", '\''}, {"&nbsp;", ' '}};
    fl_buf_reset(out);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        if (p[i] == '<') {
            const char *close = memchr(p + i, '>', n - i);
            if (close) {
                i = (size_t)(close - p) + 1;
                continue;
            }
        }
        if (p[i] == '&') {
            size_t k;
            for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
                size_t el = strlen(ents[k].ent);
                if (n - i >= el && memcmp(p + i, ents[k].ent, el) == 0) {
                    rc = fl_buf_putc(out, ents[k].c);
                    i += el;
                    break;
                }
            }
            if (k < sizeof ents / sizeof ents[0])
                continue;
        }
        rc = fl_buf_putc(out, p[i++]);
    }
    return rc;
}

static enum fl_severity severity_from_word(struct fl_str w, bool *is_known)
{
    static const struct {
        const char *word;
        enum fl_severity sev;
    } words[] = {
        {"fatal", FL_SEV_CRITICAL},   {"critical", FL_SEV_CRITICAL}, {"error", FL_SEV_ERROR},
        {"warning", FL_SEV_WARNING},  {"warn", FL_SEV_WARNING},      {"info", FL_SEV_INFO},
        {"information", FL_SEV_INFO}, {"debug", FL_SEV_DEBUG},       {"trace", FL_SEV_DEBUG},
        {"verbose", FL_SEV_DEBUG},    {"notice", FL_SEV_NOTICE},
        /* single letters: not in the note, but config layouts may capture them */
        {"f", FL_SEV_CRITICAL},       {"c", FL_SEV_CRITICAL},        {"e", FL_SEV_ERROR},
        {"w", FL_SEV_WARNING},        {"i", FL_SEV_INFO},            {"d", FL_SEV_DEBUG},
        {"t", FL_SEV_DEBUG},          {"v", FL_SEV_DEBUG},
    };
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
        if (strlen(words[k].word) == w.len && strncasecmp(w.p, words[k].word, w.len) == 0) {
            *is_known = true;
            return words[k].sev;
        }
    }
    *is_known = false;
    return FL_SEV_INFO;
}

/* The component for records that name none: the file's base name without directories, a
 * .log/.txt/.htm(l) extension and a "-NN" rotation number ("DATA ARCHIVER-01.LOG" gives
 * "DATA ARCHIVER"). */
static void component_from_file(const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    if (!path || !*path || strcmp(path, "-") == 0)
        return;
    const char *base = strrchr(path, '/');
    const char *bs = strrchr(path, '\\');
    if (bs && (!base || bs > base))
        base = bs;
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    static const char *const exts[] = {".log", ".txt", ".html", ".htm"};
    for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
        size_t el = strlen(exts[k]);
        if (n > el && strncasecmp(base + n - el, exts[k], el) == 0) {
            n -= el;
            break;
        }
    }
    size_t d = n;
    while (d > 0 && hist_is_digit(base[d - 1]))
        d--;
    if (d < n && d > 1 && base[d - 1] == '-')
        n = d - 1;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

/* ---- time of a record --------------------------------------------------------------------- */

/* Reads the ts text with the shape's formats; false when none fits (the line then starts no
 * record). The date is the shape's to decide: numeric day/month through the file's order,
 * a time-only stamp on the previous record's date. */
static bool record_time(struct hist_state *st, const struct shape *sh, const char *p, size_t n,
                        bool *has_ts, int64_t *utc_ms)
{
    struct fl_layout_tm t;
    size_t k;
    for (k = 0; k < sh->n_formats; k++)
        if (fl_layout_ts_read(&sh->formats[k], p, n, &t))
            break;
    if (k == sh->n_formats)
        return false;
    int year, mon, day;
    bool has_date = t.has_year && t.has_mon && t.has_day;
    if (has_date) {
        year = t.year;
        mon = t.mon;
        day = t.day;
        if (sh->use_dateorder && !t.is_mon_named && !t.is_year_first && t.n_pair == 2) {
            unsigned um, ud;
            if (fl_dateorder_apply(&st->dord, FL_DO_MDY, (unsigned)t.pair[0],
                                   (unsigned)t.pair[1], &um, &ud) != 0)
                return false;
            mon = (int)um;
            day = (int)ud;
        }
    } else if (t.has_time && st->has_last_date) {
        year = st->last_year;
        mon = st->last_mon;
        day = st->last_day;
    } else if (t.has_time) {
        *has_ts = false; /* a time with no date yet: ingest time (DESIGN.md) */
        return true;
    } else {
        return false;
    }
    int64_t local;
    if (!fl_layout_tm_local_ms(&t, year, (unsigned)mon, (unsigned)day, &local))
        return false;
    if (t.has_zone)
        *utc_ms = local - (int64_t)t.zone_min * 60000;
    else
        fl_tz_to_utc(st->tz, &st->fold, local, utc_ms);
    if (has_date) {
        st->has_last_date = true;
        st->last_year = year;
        st->last_mon = mon;
        st->last_day = day;
    }
    *has_ts = true;
    return true;
}

/* ---- events -------------------------------------------------------------------------------- */

/* Words that gate the attrs regexes, found in one pass over the text (a pass per word, or
 * a regex per attr on every record, cost more than the rest of the parser). */
enum {
    KW_SERVER = 1 << 0,
    KW_OPC = 1 << 1,
    KW_OPCTCP = 1 << 2,
    KW_BUFFER = 1 << 3,
    KW_TAG = 1 << 4,
    KW_MSGADD = 1 << 5,
};

static bool word_ci_at(const char *p, size_t n, size_t i, const char *lit, size_t m)
{
    if (n - i < m)
        return false;
    for (size_t k = 1; k < m; k++)
        if (ascii_lower(p[i + k]) != lit[k])
            return false;
    return true;
}

static unsigned scan_keywords(const char *p, size_t n)
{
    unsigned kw = 0;
    for (size_t i = 0; i < n; i++) {
        switch (ascii_lower(p[i])) {
        case 's':
            if (word_ci_at(p, n, i, "server", 6))
                kw |= KW_SERVER;
            break;
        case 'o':
            if (word_ci_at(p, n, i, "opc", 3)) {
                kw |= KW_OPC;
                if (n - i >= 10 && memcmp(p + i, "opc.tcp://", 10) == 0)
                    kw |= KW_OPCTCP;
            }
            break;
        case 'b':
            if (word_ci_at(p, n, i, "buffer", 6))
                kw |= KW_BUFFER;
            break;
        case 't':
            if (word_ci_at(p, n, i, "tag", 3))
                kw |= KW_TAG;
            break;
        case 'm':
            if (n - i >= 12 && memcmp(p + i, "MessageAdd -", 12) == 0)
                kw |= KW_MSGADD;
            break;
        }
    }
    return kw;
}

static void add_attrs(struct hist_state *st, struct fl_event *ev, struct fl_str text, unsigned kw)
{
    const char *p = text.p;
    size_t n = text.len;
    if ((kw & KW_SERVER) && re_match(st, st->aux[RE_SERVER], p, n)) {
        struct fl_str v = span_str(p, group1(st));
        /* An IPv4 address is the peer's; anything else names the server. */
        bool is_ip = v.len > 0;
        for (size_t i = 0; i < v.len; i++)
            if (!hist_is_digit(v.p[i]) && v.p[i] != '.')
                is_ip = false;
        fl_event_attr_str(ev, is_ip ? "peer_ip" : "server", v);
    }
    if ((kw & KW_OPCTCP) && re_match(st, st->aux[RE_ENDPOINT], p, n)) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->md);
        struct fl_str url = fl_str_make(p + ov[0], ov[1] - ov[0]);
        while (url.len && (url.p[url.len - 1] == '.' || url.p[url.len - 1] == ','))
            url.len--;
        fl_event_attr_str(ev, "endpoint", url);
        fl_event_attr_str(ev, "opc_server", url);
        /* opc.tcp://host:port/path */
        size_t rest = url.len > 10 ? url.len - 10 : 0;
        const char *host = url.p + 10, *end = host + rest;
        const char *slash = memchr(host, '/', rest);
        const char *hend = slash ? slash : end;
        const char *colon = NULL;
        for (const char *c = hend; c > host; c--)
            if (c[-1] == ':') {
                colon = c - 1;
                break;
            }
        if (colon && colon + 1 < hend) {
            int64_t port = 0;
            bool ok = true;
            for (const char *c = colon + 1; c < hend; c++) {
                if (!hist_is_digit(*c) || port > 65535) {
                    ok = false;
                    break;
                }
                port = port * 10 + (*c - '0');
            }
            if (ok && port <= 65535)
                fl_event_attr_int(ev, "port", port);
        }
    } else if ((kw & KW_OPC) && (kw & KW_SERVER) && re_match(st, st->aux[RE_PROGID], p, n)) {
        fl_event_attr_str(ev, "opc_server", span_str(p, group1(st)));
    }
    if ((kw & KW_BUFFER) && re_match(st, st->aux[RE_BUFFER], p, n))
        fl_event_attr_str(ev, "buffer_mb", span_str(p, group1(st)));
    if ((kw & KW_TAG) && re_match(st, st->aux[RE_TAG], p, n))
        fl_event_attr_str(ev, "tag", span_str(p, group1(st)));
}

/* True when the text writes the status itself (name or hex), not only its description. */
static bool status_written(const char *p, size_t n, const struct fl_opcua_status *s)
{
    return memmem(p, n, s->canonical, strlen(s->canonical)) ||
           memmem(p, n, s->name, strlen(s->name));
}

static int emit_held(struct hist_state *st, const struct fl_sink *sink)
{
    if (!st->has_open)
        return 0;
    st->has_open = false;
    struct fl_event *ev = &st->ev;
    const char *b = st->first.data;
    fl_event_reset(ev);
    fl_arena_reset(&st->arena);
    ev->source = SOURCE;
    ev->has_ts = st->has_ts;
    ev->ts_ms = st->utc_ms;
    ev->ts_raw = span_str(b, st->head.f[FL_LF_TS]);
    ev->message = fl_str_make(st->msg.data, st->msg.len);
    struct fl_str text = ev->message;
    unsigned kw = scan_keywords(text.p, text.len);

    struct fl_str level = span_str(b, st->head.f[FL_LF_LEVEL]);
    bool is_known = false;
    if (level.len) {
        ev->severity_raw = level;
        ev->severity = severity_from_word(level, &is_known);
    }
    if (!is_known) {
        if ((st->first_msg_len > 0 && st->msg.data[0] == '=') ||
            re_match(st, st->aux[RE_SEV_ERR], text.p, text.len))
            ev->severity = FL_SEV_ERROR;
        else if (re_match(st, st->aux[RE_SEV_WARN], text.p, text.len))
            ev->severity = FL_SEV_WARNING;
        else
            ev->severity = FL_SEV_INFO;
    }

    if (st->head.f[FL_LF_COMPONENT].len) {
        ev->component = span_str(b, st->head.f[FL_LF_COMPONENT]);
    } else if ((kw & KW_MSGADD) &&
               re_match(st, st->aux[RE_MSGADD], text.p, text.len)) {
        ev->component = span_str(text.p, group1(st));
        fl_event_attr_str(ev, "collector", ev->component);
    } else if (st->shape->is_hda) {
        ev->component = FL_STR_LIT(HDA_COMPONENT);
    } else {
        ev->component = fl_str_c(st->file_component);
    }

    struct fl_opcua_hit hit;
    bool has_hit = fl_opcua_scan(text.p, text.len, &hit) && hit.status;
    if (st->head.f[FL_LF_CODE].len) {
        ev->code = span_str(b, st->head.f[FL_LF_CODE]);
    } else if (has_hit && status_written(text.p, text.len, hit.status)) {
        char hex[11];
        fl_hex32_format(hit.status->hex, hex);
        ev->code = fl_str_c(hit.status->canonical);
        fl_event_attr_str(ev, "status_hex", fl_arena_dup(&st->arena, hex, 10));
    } else if (hit.has_hex && (hit.first_hex & 0x80000000u)) {
        char hex[11];
        fl_hex32_format(hit.first_hex, hex);
        ev->code = fl_arena_dup(&st->arena, hex, 10);
        if (has_hit)
            fl_event_attr_str(ev, "status_name", fl_str_c(hit.status->canonical));
    }
    add_attrs(st, ev, text, kw);

    int row = fl_catalog_match(st->cat, text.p, text.len);
    const struct fl_catalog_row *r = fl_catalog_row(st->cat, row);
    if (r && r->category)
        ev->category = r->category;
    else if (r) /* a status-name row: the status table decides */
        ev->category = has_hit && hit.status->category ? hit.status->category
                                                       : "opcua.cert_rejected";
    else if (has_hit && hit.status->category)
        ev->category = hit.status->category;
    else
        ev->category = "unclassified";
    ev->offset = st->offset;
    ev->end_offset = st->end_offset;
    ev->lines = st->lines;
    return sink->emit(sink->ctx, ev);
}

/* Tries every shape on p[0..n); on a record start sets the shape, its fields and the time. */
static bool try_start(struct hist_state *st, const char *p, size_t n, struct shape **out,
                      struct fl_layout_fields *fields, bool *has_ts, int64_t *utc_ms)
{
    if (st->is_builtin && (n == 0 || (!hist_is_digit(p[0]) && p[0] != '[')))
        return false; /* every built-in shape starts with a digit or '[' */
    for (size_t k = 0; k < st->n_shapes; k++) {
        struct shape *sh = &st->shapes[k];
        if (!fl_layout_line_match(&sh->lay, p, n, fields))
            continue;
        const struct fl_layout_span *ts = &fields->f[FL_LF_TS];
        if (ts->len == 0) {
            *has_ts = false; /* a config pattern without a ts group: ingest time */
        } else if (!record_time(st, sh, p + ts->off, ts->len, has_ts, utc_ms)) {
            continue;
        }
        *out = sh;
        return true;
    }
    return false;
}

static int open_record(struct hist_state *st, const struct fl_line *ln, const char *p, size_t n,
                       struct shape *sh, const struct fl_layout_fields *fields,
                       bool has_ts, int64_t utc_ms)
{
    struct fl_layout_span msg = fields->f[FL_LF_MESSAGE];
    if (!fl_layout_line_has(&sh->lay, FL_LF_MESSAGE)) /* the whole line is the message */
        msg = (struct fl_layout_span){0, n, true};
    st->head = *fields;
    fl_buf_reset(&st->first);
    fl_buf_reset(&st->msg);
    int rc = fl_buf_append(&st->first, p, n);
    if (rc == 0)
        rc = fl_buf_append(&st->msg, p + msg.off, trim_end(p + msg.off, msg.len));
    if (rc != 0)
        return rc;
    st->first_msg_len = st->msg.len;
    st->is_msg_cut = false;
    st->shape = sh;
    st->has_ts = has_ts;
    st->utc_ms = utc_ms;
    st->offset = ln->raw_off;
    st->end_offset = ln->raw_end;
    st->lines = 1;
    st->has_open = true;
    return 0;
}

static int append_line(struct hist_state *st, const struct fl_line *ln, const char *p, size_t n,
                       bool has_text)
{
    st->lines++;
    st->end_offset = ln->raw_end;
    if (st->is_msg_cut || !has_text)
        return 0;
    int rc = fl_buf_putc(&st->msg, '\n');
    if (rc == 0)
        rc = fl_buf_append(&st->msg, p, n);
    if (rc == FL_ETOOBIG) {
        st->is_msg_cut = true;
        return 0;
    }
    return rc;
}

static int hist_feed(void *vst, const struct fl_line *ln, const struct fl_sink *sink)
{
    struct hist_state *st = vst;
    const char *p = ln->text;
    size_t n = ln->len;
    int rc;
    if (hist_is_markup(p, n)) {
        if ((rc = strip_markup(p, n, &st->clean)) != 0)
            return rc;
        p = st->clean.data ? st->clean.data : "";
        n = st->clean.len;
        if (hist_is_blank(p, n)) {
            /* Markup only: part of the open record's lines, no text, never an event. */
            if (st->has_open)
                return append_line(st, ln, p, 0, false);
            return 0;
        }
    }
    struct shape *sh = NULL;
    struct fl_layout_fields fields;
    bool has_ts = false;
    int64_t utc_ms = 0;
    if (try_start(st, p, n, &sh, &fields, &has_ts, &utc_ms)) {
        if ((rc = emit_held(st, sink)) != 0)
            return rc;
        return open_record(st, ln, p, n, sh, &fields, has_ts, utc_ms);
    }
    bool is_blank_line = hist_is_blank(p, n);
    if (st->has_open) {
        /* Built-in: every other line continues (the note); a config layout: its pattern. */
        if (st->is_builtin || fl_layout_line_continues(&st->shape->lay, p, n))
            return append_line(st, ln, p, n, true);
    }
    if (is_blank_line)
        return 0; /* empty lines between records make no event */
    if ((rc = emit_held(st, sink)) != 0)
        return rc;
    return fl_parser_emit_unparsed(SOURCE, ln, &st->ev, sink);
}

static int hist_flush(void *vst, const struct fl_sink *sink)
{
    return emit_held(vst, sink);
}

static void hist_close(void *vst)
{
    struct hist_state *st = vst;
    if (!st)
        return;
    for (size_t k = 0; k < st->n_shapes; k++)
        fl_layout_line_free(&st->shapes[k].lay);
    for (size_t k = 0; k < RE_COUNT; k++)
        pcre2_code_free(st->aux[k]);
    pcre2_match_data_free(st->md);
    fl_catalog_free(st->cat);
    fl_buf_free(&st->clean);
    fl_buf_free(&st->first);
    fl_buf_free(&st->msg);
    fl_arena_free(&st->arena);
    free(st);
}

static bool shapes_from_config(struct hist_state *st, const struct fl_layout *lay,
                               const char *file, struct fl_err *err)
{
    if (!lay->pattern || !*lay->pattern) {
        fl_err_set(err, file, 0, UINT64_MAX, "historian: layout has no pattern");
        return false;
    }
    struct shape *sh = &st->shapes[0];
    if (fl_layout_line_init(&sh->lay, lay->pattern, lay->continuation, SOURCE, file, err) != 0)
        return false;
    st->n_shapes = 1;
    if (lay->ts_format && *lay->ts_format) {
        if (fl_layout_ts_compile(&sh->formats[0], lay->ts_format, SOURCE, file, err) != 0)
            return false;
        sh->n_formats = 1;
    } else {
        for (size_t k = 0; k < MAX_FORMATS; k++)
            (void)fl_layout_ts_compile(&sh->formats[k], fallback_formats[k], SOURCE, NULL, NULL);
        sh->n_formats = MAX_FORMATS;
        sh->use_dateorder = true;
    }
    return true;
}

static bool shapes_builtin(struct hist_state *st, struct fl_err *err)
{
    for (size_t k = 0; k < sizeof builtin_shapes / sizeof builtin_shapes[0]; k++) {
        const struct builtin_shape *b = &builtin_shapes[k];
        struct shape *sh = &st->shapes[k];
        if (fl_layout_line_init(&sh->lay, b->pattern, NULL, SOURCE, NULL, err) != 0)
            return false;
        st->n_shapes = k + 1;
        for (size_t f = 0; f < MAX_FORMATS && b->formats[f]; f++)
            (void)fl_layout_ts_compile(&sh->formats[sh->n_formats++], b->formats[f], SOURCE,
                                       NULL, NULL);
        sh->use_dateorder = b->use_dateorder;
        sh->is_hda = b->is_hda;
    }
    st->is_builtin = true;
    return true;
}

static void *hist_open(const struct fl_parser_cfg *cfg, struct fl_err *err)
{
    struct hist_state *st = calloc(1, sizeof *st);
    if (!st) {
        fl_err_set(err, cfg->file, 0, UINT64_MAX, "historian: out of memory");
        return NULL;
    }
    st->tz = cfg->tz ? cfg->tz : fl_tz_utc();
    fl_tzfold_init(&st->fold);
    fl_dateorder_init(&st->dord, cfg->date_order);
    component_from_file(cfg->file, st->file_component, sizeof st->file_component);
    fl_buf_init(&st->clean, MAX_RECORD_BYTES);
    fl_buf_init(&st->first, MAX_RECORD_BYTES);
    fl_buf_init(&st->msg, MAX_RECORD_BYTES);
    fl_arena_init(&st->arena, 1024);
    bool ok = cfg->layout && !cfg->layout->is_csv
                  ? shapes_from_config(st, cfg->layout, cfg->file, err)
                  : shapes_builtin(st, err);
    for (size_t k = 0; ok && k < RE_COUNT; k++) {
        st->aux[k] = fl_layout_compile_re(aux_patterns[k], SOURCE, "built-in", NULL, err);
        ok = st->aux[k] != NULL;
    }
    if (ok) {
        uint32_t max_groups = 0;
        for (size_t k = 0; k < RE_COUNT; k++) {
            uint32_t g = 0;
            pcre2_pattern_info(st->aux[k], PCRE2_INFO_CAPTURECOUNT, &g);
            if (g > max_groups)
                max_groups = g;
        }
        st->md = pcre2_match_data_create(max_groups + 1, NULL);
        st->cat = fl_catalog_new(category_rows, sizeof category_rows / sizeof category_rows[0],
                                 err);
        ok = st->md && st->cat;
        if (!st->md)
            fl_err_set(err, cfg->file, 0, UINT64_MAX, "historian: out of memory");
    }
    if (!ok) {
        hist_close(st);
        return NULL;
    }
    return st;
}

extern const struct fl_parser fl_parser_historian;
const struct fl_parser fl_parser_historian = {
    .source = SOURCE,
    .probe = fl_historian_probe,
    .open = hist_open,
    .feed = hist_feed,
    .flush = hist_flush,
    .close = hist_close,
};
