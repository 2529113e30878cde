/* parsers/layout.c: the engine for configured line layouts (parsers/layout.h).
 *
 * Compiling (PCRE2, JIT) and matching a layout's line and continuation patterns, and the
 * strptime-like ts_format reader. The reader is the union of what ftdiag and historian read
 * before they shared it: text that either of them took is still taken, and reads the same
 * time, except where they disagreed and strptime decides: %I without %p is a 12-hour clock
 * read as AM (ftdiag read it as %H), and the year in %F is four digits, as in %Y (ftdiag took
 * one to four there). What a date without a year means, or which of two numbers is the
 * month, is left to the parser (struct fl_layout_tm keeps what it needs to decide). */
#include <stdio.h>
#include <string.h>

#include "parsers/layout.h"
#include "parsers/ptime.h"

/* ---- patterns ---- */

pcre2_code *fl_layout_compile_re(const char *pattern, const char *who, const char *what,
                                 const char *file, struct fl_err *err)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &errcode, &erroff, NULL);
    if (!re) {
        PCRE2_UCHAR why[160];
        if (pcre2_get_error_message(errcode, why, sizeof why) < 0)
            snprintf((char *)why, sizeof why, "PCRE2 error %d", errcode);
        fl_err_set(err, file, 0, UINT64_MAX, "%s: layout %s: %s at offset %zu in '%.60s'", who,
                   what, (const char *)why, (size_t)erroff, pattern);
        return NULL;
    }
    /* Without JIT (an unsupported platform) pcre2_match interprets: slower, same result. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

static const char *const field_group[FL_LF_N] = {
    [FL_LF_TS] = "ts",           [FL_LF_LEVEL] = "level", [FL_LF_COMPONENT] = "component",
    [FL_LF_MESSAGE] = "message", [FL_LF_CODE] = "code",   [FL_LF_HOST] = "host",
};

void fl_layout_line_free(struct fl_layout_line *ll)
{
    pcre2_match_data_free(ll->md);
    pcre2_match_data_free(ll->cont_md);
    pcre2_code_free(ll->re);
    pcre2_code_free(ll->cont_re);
    memset(ll, 0, sizeof *ll);
}

int fl_layout_line_init(struct fl_layout_line *ll, const char *pattern, const char *continuation,
                        const char *who, const char *file, struct fl_err *err)
{
    memset(ll, 0, sizeof *ll);
    ll->re = fl_layout_compile_re(pattern, who, "pattern", file, err);
    if (!ll->re)
        return FL_EINVAL;
    if (continuation && *continuation) {
        ll->cont_re = fl_layout_compile_re(continuation, who, "continuation", file, err);
        if (!ll->cont_re) {
            fl_layout_line_free(ll);
            return FL_EINVAL;
        }
        /* Only whether it matches counts: one pair is enough (a match that does not fit
         * the ovector still returns 0, not an error). */
        ll->cont_md = pcre2_match_data_create(1, NULL);
    }
    ll->md = pcre2_match_data_create_from_pattern(ll->re, NULL);
    if (!ll->md || (ll->cont_re && !ll->cont_md)) {
        fl_layout_line_free(ll);
        fl_err_set(err, file, 0, UINT64_MAX, "%s: out of memory", who);
        return FL_ENOMEM;
    }
    ll->n_pairs = pcre2_get_ovector_count(ll->md);
    for (int f = 0; f < FL_LF_N; f++) {
        int g = pcre2_substring_number_from_name(ll->re, (PCRE2_SPTR)field_group[f]);
        ll->group[f] = g > 0 ? (uint32_t)g : 0; /* absent, or a duplicated name: none */
    }
    return 0;
}

bool fl_layout_line_match(struct fl_layout_line *ll, const char *p, size_t n,
                          struct fl_layout_fields *out)
{
    if (pcre2_match(ll->re, (PCRE2_SPTR)(p ? p : ""), n, 0, 0, ll->md, NULL) < 0)
        return false;
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ll->md);
    for (int f = 0; f < FL_LF_N; f++) {
        uint32_t g = ll->group[f];
        struct fl_layout_span *s = &out->f[f];
        /* end < start happens only with \K in a lookaround: treat it as unset. */
        if (g == 0 || g >= ll->n_pairs || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g]) {
            *s = (struct fl_layout_span){0, 0, false};
            continue;
        }
        *s = (struct fl_layout_span){ov[2 * g], ov[2 * g + 1] - ov[2 * g], true};
    }
    return true;
}

bool fl_layout_line_continues(struct fl_layout_line *ll, const char *p, size_t n)
{
    return ll->cont_re &&
           pcre2_match(ll->cont_re, (PCRE2_SPTR)(p ? p : ""), n, 0, 0, ll->cont_md, NULL) >= 0;
}

/* ---- ts_format ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Reads up to max digits at p[*i]; returns how many were read. */
static int read_num(const char *p, size_t n, size_t *i, int max, int *out)
{
    int digits = 0, v = 0;
    while (*i < n && digits < max && is_digit(p[*i])) {
        v = v * 10 + (p[*i] - '0');
        (*i)++;
        digits++;
    }
    *out = v;
    return digits;
}

static const char *const month_abbr[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const day_abbr[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* A word whose first three letters are one of abbr (case-insensitive): "Mar", "March",
 * "Sept". The whole word is consumed. Returns its index, or -1. */
static int read_name(const char *p, size_t n, size_t *i, const char *const *abbr, int count)
{
    size_t len = 0;
    while (*i + len < n && is_alpha(p[*i + len]))
        len++;
    if (len < 3)
        return -1;
    for (int k = 0; k < count; k++) {
        if (lower(p[*i]) == abbr[k][0] && lower(p[*i + 1]) == abbr[k][1] &&
            lower(p[*i + 2]) == abbr[k][2]) {
            *i += len;
            return k;
        }
    }
    return -1;
}

/* %z: Z, or a sign, 1-2 digits of hours, an optional ':' and 0-2 digits of minutes. */
static bool read_zone(const char *p, size_t n, size_t *i, struct fl_layout_tm *t)
{
    if (*i < n && (p[*i] == 'Z' || p[*i] == 'z')) {
        (*i)++;
        t->has_zone = true;
        t->zone_min = 0;
        return true;
    }
    if (*i >= n || (p[*i] != '+' && p[*i] != '-'))
        return false;
    int sign = p[*i] == '-' ? -1 : 1, hh, mm;
    size_t j = *i + 1;
    if (!read_num(p, n, &j, 2, &hh))
        return false;
    if (j < n && p[j] == ':')
        j++;
    read_num(p, n, &j, 2, &mm);
    t->has_zone = true;
    t->zone_min = sign * (hh * 60 + mm);
    *i = j;
    return true;
}

/* One directive d at p[*i]. y_max: the most digits %y may take (4 on the first reading, 2 on
 * the second, fl_layout_ts_read). */
static bool directive(char d, const char *p, size_t n, size_t *i, int y_max, struct fl_layout_tm *t)
{
    int v = 0, got;
    switch (d) {
    case 'Y':
        if (read_num(p, n, i, 4, &v) != 4)
            return false;
        t->year = v;
        t->has_year = true;
        t->is_year_first = t->n_pair == 0;
        return true;
    case 'y':
        got = read_num(p, n, i, y_max, &v);
        if (got == 1 || got == 2)
            t->year = 2000 + v; /* both notes: a two-digit year is 20YY */
        else if (got == 4)
            t->year = v;
        else
            return false;
        t->has_year = true;
        t->is_year_first = t->n_pair == 0;
        return true;
    case 'm':
        if (!read_num(p, n, i, 2, &v))
            return false;
        t->mon = v;
        t->has_mon = true;
        if (t->n_pair < 2)
            t->pair[t->n_pair++] = v;
        return true;
    case 'e':
        while (*i < n && p[*i] == ' ')
            (*i)++;
        /* fall through */
    case 'd':
        if (!read_num(p, n, i, 2, &v))
            return false;
        t->day = v;
        t->has_day = true;
        if (t->n_pair < 2)
            t->pair[t->n_pair++] = v;
        return true;
    case 'H':
    case 'I':
        if (!read_num(p, n, i, 2, &v))
            return false;
        t->hour = v;
        t->is_12h = d == 'I';
        t->has_time = true;
        return true;
    case 'M':
        if (!read_num(p, n, i, 2, &v))
            return false;
        t->min = v;
        return true;
    case 'S':
        if (!read_num(p, n, i, 2, &v))
            return false;
        t->sec = v;
        return true;
    case 'f': {
        /* Finer digits are truncated, not rounded (DESIGN.md time rule). */
        int digits = 0, ms = 0;
        for (; *i < n && is_digit(p[*i]); (*i)++, digits++)
            if (digits < 3)
                ms = ms * 10 + (p[*i] - '0');
        if (digits == 0)
            return false;
        for (int k = digits; k < 3; k++)
            ms *= 10;
        t->ms = ms;
        return true;
    }
    case 'p':
        if (*i + 2 > n || (lower(p[*i]) != 'a' && lower(p[*i]) != 'p') || lower(p[*i + 1]) != 'm')
            return false;
        t->has_ampm = true;
        t->is_pm = lower(p[*i]) == 'p';
        *i += 2;
        return true;
    case 'b':
        if ((v = read_name(p, n, i, month_abbr, 12)) < 0)
            return false;
        t->mon = v + 1;
        t->has_mon = true;
        t->is_mon_named = true;
        return true;
    case 'a': return read_name(p, n, i, day_abbr, 7) >= 0;
    case 'z': return read_zone(p, n, i, t);
    default: return false;
    }
}

/* Steps that are not directives (directives are their own letter). */
enum { STEP_LIT = 1, STEP_BLANKS, STEP_FRACTION };

/* The directives that stand for a sequence of others; NULL for the rest. */
static const char *composite(char d)
{
    switch (d) {
    case 'T': return "%H:%M:%S";
    case 'F': return "%Y-%m-%d";
    case 'D': return "%m/%d/%y";
    case 'R': return "%H:%M";
    default: return NULL;
    }
}

int fl_layout_ts_compile(struct fl_layout_ts *ts, const char *fmt, const char *who,
                         const char *file, struct fl_err *err)
{
    memset(ts, 0, sizeof *ts);
    const char *f = fmt, *resume = NULL;
    while (*f || resume) {
        if (!*f) { /* the end of a composite's expansion: back to the format */
            f = resume;
            resume = NULL;
            continue;
        }
        char step, lit = 0;
        if (*f == '%') {
            char d = f[1];
            if (!d || !strchr("YymdeHIMSfpbBhaAzTFDR%", d)) {
                fl_err_set(err, file, 0, UINT64_MAX,
                           "%s: layout ts_format '%.60s': unsupported directive %%%c", who, fmt,
                           d ? d : '%');
                return FL_EINVAL;
            }
            const char *expansion = composite(d);
            if (expansion) { /* expansions hold no composites: one level is enough */
                resume = f + 2;
                f = expansion;
                continue;
            }
            f += 2;
            step = d == 'B' || d == 'h' ? 'b' : d == 'A' ? 'a' : d;
            if (d == '%') {
                step = STEP_LIT;
                lit = '%';
            }
            ts->has_y |= d == 'y';
        } else if (is_blank(*f)) {
            step = STEP_BLANKS;
            f++;
        } else if ((*f == '.' || *f == ',') && f[1] == '%' && f[2] == 'f') {
            step = STEP_FRACTION; /* ".%f" or ",%f": either separator, or no fraction */
            f += 3;
        } else {
            step = STEP_LIT;
            lit = *f++;
        }
        if (ts->n_steps == FL_LAYOUT_TS_MAX_STEPS) {
            fl_err_set(err, file, 0, UINT64_MAX,
                       "%s: layout ts_format '%.60s': longer than %d steps", who, fmt,
                       FL_LAYOUT_TS_MAX_STEPS);
            ts->n_steps = 0;
            return FL_EINVAL;
        }
        ts->step[ts->n_steps] = step;
        ts->lit[ts->n_steps] = lit;
        ts->n_steps++;
    }
    ts->is_valid = true;
    return 0;
}

static bool read_steps(const struct fl_layout_ts *ts, const char *p, size_t n, int y_max,
                       struct fl_layout_tm *t)
{
    memset(t, 0, sizeof *t);
    size_t i = 0;
    for (unsigned k = 0; k < ts->n_steps; k++) {
        char d = ts->step[k];
        if (d == STEP_FRACTION) {
            if (i >= n || (p[i] != '.' && p[i] != ','))
                continue; /* no fraction written */
            i++;
            d = 'f';
        }
        switch (d) {
        case STEP_LIT:
            if (i >= n || p[i] != ts->lit[k])
                return false;
            i++;
            break;
        case STEP_BLANKS:
            while (i < n && is_blank(p[i]))
                i++;
            break;
        default:
            /* The one call: inlined, so the cursor i stays in a register. */
            if (!directive(d, p, n, &i, y_max, t))
                return false;
        }
    }
    while (i < n && is_blank(p[i]))
        i++;
    return i == n;
}

bool fl_layout_ts_read(const struct fl_layout_ts *ts, const char *p, size_t n,
                       struct fl_layout_tm *tm)
{
    if (!ts->is_valid)
        return false;
    if (read_steps(ts, p, n, 4, tm))
        return true;
    /* %y took four digits where the year had two and the month followed at once ("%y%m%d"
     * on "240105"): read again with a two-digit %y. Only failures pay for this. */
    return ts->has_y && read_steps(ts, p, n, 2, tm);
}

bool fl_layout_tm_local_ms(const struct fl_layout_tm *tm, int64_t year, unsigned mon, unsigned day,
                           int64_t *local_ms)
{
    int hour = tm->hour;
    if (tm->has_ampm || tm->is_12h) {
        if (hour < 1 || hour > 12)
            return false;
        hour = hour % 12 + (tm->is_pm ? 12 : 0); /* 12 AM = 00, 12 PM = 12 */
    }
    if (!fl_civil_valid(year, mon, day, (unsigned)hour, (unsigned)tm->min, (unsigned)tm->sec))
        return false;
    *local_ms = fl_civil_ms(year, mon, day, (unsigned)hour, (unsigned)tm->min, (unsigned)tm->sec,
                            (unsigned)tm->ms);
    return true;
}
