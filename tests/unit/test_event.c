/* tests/unit/test_event.c: what a consumer of faultline's events relies on.
 *
 * Written events load in jansson with every key of DESIGN.md present, in order, holding the
 * values that were set; the defaults are exact; undated events carry ts = ingest_ts and
 * attrs.ts_source; attributes replace by key; timestamps format as RFC 3339 UTC with ms for
 * the edge dates (epoch, -1 ms, leap days, century rules, year 9999, clamping). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "core/err.h"
#include "schemas/event.h"
#include "unit.h"

static const char *const key_order[] = {
    "v",        "id",        "ts",       "ts_raw",       "ts_skew_ms", "ingest_ts",
    "source",   "host",      "site",     "line",         "cell",       "severity",
    "severity_raw", "component", "category", "code",     "message",    "attrs",
    "file",     "offset",    "lines",
};
#define N_KEYS (sizeof key_order / sizeof key_order[0])

/* Writes ev, checks the one-line framing, and returns the parsed object (new reference). */
static json_t *write_and_load(const struct fl_event *ev, struct fl_buf *b)
{
    fl_buf_reset(b);
    int rc = fl_event_write_json(ev, b);
    CHECK_INT(rc, 0);
    if (rc != 0)
        return NULL;
    CHECK(b->len > 0 && b->data[b->len - 1] == '\n');
    CHECK(memchr(b->data, '\n', b->len) == b->data + b->len - 1); /* exactly one line */
    json_error_t jerr;
    json_t *v = json_loadb(b->data, b->len, 0, &jerr);
    if (!v)
        fprintf(stderr, "  jansson: %s in %.*s\n", jerr.text, (int)b->len, b->data);
    CHECK(v && json_is_object(v));
    return v;
}

/* Key order checked on the text itself: each top-level key in turn, searched after the
 * previous one, as ,"key": (or {"key": for the first). The test events hold no value that
 * looks like a key. */
static void check_key_order_in_text(const struct fl_buf *b)
{
    const char *from = b->data;
    const char *end = b->data + b->len;
    for (size_t i = 0; i < N_KEYS; i++) {
        char pat[40];
        int n = snprintf(pat, sizeof pat, "%c\"%s\":", i == 0 ? '{' : ',', key_order[i]);
        const char *hit = memmem(from, (size_t)(end - from), pat, (size_t)n);
        if (!hit) {
            fprintf(stderr, "  key %s missing or out of order\n", key_order[i]);
            unit_checks_failed_in_test++;
            return;
        }
        from = hit + n;
    }
}

/* The same on the parsed object: jansson keeps insertion order when iterating. */
static void check_keys_exactly(json_t *obj)
{
    CHECK_INT(json_object_size(obj), N_KEYS);
    size_t i = 0;
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it), i++) {
        if (i >= N_KEYS || strcmp(json_object_iter_key(it), key_order[i]) != 0) {
            fprintf(stderr, "  key %zu is %s, expected %s\n", i, json_object_iter_key(it),
                    i < N_KEYS ? key_order[i] : "(none)");
            unit_checks_failed_in_test++;
            return;
        }
    }
}

static const char *str_of(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v && json_is_string(v) ? json_string_value(v) : NULL;
}

static long long int_of(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v && json_is_integer(v) ? (long long)json_integer_value(v) : -999999;
}

static void reset_event_writes_exact_defaults(void)
{
    struct fl_event ev;
    memset(&ev, 0x5a, sizeof ev); /* garbage first: reset must set every field */
    fl_event_reset(&ev);
    struct fl_buf b;
    fl_buf_init(&b, 0);
    CHECK_INT(fl_event_write_json(&ev, &b), 0);
    CHECK_MEM(b.data, b.len,
              "{\"v\":1,\"id\":\"0000000000000000\",\"ts\":\"1970-01-01T00:00:00.000Z\","
              "\"ts_raw\":\"\",\"ts_skew_ms\":0,\"ingest_ts\":\"1970-01-01T00:00:00.000Z\","
              "\"source\":\"unknown\",\"host\":\"\",\"site\":\"\",\"line\":\"\",\"cell\":\"\","
              "\"severity\":\"info\",\"severity_raw\":\"\",\"component\":\"\","
              "\"category\":\"unclassified\",\"code\":\"\",\"message\":\"\","
              "\"attrs\":{\"ts_source\":\"ingest\"},\"file\":\"\",\"offset\":0,\"lines\":1}\n");
    CHECK(!ev.is_unparsed);
    CHECK_INT(ev.n_attrs, 0);
    fl_buf_free(&b);
}

static void full_event_round_trips_with_every_key_in_order(void)
{
    struct fl_event ev;
    fl_event_reset(&ev);
    ev.id = 0x0123456789abcdefull;
    ev.ts_ms = 1795418047123;   /* 2026-11-23T07:14:07.123Z */
    ev.has_ts = true;
    ev.ts_raw = FL_STR_LIT("23.11.2026 08:14:07.123");
    ev.ts_skew_ms = -250;
    ev.ingest_ms = 1795418048000; /* 2026-11-23T07:14:08.000Z */
    ev.source = "kepware";
    ev.host = FL_STR_LIT("kep01");
    ev.site = FL_STR_LIT("Dessel");
    ev.line = FL_STR_LIT("L4");
    ev.cell = FL_STR_LIT("cell-4a");
    ev.severity = FL_SEV_WARNING;
    ev.severity_raw = FL_STR_LIT("Warning");
    ev.component = FL_STR_LIT("OPC UA Server");
    ev.category = "opcua.cert_rejected";
    ev.code = FL_STR_LIT("Bad_SecurityChecksFailed");
    ev.message = FL_STR_LIT("Certificate rejected \"CN=Ignition\"\n\tat line 2 \xc3\xa9t\xc3\xa9");
    CHECK_INT(fl_event_attr_str(&ev, "endpoint", FL_STR_LIT("opc.tcp://kep01:49320")), 0);
    CHECK_INT(fl_event_attr_int(&ev, "port", 49320), 0);
    CHECK_INT(fl_event_attr_int(&ev, "pid", -12), 0);
    CHECK_INT(fl_event_attr_bool(&ev, "is_retry", true), 0);
    CHECK_INT(fl_event_attr_bool(&ev, "is_final", false), 0);
    ev.file = FL_STR_LIT("logs/kep01/events.txt");
    ev.offset = 1099511627776ull; /* 2^40: past 32 bits */
    ev.end_offset = 1099511627900ull;
    ev.lines = 2;

    struct fl_buf b;
    fl_buf_init(&b, 0);
    json_t *o = write_and_load(&ev, &b);
    if (!o) {
        fl_buf_free(&b);
        return;
    }
    check_key_order_in_text(&b);
    check_keys_exactly(o);
    CHECK_INT(int_of(o, "v"), 1);
    CHECK_STR(str_of(o, "id"), "0123456789abcdef");
    CHECK_STR(str_of(o, "ts"), "2026-11-23T07:14:07.123Z");
    CHECK_STR(str_of(o, "ts_raw"), "23.11.2026 08:14:07.123");
    CHECK_INT(int_of(o, "ts_skew_ms"), -250);
    CHECK_STR(str_of(o, "ingest_ts"), "2026-11-23T07:14:08.000Z");
    CHECK_STR(str_of(o, "source"), "kepware");
    CHECK_STR(str_of(o, "host"), "kep01");
    CHECK_STR(str_of(o, "site"), "Dessel");
    CHECK_STR(str_of(o, "line"), "L4");
    CHECK_STR(str_of(o, "cell"), "cell-4a");
    CHECK_STR(str_of(o, "severity"), "warning");
    CHECK_STR(str_of(o, "severity_raw"), "Warning");
    CHECK_STR(str_of(o, "component"), "OPC UA Server");
    CHECK_STR(str_of(o, "category"), "opcua.cert_rejected");
    CHECK_STR(str_of(o, "code"), "Bad_SecurityChecksFailed");
    CHECK_STR(str_of(o, "message"),
              "Certificate rejected \"CN=Ignition\"\n\tat line 2 \xc3\xa9t\xc3\xa9");
    CHECK_STR(str_of(o, "file"), "logs/kep01/events.txt");
    CHECK_INT(int_of(o, "offset"), 1099511627776ll);
    CHECK_INT(int_of(o, "lines"), 2);

    json_t *attrs = json_object_get(o, "attrs");
    CHECK(attrs && json_is_object(attrs));
    CHECK_INT(json_object_size(attrs), 5); /* dated: no ts_source */
    CHECK_STR(str_of(attrs, "endpoint"), "opc.tcp://kep01:49320");
    CHECK_INT(int_of(attrs, "port"), 49320);
    CHECK_INT(int_of(attrs, "pid"), -12);
    CHECK(json_is_true(json_object_get(attrs, "is_retry")));
    CHECK(json_is_false(json_object_get(attrs, "is_final")));
    json_decref(o);
    fl_buf_free(&b);
}

static void undated_event_takes_ingest_time_and_says_so(void)
{
    struct fl_event ev;
    fl_event_reset(&ev);
    ev.has_ts = false;
    ev.ts_ms = 12345; /* ignored when has_ts is false */
    ev.ingest_ms = 1709210096789; /* 2024-02-29T12:34:56.789Z */
    ev.source = "ignition";
    fl_event_attr_int(&ev, "pid", 7);
    struct fl_buf b;
    fl_buf_init(&b, 0);
    json_t *o = write_and_load(&ev, &b);
    if (o) {
        CHECK_STR(str_of(o, "ts"), "2024-02-29T12:34:56.789Z");
        CHECK_STR(str_of(o, "ingest_ts"), "2024-02-29T12:34:56.789Z");
        json_t *attrs = json_object_get(o, "attrs");
        CHECK_INT(json_object_size(attrs), 2);
        CHECK_INT(int_of(attrs, "pid"), 7);
        CHECK_STR(str_of(attrs, "ts_source"), "ingest");
        json_decref(o);
    }
    CHECK_INT(ev.n_attrs, 1); /* the writer does not modify the event */

    /* A ts_source the parser set already is kept, not duplicated. */
    fl_event_attr_str(&ev, "ts_source", FL_STR_LIT("previous_record"));
    o = write_and_load(&ev, &b);
    if (o) {
        CHECK_STR(str_of(json_object_get(o, "attrs"), "ts_source"), "previous_record");
        json_decref(o);
    }
    const char *first = memmem(b.data, b.len, "\"ts_source\"", 11);
    CHECK(first && !memmem(first + 1, b.len - (size_t)(first + 1 - b.data), "\"ts_source\"", 11));

    /* Dated events get no ts_source. */
    fl_event_reset(&ev);
    ev.has_ts = true;
    ev.ts_ms = 0;
    ev.ingest_ms = 1000;
    o = write_and_load(&ev, &b);
    if (o) {
        CHECK_STR(str_of(o, "ts"), "1970-01-01T00:00:00.000Z");
        CHECK_STR(str_of(o, "ingest_ts"), "1970-01-01T00:00:01.000Z");
        CHECK_INT(json_object_size(json_object_get(o, "attrs")), 0);
        json_decref(o);
    }
    fl_buf_free(&b);
}

static void unparsed_line_becomes_notice_event_with_raw_message(void)
{
    struct fl_event ev;
    fl_event_reset(&ev);
    /* a parser that gave up half way */
    ev.has_ts = true;
    ev.ts_ms = 1000;
    ev.ts_raw = FL_STR_LIT("2024");
    ev.component = FL_STR_LIT("half");
    ev.code = FL_STR_LIT("X");
    ev.severity = FL_SEV_ERROR;
    ev.category = "opcua.connected";
    fl_event_attr_int(&ev, "port", 1);
    /* what the stream owns */
    ev.host = FL_STR_LIT("scada01");
    ev.file = FL_STR_LIT("PVSS_II.log");
    ev.offset = 42;
    ev.lines = 1;
    ev.ingest_ms = 1709251200000; /* 2024-03-01T00:00:00.000Z */

    fl_event_set_unparsed(&ev, "winccoa", FL_STR_LIT("?? garbled \x01 line \xff"));
    CHECK(ev.is_unparsed);
    CHECK(!ev.has_ts);
    CHECK_INT(ev.severity, FL_SEV_NOTICE);
    CHECK_STR(ev.category, "unparsed");
    CHECK_STR(ev.source, "winccoa");

    struct fl_buf b;
    fl_buf_init(&b, 0);
    json_t *o = write_and_load(&ev, &b);
    if (o) {
        check_keys_exactly(o);
        CHECK_STR(str_of(o, "category"), "unparsed");
        CHECK_STR(str_of(o, "severity"), "notice");
        CHECK_STR(str_of(o, "source"), "winccoa");
        CHECK_STR(str_of(o, "message"), "?? garbled \x01 line \xef\xbf\xbd");
        CHECK_STR(str_of(o, "ts"), "2024-03-01T00:00:00.000Z");
        CHECK_STR(str_of(o, "ts_raw"), "");
        CHECK_STR(str_of(o, "component"), "");
        CHECK_STR(str_of(o, "code"), "");
        CHECK_STR(str_of(o, "host"), "scada01");
        CHECK_STR(str_of(o, "file"), "PVSS_II.log");
        CHECK_INT(int_of(o, "offset"), 42);
        json_t *attrs = json_object_get(o, "attrs");
        CHECK_INT(json_object_size(attrs), 1); /* the parser's port is gone */
        CHECK_STR(str_of(attrs, "ts_source"), "ingest");
        json_decref(o);
    }

    fl_event_set_unparsed(&ev, NULL, FL_STR_LIT("x"));
    CHECK_STR(ev.source, "unknown");
    o = write_and_load(&ev, &b);
    if (o) {
        CHECK_STR(str_of(o, "source"), "unknown");
        json_decref(o);
    }
    fl_buf_free(&b);
}

static void attribute_set_twice_keeps_last_value_and_first_position(void)
{
    struct fl_event ev;
    fl_event_reset(&ev);
    CHECK_INT(fl_event_attr_str(&ev, "port", FL_STR_LIT("4840")), 0);
    CHECK_INT(fl_event_attr_str(&ev, "peer", FL_STR_LIT("10.0.0.5")), 0);
    CHECK_INT(fl_event_attr_int(&ev, "port", 49320), 0);
    CHECK_INT(ev.n_attrs, 2);
    const struct fl_attr *a = fl_event_attr_get(&ev, "port");
    CHECK(a && a->kind == FL_ATTR_INT && a->num == 49320);
    CHECK(fl_event_attr_get(&ev, "absent") == NULL);
    /* keys compare by bytes, so a prefix is another key */
    CHECK_INT(fl_event_attr_strn(&ev, FL_STR_LIT("pee"), FL_STR_LIT("x")), 0);
    CHECK_INT(ev.n_attrs, 3);
    CHECK_INT(fl_event_attr_strn(&ev, FL_STR_LIT("peer"), FL_STR_LIT("10.0.0.6")), 0);
    CHECK_INT(ev.n_attrs, 3);
    ev.has_ts = true;

    struct fl_buf b;
    fl_buf_init(&b, 0);
    CHECK_INT(fl_event_write_json(&ev, &b), 0);
    static const char want[] = "\"attrs\":{\"port\":49320,\"peer\":\"10.0.0.6\",\"pee\":\"x\"}";
    CHECK(memmem(b.data, b.len, want, sizeof want - 1) != NULL);
    fl_buf_free(&b);
}

static void attributes_past_the_limit_are_refused(void)
{
    static char keys[FL_EVENT_MAX_ATTRS + 1][16];
    struct fl_event ev;
    fl_event_reset(&ev);
    for (int i = 0; i <= FL_EVENT_MAX_ATTRS; i++)
        snprintf(keys[i], sizeof keys[i], "k%d", i);
    for (int i = 0; i < FL_EVENT_MAX_ATTRS; i++)
        CHECK_INT(fl_event_attr_int(&ev, keys[i], i), 0);
    CHECK_INT(fl_event_attr_int(&ev, keys[FL_EVENT_MAX_ATTRS], 99), FL_ETOOBIG);
    CHECK_INT(fl_event_attr_bool(&ev, keys[FL_EVENT_MAX_ATTRS], true), FL_ETOOBIG);
    CHECK_INT(ev.n_attrs, FL_EVENT_MAX_ATTRS);
    /* replacing an existing key still works when full */
    CHECK_INT(fl_event_attr_str(&ev, "k3", FL_STR_LIT("three")), 0);
    const struct fl_attr *a = fl_event_attr_get(&ev, "k3");
    CHECK(a && a->kind == FL_ATTR_STR && fl_str_eq(a->str, "three"));

    /* a full, undated event still writes valid JSON with ts_source added */
    struct fl_buf b;
    fl_buf_init(&b, 0);
    json_t *o = write_and_load(&ev, &b);
    if (o) {
        CHECK_INT(json_object_size(json_object_get(o, "attrs")), FL_EVENT_MAX_ATTRS + 1);
        json_decref(o);
    }
    fl_buf_free(&b);
}

static void invalid_bytes_in_any_field_still_give_valid_json(void)
{
    struct fl_event ev;
    fl_event_reset(&ev);
    ev.has_ts = true;
    ev.ts_raw = FL_STR_LIT("\xff\xfe" "2024");
    ev.host = FL_STR_LIT("h\"o\\st");
    ev.component = FL_STR_LIT("\xed\xa0\x80");
    ev.message = (struct fl_str){"a\0b", 3};
    fl_event_attr_strn(&ev, FL_STR_LIT("k\xc3"), FL_STR_LIT("\x80v\n"));
    ev.file = FL_STR_LIT("C:\\logs\\x.log");
    struct fl_buf b;
    fl_buf_init(&b, 0);
    CHECK_INT(fl_event_write_json(&ev, &b), 0);
    json_error_t jerr;
    json_t *o = json_loadb(b.data, b.len, JSON_ALLOW_NUL, &jerr);
    CHECK(o != NULL);
    if (o) {
        CHECK_STR(str_of(o, "ts_raw"), "\xef\xbf\xbd\xef\xbf\xbd" "2024");
        CHECK_STR(str_of(o, "host"), "h\"o\\st");
        CHECK_STR(str_of(o, "component"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
        json_t *m = json_object_get(o, "message");
        CHECK(m && json_string_length(m) == 3 && memcmp(json_string_value(m), "a\0b", 3) == 0);
        CHECK_STR(str_of(json_object_get(o, "attrs"), "k\xef\xbf\xbd"), "\xef\xbf\xbdv\n");
        CHECK_STR(str_of(o, "file"), "C:\\logs\\x.log");
        json_decref(o);
    }
    fl_buf_free(&b);
}

static void event_over_buffer_limit_fails_and_leaves_buffer_unchanged(void)
{
    struct fl_event ev;
    fl_event_reset(&ev);
    static char big[4096];
    memset(big, 'x', sizeof big);
    ev.message = (struct fl_str){big, sizeof big};
    struct fl_buf b;
    fl_buf_init(&b, 1024);
    CHECK_INT(fl_buf_append(&b, "prev\n", 5), 0);
    CHECK_INT(fl_event_write_json(&ev, &b), FL_ETOOBIG);
    CHECK_MEM(b.data, b.len, "prev\n");
    /* a second event appends after the first one */
    ev.message = FL_STR_LIT("short");
    CHECK_INT(fl_event_write_json(&ev, &b), 0);
    CHECK(b.len > 5 && memcmp(b.data, "prev\n{\"v\":1,", 12) == 0);
    fl_buf_free(&b);
}

static void every_severity_writes_its_rfc5424_name(void)
{
    static const char *const names[] = {"emergency", "alert",  "critical", "error",
                                        "warning",   "notice", "info",     "debug"};
    struct fl_event ev;
    struct fl_buf b;
    fl_buf_init(&b, 0);
    for (int s = FL_SEV_EMERGENCY; s <= FL_SEV_DEBUG; s++) {
        CHECK_STR(fl_severity_name((enum fl_severity)s), names[s]);
        CHECK_INT(fl_severity_from_name(names[s], strlen(names[s])), s);
        fl_event_reset(&ev);
        ev.severity = (enum fl_severity)s;
        json_t *o = write_and_load(&ev, &b);
        if (o) {
            CHECK_STR(str_of(o, "severity"), names[s]);
            json_decref(o);
        }
    }
    CHECK_INT(fl_severity_from_name("WARNING", 7), FL_SEV_WARNING);
    CHECK_INT(fl_severity_from_name("Error", 5), FL_SEV_ERROR);
    CHECK_INT(fl_severity_from_name("warn", 4), -1);
    CHECK_INT(fl_severity_from_name("warnings", 8), -1);
    CHECK_INT(fl_severity_from_name("", 0), -1);
    fl_buf_free(&b);
}

static void timestamps_format_as_rfc3339_utc_with_ms(void)
{
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {-1000, "1969-12-31T23:59:59.000Z"},
        {-86400000, "1969-12-31T00:00:00.000Z"},
        {-86400001, "1969-12-30T23:59:59.999Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {1795418047123, "2026-11-23T07:14:07.123Z"},
        {1709210096789, "2024-02-29T12:34:56.789Z"},  /* leap day */
        {1709251200000, "2024-03-01T00:00:00.000Z"},  /* the day after */
        {951868799999, "2000-02-29T23:59:59.999Z"},   /* 400-year rule: 2000 is leap */
        {-2203891200000, "1900-03-01T00:00:00.000Z"}, /* 100-year rule: 1900 is not */
        {-11670998399999, "1600-02-29T00:00:00.001Z"},
        {-14182940000, "1969-07-20T20:17:40.000Z"},
        {-62135596800000, "0001-01-01T00:00:00.000Z"},
        {253402300799999, "9999-12-31T23:59:59.999Z"},
        /* clamped to 0000..9999 */
        {253402300800000, "9999-12-31T23:59:59.999Z"},
        {INT64_MAX, "9999-12-31T23:59:59.999Z"},
        {-62167219200000, "0000-01-01T00:00:00.000Z"},
        {-62167219200001, "0000-01-01T00:00:00.000Z"},
        {INT64_MIN, "0000-01-01T00:00:00.000Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[25];
        memset(out, '#', sizeof out);
        fl_time_format_rfc3339(cases[i].ms, out);
        CHECK_STR(out, cases[i].want);
    }
}

static void timestamps_agree_with_gmtime_r(void)
{
    /* Random instants from 1600 to 9999 against the C library (proleptic Gregorian). */
    uint64_t x = 88172645463325252ull;
    int wrong = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t lo = -11676096000000, hi = 253402300799999;
        int64_t ms = lo + (int64_t)(x % (uint64_t)(hi - lo));
        time_t secs = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
        int frac = (int)(ms - (int64_t)secs * 1000);
        struct tm tm;
        if (!gmtime_r(&secs, &tm))
            continue;
        char want[96], got[25];
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
        fl_time_format_rfc3339(ms, got);
        if (strcmp(want, got) != 0 && wrong++ < 3)
            fprintf(stderr, "  %lld: got %s, want %s\n", (long long)ms, got, want);
    }
    CHECK_INT(wrong, 0);
}

UNIT_MAIN(UNIT_TEST(reset_event_writes_exact_defaults),
          UNIT_TEST(full_event_round_trips_with_every_key_in_order),
          UNIT_TEST(undated_event_takes_ingest_time_and_says_so),
          UNIT_TEST(unparsed_line_becomes_notice_event_with_raw_message),
          UNIT_TEST(attribute_set_twice_keeps_last_value_and_first_position),
          UNIT_TEST(attributes_past_the_limit_are_refused),
          UNIT_TEST(invalid_bytes_in_any_field_still_give_valid_json),
          UNIT_TEST(event_over_buffer_limit_fails_and_leaves_buffer_unchanged),
          UNIT_TEST(every_severity_writes_its_rfc5424_name),
          UNIT_TEST(timestamps_format_as_rfc3339_utc_with_ms),
          UNIT_TEST(timestamps_agree_with_gmtime_r))
