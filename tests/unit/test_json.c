/* tests/unit/test_json.c: the JSON writer turns any bytes into valid UTF-8 JSON.
 *
 * Table cases give exact expected bytes for every class of invalid UTF-8 (Unicode's
 * "maximal subpart" practice), every escape and the valid multibyte forms. A reference
 * encoder written from the code-point definition (not from the writer's byte ranges) is
 * compared with fl_json_str on thousands of random buffers, whose output must also load
 * in jansson. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "core/err.h"
#include "core/json.h"
#include "unit.h"

#define FFFD "\xef\xbf\xbd"

struct str_case {
    const char *name;
    const char *in;
    size_t in_len; /* bytes of in; 0 with in = "" for the empty string */
    const char *want; /* the whole JSON string, quotes included */
};
#define IN(s) s, sizeof(s) - 1

static const struct str_case str_cases[] = {
    /* plain text, escapes */
    {"empty", IN(""), "\"\""},
    {"ascii", IN("hello world"), "\"hello world\""},
    {"quote and backslash", IN("a\"b\\c"), "\"a\\\"b\\\\c\""},
    {"short escapes", IN("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\""},
    {"other controls as \\u00XX", IN("\x01\x1f\x0b\x1b"), "\"\\u0001\\u001f\\u000b\\u001b\""},
    {"NUL inside", IN("a\0b"), "\"a\\u0000b\""},
    {"DEL stays", IN("a\x7f" "b"), "\"a\x7f" "b\""},
    {"slash stays", IN("a/b"), "\"a/b\""},
    {"escape at end of long run", IN("0123456789abcdef\""), "\"0123456789abcdef\\\"\""},
    {"escape after 8-byte word", IN("01234567\n89"), "\"01234567\\n89\""},
    /* valid multibyte, boundaries of each length */
    {"U+0080", IN("\xc2\x80"), "\"\xc2\x80\""},
    {"U+00E9", IN("caf\xc3\xa9"), "\"caf\xc3\xa9\""},
    {"U+07FF", IN("\xdf\xbf"), "\"\xdf\xbf\""},
    {"U+0800", IN("\xe0\xa0\x80"), "\"\xe0\xa0\x80\""},
    {"U+20AC", IN("\xe2\x82\xac" "5"), "\"\xe2\x82\xac" "5\""},
    {"U+D7FF", IN("\xed\x9f\xbf"), "\"\xed\x9f\xbf\""},
    {"U+E000", IN("\xee\x80\x80"), "\"\xee\x80\x80\""},
    {"U+FFFF", IN("\xef\xbf\xbf"), "\"\xef\xbf\xbf\""},
    {"U+FFFD itself", IN(FFFD), "\"" FFFD "\""},
    {"U+10000", IN("\xf0\x90\x80\x80"), "\"\xf0\x90\x80\x80\""},
    {"U+1F600", IN("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\""},
    {"U+10FFFF", IN("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\""},
    {"U+2028 stays", IN("\xe2\x80\xa8"), "\"\xe2\x80\xa8\""},
    {"multibyte in long text", IN("Verbindung zur Station \xc3\xbc" "ber TCP unterbrochen"),
     "\"Verbindung zur Station \xc3\xbc" "ber TCP unterbrochen\""},
    /* invalid: lone and stray continuation bytes */
    {"lone continuation", IN("\x80"), "\"" FFFD "\""},
    {"two continuations", IN("a\x80\xbf" "b"), "\"a" FFFD FFFD "b\""},
    /* invalid: never-used lead bytes */
    {"C0 and C1 overlong leads", IN("\xc0\x80\xc1\xbf"), "\"" FFFD FFFD FFFD FFFD "\""},
    {"F5..FF", IN("\xf5\x80\x80\x80\xfe\xff"), "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\""},
    /* invalid: overlong 3- and 4-byte forms */
    {"overlong E0 80 80", IN("\xe0\x80\x80"), "\"" FFFD FFFD FFFD "\""},
    {"overlong E0 9F BF", IN("\xe0\x9f\xbf"), "\"" FFFD FFFD FFFD "\""},
    {"overlong F0 80 80 80", IN("\xf0\x80\x80\x80"), "\"" FFFD FFFD FFFD FFFD "\""},
    {"overlong F0 8F BF BF", IN("\xf0\x8f\xbf\xbf"), "\"" FFFD FFFD FFFD FFFD "\""},
    /* invalid: surrogates */
    {"surrogate D800", IN("\xed\xa0\x80"), "\"" FFFD FFFD FFFD "\""},
    {"surrogate DFFF", IN("\xed\xbf\xbf"), "\"" FFFD FFFD FFFD "\""},
    {"CESU-8 pair", IN("\xed\xa0\xbd\xed\xb8\x80"), "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\""},
    /* invalid: above U+10FFFF */
    {"U+110000", IN("\xf4\x90\x80\x80"), "\"" FFFD FFFD FFFD FFFD "\""},
    /* invalid: truncated sequences, one U+FFFD per maximal subpart */
    {"truncated 2 at end", IN("a\xc3"), "\"a" FFFD "\""},
    {"truncated 2 before ascii", IN("\xc3" "A"), "\"" FFFD "A\""},
    {"truncated 3 at end", IN("\xe2\x82"), "\"" FFFD "\""},
    {"truncated 3 before ascii", IN("\xe2\x82" "A"), "\"" FFFD "A\""},
    {"truncated 4 at end", IN("\xf0\x9f\x98"), "\"" FFFD "\""},
    {"truncated 4 before ascii", IN("\xf0\x9f" "A"), "\"" FFFD "A\""},
    {"truncated E0 A0 then ascii", IN("\xe0\xa0" "A"), "\"" FFFD "A\""},
    {"truncated then valid", IN("\xe2\x82\xc3\xa9"), "\"" FFFD "\xc3\xa9\""},
    {"truncated then control", IN("\xc3\n"), "\"" FFFD "\\n\""},
    {"truncated then quote", IN("\xf0\x9f\x98\""), "\"" FFFD "\\\"\""},
    /* Unicode 15 table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 */
    {"Unicode table 3-8", IN("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64"),
     "\"a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d\""},
    /* Windows-1252 text that slipped through */
    {"cp1252 bytes", IN("Temp 23\xb0" "C f\xfcr"), "\"Temp 23" FFFD "C f" FFFD "r\""},
};

static void json_str_writes_expected_bytes_for_every_class(void)
{
    for (size_t i = 0; i < sizeof str_cases / sizeof str_cases[0]; i++) {
        const struct str_case *c = &str_cases[i];
        struct fl_buf b;
        fl_buf_init(&b, 0);
        int rc = fl_json_str(&b, c->in, c->in_len);
        if (rc != 0 || b.len != strlen(c->want) || memcmp(b.data, c->want, b.len) != 0) {
            fprintf(stderr, "  case \"%s\": rc %d, got %zu bytes \"%.*s\"\n", c->name, rc, b.len,
                    (int)b.len, b.data ? b.data : "");
            unit_checks_failed_in_test++;
        }
        fl_buf_free(&b);
    }
}

static void json_str_appends_after_existing_content(void)
{
    struct fl_buf b;
    fl_buf_init(&b, 0);
    CHECK_INT(fl_buf_append(&b, "{\"k\":", 5), 0);
    CHECK_INT(fl_json_str(&b, "v\n", 2), 0);
    CHECK_INT(fl_buf_putc(&b, '}'), 0);
    CHECK_MEM(b.data, b.len, "{\"k\":\"v\\n\"}");
    fl_buf_free(&b);
}

static void json_str_null_view_is_empty_string(void)
{
    struct fl_buf b;
    fl_buf_init(&b, 0);
    CHECK_INT(fl_json_str(&b, NULL, 0), 0);
    CHECK_MEM(b.data, b.len, "\"\"");
    fl_buf_free(&b);
}

static void json_str_grows_for_strings_full_of_escapes(void)
{
    /* Every input byte becomes 6 output bytes: the writer must grow well past its first
     * reservation, and the result must still be exact. */
    enum { N = 10000 };
    static char in[N];
    memset(in, 0x01, N);
    struct fl_buf b;
    fl_buf_init(&b, 0);
    CHECK_INT(fl_json_str(&b, in, N), 0);
    CHECK_INT(b.len, 6 * N + 2);
    size_t bad = 0;
    for (size_t i = 0; i < N; i++)
        if (memcmp(b.data + 1 + 6 * i, "\\u0001", 6) != 0)
            bad++;
    CHECK_INT(bad, 0);
    /* and invalid bytes, 1 -> 3 */
    memset(in, 0xff, N);
    fl_buf_reset(&b);
    CHECK_INT(fl_json_str(&b, in, N), 0);
    CHECK_INT(b.len, 3 * N + 2);
    fl_buf_free(&b);
}

static void json_str_over_buffer_limit_fails_and_leaves_buffer_unchanged(void)
{
    struct fl_buf b;
    fl_buf_init(&b, 16);
    CHECK_INT(fl_buf_append(&b, "ab", 2), 0);
    /* too long even before escapes */
    CHECK_INT(fl_json_str(&b, "0123456789abcdefghij", 20), FL_ETOOBIG);
    CHECK_INT(b.len, 2);
    /* fits as plain text (2 + 10 + 2 = 14) but not once the escapes grow it */
    CHECK_INT(fl_json_str(&b, "\n\n\n\n\n\n\n\n\n\n", 10), FL_ETOOBIG);
    CHECK_INT(b.len, 2);
    CHECK_MEM(b.data, b.len, "ab");
    /* what fits exactly still works */
    CHECK_INT(fl_json_str(&b, "0123456789ab", 12), 0);
    CHECK_INT(b.len, 16);
    fl_buf_free(&b);
}

static void json_int_writes_decimal_including_extremes(void)
{
    static const struct {
        int64_t v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {-1, "-1"},
        {1234567890123, "1234567890123"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_buf b;
        fl_buf_init(&b, 0);
        CHECK_INT(fl_json_int(&b, cases[i].v), 0);
        CHECK_MEM(b.data, b.len, cases[i].want);
        fl_buf_free(&b);
    }
}

static void utf8_valid_prefix_stops_at_first_invalid_byte(void)
{
    static const struct {
        const char *in;
        size_t len;
        size_t want;
    } cases[] = {
        {IN(""), 0},
        {IN("abc"), 3},
        {IN("caf\xc3\xa9"), 5},
        {IN("ab\xc3"), 2},                        /* truncated at end is not valid */
        {IN("a\xed\xa0\x80"), 1},                 /* surrogate */
        {IN("\xc0\x80"), 0},                      /* overlong */
        {IN("\xf0\x9f\x98\x80!"), 5},
        {IN("\xf4\x90\x80\x80"), 0},              /* > U+10FFFF */
        {IN("0123456789abcdefghij\x80xyz"), 20},  /* after the 8-byte fast path */
        {IN("\x01\n\"\\ controls are valid UTF-8"), 29},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_INT(fl_utf8_valid_prefix(cases[i].in, cases[i].len), cases[i].want);
}

/* ---- reference encoder from the code-point definition ---- */

/* True when s[0..k) (k >= 1) is a prefix of some well-formed UTF-8 sequence; *len gets that
 * sequence's length. Decided by code-point ranges: the values the prefix can still reach
 * must meet the scalar values encodable at that length without overlong form. */
static int ref_is_prefix(const unsigned char *s, size_t k, size_t *len)
{
    unsigned c = s[0];
    size_t L;
    uint32_t cp;
    if (c < 0x80)
        L = 1, cp = c;
    else if ((c & 0xe0) == 0xc0)
        L = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        L = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        L = 4, cp = c & 0x07;
    else
        return 0;
    if (k > L)
        return 0;
    for (size_t j = 1; j < k; j++) {
        if ((s[j] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[j] & 0x3f);
    }
    unsigned rest_bits = 6 * (unsigned)(L - k);
    uint32_t lo = cp << rest_bits, hi = lo + ((uint32_t)1 << rest_bits) - 1;
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    static const uint32_t max_cp[] = {0, 0x7f, 0x7ff, 0xffff, 0x10ffff};
    uint32_t a = lo > min_cp[L] ? lo : min_cp[L];
    uint32_t b = hi < max_cp[L] ? hi : max_cp[L];
    if (a > b)
        return 0;
    if (a >= 0xd800 && b <= 0xdfff)
        return 0;
    *len = L;
    return 1;
}

static void ref_encode(struct fl_buf *out, const unsigned char *s, size_t n)
{
    fl_buf_putc(out, '"');
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            char esc[8];
            if (c == '"' || c == '\\') {
                esc[0] = '\\', esc[1] = (char)c;
                fl_buf_append(out, esc, 2);
            } else if (c == '\n') {
                fl_buf_append(out, "\\n", 2);
            } else if (c == '\t') {
                fl_buf_append(out, "\\t", 2);
            } else if (c == '\r') {
                fl_buf_append(out, "\\r", 2);
            } else if (c == '\b') {
                fl_buf_append(out, "\\b", 2);
            } else if (c == '\f') {
                fl_buf_append(out, "\\f", 2);
            } else if (c < 0x20) {
                fl_buf_printf(out, "\\u%04x", c);
            } else {
                fl_buf_putc(out, (char)c);
            }
            i++;
            continue;
        }
        size_t best = 0, L = 0;
        for (size_t k = 1; k <= 4 && i + k <= n; k++) {
            size_t len;
            if (!ref_is_prefix(s + i, k, &len))
                break;
            best = k, L = len;
        }
        if (best > 0 && best == L) {
            fl_buf_append(out, s + i, L);
            i += L;
        } else {
            fl_buf_append(out, FFFD, 3);
            i += best ? best : 1;
        }
    }
    fl_buf_putc(out, '"');
}

static int ref_is_valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t best = 0, L = 0;
        for (size_t k = 1; k <= 4 && i + k <= n; k++) {
            size_t len;
            if (!ref_is_prefix(s + i, k, &len))
                break;
            best = k, L = len;
        }
        if (best == 0 || best != L)
            return 0;
        i += L;
    }
    return 1;
}

static size_t ref_valid_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t best = 0, L = 0;
        for (size_t k = 1; k <= 4 && i + k <= n; k++) {
            size_t len;
            if (!ref_is_prefix(s + i, k, &len))
                break;
            best = k, L = len;
        }
        if (best == 0 || best != L)
            return i;
        i += L;
    }
    return n;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng_next(void) /* xorshift64*: fixed seed, same buffers every run */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* Random bytes biased towards what breaks writers: escapes, lead bytes next to continuation
 * bytes, valid sequences cut short. Every other buffer is mostly printable ASCII with rare
 * specials, so the 16- and 8-byte scans see long clean runs with a hit at any position. */
static size_t random_buffer(unsigned char *buf, size_t cap)
{
    static const unsigned char interesting[] = {
        0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, '"', '\\', 0x7f, 0x80, 0x8f, 0x90,
        0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0,
        0xf1, 0xf3, 0xf4, 0xf5, 0xfe, 0xff,
    };
    size_t n = (size_t)(rng_next() % cap);
    bool is_mostly_text = rng_next() & 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng_next();
        if (is_mostly_text && r % 64 != 0) {
            buf[i] = (unsigned char)(0x20 + (r >> 8) % 95);
            continue;
        }
        switch (r % 4) {
        case 0: buf[i] = (unsigned char)(0x20 + (r >> 8) % 95); break; /* printable */
        case 1: buf[i] = interesting[(r >> 8) % sizeof interesting]; break;
        case 2: buf[i] = (unsigned char)(0x80 | ((r >> 8) & 0x3f)); break; /* continuation */
        default: buf[i] = (unsigned char)(r >> 8); break;
        }
    }
    return n;
}

static void random_garbage_gives_reference_output_that_jansson_loads(void)
{
    enum { ROUNDS = 6000, CAP = 300 };
    unsigned char in[CAP];
    struct fl_buf got, want;
    fl_buf_init(&got, 0);
    fl_buf_init(&want, 0);
    int mismatches = 0, unloadable = 0, invalid = 0, prefix_wrong = 0;
    for (int round = 0; round < ROUNDS; round++) {
        size_t n = random_buffer(in, CAP);
        fl_buf_reset(&got);
        fl_buf_reset(&want);
        if (fl_json_str(&got, (const char *)in, n) != 0) {
            mismatches++;
            continue;
        }
        ref_encode(&want, in, n);
        if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0) {
            if (mismatches++ < 3) {
                fprintf(stderr, "  round %d: input", round);
                for (size_t i = 0; i < n; i++)
                    fprintf(stderr, " %02x", in[i]);
                fprintf(stderr, "\n    got  %.*s\n    want %.*s\n", (int)got.len, got.data,
                        (int)want.len, want.data);
            }
        }
        if (!ref_is_valid_utf8((const unsigned char *)got.data, got.len))
            invalid++;
        json_error_t jerr;
        json_t *v = json_loadb(got.data, got.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (!v || !json_is_string(v)) {
            if (unloadable++ < 3)
                fprintf(stderr, "  round %d: jansson: %s\n", round, jerr.text);
        }
        json_decref(v);
        if (fl_utf8_valid_prefix((const char *)in, n) != ref_valid_prefix(in, n))
            prefix_wrong++;
    }
    CHECK_INT(mismatches, 0);
    CHECK_INT(invalid, 0);
    CHECK_INT(unloadable, 0);
    CHECK_INT(prefix_wrong, 0);
    fl_buf_free(&got);
    fl_buf_free(&want);
}

static void decoded_string_equals_input_for_valid_text(void)
{
    /* Round trip: for valid UTF-8 input, jansson gives back the same bytes. */
    static const char in[] = "line1\nline2\t\"q\" \\ caf\xc3\xa9 \xf0\x9f\x98\x80 \x01\x7f end";
    struct fl_buf b;
    fl_buf_init(&b, 0);
    CHECK_INT(fl_json_str(&b, in, sizeof in - 1), 0);
    json_error_t jerr;
    json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    CHECK(v && json_is_string(v));
    if (v && json_is_string(v))
        CHECK_MEM(json_string_value(v), json_string_length(v), in);
    json_decref(v);
    fl_buf_free(&b);
}

UNIT_MAIN(UNIT_TEST(json_str_writes_expected_bytes_for_every_class),
          UNIT_TEST(json_str_appends_after_existing_content),
          UNIT_TEST(json_str_null_view_is_empty_string),
          UNIT_TEST(json_str_grows_for_strings_full_of_escapes),
          UNIT_TEST(json_str_over_buffer_limit_fails_and_leaves_buffer_unchanged),
          UNIT_TEST(json_int_writes_decimal_including_extremes),
          UNIT_TEST(utf8_valid_prefix_stops_at_first_invalid_byte),
          UNIT_TEST(random_garbage_gives_reference_output_that_jansson_loads),
          UNIT_TEST(decoded_string_equals_input_for_valid_text))
