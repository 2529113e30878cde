/* tests/unit/test_stream.c: the one path from bytes to events (parsers/stream.h): ids and
 * fingerprints as DESIGN.md defines them, chunking independence, header rows, detection,
 * idle flushes. */
#include <stdlib.h>
#include <xxhash.h>
#include "parsers/stream.h"
#include "unit.h"

#define MAX_EVENTS 64

struct got {
    int n;
    uint64_t id[MAX_EVENTS], offset[MAX_EVENTS], end[MAX_EVENTS];
    uint32_t lines[MAX_EVENTS];
    char source[MAX_EVENTS][16];
    char message[MAX_EVENTS][160];
    bool is_unparsed[MAX_EVENTS];
};

static int collect(void *ctx, struct fl_event *ev)
{
    struct got *g = ctx;
    if (g->n < MAX_EVENTS) {
        int i = g->n;
        g->id[i] = ev->id;
        g->offset[i] = ev->offset;
        g->end[i] = ev->end_offset;
        g->lines[i] = ev->lines;
        snprintf(g->source[i], sizeof g->source[i], "%s", ev->source ? ev->source : "");
        snprintf(g->message[i], sizeof g->message[i], "%.*s", (int)ev->message.len,
                 ev->message.p);
        g->is_unparsed[i] = ev->is_unparsed;
    }
    g->n++;
    return 0;
}

static int64_t fixed_clock(void *ctx)
{
    (void)ctx;
    return 1700000000000;
}

/* Runs bytes through a stream in chunks of `step` bytes. */
static void run(const char *source, const char *host, const void *p, size_t n, size_t step,
                struct got *g)
{
    memset(g, 0, sizeof *g);
    struct fl_stream_cfg cfg = {
        .file = "test.log", .source = source, .host = host, .clock_ms = fixed_clock,
        .out = {collect, g},
    };
    struct fl_err err;
    struct fl_stream *s = fl_stream_new(&cfg, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i += step)
        CHECK_INT(fl_stream_write(s, b + i, n - i < step ? n - i : step), 0);
    CHECK_INT(fl_stream_finish(s), 0);
    fl_stream_free(s);
}

/* DESIGN.md: id = xxh64("<host>\n<fingerprint hex>\n<offset>"), fingerprint = xxh64 of the
 * first data line as stored (CR included, LF excluded). Computed here independently. */
static uint64_t expected_id(const char *host, const char *first_line, size_t first_len,
                            uint64_t offset)
{
    char buf[512];
    uint64_t fp = XXH64(first_line, first_len, 0);
    int n = snprintf(buf, sizeof buf, "%s\n%016llx\n%llu", host, (unsigned long long)fp,
                     (unsigned long long)offset);
    return XXH64(buf, (size_t)n, 0);
}

static const char ign[] =
    "INFO   | jvm 1    | 2021/03/14 08:49:25 | I [T.P.Config                    ] [07:49:25]: one \r\n"
    "INFO   | jvm 1    | 2021/03/14 08:49:26 | E [T.P.Config                    ] [07:49:26]: two \r\n"
    "INFO   | jvm 1    | 2021/03/14 08:49:26 | java.lang.IllegalStateException: boom\r\n"
    "INFO   | jvm 1    | 2021/03/14 08:49:26 | \tat a.b.C.d(C.java:1)\r\n"
    "INFO   | jvm 1    | 2021/03/14 08:49:27 | I [T.P.Config                    ] [07:49:27]: three \r\n";

static void event_id_follows_the_design_formula(void)
{
    struct got g;
    run("ignition", "ign01", ign, sizeof ign - 1, 4096, &g);
    CHECK_INT(g.n, 3);
    const char *first = ign;
    size_t first_len = (size_t)(strchr(ign, '\n') - ign); /* CR kept, LF excluded */
    CHECK(g.id[0] == expected_id("ign01", first, first_len, 0));
    CHECK(g.id[1] == expected_id("ign01", first, first_len, g.offset[1]));
    CHECK(g.id[2] == expected_id("ign01", first, first_len, g.offset[2]));
    CHECK_INT(g.lines[1], 3);
}

static void ids_and_offsets_do_not_depend_on_read_sizes(void)
{
    struct got whole, bytewise;
    run("ignition", "h", ign, sizeof ign - 1, 1 << 20, &whole);
    for (size_t step = 1; step < 64; step += 7) {
        run("ignition", "h", ign, sizeof ign - 1, step, &bytewise);
        CHECK_INT(bytewise.n, whole.n);
        for (int i = 0; i < whole.n && i < bytewise.n; i++) {
            CHECK(bytewise.id[i] == whole.id[i]);
            CHECK_INT(bytewise.offset[i], whole.offset[i]);
            CHECK_INT(bytewise.end[i], whole.end[i]);
        }
    }
}

static void host_changes_the_id_but_not_the_offset(void)
{
    struct got a, b;
    run("ignition", "ign01", ign, sizeof ign - 1, 4096, &a);
    run("ignition", "ign02", ign, sizeof ign - 1, 4096, &b);
    CHECK(a.id[0] != b.id[0]);
    CHECK_INT(a.offset[2], b.offset[2]);
}

static void header_row_is_not_the_fingerprint_line(void)
{
    /* Two Kepware exports with the same header but different rows must not collide. */
    const char x[] = "Date Time Level Source Event\r\n"
                     "08-06-2018 01:32:19 Warning OPC DA Client Write request timeout on device 'a.b'.\r\n";
    const char y[] = "Date Time Level Source Event\r\n"
                     "09-06-2018 01:32:19 Warning OPC DA Client Write request timeout on device 'a.b'.\r\n";
    struct got gx, gy;
    run("kepware", "kep01", x, sizeof x - 1, 4096, &gx);
    run("kepware", "kep01", y, sizeof y - 1, 4096, &gy);
    CHECK_INT(gx.n, 1);
    CHECK_INT(gy.n, 1);
    CHECK_INT(gx.offset[0], 30);
    CHECK(gx.id[0] != gy.id[0]);
    const char *line = x + 30;
    CHECK(gx.id[0] == expected_id("kep01", line, (size_t)(strchr(line, '\n') - line), 30));
}

static void bom_is_part_of_the_first_line_fingerprint(void)
{
    char buf[512];
    size_t n = 0;
    memcpy(buf, "\xEF\xBB\xBF", 3);
    n = 3;
    const char *row = "5/25/2022 9:48:53 AM Information KEPServerEX\\Runtime Runtime project replaced.\r\n";
    memcpy(buf + n, row, strlen(row));
    n += strlen(row);
    struct got g;
    run("kepware", "k", buf, n, 4096, &g);
    CHECK_INT(g.n, 1);
    CHECK_INT(g.offset[0], 3); /* the record starts after the BOM */
    CHECK(g.id[0] == expected_id("k", buf, n - 1, 3));
}

static void auto_detection_picks_the_parser_per_file(void)
{
    struct got g;
    run("auto", "", ign, sizeof ign - 1, 4096, &g);
    CHECK_STR(g.source[0], "ignition");
    const char kep[] = "Date Time Level Source Event\n"
                       "08-06-2018 01:32:19 Warning OPC DA Client Write request timeout on device 'x'.\n";
    run("auto", "", kep, sizeof kep - 1, 4096, &g);
    CHECK_STR(g.source[0], "kepware");
}

static void file_no_parser_claims_becomes_unparsed_unknown_events(void)
{
    const char junk[] = "hello there\nthis is not a log\n";
    struct got g;
    run("auto", "", junk, sizeof junk - 1, 4096, &g);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.source[0], "unknown");
    CHECK(g.is_unparsed[0] && g.is_unparsed[1]);
    CHECK_STR(g.message[1], "this is not a log");
    CHECK_INT(g.offset[1], 12);
}

static void idle_flush_emits_the_held_record_and_the_partial_line(void)
{
    struct got g;
    memset(&g, 0, sizeof g);
    struct fl_stream_cfg cfg = {.file = "t", .source = "ignition", .clock_ms = fixed_clock,
                                .out = {collect, &g}};
    struct fl_err err;
    struct fl_stream *s = fl_stream_new(&cfg, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    /* The first line ends; the second has no newline yet. */
    const char *a = "INFO   | jvm 1    | 2021/03/14 08:49:25 | I [T.P.Config] [07:49:25]: one\n"
                    "INFO   | jvm 1    | 2021/03/14 08:49:26 | I [T.P.Config] [07:49:26]: tw";
    fl_stream_write(s, (const uint8_t *)a, strlen(a));
    CHECK_INT(g.n, 0);                /* detection waits for 4 KiB or an idle flush */
    fl_stream_idle_flush(s);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.message[0], "one");
    CHECK_STR(g.message[1], "tw");
    /* The rest of the line arrives: it starts where the flushed part ended. */
    fl_stream_write(s, (const uint8_t *)"o\n", 2);
    fl_stream_finish(s);
    CHECK_INT(g.n, 3);
    CHECK_INT(g.offset[2], strlen(a));
    fl_stream_free(s);
}

static void unknown_source_is_an_error_naming_it(void)
{
    struct fl_stream_cfg cfg = {.file = "x.log", .source = "nosuch", .out = {collect, NULL}};
    struct fl_err err;
    CHECK(fl_stream_new(&cfg, &err) == NULL);
    CHECK(strstr(err.msg, "nosuch") != NULL);
    CHECK_STR(err.file, "x.log");
}

UNIT_MAIN(UNIT_TEST(event_id_follows_the_design_formula),
          UNIT_TEST(ids_and_offsets_do_not_depend_on_read_sizes),
          UNIT_TEST(host_changes_the_id_but_not_the_offset),
          UNIT_TEST(header_row_is_not_the_fingerprint_line),
          UNIT_TEST(bom_is_part_of_the_first_line_fingerprint),
          UNIT_TEST(auto_detection_picks_the_parser_per_file),
          UNIT_TEST(file_no_parser_claims_becomes_unparsed_unknown_events),
          UNIT_TEST(idle_flush_emits_the_held_record_and_the_partial_line),
          UNIT_TEST(unknown_source_is_an_error_naming_it))
