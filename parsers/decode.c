/* parsers/decode.c: encoding detection, transcoding to UTF-8, and line splitting with raw
 * offsets. The 8-bit path hands out views into the pushed bytes (no copy) for every line
 * that lies whole inside one push; only a line spanning pushes is assembled in `pending`.
 * UTF-16 goes through `pending` always: it is the rare case and keeps code-unit alignment
 * simple. */
#include <string.h>
#include <strings.h>
#include "core/err.h"
#include "core/json.h"
#include "parsers/decode.h"

int fl_encoding_from_name(const char *name)
{
    static const struct {
        const char *name;
        enum fl_encoding enc;
    } names[] = {
        {"auto", FL_ENC_AUTO},        {"text8", FL_ENC_TEXT8},       {"utf-8", FL_ENC_UTF8},
        {"utf8", FL_ENC_UTF8},        {"windows-1252", FL_ENC_CP1252}, {"cp1252", FL_ENC_CP1252},
        {"utf-16le", FL_ENC_UTF16LE}, {"utf16le", FL_ENC_UTF16LE},   {"utf-16be", FL_ENC_UTF16BE},
        {"utf16be", FL_ENC_UTF16BE},
    };
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i].name) == 0)
            return (int)names[i].enc;
    return -1;
}

const char *fl_encoding_name(enum fl_encoding enc)
{
    switch (enc) {
    case FL_ENC_AUTO: return "auto";
    case FL_ENC_TEXT8: return "text8";
    case FL_ENC_UTF8: return "utf-8";
    case FL_ENC_CP1252: return "windows-1252";
    case FL_ENC_UTF16LE: return "utf-16le";
    case FL_ENC_UTF16BE: return "utf-16be";
    }
    return "?";
}

enum fl_encoding fl_decode_detect(const uint8_t *head, size_t len, size_t *bom_bytes)
{
    *bom_bytes = 0;
    if (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) {
        *bom_bytes = 3;
        return FL_ENC_UTF8;
    }
    if (len >= 2 && head[0] == 0xFF && head[1] == 0xFE) {
        *bom_bytes = 2;
        return FL_ENC_UTF16LE;
    }
    if (len >= 2 && head[0] == 0xFE && head[1] == 0xFF) {
        *bom_bytes = 2;
        return FL_ENC_UTF16BE;
    }
    /* No BOM: ASCII text stored as UTF-16 has a NUL in every second byte. Count the pairs
     * that look like (ASCII, NUL) or (NUL, ASCII); demand a clear majority so that binary
     * junk with scattered NULs stays 8-bit. */
    if (len > 4096)
        len = 4096;
    size_t pairs = len / 2, le = 0, be = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint8_t a = head[i], b = head[i + 1];
        if (b == 0 && a >= 0x09 && a < 0x80)
            le++;
        else if (a == 0 && b >= 0x09 && b < 0x80)
            be++;
    }
    if (pairs >= 2 && le * 10 >= pairs * 9)
        return FL_ENC_UTF16LE;
    if (pairs >= 2 && be * 10 >= pairs * 9)
        return FL_ENC_UTF16BE;
    return FL_ENC_TEXT8;
}

/* Windows-1252 0x80..0x9F; the five undefined bytes map to the C1 control of the same value. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static size_t utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int fl_decode_cp1252(const uint8_t *p, size_t n, struct fl_buf *out)
{
    int rc = fl_buf_reserve(out, n * 3);
    if (rc)
        return rc;
    char *w = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        uint32_t cp = c < 0x80 ? c : c < 0xA0 ? cp1252_high[c - 0x80] : c;
        w += utf8_put(w, cp);
    }
    out->len = (size_t)(w - out->data);
    return 0;
}

int fl_decode_utf16(const uint8_t *p, size_t n, bool is_be, struct fl_buf *out)
{
    int rc = fl_buf_reserve(out, (n / 2) * 3 + 4);
    if (rc)
        return rc;
    char *w = out->data + out->len;
    size_t i = 0;
    while (i + 1 < n) {
        uint32_t u = is_be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i] | p[i + 1] << 8);
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 1 < n) {
                uint32_t u2 = is_be ? (uint32_t)(p[i] << 8 | p[i + 1])
                                    : (uint32_t)(p[i] | p[i + 1] << 8);
                if (u2 >= 0xDC00 && u2 <= 0xDFFF) {
                    i += 2;
                    w += utf8_put(w, 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00));
                    continue;
                }
            }
            u = 0xFFFD;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            u = 0xFFFD;
        }
        w += utf8_put(w, u);
    }
    if (i < n) /* odd trailing byte */
        w += utf8_put(w, 0xFFFD);
    out->len = (size_t)(w - out->data);
    return 0;
}

void fl_splitter_init(struct fl_splitter *sp, enum fl_encoding enc, uint64_t start_off,
                      size_t max_line_bytes)
{
    memset(sp, 0, sizeof *sp);
    sp->enc = enc == FL_ENC_AUTO ? FL_ENC_TEXT8 : enc;
    sp->raw_pos = start_off;
    sp->line_start = start_off;
    sp->max_line_bytes = max_line_bytes ? max_line_bytes : (1u << 20);
    fl_buf_init(&sp->pending, 0);
    fl_buf_init(&sp->decoded, 0);
}

static bool is_utf16(const struct fl_splitter *sp)
{
    return sp->enc == FL_ENC_UTF16LE || sp->enc == FL_ENC_UTF16BE;
}

/* Decodes one raw line (terminator removed) and calls fn. */
static int emit_line(struct fl_splitter *sp, const uint8_t *raw, size_t raw_len, uint64_t raw_off,
                     uint64_t raw_end, bool has_eol, bool is_cut, fl_line_fn fn, void *ctx)
{
    struct fl_line ln = {
        .raw = raw, .raw_len = raw_len, .raw_off = raw_off, .raw_end = raw_end,
        .lineno = ++sp->lineno, .has_eol = has_eol, .is_cut = is_cut,
    };
    int rc;
    if (is_utf16(sp)) {
        bool be = sp->enc == FL_ENC_UTF16BE;
        size_t units = raw_len;
        /* Drop one CR code unit before the LF (or at EOF). */
        if (units >= 2) {
            const uint8_t *u = raw + units - 2;
            if ((be && u[0] == 0 && u[1] == '\r') || (!be && u[0] == '\r' && u[1] == 0))
                units -= 2;
        }
        fl_buf_reset(&sp->decoded);
        if ((rc = fl_decode_utf16(raw, units, be, &sp->decoded)))
            return rc;
        ln.text = sp->decoded.data ? sp->decoded.data : "";
        ln.len = sp->decoded.len;
        return fn(ctx, &ln);
    }
    size_t n = raw_len;
    if (n && raw[n - 1] == '\r')
        n--;
    if (sp->enc == FL_ENC_CP1252 ||
        (sp->enc == FL_ENC_TEXT8 && fl_utf8_valid_prefix((const char *)raw, n) != n)) {
        fl_buf_reset(&sp->decoded);
        if ((rc = fl_decode_cp1252(raw, n, &sp->decoded)))
            return rc;
        ln.text = sp->decoded.data ? sp->decoded.data : "";
        ln.len = sp->decoded.len;
    } else {
        ln.text = (const char *)raw;
        ln.len = n;
    }
    return fn(ctx, &ln);
}

/* UTF-16: everything goes through pending; lines end at an LF code unit. Line starts stay
 * at even distances from the first pushed byte, so the scan steps by code units. */
static int push_utf16(struct fl_splitter *sp, const uint8_t *p, size_t n, bool is_final,
                      fl_line_fn fn, void *ctx)
{
    int rc;
    if (n && (rc = fl_buf_append(&sp->pending, p, n)))
        return rc;
    sp->raw_pos += n;
    bool be = sp->enc == FL_ENC_UTF16BE;
    const uint8_t *b = (const uint8_t *)sp->pending.data;
    size_t len = sp->pending.len, start = 0, i = 0;
    while (i + 1 < len) {
        bool is_lf = be ? (b[i] == 0 && b[i + 1] == '\n') : (b[i] == '\n' && b[i + 1] == 0);
        if (sp->is_skipping) {
            i += 2;
            if (is_lf) {
                sp->is_skipping = false;
                sp->line_start += i - start;
                start = i;
            }
            continue;
        }
        if (!is_lf) {
            i += 2;
            if (i - start >= sp->max_line_bytes) {
                /* Too long: hand out the capped head, drop the rest up to the newline. */
                rc = emit_line(sp, b + start, i - start, sp->line_start,
                               sp->line_start + (i - start), false, true, fn, ctx);
                if (rc)
                    return rc;
                sp->line_start += i - start;
                start = i;
                sp->is_skipping = true;
            }
            continue;
        }
        uint64_t off = sp->line_start;
        uint64_t end = off + (i + 2 - start);
        rc = emit_line(sp, b + start, i - start, off, end, true, false, fn, ctx);
        if (rc)
            return rc;
        i += 2;
        start = i;
        sp->line_start = end;
    }
    if (sp->is_skipping) { /* drop what was skipped so far */
        sp->line_start += (len & ~(size_t)1) - start;
        start = len & ~(size_t)1;
        if (is_final) {
            sp->is_skipping = false;
            sp->line_start += len - start;
            start = len;
        }
    }
    if (is_final && start < len) {
        uint64_t off = sp->line_start;
        rc = emit_line(sp, b + start, len - start, off, off + (len - start), false, false, fn, ctx);
        if (rc)
            return rc;
        sp->line_start += len - start;
        start = len;
    }
    fl_buf_consume(&sp->pending, start);
    return 0;
}

/* 8-bit: lines inside this push are views; the unfinished tail goes to pending. A line
 * over the cap is cut: its head is handed out (is_cut) and the rest skipped up to its LF. */
static int push_text8(struct fl_splitter *sp, const uint8_t *p, size_t n, fl_line_fn fn, void *ctx)
{
    int rc;
    size_t i = 0;
    while (i < n) {
        if (sp->is_skipping) { /* skipping the rest of a cut line */
            const uint8_t *lf = memchr(p + i, '\n', n - i);
            size_t upto = lf ? (size_t)(lf - p) + 1 : n;
            sp->raw_pos += upto - i;
            i = upto;
            if (lf) {
                sp->is_skipping = false;
                sp->line_start = sp->raw_pos;
            }
            continue;
        }
        const uint8_t *lf = memchr(p + i, '\n', n - i);
        size_t seg_end = lf ? (size_t)(lf - p) : n;
        size_t seg = seg_end - i;
        if (sp->pending.len + seg > sp->max_line_bytes) {
            size_t take = sp->max_line_bytes - sp->pending.len;
            if ((rc = fl_buf_append(&sp->pending, p + i, take)))
                return rc;
            rc = emit_line(sp, (const uint8_t *)sp->pending.data, sp->pending.len, sp->line_start,
                           sp->line_start + sp->pending.len, false, true, fn, ctx);
            sp->raw_pos += take;
            i += take;
            fl_buf_reset(&sp->pending);
            sp->line_start = sp->raw_pos;
            sp->is_skipping = true;
            if (rc)
                return rc;
            continue;
        }
        if (!lf) {
            if ((rc = fl_buf_append(&sp->pending, p + i, seg)))
                return rc;
            sp->raw_pos += seg;
            return 0;
        }
        uint64_t off = sp->line_start;
        uint64_t end = sp->raw_pos + seg + 1;
        if (sp->pending.len) {
            if ((rc = fl_buf_append(&sp->pending, p + i, seg)))
                return rc;
            rc = emit_line(sp, (const uint8_t *)sp->pending.data, sp->pending.len, off, end, true,
                           false, fn, ctx);
            fl_buf_reset(&sp->pending);
        } else {
            rc = emit_line(sp, p + i, seg, off, end, true, false, fn, ctx);
        }
        sp->raw_pos = end;
        sp->line_start = end;
        i = seg_end + 1;
        if (rc)
            return rc;
    }
    return 0;
}

int fl_splitter_push(struct fl_splitter *sp, const uint8_t *p, size_t n, fl_line_fn fn, void *ctx)
{
    if (is_utf16(sp))
        return push_utf16(sp, p, n, false, fn, ctx);
    return push_text8(sp, p, n, fn, ctx);
}

int fl_splitter_finish(struct fl_splitter *sp, fl_line_fn fn, void *ctx)
{
    if (is_utf16(sp))
        return push_utf16(sp, NULL, 0, true, fn, ctx);
    if (sp->is_skipping) {
        sp->is_skipping = false;
        sp->line_start = sp->raw_pos;
        return 0;
    }
    if (sp->pending.len == 0)
        return 0;
    uint64_t off = sp->line_start;
    int rc = emit_line(sp, (const uint8_t *)sp->pending.data, sp->pending.len, off,
                       off + sp->pending.len, false, false, fn, ctx);
    sp->line_start = off + sp->pending.len;
    fl_buf_reset(&sp->pending);
    return rc;
}

uint64_t fl_splitter_committed(const struct fl_splitter *sp)
{
    return sp->line_start;
}

void fl_splitter_free(struct fl_splitter *sp)
{
    fl_buf_free(&sp->pending);
    fl_buf_free(&sp->decoded);
}
