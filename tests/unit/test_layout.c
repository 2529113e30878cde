/* tests/unit/test_layout.c: promises of the configured-layout engine (parsers/layout.h) that
 * ftdiag and historian both rely on: named groups become fields, the continuation test, bad
 * patterns named with their offset, and the ts_format reader (fractions truncated to ms,
 * 12-hour clock, two- and four-digit years, month names, zones). Table-driven where the
 * promise is a list of texts. */
#include <string.h>

#include "core/err.h"
#include "parsers/layout.h"
#include "parsers/ptime.h"
#include "tests/unit/unit.h"

#define LINE_RE                                                                                    \
    "^(?<ts>\\S+ \\S+) \\[(?<level>\\w+)\\] (?<component>[^:]+): (?:(?<code>E\\d+) )?"             \
    "(?<message>.*)$"

static void check_field(const char *line, const struct fl_layout_fields *f, enum fl_layout_field k,
                        const char *want)
{
    if (!want) {
        CHECK(!f->f[k].is_set);
        CHECK_INT(f->f[k].len, 0);
        return;
    }
    CHECK(f->f[k].is_set);
    CHECK_MEM(line + f->f[k].off, f->f[k].len, want);
}

static void named_groups_become_fields_and_absent_ones_stay_unset(void)
{
    struct fl_layout_line ll;
    struct fl_err err;
    fl_err_clear(&err);
    CHECK_INT(fl_layout_line_init(&ll, LINE_RE, NULL, "test", "t.yaml", &err), 0);
    CHECK(fl_layout_line_has(&ll, FL_LF_TS));
    CHECK(fl_layout_line_has(&ll, FL_LF_CODE));
    CHECK(!fl_layout_line_has(&ll, FL_LF_HOST));

    const char *a = "2024-03-05 14:03:11.123 [Error] FactoryTalk Linx: E42 Bad Disconnect";
    struct fl_layout_fields f;
    CHECK(fl_layout_line_match(&ll, a, strlen(a), &f));
    check_field(a, &f, FL_LF_TS, "2024-03-05 14:03:11.123");
    check_field(a, &f, FL_LF_LEVEL, "Error");
    check_field(a, &f, FL_LF_COMPONENT, "FactoryTalk Linx");
    check_field(a, &f, FL_LF_CODE, "E42");
    check_field(a, &f, FL_LF_MESSAGE, "Bad Disconnect");
    check_field(a, &f, FL_LF_HOST, NULL); /* the pattern has no such group */

    /* An optional group that took no part in the match is unset, not empty text. */
    const char *b = "2024-03-05 14:03:12 [Info] Activation: licence acquired";
    CHECK(fl_layout_line_match(&ll, b, strlen(b), &f));
    check_field(b, &f, FL_LF_CODE, NULL);
    check_field(b, &f, FL_LF_MESSAGE, "licence acquired");

    const char *c = "no layout here";
    CHECK(!fl_layout_line_match(&ll, c, strlen(c), &f));
    /* Invalid UTF-8 is no match, never an error. */
    const char *d = "2024-03-05 14:03:12 [Info] X: \xff\xfe";
    CHECK(!fl_layout_line_match(&ll, d, strlen(d), &f));
    fl_layout_line_free(&ll);
}

static void continuation_lines_match_only_a_configured_pattern(void)
{
    struct fl_layout_line ll;
    struct fl_err err;
    CHECK_INT(fl_layout_line_init(&ll, LINE_RE, "^\\s+\\S", "test", NULL, &err), 0);
    CHECK(fl_layout_line_continues(&ll, "    at Foo.bar()", 16));
    CHECK(!fl_layout_line_continues(&ll, "next record", 11));
    CHECK(!fl_layout_line_continues(&ll, "   ", 3));
    fl_layout_line_free(&ll);

    /* No continuation, or an empty one: nothing continues. */
    CHECK_INT(fl_layout_line_init(&ll, LINE_RE, "", "test", NULL, &err), 0);
    CHECK(!fl_layout_line_continues(&ll, "    at Foo.bar()", 16));
    fl_layout_line_free(&ll);
    CHECK_INT(fl_layout_line_init(&ll, LINE_RE, NULL, "test", NULL, &err), 0);
    CHECK(!fl_layout_line_continues(&ll, "    at Foo.bar()", 16));
    fl_layout_line_free(&ll);
}

static void bad_pattern_is_refused_naming_the_pattern_and_offset(void)
{
    struct fl_layout_line ll;
    struct fl_err err;
    fl_err_clear(&err);
    CHECK_INT(fl_layout_line_init(&ll, "^(?<ts>\\S+", NULL, "historian", "hist.yaml", &err),
              FL_EINVAL);
    CHECK(strstr(err.msg, "historian: layout pattern:") != NULL);
    CHECK(strstr(err.msg, "at offset 10") != NULL);
    CHECK(strstr(err.msg, "'^(?<ts>\\S+'") != NULL);
    CHECK_STR(err.file, "hist.yaml");
    fl_layout_line_free(&ll); /* safe after a failed init */

    fl_err_clear(&err);
    CHECK_INT(fl_layout_line_init(&ll, LINE_RE, "[unclosed", "ftdiag", NULL, &err), FL_EINVAL);
    CHECK(strstr(err.msg, "ftdiag: layout continuation:") != NULL);
    CHECK(strstr(err.msg, "at offset 9") != NULL);
    CHECK(ll.re == NULL && ll.cont_re == NULL);
    fl_layout_line_free(&ll);

    fl_err_clear(&err);
    CHECK(fl_layout_compile_re("a{2,1}", "ftdiag", "severity rule", NULL, &err) == NULL);
    CHECK(strstr(err.msg, "ftdiag: layout severity rule:") != NULL);
}

/* Reads text with fmt into tm; false when it does not fit (or fmt is refused). */
static bool read_tm(const char *fmt, const char *text, struct fl_layout_tm *tm)
{
    struct fl_layout_ts ts;
    (void)fl_layout_ts_compile(&ts, fmt, "test", NULL, NULL);
    return fl_layout_ts_read(&ts, text, strlen(text), tm);
}

/* Reads text with fmt into local epoch ms on the date the text names; -1 when it does not fit. */
static int64_t read_ms(const char *fmt, const char *text)
{
    struct fl_layout_tm tm;
    int64_t ms;
    if (!read_tm(fmt, text, &tm))
        return -1;
    if (!fl_layout_tm_local_ms(&tm, tm.year, (unsigned)tm.mon, (unsigned)tm.day, &ms))
        return -1;
    return ms;
}

#define DAY_MS(y, m, d) (fl_civil_ms((y), (m), (d), 0, 0, 0, 0))
#define AT(y, m, d, h, mi, s, ms) (fl_civil_ms((y), (m), (d), (h), (mi), (s), (ms)))

static void fractions_are_truncated_to_milliseconds(void)
{
    static const struct {
        const char *text;
        unsigned ms;
    } rows[] = {
        {"2024-03-05 14:03:11.1", 100},
        {"2024-03-05 14:03:11.12", 120},
        {"2024-03-05 14:03:11.123", 123},
        {"2024-03-05 14:03:11.1239", 123},
        {"2024-03-05 14:03:11.999999999", 999},
        {"2024-03-05 14:03:11.123456789012", 123},
        {"2024-03-05 14:03:11,5", 500}, /* either separator */
        {"2024-03-05 14:03:11", 0},     /* no fraction written */
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        CHECK_INT(read_ms("%Y-%m-%d %H:%M:%S.%f", rows[k].text),
                  AT(2024, 3, 5, 14, 3, 11, rows[k].ms));
    CHECK_INT(read_ms("%Y-%m-%d %H:%M:%S.%f", "2024-03-05 14:03:11."), -1);
    CHECK_INT(read_ms("%H:%M:%S%f", "14:03:11"), -1); /* without the separator %f is required */
}

static void twelve_hour_clock_reads_12_am_as_midnight_and_12_pm_as_noon(void)
{
    static const struct {
        const char *text;
        int hour; /* -1: refused */
    } rows[] = {
        {"3/5/2024 12:00:01 AM", 0},  {"3/5/2024 1:00:01 AM", 1},  {"3/5/2024 11:00:01 am", 11},
        {"3/5/2024 12:00:01 PM", 12}, {"3/5/2024 1:00:01 PM", 13}, {"3/5/2024 11:00:01 pm", 23},
        {"3/5/2024 13:00:01 PM", -1}, {"3/5/2024 0:00:01 AM", -1}, {"3/5/2024 1:00:01 XM", -1},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        CHECK_INT(read_ms("%m/%d/%Y %I:%M:%S %p", rows[k].text),
                  rows[k].hour < 0 ? -1 : AT(2024, 3, 5, rows[k].hour, 0, 1, 0));
    /* %p after %H converts too; %I without %p is the 12-hour clock read as AM (strptime). */
    CHECK_INT(read_ms("%Y-%m-%d %H:%M %p", "2024-03-05 1:30 PM"), AT(2024, 3, 5, 13, 30, 0, 0));
    CHECK_INT(read_ms("%Y-%m-%d %I:%M", "2024-03-05 12:30"), AT(2024, 3, 5, 0, 30, 0, 0));
    CHECK_INT(read_ms("%Y-%m-%d %I:%M", "2024-03-05 13:30"), -1);
}

static void years_take_two_or_four_digits(void)
{
    CHECK_INT(read_ms("%d.%m.%y", "05.03.24"), DAY_MS(2024, 3, 5));
    CHECK_INT(read_ms("%d.%m.%y", "05.03.2024"), DAY_MS(2024, 3, 5));
    CHECK_INT(read_ms("%d.%m.%y", "05.03.4"), DAY_MS(2004, 3, 5));
    CHECK_INT(read_ms("%d.%m.%y", "05.03.202"), -1);
    /* Packed: four digits where they fit, else two. */
    CHECK_INT(read_ms("%y%m%d", "240305"), DAY_MS(2024, 3, 5));
    CHECK_INT(read_ms("%y%m%d", "20240305"), DAY_MS(2024, 3, 5));
    CHECK_INT(read_ms("%D", "03/05/24"), DAY_MS(2024, 3, 5));
    CHECK_INT(read_ms("%Y-%m-%d", "24-03-05"), -1); /* %Y is four digits */
    CHECK_INT(read_ms("%F", "24-03-05"), -1);
}

static void month_and_weekday_names_and_composite_directives(void)
{
    static const char *const march[] = {"05 Mar 2024", "05 mar 2024", "05 MARCH 2024",
                                        "05 March 2024"};
    for (size_t k = 0; k < sizeof march / sizeof march[0]; k++)
        CHECK_INT(read_ms("%d %b %Y", march[k]), DAY_MS(2024, 3, 5));
    CHECK_INT(read_ms("%d %B %Y", "05 Sept 2024"), DAY_MS(2024, 9, 5));
    CHECK_INT(read_ms("%d %h %Y", "05 Foo 2024"), -1);
    CHECK_INT(read_ms("%d %b %Y", "05 Ma 2024"), -1);
    CHECK_INT(read_ms("%a %b %e %T %Y", "Tue Mar  5 14:03:11 2024"), AT(2024, 3, 5, 14, 3, 11, 0));
    CHECK_INT(read_ms("%A, %F %R", "Tuesday, 2024-03-05 14:03"), AT(2024, 3, 5, 14, 3, 0, 0));
    CHECK_INT(read_ms("%a %F", "Xyz 2024-03-05"), -1);
    CHECK_INT(read_ms("100%% %F", "100% 2024-03-05"), DAY_MS(2024, 3, 5));
}

static void zones_blanks_and_trailing_text(void)
{
    static const struct {
        const char *text;
        int zone_min; /* INT32_MIN: refused */
    } rows[] = {
        {"2024-03-05T14:03:11Z", 0},        {"2024-03-05T14:03:11+01:00", 60},
        {"2024-03-05T14:03:11-0530", -330}, {"2024-03-05T14:03:11+02", 120},
        {"2024-03-05T14:03:11", INT32_MIN}, {"2024-03-05T14:03:11 CET", INT32_MIN},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        struct fl_layout_tm tm;
        bool ok = read_tm("%FT%T%z", rows[k].text, &tm);
        CHECK(ok == (rows[k].zone_min != INT32_MIN));
        if (ok) {
            CHECK(tm.has_zone);
            CHECK_INT(tm.zone_min, rows[k].zone_min);
        }
    }
    /* A blank in the format takes any run of blanks, or none; trailing blanks are allowed. */
    CHECK_INT(read_ms("%F %T", "2024-03-05 \t 14:03:11 \t"), AT(2024, 3, 5, 14, 3, 11, 0));
    CHECK_INT(read_ms("%F %T", "2024-03-0514:03:11"), AT(2024, 3, 5, 14, 3, 11, 0));
    CHECK_INT(read_ms("%F %T", "2024-03-05 14:03:11 x"), -1);
    CHECK_INT(read_ms("%F", "2024-02-30"), -1); /* the date must exist */
}

static void day_month_order_is_left_to_the_parser(void)
{
    struct fl_layout_tm tm;
    CHECK(read_tm("%d/%m/%Y", "13/03/2024", &tm));
    CHECK(!tm.is_year_first && !tm.is_mon_named);
    CHECK_INT(tm.n_pair, 2);
    CHECK_INT(tm.pair[0], 13);
    CHECK_INT(tm.pair[1], 3);
    CHECK(read_tm("%Y-%m-%d", "2024-03-13", &tm));
    CHECK(tm.is_year_first);
    CHECK(read_tm("%H:%M", "14:03", &tm));
    CHECK(tm.has_time && !tm.has_year && !tm.has_mon && !tm.has_day);
}

static void unknown_directives_and_overlong_formats_are_refused(void)
{
    struct fl_layout_ts ts;
    struct fl_err err;
    CHECK_INT(fl_layout_ts_compile(&ts, "%a %b %e %H:%M:%S.%f %p %z %y%D%R%T%F%B%h%A%I%%", "t",
                                   NULL, &err),
              0);
    fl_err_clear(&err);
    CHECK_INT(fl_layout_ts_compile(&ts, "%Y-%m-%d %Q", "historian", "h.yaml", &err), FL_EINVAL);
    CHECK(strstr(err.msg, "historian: layout ts_format '%Y-%m-%d %Q'") != NULL);
    CHECK(strstr(err.msg, "unsupported directive %Q") != NULL);
    CHECK_STR(err.file, "h.yaml");
    fl_err_clear(&err);
    CHECK_INT(fl_layout_ts_compile(&ts, "%Y-%m-%d %", "t", NULL, &err), FL_EINVAL);
    CHECK(strstr(err.msg, "unsupported directive %%") != NULL);
    /* A refused format reads nothing (ftdiag keeps it: those records become unparsed). */
    CHECK_INT(read_ms("%Y-%m-%d %Q", "2024-03-05 x"), -1);
    CHECK_INT(read_ms("%Y-%m-%d %", "2024-03-05 %"), -1);
    char longest[2 * FL_LAYOUT_TS_MAX_STEPS + 1];
    memset(longest, 'x', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    CHECK_INT(fl_layout_ts_compile(&ts, longest, "t", NULL, &err), FL_EINVAL);
    CHECK(strstr(err.msg, "longer than") != NULL);
    longest[FL_LAYOUT_TS_MAX_STEPS] = '\0';
    CHECK_INT(fl_layout_ts_compile(&ts, longest, "t", NULL, &err), 0);
}

UNIT_MAIN(UNIT_TEST(named_groups_become_fields_and_absent_ones_stay_unset),
          UNIT_TEST(continuation_lines_match_only_a_configured_pattern),
          UNIT_TEST(bad_pattern_is_refused_naming_the_pattern_and_offset),
          UNIT_TEST(fractions_are_truncated_to_milliseconds),
          UNIT_TEST(twelve_hour_clock_reads_12_am_as_midnight_and_12_pm_as_noon),
          UNIT_TEST(years_take_two_or_four_digits),
          UNIT_TEST(month_and_weekday_names_and_composite_directives),
          UNIT_TEST(zones_blanks_and_trailing_text),
          UNIT_TEST(day_month_order_is_left_to_the_parser),
          UNIT_TEST(unknown_directives_and_overlong_formats_are_refused))
