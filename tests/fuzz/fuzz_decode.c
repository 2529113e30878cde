/* tests/fuzz/fuzz_decode.c: libFuzzer target for the decoder and line splitter alone: every
 * encoding, chunk sizes from the input, and a check that raw offsets are contiguous. */
#include <stdlib.h>
#include "core/json.h"
#include "parsers/decode.h"

struct fuzz_ctx {
    uint64_t expect_off;
    struct fl_buf json;
};

static int on_line(void *ctx, const struct fl_line *ln)
{
    struct fuzz_ctx *c = ctx;
    /* Lines tile the file: each starts where the previous ended (cut lines skip their rest). */
    if (ln->raw_off < c->expect_off)
        abort();
    if (ln->raw_end < ln->raw_off)
        abort();
    c->expect_off = ln->raw_end;
    fl_buf_reset(&c->json);
    fl_json_str(&c->json, ln->text, ln->len);
    if (fl_utf8_valid_prefix(c->json.data, c->json.len) != c->json.len)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const enum fl_encoding encs[] = {FL_ENC_AUTO, FL_ENC_TEXT8, FL_ENC_UTF8,
                                            FL_ENC_CP1252, FL_ENC_UTF16LE, FL_ENC_UTF16BE};
    enum fl_encoding enc = encs[data[0] % 6];
    size_t chunk = (size_t)data[1] % 64 + 1;
    data += 2;
    size -= 2;
    size_t bom = 0;
    if (enc == FL_ENC_AUTO)
        enc = fl_decode_detect(data, size, &bom);
    struct fuzz_ctx c = {.expect_off = bom};
    fl_buf_init(&c.json, 0);
    struct fl_splitter sp;
    fl_splitter_init(&sp, enc, bom, 256);
    for (size_t i = bom; i < size; i += chunk)
        fl_splitter_push(&sp, data + i, size - i < chunk ? size - i : chunk, on_line, &c);
    fl_splitter_finish(&sp, on_line, &c);
    fl_splitter_free(&sp);
    fl_buf_free(&c.json);
    return 0;
}
