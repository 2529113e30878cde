/* tests/unit/test_ftdiag.c: promises of the ftdiag parser that data cases cannot show
 * cheaply: the record cap, header handling across a file, probe scores, column-number
 * layouts, line layouts refused at open and their host group. Lines are fed straight to the
 * parser as the stream would. */
#include <stdlib.h>
#include <string.h>

#include "parsers/parser.h"
#include "tests/unit/unit.h"

extern const struct fl_parser fl_parser_ftdiag;

#define MAX_EVENTS 2048

/* What the sink saw: copies, since events are views valid only during emit. */
struct seen {
    size_t n;
    char category[MAX_EVENTS][32];
    char message[MAX_EVENTS][128];
    char host[MAX_EVENTS][32];
    uint32_t lines[MAX_EVENTS];
    uint64_t offset[MAX_EVENTS];
    int64_t ts_ms[MAX_EVENTS];
    bool has_ts[MAX_EVENTS];
};

static void copy_str(char *dst, size_t cap, struct fl_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static int record(void *ctx, struct fl_event *ev)
{
    struct seen *s = ctx;
    if (s->n == MAX_EVENTS)
        return 0;
    copy_str(s->category[s->n], 32, fl_str_c(ev->category ? ev->category : "unclassified"));
    copy_str(s->message[s->n], 128, ev->message);
    copy_str(s->host[s->n], 32, ev->host);
    s->lines[s->n] = ev->lines;
    s->offset[s->n] = ev->offset;
    s->ts_ms[s->n] = ev->ts_ms;
    s->has_ts[s->n] = ev->has_ts;
    s->n++;
    return 0;
}

/* Feeds text split at '\n' (as decoded lines, offsets counted in bytes), then flushes. */
static void run(const struct fl_layout *layout, const char *text, struct seen *s)
{
    memset(s, 0, sizeof *s);
    struct fl_parser_cfg cfg = {.file = "t", .tz = fl_tz_utc(), .layout = layout};
    struct fl_err err;
    void *st = fl_parser_ftdiag.open(&cfg, &err);
    CHECK(st != NULL);
    if (!st)
        return;
    struct fl_sink sink = {record, s};
    size_t off = 0, len = strlen(text), lineno = 0;
    while (off < len) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        struct fl_line ln = {.text = text + off, .len = end - off,
                             .raw = (const uint8_t *)text + off, .raw_len = end - off,
                             .raw_off = off, .raw_end = nl ? end + 1 : end,
                             .lineno = ++lineno, .has_eol = nl != NULL};
        if (!fl_parser_ftdiag.is_header(st, &ln))
            CHECK_INT(fl_parser_ftdiag.feed(st, &ln, &sink), 0);
        off = ln.raw_end;
    }
    CHECK_INT(fl_parser_ftdiag.flush(st, &sink), 0);
    fl_parser_ftdiag.close(st);
}

static void unbalanced_quote_is_cut_at_1000_lines_and_reading_goes_on(void)
{
    size_t cap = 64 * 1024;
    char *text = malloc(cap);
    size_t n = (size_t)snprintf(text, cap, "Date/Time,Severity,Message,Location\n"
                                           "3/5/2024 1:00:00 PM,Error,\"open\n");
    for (int i = 0; i < 1200; i++)
        n += (size_t)snprintf(text + n, cap - n, "x%d\n", i);
    n += (size_t)snprintf(text + n, cap - n, "3/5/2024 1:00:01 PM,Error,after,PV01\n");
    static struct seen s;
    run(NULL, text, &s);
    /* the cut record, then each of the 201 leftover lines alone, then the good row */
    CHECK_INT(s.n, 1 + 201 + 1);
    CHECK_STR(s.category[0], "unparsed");
    CHECK_INT(s.lines[0], 1000);
    CHECK_INT(s.offset[0], 36);
    CHECK_STR(s.message[s.n - 1], "after");
    CHECK_STR(s.host[s.n - 1], "PV01");
    free(text);
}

static void is_header_is_false_inside_an_open_quoted_record(void)
{
    static struct seen s;
    run(NULL,
        "Date/Time,Severity,Message,Location\n"
        "3/5/2024 1:00:00 PM,Error,\"quoted\n"
        "Date/Time,Severity,Message,Location\n"
        "end\",PV01\n",
        &s);
    CHECK_INT(s.n, 1);
    CHECK_STR(s.message[0], "quoted\nDate/Time,Severity,Message,Location\nend");
    CHECK_INT(s.lines[0], 3);
}

static void second_header_row_remaps_the_columns(void)
{
    static struct seen s;
    run(NULL,
        "Date/Time\tSeverity\tMessage\tLocation\n"
        "3/5/2024 1:00:00 PM\tError\tfirst\tHMI01\n"
        "Location,Message,Severity,Date/Time\n"
        "HMI02,second,Warning,3/5/2024 1:00:01 PM\n",
        &s);
    CHECK_INT(s.n, 2);
    CHECK_STR(s.message[1], "second");
    CHECK_STR(s.host[1], "HMI02");
    CHECK_INT(s.ts_ms[1], 1709643601000LL);
}

static void csv_layout_without_header_takes_column_numbers(void)
{
    struct fl_layout lay = {.is_csv = true, .csv_delimiter = '|', .csv_quote = '"',
                            .csv_header = false, .col_ts = {"1", NULL}, .col_level = "2",
                            .col_message = "4", .col_host = "3"};
    static struct seen s;
    run(&lay, "2024-03-05 13:00:00|Error|HMI01|Not connected to server\n", &s);
    CHECK_INT(s.n, 1);
    CHECK_STR(s.message[0], "Not connected to server");
    CHECK_STR(s.host[0], "HMI01");
    CHECK_STR(s.category[0], "net.conn_lost");
    CHECK(s.has_ts[0]);
    CHECK_INT(s.ts_ms[0], 1709643600000LL);
}

static void csv_layout_without_header_rejects_column_names(void)
{
    struct fl_layout lay = {.is_csv = true, .csv_delimiter = ',', .csv_quote = '"',
                            .csv_header = false, .col_ts = {"Date", NULL},
                            .col_message = "Message"};
    struct fl_parser_cfg cfg = {.file = "t", .tz = fl_tz_utc(), .layout = &lay};
    struct fl_err err;
    fl_err_clear(&err);
    void *st = fl_parser_ftdiag.open(&cfg, &err);
    CHECK(st == NULL);
    CHECK(strstr(err.msg, "column numbers") != NULL);
    if (st)
        fl_parser_ftdiag.close(st);
}

static void layout_ts_format_reads_12_hour_clock_and_fractions(void)
{
    struct fl_layout lay = {.is_csv = true, .csv_delimiter = ',', .csv_quote = '"',
                            .csv_header = true, .col_ts = {"When", NULL},
                            .col_message = "Text", .ts_format = "%d-%b-%Y %I:%M:%S.%f %p"};
    static struct seen s;
    run(&lay,
        "When,Text\n"
        "05-Mar-2024 01:00:01.25 PM,ok\n"
        "05-Mar-2024 13:00:01.25 PM,hour 13 with PM\n",
        &s);
    CHECK_INT(s.n, 2);
    CHECK(s.has_ts[0]);
    CHECK_INT(s.ts_ms[0], 1709643601250LL);
    CHECK_STR(s.category[1], "unparsed");
}

static void line_layout_with_a_bad_pattern_is_refused_at_open(void)
{
    struct fl_layout lay = {.pattern = "^(?<ts>\\S+ (?<message>.*)$", .continuation = "^\\s"};
    struct fl_parser_cfg cfg = {.file = "t", .tz = fl_tz_utc(), .layout = &lay};
    struct fl_err err;
    fl_err_clear(&err);
    void *st = fl_parser_ftdiag.open(&cfg, &err);
    CHECK(st == NULL);
    CHECK(strstr(err.msg, "ftdiag: layout pattern:") != NULL);
    CHECK(strstr(err.msg, "at offset") != NULL);
    if (st)
        fl_parser_ftdiag.close(st);
}

static void line_layout_host_group_names_the_host(void)
{
    struct fl_layout lay = {.pattern = "^(?<ts>\\S+ \\S+) (?<host>\\w+) (?<message>.*)$",
                            .ts_format = "%Y-%m-%d %H:%M:%S"};
    static struct seen s;
    run(&lay, "2024-03-05 13:00:00 HMI07 Not connected to server\n", &s);
    CHECK_INT(s.n, 1);
    CHECK_STR(s.host[0], "HMI07");
    CHECK_STR(s.message[0], "Not connected to server");
    CHECK_STR(s.category[0], "net.conn_lost");
    CHECK_INT(s.ts_ms[0], 1709643600000LL);
}

static int probe_text(const char *text)
{
    struct fl_line ln = {.text = text, .len = strlen(text)};
    return fl_parser_ftdiag.probe((const uint8_t *)text, strlen(text), &ln, 1);
}

static void probe_claims_ftdiag_headers_and_events_only(void)
{
    CHECK(probe_text("Date/Time\tSeverity\tAudience\tMessage\tLocation\tProvider") >= 80);
    CHECK(probe_text("{\"SourceName\":\"FactoryTalk Diagnostics\",\"Message\":\"x\"}") >= 80);
    CHECK(probe_text("{\"winlog\":{\"provider_name\":\"FactoryTalk Diagnostics\"}}") >= 80);
    /* other vendors' files and bare message texts are never claimed */
    CHECK_INT(probe_text("Date\tTime\tLevel\tSource\tEvent"), 0);
    CHECK_INT(probe_text("{\"SourceName\":\"Service Control Manager\",\"Message\":\"x\"}"), 0);
    CHECK_INT(probe_text("Connection to Controller CLX has been lost"), 0);
    CHECK_INT(probe_text("INFO   | jvm 1    | 2024/03/05 14:03:11 | started"), 0);
}

static void flush_emits_nothing_when_no_record_is_open(void)
{
    static struct seen s;
    run(NULL, "Date/Time,Severity,Message\n\n   \n", &s);
    CHECK_INT(s.n, 0);
}

UNIT_MAIN(UNIT_TEST(unbalanced_quote_is_cut_at_1000_lines_and_reading_goes_on),
          UNIT_TEST(is_header_is_false_inside_an_open_quoted_record),
          UNIT_TEST(second_header_row_remaps_the_columns),
          UNIT_TEST(csv_layout_without_header_takes_column_numbers),
          UNIT_TEST(csv_layout_without_header_rejects_column_names),
          UNIT_TEST(layout_ts_format_reads_12_hour_clock_and_fractions),
          UNIT_TEST(line_layout_with_a_bad_pattern_is_refused_at_open),
          UNIT_TEST(line_layout_host_group_names_the_host),
          UNIT_TEST(probe_claims_ftdiag_headers_and_events_only),
          UNIT_TEST(flush_emits_nothing_when_no_record_is_open))
