/* schemas/event.c: the normalized event (schema v1) and its JSON writer.
 *
 * The writer runs once per event, so it formats numbers, the id and timestamps by hand into
 * a stack buffer and hands each stretch between two string values to the fl_buf in one
 * append; string values go through fl_json_str, which makes any bytes valid UTF-8 JSON.
 * Key order and the rule that every key is always present are DESIGN.md's ("The event",
 * "Rules every parser shares"); schemas/event.schema.json describes the same object.
 * Nothing here allocates except through the caller's fl_buf. */
#include <string.h>
#include "core/err.h"
#include "core/json.h"
#include "schemas/event.h"

static const char *const severity_names[] = {
    [FL_SEV_EMERGENCY] = "emergency", [FL_SEV_ALERT] = "alert",   [FL_SEV_CRITICAL] = "critical",
    [FL_SEV_ERROR] = "error",         [FL_SEV_WARNING] = "warning", [FL_SEV_NOTICE] = "notice",
    [FL_SEV_INFO] = "info",           [FL_SEV_DEBUG] = "debug",
};
#define N_SEVERITIES (sizeof severity_names / sizeof severity_names[0])

const char *fl_severity_name(enum fl_severity s)
{
    /* An out-of-range value is a caller bug; writing "info" keeps the output schema-valid. */
    if ((unsigned)s >= N_SEVERITIES)
        return "info";
    return severity_names[s];
}

int fl_severity_from_name(const char *p, size_t n)
{
    /* ASCII case-insensitive: config files and some products write "ERROR" or "Warning". */
    for (size_t s = 0; s < N_SEVERITIES; s++) {
        const char *name = severity_names[s];
        if (strlen(name) != n)
            continue;
        size_t i = 0;
        while (i < n) {
            unsigned char c = (unsigned char)p[i];
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            if (c != (unsigned char)name[i])
                break;
            i++;
        }
        if (i == n)
            return (int)s;
    }
    return -1;
}

void fl_event_reset(struct fl_event *ev)
{
    /* Field by field rather than memset: the attrs array is ~1.5 KiB and n_attrs = 0 is
     * enough to empty it. Strings become "" views, never NULL pointers. */
    ev->id = 0;
    ev->ts_ms = 0;
    ev->has_ts = false;
    ev->ts_raw = FL_STR_NULL;
    ev->ts_skew_ms = 0;
    ev->ingest_ms = 0;
    ev->source = NULL;
    ev->host = FL_STR_NULL;
    ev->site = FL_STR_NULL;
    ev->line = FL_STR_NULL;
    ev->cell = FL_STR_NULL;
    ev->severity = FL_SEV_INFO;
    ev->severity_raw = FL_STR_NULL;
    ev->component = FL_STR_NULL;
    ev->category = NULL;
    ev->code = FL_STR_NULL;
    ev->message = FL_STR_NULL;
    ev->n_attrs = 0;
    ev->file = FL_STR_NULL;
    ev->offset = 0;
    ev->end_offset = 0;
    ev->lines = 1; /* every record has at least one line; binary records are 1 by rule */
    ev->is_unparsed = false;
}

static struct fl_attr *attr_slot(struct fl_event *ev, struct fl_str key)
{
    for (uint32_t i = 0; i < ev->n_attrs; i++) {
        struct fl_attr *a = &ev->attrs[i];
        if (a->key.len == key.len && memcmp(a->key.p, key.p, key.len) == 0)
            return a; /* last wins: the caller overwrites in place, order kept */
    }
    if (ev->n_attrs >= FL_EVENT_MAX_ATTRS)
        return NULL;
    struct fl_attr *a = &ev->attrs[ev->n_attrs++];
    a->key = key;
    return a;
}

int fl_event_attr_strn(struct fl_event *ev, struct fl_str key, struct fl_str val)
{
    struct fl_attr *a = attr_slot(ev, key);
    if (!a)
        return FL_ETOOBIG;
    a->kind = FL_ATTR_STR;
    a->str = val.p ? val : FL_STR_NULL;
    a->num = 0;
    return 0;
}

int fl_event_attr_str(struct fl_event *ev, const char *key, struct fl_str val)
{
    return fl_event_attr_strn(ev, fl_str_c(key), val);
}

int fl_event_attr_int(struct fl_event *ev, const char *key, int64_t val)
{
    struct fl_attr *a = attr_slot(ev, fl_str_c(key));
    if (!a)
        return FL_ETOOBIG;
    a->kind = FL_ATTR_INT;
    a->str = FL_STR_NULL;
    a->num = val;
    return 0;
}

int fl_event_attr_bool(struct fl_event *ev, const char *key, bool val)
{
    struct fl_attr *a = attr_slot(ev, fl_str_c(key));
    if (!a)
        return FL_ETOOBIG;
    a->kind = FL_ATTR_BOOL;
    a->str = FL_STR_NULL;
    a->num = val ? 1 : 0;
    return 0;
}

const struct fl_attr *fl_event_attr_get(const struct fl_event *ev, const char *key)
{
    size_t n = strlen(key);
    for (uint32_t i = 0; i < ev->n_attrs; i++) {
        const struct fl_attr *a = &ev->attrs[i];
        if (a->key.len == n && memcmp(a->key.p, key, n) == 0)
            return a;
    }
    return NULL;
}

void fl_event_set_unparsed(struct fl_event *ev, const char *source, struct fl_str line)
{
    /* Clears what a parser may have half-filled before giving up; keeps what the stream
     * owns (id, ingest time, host/site/line/cell, file, offsets, line count). */
    ev->has_ts = false;
    ev->ts_ms = 0;
    ev->ts_raw = FL_STR_NULL;
    ev->source = source ? source : "unknown";
    ev->severity = FL_SEV_NOTICE;
    ev->severity_raw = FL_STR_NULL;
    ev->component = FL_STR_NULL;
    ev->category = "unparsed";
    ev->code = FL_STR_NULL;
    ev->message = line.p ? line : FL_STR_NULL;
    ev->n_attrs = 0;
    ev->is_unparsed = true;
}

/* ---- formatting helpers: each writes into w and returns the new end ---- */

static inline char *put_mem(char *w, const char *p, size_t n)
{
    memcpy(w, p, n);
    return w + n;
}
#define PUT_LIT(w, lit) put_mem((w), (lit), sizeof(lit) - 1)

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

static char *put_u64(char *w, uint64_t u)
{
    char digits[20];
    size_t k = sizeof digits;
    while (u >= 100) { /* two digits per division: offsets run to 10+ digits */
        unsigned pair = (unsigned)(u % 100) * 2;
        u /= 100;
        digits[--k] = digit_pairs[pair + 1];
        digits[--k] = digit_pairs[pair];
    }
    if (u >= 10) {
        digits[--k] = digit_pairs[u * 2 + 1];
        digits[--k] = digit_pairs[u * 2];
    } else {
        digits[--k] = (char)('0' + u);
    }
    return put_mem(w, digits + k, sizeof digits - k);
}

static char *put_i64(char *w, int64_t v)
{
    if (v < 0) {
        *w++ = '-';
        return put_u64(w, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(w, (uint64_t)v);
}

static char *put_hex16(char *w, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        w[i] = hex[v & 15];
        v >>= 4;
    }
    return w + 16;
}

static inline char *put_2(char *w, unsigned v) /* v < 100 */
{
    w[0] = digit_pairs[v * 2];
    w[1] = digit_pairs[v * 2 + 1];
    return w + 2;
}

#define MS_PER_DAY 86400000LL
/* days_from_civil(0, 1, 1) and days_from_civil(10000, 1, 1): the clamp bounds. */
#define DAY_0000_01_01 (-719528LL)
#define DAY_10000_01_01 2932897LL

/* Writes the 24 characters of "YYYY-MM-DDTHH:MM:SS.mmmZ". The date comes from Howard
 * Hinnant's civil_from_days (proleptic Gregorian, eras of 400 years), which needs no
 * gmtime_r, no locale and no time_t range; flooring the division makes -1 ms read as
 * 1969-12-31T23:59:59.999Z. */
static char *put_rfc3339_slow(char *w, int64_t utc_ms)
{
    const int64_t min_ms = DAY_0000_01_01 * MS_PER_DAY;
    const int64_t max_ms = DAY_10000_01_01 * MS_PER_DAY - 1;
    if (utc_ms < min_ms)
        utc_ms = min_ms;
    else if (utc_ms > max_ms)
        utc_ms = max_ms;

    int64_t days = utc_ms / MS_PER_DAY;
    int64_t ms_of_day = utc_ms % MS_PER_DAY;
    if (ms_of_day < 0) {
        ms_of_day += MS_PER_DAY;
        days--;
    }
    int64_t z = days + 719468;                      /* days since 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);    /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t year = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365], from March 1 */
    unsigned mp = (5 * doy + 2) / 153;                       /* [0, 11], March = 0 */
    unsigned day = doy - (153 * mp + 2) / 5 + 1;
    unsigned month = mp < 10 ? mp + 3 : mp - 9;
    if (month <= 2)
        year++;

    unsigned y = (unsigned)year; /* 0..9999 after the clamp */
    unsigned ms = (unsigned)(ms_of_day % 1000);
    unsigned secs = (unsigned)(ms_of_day / 1000);
    w = put_2(w, y / 100);
    w = put_2(w, y % 100);
    *w++ = '-';
    w = put_2(w, month);
    *w++ = '-';
    w = put_2(w, day);
    *w++ = 'T';
    w = put_2(w, secs / 3600);
    *w++ = ':';
    w = put_2(w, secs / 60 % 60);
    *w++ = ':';
    w = put_2(w, secs % 60);
    *w++ = '.';
    *w++ = (char)('0' + ms / 100);
    w = put_2(w, ms % 100);
    *w++ = 'Z';
    return w;
}

/* Events come in bursts from the same second, and every event writes two times (ts and
 * ingest_ts): a two-entry cache of the "YYYY-MM-DDTHH:MM:SS" text per thread saves the
 * calendar arithmetic for nearly all of them. Thread-local, so the writer stays reentrant. */
struct rfc3339_cache {
    int64_t sec;
    char text[19];
    bool is_valid;
};
static _Thread_local struct rfc3339_cache rfc3339_cache[2];
static _Thread_local unsigned rfc3339_next;

static char *put_rfc3339(char *w, int64_t utc_ms)
{
    /* Instants outside years 0000..9999 are clamped by the slow path and never cached. */
    if (utc_ms < DAY_0000_01_01 * MS_PER_DAY || utc_ms >= DAY_10000_01_01 * MS_PER_DAY)
        return put_rfc3339_slow(w, utc_ms);
    int64_t sec = utc_ms / 1000;
    if (utc_ms % 1000 < 0)
        sec--;
    unsigned ms = (unsigned)(utc_ms - sec * 1000);
    for (unsigned i = 0; i < 2; i++) {
        struct rfc3339_cache *c = &rfc3339_cache[i];
        if (c->is_valid && c->sec == sec) {
            memcpy(w, c->text, 19);
            w += 19;
            *w++ = '.';
            *w++ = (char)('0' + ms / 100);
            *w++ = (char)('0' + ms / 10 % 10);
            *w++ = (char)('0' + ms % 10);
            *w++ = 'Z';
            return w;
        }
    }
    char *end = put_rfc3339_slow(w, utc_ms);
    /* Clamped instants (outside years 0..9999) are not cached: their text ignores sec. */
    {
        struct rfc3339_cache *c = &rfc3339_cache[rfc3339_next++ & 1];
        c->sec = sec;
        memcpy(c->text, w, 19);
        c->is_valid = true;
    }
    return end;
}

void fl_time_format_rfc3339(int64_t utc_ms, char out[25])
{
    char *end = put_rfc3339(out, utc_ms);
    *end = '\0';
}

/* ---- the writer ---- */

/* The writer appends straight into the fl_buf: each stretch of fixed text is written after
 * one inline room check, and string values go through fl_json_str. A failed check or string
 * returns at once; the caller rolls the buffer back. */

/* Room for n more bytes; the common case is a compare, not a call. */
static inline int room(struct fl_buf *out, size_t n)
{
    if (out->cap - out->len >= n)
        return 0;
    return fl_buf_reserve(out, n);
}

/* Upper bound of any fixed stretch below; the longest, ts_skew_ms to ingest_ts, is
 * 14 + 20 + 14 + 24 + 1 = 73 bytes. */
#define STRETCH_MAX 96

static inline char *cursor(struct fl_buf *out)
{
    return out->data + out->len;
}

static inline void advance_to(struct fl_buf *out, char *w)
{
    out->len = (size_t)(w - out->data);
}

/* Appends the literal (a key with its punctuation) and then the string value. Reserving for
 * both lets fl_json_str skip its own growth check when the value needs no escapes. */
static inline int key_str(struct fl_buf *out, const char *lit, size_t lit_len, struct fl_str s)
{
    int rc = room(out, lit_len + s.len + 2);
    if (rc != 0)
        return rc;
    char *w = put_mem(cursor(out), lit, lit_len);
    if (s.len == 0) {
        *w++ = '"';
        *w++ = '"';
        advance_to(out, w);
        return 0;
    }
    advance_to(out, w);
    return fl_json_str(out, s.p, s.len);
}
#define KEY_STR(out, lit, s) key_str((out), (lit), sizeof(lit) - 1, (s))

static int write_attrs(const struct fl_event *ev, struct fl_buf *out)
{
    int rc = room(out, 10);
    if (rc != 0)
        return rc;
    advance_to(out, PUT_LIT(cursor(out), ",\"attrs\":{"));
    bool has_ts_source = false;
    uint32_t n = ev->n_attrs < FL_EVENT_MAX_ATTRS ? ev->n_attrs : FL_EVENT_MAX_ATTRS;
    for (uint32_t i = 0; i < n; i++) {
        const struct fl_attr *a = &ev->attrs[i];
        if (a->key.len == 9 && memcmp(a->key.p, "ts_source", 9) == 0)
            has_ts_source = true;
        rc = i > 0 ? KEY_STR(out, ",", a->key) : KEY_STR(out, "", a->key);
        if (rc != 0)
            return rc;
        switch (a->kind) {
        case FL_ATTR_INT:
            if ((rc = room(out, 24)) != 0)
                return rc;
            *cursor(out) = ':';
            advance_to(out, put_i64(cursor(out) + 1, a->num));
            break;
        case FL_ATTR_BOOL:
            if ((rc = room(out, 6)) != 0)
                return rc;
            if (a->num)
                advance_to(out, PUT_LIT(cursor(out), ":true"));
            else
                advance_to(out, PUT_LIT(cursor(out), ":false"));
            break;
        case FL_ATTR_STR:
        default:
            if ((rc = KEY_STR(out, ":", a->str)) != 0)
                return rc;
            break;
        }
    }
    if ((rc = room(out, 24)) != 0)
        return rc;
    char *w = cursor(out);
    if (!ev->has_ts && !has_ts_source) {
        if (n > 0)
            *w++ = ',';
        w = PUT_LIT(w, "\"ts_source\":\"ingest\"");
    }
    *w++ = '}';
    advance_to(out, w);
    return 0;
}

static int write_event(const struct fl_event *ev, struct fl_buf *out)
{
    int rc;
    char *w;

    if ((rc = room(out, STRETCH_MAX)) != 0)
        return rc;
    w = PUT_LIT(cursor(out), "{\"v\":1,\"id\":\"");
    w = put_hex16(w, ev->id);
    w = PUT_LIT(w, "\",\"ts\":\"");
    char *ts = w;
    w = put_rfc3339(w, ev->has_ts ? ev->ts_ms : ev->ingest_ms);
    char ts_copy[24]; /* undated events reuse the same text for ingest_ts */
    memcpy(ts_copy, ts, sizeof ts_copy);
    advance_to(out, PUT_LIT(w, "\""));
    if ((rc = KEY_STR(out, ",\"ts_raw\":", ev->ts_raw)) != 0)
        return rc;

    if ((rc = room(out, STRETCH_MAX)) != 0)
        return rc;
    w = PUT_LIT(cursor(out), ",\"ts_skew_ms\":");
    w = put_i64(w, ev->ts_skew_ms);
    w = PUT_LIT(w, ",\"ingest_ts\":\"");
    if (ev->has_ts)
        w = put_rfc3339(w, ev->ingest_ms);
    else
        w = put_mem(w, ts_copy, sizeof ts_copy);
    advance_to(out, PUT_LIT(w, "\""));

    if ((rc = KEY_STR(out, ",\"source\":", fl_str_c(ev->source ? ev->source : "unknown"))) ||
        (rc = KEY_STR(out, ",\"host\":", ev->host)) ||
        (rc = KEY_STR(out, ",\"site\":", ev->site)) ||
        (rc = KEY_STR(out, ",\"line\":", ev->line)) ||
        (rc = KEY_STR(out, ",\"cell\":", ev->cell)))
        return rc;

    if ((rc = room(out, STRETCH_MAX)) != 0)
        return rc;
    const char *sev = fl_severity_name(ev->severity);
    w = PUT_LIT(cursor(out), ",\"severity\":\"");
    w = put_mem(w, sev, strlen(sev));
    advance_to(out, PUT_LIT(w, "\""));

    struct fl_str category = ev->category ? fl_str_c(ev->category) : FL_STR_LIT("unclassified");
    if ((rc = KEY_STR(out, ",\"severity_raw\":", ev->severity_raw)) ||
        (rc = KEY_STR(out, ",\"component\":", ev->component)) ||
        (rc = KEY_STR(out, ",\"category\":", category)) ||
        (rc = KEY_STR(out, ",\"code\":", ev->code)) ||
        (rc = KEY_STR(out, ",\"message\":", ev->message)) ||
        (rc = write_attrs(ev, out)) ||
        (rc = KEY_STR(out, ",\"file\":", ev->file)))
        return rc;

    if ((rc = room(out, STRETCH_MAX)) != 0)
        return rc;
    w = PUT_LIT(cursor(out), ",\"offset\":");
    w = put_u64(w, ev->offset);
    w = PUT_LIT(w, ",\"lines\":");
    w = put_u64(w, ev->lines);
    advance_to(out, PUT_LIT(w, "}\n"));
    return 0;
}

int fl_event_write_json(const struct fl_event *ev, struct fl_buf *out)
{
    size_t start_len = out->len;
    int rc = write_event(ev, out);
    if (rc != 0)
        out->len = start_len; /* never leave half an event in the buffer */
    return rc;
}
