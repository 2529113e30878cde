/* core/json.c: the JSON text writer (strings and integers).
 *
 * fl_json_str is on the per-event hot path: every string field of every event goes through
 * it. Its shape follows from that. Plain ASCII and well-formed UTF-8 map to themselves byte
 * for byte, so the output is reserved once for the input length, runs of such bytes are
 * found 16 bytes at a time (SSE2) or 8 (SWAR) and copied with one memcpy, and only escapes
 * and invalid sequences, which grow the output, go back to the buffer for more room. Invalid UTF-8
 * follows Unicode's "maximal subpart" practice (Unicode 15, section 3.9, U+FFFD substitution
 * of maximal subparts): one U+FFFD per maximal prefix of a well-formed sequence, or per
 * single byte that starts none. This file knows nothing about events. */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "core/err.h"
#include "core/json.h"

/* 0: copied as is; 1: needs an escape (control, '"', '\\'); 2: starts a multibyte sequence
 * or is invalid (>= 0x80). DEL (0x7f) is legal in JSON and stays. */
static const unsigned char byte_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x90 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xa0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xb0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xc0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xd0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xe0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xf0 */
};
enum { CLASS_PLAIN = 0, CLASS_ESCAPE = 1, CLASS_HIGH = 2 };

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero when any of the 8 bytes in x is not CLASS_PLAIN. The tests for "a byte < 0x20" and
 * "a byte equal to c" are the classic has-less/has-zero tricks: exact as existence tests,
 * which is all this needs (a hit only sends the scan to the byte loop). */
static inline uint64_t word_needs_care(uint64_t x)
{
    uint64_t q = x ^ (ONES * '"');
    uint64_t b = x ^ (ONES * '\\');
    uint64_t ctl = (x - ONES * 0x20) & ~x;
    uint64_t quote = (q - ONES) & ~q;
    uint64_t bslash = (b - ONES) & ~b;
    return (x | ctl | quote | bslash) & HIGHS;
}

/* Length (2..4) of the well-formed UTF-8 sequence starting at s[0] (>= 0x80), or 0 with
 * *bad set to the length of the maximal subpart to replace by one U+FFFD (1..3). The ranges
 * are Unicode's table 3-7: the second byte's range excludes overlongs (E0, F0), surrogates
 * (ED) and code points above U+10FFFF (F4). */
static inline size_t utf8_seq(const unsigned char *s, size_t avail, size_t *bad)
{
    unsigned c = s[0];
    unsigned lo = 0x80, hi = 0xbf;
    size_t need;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        *bad = 1; /* 80..BF stray continuation, C0/C1 always overlong, F5..FF never used */
        return 0;
    }
    size_t k = 1;
    if (k < avail && s[k] >= lo && s[k] <= hi) {
        k++;
        while (k < need && k < avail && (s[k] & 0xc0) == 0x80)
            k++;
    }
    if (k == need)
        return need;
    *bad = k;
    return 0;
}

/* Skips plain bytes and well-formed UTF-8 from i; returns the index of the first byte that
 * needs an escape or a replacement (or n). */
static inline size_t scan_clean(const unsigned char *s, size_t i, size_t n)
{
    for (;;) {
#ifdef __SSE2__
        /* 16 bytes per step where SSE2 is baseline (x86-64). A signed compare with 0x20
         * catches both controls and bytes >= 0x80. */
        while (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i hit = _mm_or_si128(
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
            unsigned mask = (unsigned)_mm_movemask_epi8(hit);
            if (mask != 0) {
                i += (size_t)__builtin_ctz(mask);
                goto classify;
            }
            i += 16;
        }
#endif
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            uint64_t care = word_needs_care(x);
            if (care) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                /* The lowest flagged byte is always a true hit (borrows only run upwards
                 * from a hit), so jump straight to it. */
                i += (size_t)__builtin_ctzll(care) >> 3;
#endif
                break;
            }
            i += 8;
        }
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (i + 8 > n && n >= 8 && i < n) {
            /* The last partial word: look at the final 8 bytes, ignoring those before i.
             * A hit there may now be a false one (its borrow came from an ignored byte);
             * the byte loop below then simply steps over it. */
            uint64_t x;
            memcpy(&x, s + n - 8, 8);
            uint64_t care = word_needs_care(x) & (~0ull << (8 * (i - (n - 8))));
            i = care ? n - 8 + ((size_t)__builtin_ctzll(care) >> 3) : n;
        }
#endif
        while (i < n && byte_class[s[i]] == CLASS_PLAIN)
            i++;
#ifdef __SSE2__
    classify:
#endif
        if (i >= n || byte_class[s[i]] != CLASS_HIGH)
            return i;
        size_t bad;
        size_t len = utf8_seq(s + i, n - i, &bad);
        if (len == 0)
            return i;
        i += len;
    }
}

#ifdef __SSE2__
/* Bytes of v that need care: controls and bytes >= 0x80 (signed compare), '"' and '\\'. */
static inline unsigned care16(__m128i v)
{
    __m128i hit = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
    return (unsigned)_mm_movemask_epi8(hit);
}

/* 16 bytes from p, which may hold fewer valid bytes: the load stays inside p's page, so it
 * cannot fault, and the bytes past the object are masked off by the caller. AddressSanitizer
 * is told not to instrument it, as glibc's own string functions read the same way. */
__attribute__((no_sanitize_address)) static inline __m128i load16_in_page(const unsigned char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Copies the clean prefix of s[0..n) to w (which has room for n + 16 bytes) and returns its
 * length: n when the whole string is clean. Stores may run up to 16 bytes past the copied
 * prefix; the caller overwrites or ignores them. */
static inline size_t clean_copy16(const unsigned char *s, size_t n, char *w)
{
    size_t i = 0;
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        _mm_storeu_si128((__m128i *)(void *)(w + i), v);
        unsigned m = care16(v);
        if (m)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
    size_t left = n - i;
    if (left == 0)
        return n;
    __m128i v;
    unsigned valid = (1u << left) - 1;
    if (n >= 16) {
        /* The last 16 bytes of the string overlap what was already copied: shift the mask. */
        size_t back = 16 - left;
        v = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
        _mm_storeu_si128((__m128i *)(void *)(w + n - 16), v);
        unsigned m = (care16(v) >> back) & valid;
        return m ? i + (size_t)__builtin_ctz(m) : n;
    }
    if (((uintptr_t)s & 4095) > 4096 - 16) {
        while (i < n && byte_class[s[i]] == CLASS_PLAIN) {
            w[i] = (char)s[i];
            i++;
        }
        return i;
    }
    v = load16_in_page(s);
    _mm_storeu_si128((__m128i *)(void *)w, v);
    unsigned m = care16(v) & valid;
    return m ? (size_t)__builtin_ctz(m) : n;
}
#endif

size_t fl_utf8_valid_prefix(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    for (;;) {
#ifdef __SSE2__
        /* ASCII runs 16 bytes per step: the sign bits of the bytes are the non-ASCII ones. */
        while (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            unsigned m = (unsigned)_mm_movemask_epi8(v);
            if (m) {
                i += (size_t)__builtin_ctz(m);
                break;
            }
            i += 16;
        }
#endif
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (x & HIGHS)
                break;
            i += 8;
        }
        while (i < n && s[i] < 0x80)
            i++;
        if (i >= n)
            return n;
        size_t bad;
        size_t len = utf8_seq(s + i, n - i, &bad);
        if (len == 0)
            return i;
        i += len;
    }
}

/* The general path: escapes, replacements, growth. Starts at input index i with the output
 * cursor at w (the opening quote and s[0..i) already written verbatim). */
__attribute__((noinline)) static int json_str_slow(struct fl_buf *out, const unsigned char *s,
                                                   size_t n, size_t i, char *w, size_t start_len)
{
    static const char hex[] = "0123456789abcdef";
    int rc;
    while (i < n) {
        size_t run_end = scan_clean(s, i, n);
        memcpy(w, s + i, run_end - i);
        w += run_end - i;
        i = run_end;
        if (i >= n)
            break;

        char esc[6];
        size_t esc_len, consumed;
        unsigned c = s[i];
        if (c >= 0x80) {
            size_t bad = 1;
            (void)utf8_seq(s + i, n - i, &bad); /* scan_clean stopped here: it is invalid */
            esc[0] = (char)0xef, esc[1] = (char)0xbf, esc[2] = (char)0xbd; /* U+FFFD */
            esc_len = 3;
            consumed = bad;
        } else {
            consumed = 1;
            esc[0] = '\\';
            esc_len = 2;
            switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\n': esc[1] = 'n'; break;
            case '\t': esc[1] = 't'; break;
            case '\r': esc[1] = 'r'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            default:
                esc[1] = 'u', esc[2] = '0', esc[3] = '0';
                esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
                esc_len = 6;
            }
        }
        if (esc_len > consumed) {
            size_t used = (size_t)(w - out->data);
            size_t need = esc_len + (n - i - consumed) + 1;
            if (out->cap - used < need) {
                out->len = used;
                /* Ask for slack so a string full of escapes grows geometrically whatever
                 * fl_buf's own policy; near the buffer's limit, settle for the exact need. */
                rc = fl_buf_reserve(out, need + (n - i) / 2 + 64);
                if (rc == FL_ETOOBIG)
                    rc = fl_buf_reserve(out, need);
                if (rc != 0) {
                    out->len = start_len; /* no half-written string */
                    return rc;
                }
                w = out->data + used;
            }
        }
        memcpy(w, esc, esc_len);
        w += esc_len;
        i += consumed;
    }
    *w++ = '"';
    out->len = (size_t)(w - out->data);
    return 0;
}

int fl_json_str(struct fl_buf *out, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t start_len = out->len;
    if (n == 0 || p == NULL) /* an unset view: no pointer arithmetic on NULL */
        return fl_buf_append(out, "\"\"", 2);
    /* Invariant: from here on, the free room always covers what is left of the input plus
     * the closing quote, because clean bytes copy 1:1. Escapes reserve their own growth. */
    if (n > SIZE_MAX - 32)
        return FL_ETOOBIG;
    if (out->cap - out->len < n + 2) { /* checked here: most calls need no call to grow */
        int rc = fl_buf_reserve(out, n + 2 + 16); /* 16 bytes of slack for vector stores */
        if (rc == FL_ETOOBIG)
            rc = fl_buf_reserve(out, n + 2);
        if (rc != 0)
            return rc;
    }
    char *w = out->data + out->len;
    *w++ = '"';
    size_t i = 0;
#ifdef __SSE2__
    /* Fast path: the whole string is clean, checked and copied 16 bytes at a time with no
     * memcpy call; kept small so that most calls cost no register spills. Any byte that
     * needs care sends the rest to the general path, keeping what was copied verbatim. */
    if (out->cap - (size_t)(w - out->data) >= n + 17) {
        i = clean_copy16(s, n, w);
        w += i;
        if (i == n) {
            *w++ = '"';
            out->len = (size_t)(w - out->data);
            return 0;
        }
    }
#endif
    return json_str_slow(out, s, n, i, w, start_len);
}

int fl_json_int(struct fl_buf *out, int64_t v)
{
    char digits[24];
    char *end = digits + sizeof digits;
    char *q = end;
    /* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--q = '-';
    return fl_buf_append(out, q, (size_t)(end - q));
}
