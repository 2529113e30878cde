/* tests/fuzz/fuzz_stream.h: the shared libFuzzer body: bytes -> fl_stream with one source,
 * pushed in chunk sizes taken from the input itself (so framing across reads is fuzzed too),
 * every event written as JSON. Each fuzz_<source>.c defines FUZZ_SOURCE and includes this. */
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "parsers/stream.h"

static struct fl_buf fuzz_out;

static int fuzz_emit(void *ctx, struct fl_event *ev)
{
    (void)ctx;
    fl_buf_reset(&fuzz_out);
    return fl_event_write_json(ev, &fuzz_out) == FL_ENOMEM ? FL_ENOMEM : 0;
}

static int64_t fuzz_clock(void *ctx)
{
    (void)ctx;
    return 1700000000000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fl_tz *tz;
    if (!tz) {
        struct fl_err err;
        tz = fl_tz_load("Europe/Berlin", &err); /* DST paths too; falls back to UTC */
        if (!tz)
            tz = fl_tz_utc();
        fl_buf_init(&fuzz_out, 0);
    }
    struct fl_stream_cfg cfg = {
        .file = "fuzz", .source = FUZZ_SOURCE, .tz = tz, .max_line_bytes = 4096,
        .clock_ms = fuzz_clock, .out = {fuzz_emit, NULL},
    };
    struct fl_err err;
    struct fl_stream *s = fl_stream_new(&cfg, &err);
    if (!s)
        return 0;
    /* The first byte picks the chunk size; the rest is the file. */
    size_t chunk = size ? (size_t)data[0] * 7 + 1 : 1;
    const uint8_t *p = size ? data + 1 : data;
    size_t n = size ? size - 1 : 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i += chunk)
        rc = fl_stream_write(s, p + i, n - i < chunk ? n - i : chunk);
    if (rc == 0)
        fl_stream_finish(s);
    fl_stream_free(s);
    return 0;
}
