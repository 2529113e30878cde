/* tests/unit/test_decode.c: encoding detection, transcoding, and line splitting with raw
 * offsets (parsers/decode.h). */
#include <stdlib.h>
#include "parsers/decode.h"
#include "unit.h"

struct got {
    char text[8][128];
    uint64_t off[8], end[8];
    bool eol[8], cut[8];
    int n;
};

static int collect(void *ctx, const struct fl_line *ln)
{
    struct got *g = ctx;
    if (g->n < 8) {
        size_t n = ln->len < 127 ? ln->len : 127;
        memcpy(g->text[g->n], ln->text, n);
        g->text[g->n][n] = 0;
        g->off[g->n] = ln->raw_off;
        g->end[g->n] = ln->raw_end;
        g->eol[g->n] = ln->has_eol;
        g->cut[g->n] = ln->is_cut;
    }
    g->n++;
    return 0;
}

static void split_all(const void *p, size_t n, enum fl_encoding enc, size_t start, size_t step,
                      size_t cap, struct got *g)
{
    struct fl_splitter sp;
    fl_splitter_init(&sp, enc, start, cap);
    const uint8_t *b = p;
    memset(g, 0, sizeof *g);
    for (size_t i = start; i < n; i += step)
        fl_splitter_push(&sp, b + i, (i + step <= n ? step : n - i), collect, g);
    fl_splitter_finish(&sp, collect, g);
    fl_splitter_free(&sp);
}

static void bom_decides_encoding(void)
{
    size_t bom;
    CHECK_INT(fl_decode_detect((const uint8_t *)"\xEF\xBB\xBFx", 4, &bom), FL_ENC_UTF8);
    CHECK_INT(bom, 3);
    CHECK_INT(fl_decode_detect((const uint8_t *)"\xFF\xFEx\0", 4, &bom), FL_ENC_UTF16LE);
    CHECK_INT(bom, 2);
    CHECK_INT(fl_decode_detect((const uint8_t *)"\xFE\xFF\0x", 4, &bom), FL_ENC_UTF16BE);
    CHECK_INT(bom, 2);
}

static void nul_in_every_second_byte_means_utf16(void)
{
    size_t bom;
    const char le[] = "D\0a\0t\0e\0 \0T\0i\0m\0e\0\r\0\n\0";
    const char be[] = "\0D\0a\0t\0e\0 \0T\0i\0m\0e";
    CHECK_INT(fl_decode_detect((const uint8_t *)le, sizeof le - 1, &bom), FL_ENC_UTF16LE);
    CHECK_INT(bom, 0);
    CHECK_INT(fl_decode_detect((const uint8_t *)be, sizeof be - 1, &bom), FL_ENC_UTF16BE);
    /* Binary junk with a few NULs stays 8-bit text. */
    const uint8_t junk[] = {0x04, 0, 0, 0, 0x01, 0, 0, 0, 0xA0, 0, 0, 0, 'x', 'y', 'z', 'w'};
    CHECK_INT(fl_decode_detect(junk, sizeof junk, &bom), FL_ENC_TEXT8);
    CHECK_INT(fl_decode_detect((const uint8_t *)"plain text\n", 11, &bom), FL_ENC_TEXT8);
}

static void windows_1252_bytes_become_utf8(void)
{
    struct fl_buf b;
    fl_buf_init(&b, 0);
    fl_decode_cp1252((const uint8_t *)"\x80 caf\xE9 \x81", 8, &b);
    CHECK_MEM(b.data, b.len, "\xE2\x82\xAC caf\xC3\xA9 \xC2\x81");
    fl_buf_free(&b);
}

static void invalid_utf16_becomes_replacement_char(void)
{
    struct fl_buf b;
    fl_buf_init(&b, 0);
    /* "A", U+1F600 as a surrogate pair, a lone high surrogate, "B", then an odd byte. */
    const uint8_t in[] = {'A', 0, 0x3D, 0xD8, 0x00, 0xDE, 0x3D, 0xD8, 'B', 0, 'C'};
    fl_decode_utf16(in, sizeof in, false, &b);
    CHECK_MEM(b.data, b.len, "A\xF0\x9F\x98\x80\xEF\xBF\xBD" "B\xEF\xBF\xBD");
    fl_buf_free(&b);
}

static void crlf_lines_keep_raw_offsets_whatever_the_chunking(void)
{
    const char in[] = "first\r\nsecond line\n\r\nlast";
    for (size_t step = 1; step <= sizeof in; step++) {
        struct got g;
        split_all(in, sizeof in - 1, FL_ENC_TEXT8, 0, step, 0, &g);
        CHECK_INT(g.n, 4);
        CHECK_STR(g.text[0], "first");
        CHECK_INT(g.off[0], 0);
        CHECK_INT(g.end[0], 7);
        CHECK_STR(g.text[1], "second line");
        CHECK_INT(g.off[1], 7);
        CHECK_INT(g.end[1], 19);
        CHECK_STR(g.text[2], "");
        CHECK_INT(g.off[2], 19);
        CHECK_STR(g.text[3], "last");
        CHECK_INT(g.off[3], 21);
        CHECK_INT(g.end[3], 25);
        CHECK(!g.eol[3]);
        CHECK(g.eol[0]);
    }
}

static void mixed_lines_decode_each_as_utf8_or_1252(void)
{
    struct got g;
    const char in[] = "caf\xC3\xA9\ncaf\xE9\n";
    split_all(in, sizeof in - 1, FL_ENC_TEXT8, 0, 64, 0, &g);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.text[0], "caf\xC3\xA9");
    CHECK_STR(g.text[1], "caf\xC3\xA9");
    CHECK_INT(g.off[1], 6);
}

static void utf16le_offsets_count_stored_bytes(void)
{
    /* BOM, "ab\r\n", "c\n" in UTF-16LE: lines start at 2 and 10. */
    const uint8_t in[] = {0xFF, 0xFE, 'a', 0, 'b', 0, '\r', 0, '\n', 0, 'c', 0, '\n', 0};
    for (size_t step = 1; step <= sizeof in; step++) {
        struct got g;
        split_all(in, sizeof in, FL_ENC_UTF16LE, 2, step, 0, &g);
        CHECK_INT(g.n, 2);
        CHECK_STR(g.text[0], "ab");
        CHECK_INT(g.off[0], 2);
        CHECK_INT(g.end[0], 10);
        CHECK_STR(g.text[1], "c");
        CHECK_INT(g.off[1], 10);
        CHECK_INT(g.end[1], 14);
    }
}

static void truncated_utf16_tail_is_flushed_not_lost(void)
{
    const uint8_t in[] = {'a', 0, '\n', 0, 'b', 0, 'c'};
    struct got g;
    split_all(in, sizeof in, FL_ENC_UTF16LE, 0, 3, 0, &g);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.text[1], "b\xEF\xBF\xBD");
    CHECK_INT(g.off[1], 4);
    CHECK_INT(g.end[1], 7);
}

static void overlong_line_is_cut_and_does_not_stall(void)
{
    size_t n = 5000;
    char *in = malloc(n + 16);
    memset(in, 'x', n);
    memcpy(in + n, "\nnext\n", 6);
    for (size_t step = 7; step <= 4096; step *= 8) {
        struct got g;
        split_all(in, n + 6, FL_ENC_TEXT8, 0, step, 1000, &g);
        CHECK_INT(g.n, 2);
        CHECK(g.cut[0]);
        CHECK_INT(g.off[0], 0);
        CHECK_STR(g.text[1], "next");
        CHECK_INT(g.off[1], 5001);
        CHECK(!g.cut[1]);
    }
    free(in);
}

UNIT_MAIN(UNIT_TEST(bom_decides_encoding), UNIT_TEST(nul_in_every_second_byte_means_utf16),
          UNIT_TEST(windows_1252_bytes_become_utf8),
          UNIT_TEST(invalid_utf16_becomes_replacement_char),
          UNIT_TEST(crlf_lines_keep_raw_offsets_whatever_the_chunking),
          UNIT_TEST(mixed_lines_decode_each_as_utf8_or_1252),
          UNIT_TEST(utf16le_offsets_count_stored_bytes),
          UNIT_TEST(truncated_utf16_tail_is_flushed_not_lost),
          UNIT_TEST(overlong_line_is_cut_and_does_not_stall))
