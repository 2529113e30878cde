/* parsers/ptime.c: civil dates, IANA zones read from TZif files, local-to-UTC conversion with
 * DESIGN.md's daylight-saving rule, and the per-file numeric date order.
 *
 * A loaded zone is one sorted array of spans: each span is a stretch of UTC time with one UTC
 * offset, also keyed by the local wall-clock time at which it starts. The POSIX footer rule
 * of the TZif file is expanded into that array at load up to FOOTER_EXPAND_UNTIL, so that a
 * conversion is a binary search and a few comparisons. Past that year (and only for zones whose
 * footer still has daylight saving) the rule is evaluated on the fly for the year at hand.
 * Leap seconds ("right/" zones) are ignored: parsers work in POSIX time.
 * Reads the disk only in fl_tz_load; no global TZ, no mktime, no localtime. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, also when built without the Makefile */
#endif
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "parsers/ptime.h"

#define DAY_MS INT64_C(86400000)
#define DAYS_PER_400_YEARS INT64_C(146097)
/* The footer rule is expanded into the span array through this year (the test data and every
 * realistic log fall well inside); later years are computed per call. */
#define FOOTER_EXPAND_UNTIL 2101
/* A TZif file is a few KiB; anything far larger is not one. */
#define TZIF_MAX_BYTES (1u << 20)
/* Offsets beyond this are not a real zone (the largest ever was about 15.5 h). */
#define MAX_UTOFF_S (2 * 86400)

/* ---------------------------------------------------------------------- civil dates */

int64_t fl_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil: years start in March so the leap day is last. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * DAYS_PER_400_YEARS + (int64_t)doe - 719468;
}

void fl_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / DAYS_PER_400_YEARS;
    const unsigned doe = (unsigned)(days - era * DAYS_PER_400_YEARS);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = month;
    *y = (int64_t)yoe + era * 400 + (month <= 2);
}

int64_t fl_civil_ms(int64_t y, unsigned mon, unsigned day, unsigned h, unsigned min, unsigned s,
                    unsigned ms)
{
    int64_t days = fl_days_from_civil(y, mon, day), out;
    int64_t tod_ms = (int64_t)h * 3600000 + (int64_t)min * 60000 + (int64_t)s * 1000 + ms;
    /* Saturate instead of overflowing on absurd years: the result is then merely wrong, not UB. */
    if (__builtin_mul_overflow(days, DAY_MS, &out))
        return days < 0 ? INT64_MIN : INT64_MAX;
    if (__builtin_add_overflow(out, tod_ms, &out))
        return INT64_MAX;
    return out;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

bool fl_civil_valid(int64_t y, unsigned mon, unsigned day, unsigned h, unsigned min, unsigned s)
{
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(y, mon))
        return false;
    return h < 24 && min < 60 && s < 61; /* 60: a leap second as some loggers print it */
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t year_of_ms(int64_t ms)
{
    int64_t y;
    unsigned m, d;
    fl_civil_from_days(floor_div(ms, DAY_MS), &y, &m, &d);
    return y;
}

/* ---------------------------------------------------------------------- zone data */

/* One stretch of time with a single UTC offset. Span 0 reaches back to INT64_MIN; the last
 * span reaches forward to INT64_MAX (or to the on-the-fly footer years). */
struct span {
    int64_t utc_start_ms;   /* first UTC instant of the span */
    int64_t local_start_ms; /* utc_start + off, made non-decreasing so it can be searched */
    int64_t local_end_ms;   /* next span's utc_start + this off: first local time not in it */
    int64_t off_ms;         /* UTC offset in force */
};

/* One day of a POSIX TZ rule: Jn (n 1..365, Feb 29 never counted), n (0..365, counted),
 * Mm.w.d (day d of week w of month m, w 5 = last). */
struct rule_day {
    char kind; /* 'J', 'n' or 'M' */
    int n, mon, week, wday;
    int32_t time_s; /* local time of day of the change, may be negative or past 24 h */
};

/* The footer: std offset and, when daylight saving exists, its offset and the two changes. */
struct posix_tz {
    int32_t std_off_s, dst_off_s; /* east-positive, unlike the POSIX text */
    bool has_dst;
    struct rule_day start, end; /* start: into dst (local std time); end: back (local dst) */
};

struct fl_tz {
    char name[128];
    bool has_rule;         /* footer with daylight saving beyond the expanded years */
    struct posix_tz rule;  /* valid when has_rule */
    int64_t dyn_from_ms;   /* local and UTC ms from which the rule is evaluated per call */
    size_t n_spans;
    struct span *spans;    /* n_spans, sorted; spans[0].utc_start_ms == INT64_MIN; same
                            * allocation as the struct */
};

static struct span utc_span = {
    .utc_start_ms = INT64_MIN, .local_start_ms = INT64_MIN, .local_end_ms = INT64_MAX};
static struct fl_tz utc_zone = {.name = "UTC", .n_spans = 1, .spans = &utc_span};

const struct fl_tz *fl_tz_utc(void)
{
    return &utc_zone;
}

const char *fl_tz_name(const struct fl_tz *tz)
{
    return tz->name;
}

void fl_tz_free(struct fl_tz *tz)
{
    if (tz && tz != &utc_zone)
        free(tz);
}

/* ---------------------------------------------------------------------- POSIX TZ footer */

static const char *parse_zone_abbr(const char *p)
{
    if (*p == '<') {
        const char *close = strchr(p, '>');
        return close && close > p + 1 ? close + 1 : NULL;
    }
    const char *q = p;
    while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
        q++;
    return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]] with hh up to max_h; returns seconds. */
static const char *parse_hms(const char *p, int max_h, int32_t *out_s)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (*p < '0' || *p > '9')
        return NULL;
    int32_t part[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*p != ':')
                break;
            p++;
        }
        if (*p < '0' || *p > '9')
            return NULL;
        int v = 0, digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 3) {
            v = v * 10 + (*p++ - '0');
            digits++;
        }
        if ((i == 0 && v > max_h) || (i > 0 && v > 59))
            return NULL;
        part[i] = v;
    }
    *out_s = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return p;
}

static const char *parse_uint(const char *p, int lo, int hi, int *out)
{
    if (*p < '0' || *p > '9')
        return NULL;
    int v = 0;
    while (*p >= '0' && *p <= '9' && v <= hi)
        v = v * 10 + (*p++ - '0');
    if (v < lo || v > hi)
        return NULL;
    *out = v;
    return p;
}

static const char *parse_rule_day(const char *p, struct rule_day *rd)
{
    memset(rd, 0, sizeof *rd);
    if (*p == 'J') {
        rd->kind = 'J';
        p = parse_uint(p + 1, 1, 365, &rd->n);
    } else if (*p == 'M') {
        rd->kind = 'M';
        p = parse_uint(p + 1, 1, 12, &rd->mon);
        if (p && *p == '.')
            p = parse_uint(p + 1, 1, 5, &rd->week);
        else
            p = NULL;
        if (p && *p == '.')
            p = parse_uint(p + 1, 0, 6, &rd->wday);
        else
            p = NULL;
    } else {
        rd->kind = 'n';
        p = parse_uint(p, 0, 365, &rd->n);
    }
    if (!p)
        return NULL;
    rd->time_s = 2 * 3600;
    if (*p == '/')
        p = parse_hms(p + 1, 167, &rd->time_s); /* RFC 8536 allows -167..167 hours */
    return p;
}

/* Parses e.g. "CET-1CEST,M3.5.0,M10.5.0/3" or "<+0330>-3:30". Returns false when malformed. */
static bool posix_tz_parse(const char *s, struct posix_tz *tz)
{
    memset(tz, 0, sizeof *tz);
    int32_t off;
    const char *p = parse_zone_abbr(s);
    if (!p || !(p = parse_hms(p, 24, &off)))
        return false;
    tz->std_off_s = -off; /* POSIX counts hours west of Greenwich */
    if (*p == '\0')
        return true;
    if (!(p = parse_zone_abbr(p)))
        return false;
    tz->has_dst = true;
    tz->dst_off_s = tz->std_off_s + 3600;
    if (*p != ',' && *p != '\0') {
        if (!(p = parse_hms(p, 24, &off)))
            return false;
        tz->dst_off_s = -off;
    }
    if (*p == '\0') /* POSIX's default rule; TZif footers always spell theirs out */
        p = ",M3.2.0,M11.1.0";
    if (*p != ',' || !(p = parse_rule_day(p + 1, &tz->start)))
        return false;
    if (*p != ',' || !(p = parse_rule_day(p + 1, &tz->end)))
        return false;
    return *p == '\0';
}

/* Days since the epoch of a rule day in year y. */
static int64_t rule_day_in_year(const struct rule_day *rd, int64_t y)
{
    int64_t jan1 = fl_days_from_civil(y, 1, 1);
    switch (rd->kind) {
    case 'J': /* Feb 29 is never counted: day 60 is always March 1 */
        return jan1 + rd->n - 1 + (is_leap(y) && rd->n >= 60);
    case 'n':
        return jan1 + rd->n;
    default: {
        int64_t first = fl_days_from_civil(y, (unsigned)rd->mon, 1);
        int first_wday = (int)((first % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
        int64_t day = first + (rd->wday - first_wday + 7) % 7 + (int64_t)(rd->week - 1) * 7;
        int64_t last = first + days_in_month(y, (unsigned)rd->mon) - 1;
        while (day > last) /* week 5 means the last such weekday of the month */
            day -= 7;
        return day;
    }
    }
}

struct change {
    int64_t utc_ms;
    int32_t off_s;
};

/* The two changes of year y, in time order. */
static void rule_changes(const struct posix_tz *tz, int64_t y, struct change out[2])
{
    /* The change into dst happens at a local standard time, the change back at a dst time. */
    struct change a = {
        .utc_ms = (rule_day_in_year(&tz->start, y) * 86400 + tz->start.time_s - tz->std_off_s) *
                  1000,
        .off_s = tz->dst_off_s,
    };
    struct change b = {
        .utc_ms = (rule_day_in_year(&tz->end, y) * 86400 + tz->end.time_s - tz->dst_off_s) *
                  1000,
        .off_s = tz->std_off_s,
    };
    /* Southern zones end dst early in the year. A rule for dst all year ("J365/25") ends it
     * at the very instant next year's start begins it again; spans_push lets the later win. */
    if (b.utc_ms < a.utc_ms) {
        out[0] = b;
        out[1] = a;
    } else {
        out[0] = a;
        out[1] = b;
    }
}

/* ---------------------------------------------------------------------- spans */

/* Appends a change to spans[0..*n), dropping changes that keep the offset and letting a
 * later change at the same instant replace an earlier one. */
static void spans_push(struct span *sp, size_t *n, int64_t utc_ms, int64_t off_ms)
{
    struct span *last = &sp[*n - 1];
    if (*n > 1 && utc_ms <= last->utc_start_ms) {
        last->off_ms = off_ms;
        if (sp[*n - 2].off_ms == off_ms)
            (*n)--;
        return;
    }
    if (off_ms == last->off_ms)
        return;
    sp[*n] = (struct span){.utc_start_ms = utc_ms, .off_ms = off_ms};
    (*n)++;
}

/* Fills the local-time view of spans once their UTC starts and offsets are known. */
static void spans_finish(struct span *sp, size_t n)
{
    sp[0].local_start_ms = INT64_MIN;
    for (size_t i = 1; i < n; i++) {
        int64_t start = sp[i].utc_start_ms + sp[i].off_ms;
        /* Non-decreasing keys keep the binary search sound even for zones whose historic
         * changes came faster than their offsets moved (none in today's tzdata). */
        sp[i].local_start_ms = start > sp[i - 1].local_start_ms ? start : sp[i - 1].local_start_ms;
        sp[i - 1].local_end_ms = sp[i].utc_start_ms + sp[i - 1].off_ms;
    }
    sp[n - 1].local_end_ms = INT64_MAX;
}

/* Spans for years y-1..y+1 of the footer rule (enough to classify any local time in year y). */
static size_t rule_spans(const struct posix_tz *tz, int64_t y, struct span sp[8])
{
    struct change ch[6];
    for (int i = 0; i < 3; i++)
        rule_changes(tz, y - 1 + i, &ch[2 * i]);
    /* Before the first change the offset is the one the year's last change leaves behind. */
    size_t n = 1;
    sp[0] = (struct span){.utc_start_ms = INT64_MIN, .off_ms = (int64_t)ch[5].off_s * 1000};
    for (int i = 0; i < 6; i++)
        spans_push(sp, &n, ch[i].utc_ms, (int64_t)ch[i].off_s * 1000);
    spans_finish(sp, n);
    return n;
}

enum hit_kind { HIT_ONE, HIT_FOLD, HIT_GAP };

/* What a local time is in a zone: once (off_ms), twice (off_ms first, later_off_ms second,
 * inside [fold_start_ms, fold_end_ms)), or not at all (a gap: off_ms is the offset before). */
struct hit {
    enum hit_kind kind;
    int64_t off_ms, later_off_ms;
    int64_t fold_start_ms, fold_end_ms;
};

static void spans_classify(const struct span *sp, size_t n, int64_t local_ms, struct hit *h)
{
    size_t lo = 0, hi = n; /* sp[lo].local_start_ms <= local_ms, answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp[mid].local_start_ms <= local_ms)
            lo = mid;
        else
            hi = mid;
    }
    h->off_ms = sp[lo].off_ms;
    if (lo > 0 && local_ms < sp[lo - 1].local_end_ms) {
        h->kind = HIT_FOLD; /* the clock went back: the previous span still covers local_ms */
        h->off_ms = sp[lo - 1].off_ms;
        h->later_off_ms = sp[lo].off_ms;
        h->fold_start_ms = sp[lo].local_start_ms;
        h->fold_end_ms = sp[lo - 1].local_end_ms;
    } else if (local_ms < sp[lo].local_end_ms) {
        h->kind = HIT_ONE;
    } else {
        h->kind = HIT_GAP; /* read with the offset before the gap: moves forward by the gap */
    }
}

/* Past the expanded years the rule repeats every 400 Gregorian years (146097 days, a whole
 * number of weeks), so a far year is first folded back into the first 400 years after. */
static int64_t rule_shift_ms(int64_t *y)
{
    if (*y < FOOTER_EXPAND_UNTIL + 400)
        return 0;
    int64_t cycles = (*y - FOOTER_EXPAND_UNTIL) / 400;
    *y -= cycles * 400;
    return cycles * DAYS_PER_400_YEARS * DAY_MS;
}

static void tz_classify(const struct fl_tz *tz, int64_t local_ms, struct hit *h)
{
    if (!tz->has_rule || local_ms < tz->dyn_from_ms) {
        spans_classify(tz->spans, tz->n_spans, local_ms, h);
        return;
    }
    int64_t y = year_of_ms(local_ms);
    int64_t shift_ms = rule_shift_ms(&y);
    struct span sp[8];
    size_t n = rule_spans(&tz->rule, y, sp);
    spans_classify(sp, n, local_ms - shift_ms, h);
    if (h->kind == HIT_FOLD) {
        h->fold_start_ms += shift_ms;
        h->fold_end_ms += shift_ms;
    }
}

static int64_t sub_sat(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* ---------------------------------------------------------------------- TZif */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* One header plus data block of a TZif file (RFC 8536 section 3). */
struct tzif_block {
    size_t timecnt, typecnt, charcnt, leapcnt, isstdcnt, isutcnt;
    size_t time_size;            /* 4 in the v1 block, 8 in the v2+ block */
    const unsigned char *times;  /* timecnt transition times */
    const unsigned char *idx;    /* timecnt type indices */
    const unsigned char *types;  /* typecnt ttinfo: int32 utoff, u8 isdst, u8 abbr index */
    size_t end;                  /* offset just past the block */
};

static bool tzif_block_read(const unsigned char *data, size_t len, size_t off, size_t time_size,
                            struct tzif_block *b)
{
    if (len < off || len - off < 44 || memcmp(data + off, "TZif", 4) != 0)
        return false;
    const unsigned char *h = data + off + 20;
    b->isutcnt = be32(h);
    b->isstdcnt = be32(h + 4);
    b->leapcnt = be32(h + 8);
    b->timecnt = be32(h + 12);
    b->typecnt = be32(h + 16);
    b->charcnt = be32(h + 20);
    b->time_size = time_size;
    if (b->typecnt == 0 || b->typecnt > 256)
        return false;
    size_t body = b->timecnt * time_size + b->timecnt + b->typecnt * 6 + b->charcnt +
                  b->leapcnt * (time_size + 4) + b->isstdcnt + b->isutcnt;
    if (len - off - 44 < body)
        return false;
    b->times = data + off + 44;
    b->idx = b->times + b->timecnt * time_size;
    b->types = b->idx + b->timecnt;
    b->end = off + 44 + body;
    return true;
}

/* Reads the whole file into a new buffer. Returns 0, or -1 with errno set. */
static int read_small_file(const char *path, unsigned char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rbe");
    if (!f)
        return -1;
    unsigned char *data = malloc(TZIF_MAX_BYTES);
    if (!data) {
        fclose(f);
        errno = ENOMEM;
        return -1;
    }
    errno = 0;
    size_t len = fread(data, 1, TZIF_MAX_BYTES, f);
    int read_errno = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (read_errno) {
        free(data);
        errno = read_errno;
        return -1;
    }
    *out = data;
    *out_len = len;
    return 0;
}

/* Builds the zone from a TZif image. Returns NULL when the image is not valid TZif; *why
 * names the problem. */
static struct fl_tz *tz_from_tzif(const unsigned char *data, size_t len, const char **why)
{
    struct tzif_block b;
    *why = "not a TZif file";
    if (!tzif_block_read(data, len, 0, 4, &b))
        return NULL;
    struct posix_tz rule = {0};
    bool has_footer = false;
    if (data[4] >= '2') {
        size_t v1_end = b.end;
        if (!tzif_block_read(data, len, v1_end, 8, &b))
            return NULL;
        /* Footer: "\n<POSIX TZ>\n" right after the 64-bit block; may be empty. */
        size_t p = b.end;
        if (p < len && data[p] == '\n') {
            const unsigned char *nl = memchr(data + p + 1, '\n', len - p - 1);
            size_t flen = nl ? (size_t)(nl - (data + p + 1)) : 0;
            char footer[128];
            if (nl && flen > 0) {
                *why = "unsupported TZ rule in the TZif footer";
                if (flen >= sizeof footer)
                    return NULL;
                memcpy(footer, data + p + 1, flen);
                footer[flen] = '\0';
                if (!posix_tz_parse(footer, &rule))
                    return NULL;
                has_footer = true;
            }
        }
    }
    *why = "corrupt TZif data";
    for (size_t i = 0; i < b.typecnt; i++) {
        int32_t utoff = (int32_t)be32(b.types + 6 * i);
        if (utoff < -MAX_UTOFF_S || utoff > MAX_UTOFF_S)
            return NULL;
    }
    int64_t last_s = INT64_MIN;
    for (size_t i = 0; i < b.timecnt; i++) {
        int64_t t = b.time_size == 8 ? be64(b.times + 8 * i) : (int32_t)be32(b.times + 4 * i);
        if (b.idx[i] >= b.typecnt || (i > 0 && t <= last_s))
            return NULL;
        last_s = t;
    }
    /* Beyond ±2^43 s (±278,000 years) ms could overflow; zic may write -2^59 ("big bang"). */
    const int64_t t_lim = INT64_C(1) << 43;
    if (last_s != INT64_MIN)
        last_s = last_s < -t_lim ? -t_lim : last_s > t_lim ? t_lim : last_s;
    int64_t last_year = last_s == INT64_MIN ? 1900 : year_of_ms(last_s * 1000);
    if (last_year < 1800)
        last_year = 1800;
    int64_t until_year = last_year + 1 > FOOTER_EXPAND_UNTIL ? last_year + 1 : FOOTER_EXPAND_UNTIL;
    bool expand = has_footer && rule.has_dst;
    size_t cap = 1 + b.timecnt + (expand ? 2 * (size_t)(until_year - last_year + 1) : 1);

    *why = "out of memory";
    struct fl_tz *tz = malloc(sizeof *tz + cap * sizeof tz->spans[0]);
    if (!tz)
        return NULL;
    memset(tz, 0, sizeof *tz);
    struct span *sp = tz->spans = (struct span *)(tz + 1);
    size_t n = 1;
    /* RFC 8536: before the first transition, local time type 0 applies. */
    sp[0] = (struct span){.utc_start_ms = INT64_MIN,
                          .off_ms = (int64_t)(int32_t)be32(b.types) * 1000};
    for (size_t i = 0; i < b.timecnt; i++) {
        int64_t t = b.time_size == 8 ? be64(b.times + 8 * i) : (int32_t)be32(b.times + 4 * i);
        t = t < -t_lim ? -t_lim : t > t_lim ? t_lim : t;
        spans_push(sp, &n, t * 1000, (int64_t)(int32_t)be32(b.types + 6 * b.idx[i]) * 1000);
    }
    if (expand) {
        int64_t after_ms = last_s == INT64_MIN ? INT64_MIN : last_s * 1000;
        for (int64_t y = last_year; y <= until_year; y++) {
            struct change ch[2];
            rule_changes(&rule, y, ch);
            for (int i = 0; i < 2; i++)
                if (ch[i].utc_ms > after_ms)
                    spans_push(sp, &n, ch[i].utc_ms, (int64_t)ch[i].off_s * 1000);
        }
        tz->has_rule = true;
        tz->rule = rule;
        tz->dyn_from_ms = fl_civil_ms(until_year, 1, 1, 0, 0, 0, 0);
    }
    spans_finish(sp, n);
    tz->n_spans = n;
    return tz;
}

static bool is_utc_name(const char *name)
{
    return name[0] == '\0' || strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 ||
           strcmp(name, "Z") == 0;
}

struct fl_tz *fl_tz_load(const char *name, struct fl_err *err)
{
    if (!name || is_utc_name(name))
        return &utc_zone; /* static: fl_tz_free leaves it alone */
    if (name[0] == '/' || strstr(name, "..") || strlen(name) >= sizeof utc_zone.name) {
        fl_err_set(err, NULL, 0, UINT64_MAX, "unknown time zone '%.120s'", name);
        return NULL;
    }
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    char path[512];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        fl_err_set(err, NULL, 0, UINT64_MAX, "unknown time zone '%.120s'", name);
        return NULL;
    }
    unsigned char *data;
    size_t len;
    if (read_small_file(path, &data, &len) != 0) {
        fl_err_set(err, path, 0, UINT64_MAX, "unknown time zone '%.120s': %s", name,
                   strerror(errno));
        return NULL;
    }
    const char *why;
    struct fl_tz *tz = tz_from_tzif(data, len, &why);
    free(data);
    if (!tz) {
        fl_err_set(err, path, 0, UINT64_MAX, "unknown time zone '%.120s': %s", name, why);
        return NULL;
    }
    snprintf(tz->name, sizeof tz->name, "%s", name);
    return tz;
}

/* ---------------------------------------------------------------------- conversion */

void fl_tzfold_init(struct fl_tzfold *st)
{
    st->last_local_ms = INT64_MIN;
    st->later_until_ms = INT64_MIN;
    st->has_last = false;
}

/* Whether this local time in a repeated hour is its second occurrence for this file. */
static bool fold_takes_later(struct fl_tzfold *st, int64_t local_ms, const struct hit *h)
{
    if (!st->has_last)
        return false; /* also makes a zeroed struct behave like fl_tzfold_init's */
    if (st->later_until_ms == h->fold_end_ms)
        return true;
    /* The step back must happen inside the hour: a late record after the hour is no sign
     * that the clock went back. */
    if (st->last_local_ms >= h->fold_start_ms && st->last_local_ms < h->fold_end_ms &&
        local_ms < st->last_local_ms - 1000) {
        st->later_until_ms = h->fold_end_ms;
        return true;
    }
    return false;
}

int fl_tz_to_utc(const struct fl_tz *tz, struct fl_tzfold *st, int64_t local_ms, int64_t *utc_ms)
{
    struct hit h;
    tz_classify(tz, local_ms, &h);
    int64_t off_ms = h.off_ms;
    if (st) {
        if (h.kind != HIT_FOLD)
            st->later_until_ms = INT64_MIN; /* left the repeated hour */
        else if (fold_takes_later(st, local_ms, &h))
            off_ms = h.later_off_ms;
        st->last_local_ms = local_ms;
        st->has_last = true;
    }
    *utc_ms = sub_sat(local_ms, off_ms);
    return 0;
}

static size_t spans_find_utc(const struct span *sp, size_t n, int64_t utc_ms)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp[mid].utc_start_ms <= utc_ms)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int32_t fl_tz_offset_at(const struct fl_tz *tz, int64_t utc_ms)
{
    if (!tz->has_rule || utc_ms < tz->dyn_from_ms)
        return (int32_t)(tz->spans[spans_find_utc(tz->spans, tz->n_spans, utc_ms)].off_ms / 1000);
    int64_t y = year_of_ms(utc_ms);
    int64_t shift_ms = rule_shift_ms(&y);
    struct span sp[8];
    size_t n = rule_spans(&tz->rule, y, sp);
    return (int32_t)(sp[spans_find_utc(sp, n, utc_ms - shift_ms)].off_ms / 1000);
}

/* ---------------------------------------------------------------------- date order */

int fl_date_order_from_name(const char *name)
{
    static const struct {
        const char *name;
        enum fl_date_order order;
    } names[] = {{"auto", FL_DO_AUTO}, {"dmy", FL_DO_DMY}, {"mdy", FL_DO_MDY}, {"ymd", FL_DO_YMD}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0)
            return (int)names[i].order;
    return -1;
}

void fl_dateorder_init(struct fl_dateorder *st, enum fl_date_order fixed)
{
    st->fixed = fixed;
    st->decided = FL_DO_AUTO;
}

/* Month and day without a year: Feb 29 is allowed, the caller checks the full date. */
static bool month_day_ok(unsigned mon, unsigned day)
{
    return mon >= 1 && mon <= 12 && day >= 1 && day <= days_in_month(2000, mon);
}

int fl_dateorder_apply(struct fl_dateorder *st, enum fl_date_order dflt, unsigned a, unsigned b,
                       unsigned *mon, unsigned *day)
{
    enum fl_date_order order = st->fixed != FL_DO_AUTO ? st->fixed : st->decided;
    /* A year-first date is read month then day; it says nothing about the file's day/month
     * order, so it neither uses nor makes the decision (its first field, the year, would
     * otherwise always be "over 12"). */
    if (st->fixed == FL_DO_AUTO && dflt == FL_DO_YMD)
        order = FL_DO_YMD;
    if (order == FL_DO_AUTO) {
        /* Only a date that is valid in the order it proves decides the file. */
        if (a > 12 && month_day_ok(b, a))
            order = st->decided = FL_DO_DMY;
        else if (b > 12 && month_day_ok(a, b))
            order = st->decided = FL_DO_MDY;
        else
            order = dflt == FL_DO_AUTO ? FL_DO_MDY : dflt;
    }
    /* YMD: the year was first, so the two fields left are month then day. */
    unsigned m = order == FL_DO_DMY ? b : a, d = order == FL_DO_DMY ? a : b;
    if (!month_day_ok(m, d))
        return FL_EUNPARSED;
    *mon = m;
    *day = d;
    return 0;
}

/* ---------------------------------------------------------------------- clock */

int64_t fl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
