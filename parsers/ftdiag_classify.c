/* parsers/ftdiag_classify.c: what a FactoryTalk Diagnostics record's text means
 * (formats/ftdiag.md §2, §5), for every input shape of parsers/ftdiag.c alike: the time (the
 * note's export formats and ISO 8601, or a configured layout's ts_format read by
 * parsers/layout.h), the severity of a Severity cell or of a message with none, and the
 * category, code and attrs found in a message.
 *
 * Framing records, columns and JSON are the other ftdiag files' (parsers/ftdiag.h). Nothing
 * here allocates per record except through the per-record arena. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parsers/ftdiag.h"
#include "parsers/opcua.h"

/* Note §5.5, in table order; OPC UA statuses are looked up afterwards
 * (fl_ftdiag_classify). */
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

/* ---- time ---- */

static bool read_num(const char *p, size_t n, size_t *i, unsigned max_digits, unsigned *v,
                     unsigned *digits)
{
    unsigned d = 0, x = 0;
    while (*i < n && d < max_digits && ftd_is_digit(p[*i])) {
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
    if (*i + 1 < n && (p[*i] == '.' || p[*i] == ',') && ftd_is_digit(p[*i + 1])) {
        (*i)++;
        unsigned d = 0;
        while (*i < n && ftd_is_digit(p[*i])) {
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
    if (j + 1 < n && (ftd_lower(p[j]) == 'a' || ftd_lower(p[j]) == 'p') &&
        ftd_lower(p[j + 1]) == 'm' && (j + 2 == n || !ftd_is_word(p[j + 2]))) {
        if (*h < 1 || *h > 12)
            return false;
        bool is_pm = ftd_lower(p[j]) == 'p';
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
    if (j > i && j < n && ftd_is_digit(p[j])) {
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

/* A layout's ts_format (parsers/layout.h). A format without a date part reads as 1970-01-01,
 * as this parser always did: the layout names no date, and none is guessed. */
static int ts_by_format(const struct fl_layout_ts *fmt, const char *p, size_t n, int64_t *local_ms,
                        bool *has_zone, int *off_min)
{
    struct fl_layout_tm t;
    if (!fl_layout_ts_read(fmt, p, n, &t) ||
        !fl_layout_tm_local_ms(&t, t.has_year ? t.year : 1970, t.has_mon ? (unsigned)t.mon : 1u,
                               t.has_day ? (unsigned)t.day : 1u, local_ms))
        return FL_EUNPARSED;
    *has_zone = t.has_zone;
    *off_min = t.zone_min;
    return 0;
}

int fl_ftdiag_set_time(struct ftd *st, struct fl_event *ev, struct fl_str raw, bool use_format)
{
    int64_t local_ms, utc_ms;
    bool has_zone = false;
    int off_min = 0;
    int rc = (use_format && st->has_ts_format)
                 ? ts_by_format(&st->ts_format, raw.p, raw.len, &local_ms, &has_zone, &off_min)
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

int fl_ftdiag_sev_from_cell(struct fl_str cell, bool *is_audit)
{
    /* Words of letters; the rules below then read "contains" as "has the word". */
    bool has_err = false, has_warn = false, has_info = false, has_crit = false, has_dbg = false;
    *is_audit = false;
    size_t i = 0;
    while (i < cell.len) {
        while (i < cell.len && !ftd_is_word(cell.p[i]))
            i++;
        size_t start = i;
        while (i < cell.len && ftd_is_word(cell.p[i]))
            i++;
        const char *w = cell.p + start;
        size_t n = i - start;
        if (ftd_ci_eqn(w, n, "error") || ftd_ci_eqn(w, n, "errors"))
            has_err = true;
        else if (ftd_ci_eqn(w, n, "warning") || ftd_ci_eqn(w, n, "warn"))
            has_warn = true;
        else if (ftd_ci_eqn(w, n, "information") || ftd_ci_eqn(w, n, "info"))
            has_info = true;
        else if (ftd_ci_eqn(w, n, "audit"))
            *is_audit = true;
        else if (ftd_ci_eqn(w, n, "critical"))
            has_crit = true; /* Windows levels, if a tool writes them (note §5.1) */
        else if (ftd_ci_eqn(w, n, "verbose") || ftd_ci_eqn(w, n, "debug"))
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

enum fl_severity fl_ftdiag_sev_from_text(struct ftd *st, struct fl_str msg)
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
            if (!m->result && end - q >= 8 && ftd_ci_eqn(q, 8, "(result="))
                m->result = q;
            break;
        case 'F':
            if (!m->flex && has_prefix(q, end, MARK_FLEX, sizeof MARK_FLEX - 1))
                m->flex = q;
            break;
        case 'B':
            if (!m->bad && has_prefix(q, end, "Bad ", 4) && (q == p || !ftd_is_word(q[-1])))
                m->bad = q;
            break;
        default: break;
        }
    }
}

/* "Bad Disconnect": a status name written with a space (note §5.5). */
static const struct fl_opcua_status *bad_with_space(const char *p, size_t n, const char *from)
{
    const char *end = p + n;
    for (const char *q = from; (q = memmem(q, (size_t)(end - q), "Bad ", 4)) != NULL; q += 4) {
        if (q > p && ftd_is_word(q[-1]))
            continue;
        const char *w = q + 4;
        if (w >= end || !(*w >= 'A' && *w <= 'Z'))
            continue;
        const char *e = w;
        while (e < end && ftd_is_word(*e) && *e != '_')
            e++;
        if (e < end && ftd_is_word(*e))
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
    if (i + 1 < n && p[i] == '0' && ftd_lower(p[i + 1]) == 'x')
        i += 2;
    uint32_t x = 0;
    for (; i < n && d < 9; i++, d++) {
        char c = ftd_lower(p[i]);
        unsigned nib;
        if (ftd_is_digit(c))
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
    while (i < n && ftd_is_digit(p[i]))
        i++;
    if (i == digits_at)
        return FL_STR_NULL;
    if (i + 1 < n && p[i] == ',' && (ftd_is_digit(p[i + 1]) || p[i + 1] == '-')) {
        size_t j = i + 1 + (p[i + 1] == '-');
        size_t k = j;
        while (k < n && ftd_is_digit(p[k]))
            k++;
        if (k > j)
            i = k;
    }
    return fl_str_make(p + start, i - start);
}

void fl_ftdiag_classify(struct ftd *st, struct fl_event *ev, struct fl_str msg, bool has_code)
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

int fl_ftdiag_classify_init(struct ftd *st, const char *file, struct fl_err *err)
{
    st->cat = fl_catalog_new(catalog_rows, sizeof catalog_rows / sizeof catalog_rows[0], err);
    if (!st->cat)
        return FL_EINVAL;
    st->re_err = fl_layout_compile_re(sev_error_re, FTD_SOURCE, "severity rule", file, err);
    st->re_warn = st->re_err
                      ? fl_layout_compile_re(sev_warning_re, FTD_SOURCE, "severity rule", file, err)
                      : NULL;
    if (!st->re_warn)
        return FL_EINVAL;
    st->md = pcre2_match_data_create(4, NULL);
    return st->md ? 0 : FL_ENOMEM;
}

void fl_ftdiag_classify_free(struct ftd *st)
{
    fl_catalog_free(st->cat);
    pcre2_code_free(st->re_err);
    pcre2_code_free(st->re_warn);
    pcre2_match_data_free(st->md);
    st->cat = NULL;
    st->re_err = st->re_warn = NULL;
    st->md = NULL;
}
