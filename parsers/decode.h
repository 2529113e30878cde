/* parsers/decode.h: input decoding and line splitting, done once before any parser runs.
 *
 * DESIGN.md "Decoding": decided per file from its first 4 KiB unless configured. A BOM decides
 * (UTF-8, UTF-16LE, UTF-16BE); else NUL in every second byte of ASCII text means UTF-16
 * without BOM (LE when the NULs follow the letters); else the file is 8-bit text and each
 * line is decoded as UTF-8 when valid, else as Windows-1252. Invalid UTF-16 becomes U+FFFD.
 * LF ends a line; one CR before it (or a trailing CR at EOF) is never text.
 *
 * The splitter keeps raw offsets: every line knows where its first byte sits in the file as
 * stored and where the next line starts, so checkpoints never add decoded lengths to raw
 * offsets. It allocates only when a line spans two pushes or needs transcoding (into
 * buffers that are reused), never per line. */
#ifndef FL_DECODE_H
#define FL_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"

enum fl_encoding {
    FL_ENC_AUTO = 0, /* detect from the head (fl_decode_detect) */
    FL_ENC_TEXT8,    /* per line: UTF-8 when valid, else Windows-1252 */
    FL_ENC_UTF8,     /* forced UTF-8 (invalid bytes kept; the JSON writer repairs them) */
    FL_ENC_CP1252,   /* forced Windows-1252 */
    FL_ENC_UTF16LE,
    FL_ENC_UTF16BE,
};

/* "auto", "utf-8", "utf-16le", "utf-16be", "windows-1252"/"cp1252", "text8"; -1 if unknown. */
int fl_encoding_from_name(const char *name);
const char *fl_encoding_name(enum fl_encoding enc);

/* Decides the encoding of a file from its first bytes (at most 4 KiB are looked at) and sets
 * *bom_bytes to the length of a BOM (0, 2 or 3). Never returns FL_ENC_AUTO. */
enum fl_encoding fl_decode_detect(const uint8_t *head, size_t len, size_t *bom_bytes);

/* Appends the UTF-8 form of Windows-1252 bytes to out (undefined bytes 0x81 0x8D 0x8F 0x90
 * 0x9D map to the C1 controls of the same value, as Windows does). */
int fl_decode_cp1252(const uint8_t *p, size_t n, struct fl_buf *out);
/* Appends the UTF-8 form of UTF-16 code units; lone surrogates and an odd last byte give
 * U+FFFD. */
int fl_decode_utf16(const uint8_t *p, size_t n, bool is_be, struct fl_buf *out);

/* One line handed to a parser. */
struct fl_line {
    const char *text;  /* decoded UTF-8 (CR/LF removed); not NUL-terminated */
    size_t len;
    const uint8_t *raw; /* the line as stored, from raw_off, excluding the LF (CR kept) */
    size_t raw_len;
    uint64_t raw_off;   /* offset of the line's first byte in the file as stored */
    uint64_t raw_end;   /* offset just past the line's terminator (where the next starts) */
    uint64_t lineno;    /* 1-based physical line number in the file */
    bool has_eol;       /* false for a last line flushed without its newline */
    bool is_cut;        /* the line was longer than the cap and was cut */
};

typedef int (*fl_line_fn)(void *ctx, const struct fl_line *ln);

struct fl_splitter {
    enum fl_encoding enc;   /* resolved, never AUTO once the first push happened */
    uint64_t raw_pos;       /* raw offset of the next byte to be pushed */
    uint64_t line_start;    /* raw offset where the pending line starts */
    uint64_t lineno;
    size_t max_line_bytes;  /* raw bytes; a longer line is cut (is_cut) and the rest skipped
                             * up to its newline (reported as its own cut lines) */
    struct fl_buf pending;  /* raw bytes of a line not yet terminated */
    struct fl_buf decoded;  /* scratch for transcoded lines */
    bool is_skipping;       /* dropping the rest of a cut line up to its LF */
};

/* enc may be FL_ENC_AUTO only if the caller detects before the first push (fl_stream does).
 * start_off is the raw offset of the first byte that will be pushed (after a BOM: its length). */
void fl_splitter_init(struct fl_splitter *sp, enum fl_encoding enc, uint64_t start_off,
                      size_t max_line_bytes);
/* Feeds raw bytes; calls fn for each complete line, in order. Stops at and returns the first
 * non-zero value fn returns; otherwise 0 (or FL_ENOMEM). */
int fl_splitter_push(struct fl_splitter *sp, const uint8_t *p, size_t n, fl_line_fn fn, void *ctx);
/* Emits the pending unterminated line (has_eol false), if any. */
int fl_splitter_finish(struct fl_splitter *sp, fl_line_fn fn, void *ctx);
/* Raw offset of the first byte not yet handed out as part of a complete line. */
uint64_t fl_splitter_committed(const struct fl_splitter *sp);
void fl_splitter_free(struct fl_splitter *sp);

#endif
