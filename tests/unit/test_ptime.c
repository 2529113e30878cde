/* tests/unit/test_ptime.c: civil dates, TZif zones, DESIGN.md's daylight-saving rule and the
 * per-file date order. Expected UTC values were worked out by hand and checked once against
 * GNU date (TZ=<zone> date -d '<local>' +%s); the tests never call date themselves.
 * Zones come from the installed tzdata; the footer-only ("slim") and v1-only cases use small
 * TZif files written by this test into a temporary $TZDIR. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "parsers/ptime.h"
#include "tests/unit/unit.h"

/* Local wall-clock ms, and the same for a UTC instant: both are civil ms. */
static int64_t L(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
    return fl_civil_ms(y, mo, d, h, mi, s, 0);
}
#define Z L

static int64_t to_utc(const struct fl_tz *tz, struct fl_tzfold *st, int64_t local_ms)
{
    int64_t utc_ms = INT64_MIN;
    CHECK_INT(fl_tz_to_utc(tz, st, local_ms, &utc_ms), 0);
    return utc_ms;
}

static struct fl_tz *load(const char *name)
{
    struct fl_err err;
    struct fl_tz *tz = fl_tz_load(name, &err);
    if (!tz)
        fprintf(stderr, "  cannot load %s: %s\n", name, err.msg);
    return tz;
}

/* ------------------------------------------------------------------ civil dates */

static void civil_days_match_known_dates(void)
{
    CHECK_INT(fl_days_from_civil(1970, 1, 1), 0);
    CHECK_INT(fl_days_from_civil(1969, 12, 31), -1);
    CHECK_INT(fl_days_from_civil(2000, 3, 1), 11017);
    CHECK_INT(fl_days_from_civil(2024, 2, 29), 19782);
    CHECK_INT(fl_days_from_civil(1600, 1, 1), -135140);
    /* 2026-01-15T11:00:00Z is 1768474800 s (date -u -d @1768474800). */
    CHECK_INT(fl_civil_ms(2026, 1, 15, 11, 0, 0, 0), INT64_C(1768474800000));
    CHECK_INT(fl_civil_ms(1969, 12, 31, 23, 59, 59, 999), -1);
    CHECK_INT(fl_civil_ms(2026, 3, 29, 2, 30, 0, 250), INT64_C(1774751400250));
}

static void civil_from_days_inverts_days_from_civil(void)
{
    for (int64_t days = -800000; days <= 800000; days += 7) {
        int64_t y;
        unsigned m, d;
        fl_civil_from_days(days, &y, &m, &d);
        if (fl_days_from_civil(y, m, d) != days || !fl_civil_valid(y, m, d, 0, 0, 0)) {
            CHECK_INT(fl_days_from_civil(y, m, d), days);
            break;
        }
    }
    int64_t y;
    unsigned m, d;
    fl_civil_from_days(19782, &y, &m, &d);
    CHECK_INT(y, 2024);
    CHECK_INT(m, 2);
    CHECK_INT(d, 29);
    fl_civil_from_days(-1, &y, &m, &d);
    CHECK_INT(y, 1969);
    CHECK_INT(m, 12);
    CHECK_INT(d, 31);
}

static void civil_valid_knows_month_lengths_leap_years_and_leap_second(void)
{
    static const struct {
        int64_t y;
        unsigned mo, d, h, mi, s;
        bool ok;
    } rows[] = {
        {2024, 2, 29, 0, 0, 0, true},   {2023, 2, 29, 0, 0, 0, false},
        {1900, 2, 29, 0, 0, 0, false},  {2000, 2, 29, 0, 0, 0, true},
        {2026, 4, 30, 0, 0, 0, true},   {2026, 4, 31, 0, 0, 0, false},
        {2026, 12, 31, 23, 59, 60, true}, {2026, 12, 31, 23, 59, 61, false},
        {2026, 1, 1, 24, 0, 0, false},  {2026, 1, 1, 0, 60, 0, false},
        {2026, 0, 1, 0, 0, 0, false},   {2026, 13, 1, 0, 0, 0, false},
        {2026, 1, 0, 0, 0, 0, false},   {2026, 1, 31, 0, 0, 0, true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (fl_civil_valid(rows[i].y, rows[i].mo, rows[i].d, rows[i].h, rows[i].mi, rows[i].s) !=
            rows[i].ok) {
            fprintf(stderr, "  row %zu\n", i);
            CHECK(!"fl_civil_valid row");
        }
}

/* ------------------------------------------------------------------ zones */

static void utc_names_load_without_disk_and_convert_identically(void)
{
    const char *saved = getenv("TZDIR");
    setenv("TZDIR", "/nonexistent-tzdir", 1); /* would fail if these touched the disk */
    static const char *const names[] = {"UTC", "Etc/UTC", "Z", ""};
    for (size_t i = 0; i < 4; i++) {
        struct fl_tz *tz = load(names[i]);
        CHECK(tz != NULL);
        if (!tz)
            continue;
        CHECK_STR(fl_tz_name(tz), "UTC");
        struct fl_tzfold st;
        fl_tzfold_init(&st);
        CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 30, 0)), Z(2026, 10, 25, 2, 30, 0));
        CHECK_INT(to_utc(tz, &st, -5), -5);
        CHECK_INT(fl_tz_offset_at(tz, 0), 0);
        fl_tz_free(tz);
    }
    if (saved)
        setenv("TZDIR", saved, 1);
    else
        unsetenv("TZDIR");
    CHECK_STR(fl_tz_name(fl_tz_utc()), "UTC");
    CHECK_INT(to_utc(fl_tz_utc(), NULL, 123456), 123456);
}

static void berlin_winter_is_utc_plus_1_and_summer_utc_plus_2(void)
{
    struct fl_tz *tz = load("Europe/Berlin");
    CHECK(tz != NULL);
    if (!tz)
        return;
    CHECK_STR(fl_tz_name(tz), "Europe/Berlin");
    CHECK_INT(to_utc(tz, NULL, L(2026, 1, 15, 12, 0, 0)), Z(2026, 1, 15, 11, 0, 0));
    CHECK_INT(to_utc(tz, NULL, L(2026, 7, 15, 12, 0, 0)), Z(2026, 7, 15, 10, 0, 0));
    CHECK_INT(to_utc(tz, NULL, L(2026, 7, 15, 12, 0, 0) + 789), Z(2026, 7, 15, 10, 0, 0) + 789);
    fl_tz_free(tz);
}

static void spring_forward_gap_moves_forward_by_the_gap(void)
{
    struct fl_tz *tz = load("Europe/Berlin");
    CHECK(tz != NULL);
    if (!tz)
        return;
    struct fl_tzfold st;
    fl_tzfold_init(&st);
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 29, 1, 59, 59)), Z(2026, 3, 29, 0, 59, 59));
    /* 02:00..02:59 does not exist: read with +1 (the offset before), i.e. 03:xx CEST. */
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 29, 2, 0, 0)), Z(2026, 3, 29, 1, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 29, 2, 30, 0)), Z(2026, 3, 29, 1, 30, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 29, 2, 59, 59)), Z(2026, 3, 29, 1, 59, 59));
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 29, 3, 0, 0)), Z(2026, 3, 29, 1, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 29, 3, 30, 0)), Z(2026, 3, 29, 1, 30, 0));
    CHECK_INT(to_utc(tz, NULL, L(2026, 3, 29, 2, 30, 0)), Z(2026, 3, 29, 1, 30, 0));
    fl_tz_free(tz);
}

static void repeated_hour_switches_to_later_instant_after_step_back(void)
{
    struct fl_tz *tz = load("Europe/Berlin");
    CHECK(tz != NULL);
    if (!tz)
        return;
    struct fl_tzfold st;
    fl_tzfold_init(&st);
    /* 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:00..02:59 happens twice. */
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 1, 59, 59)), Z(2026, 10, 24, 23, 59, 59));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 10, 0)), Z(2026, 10, 25, 0, 10, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 40, 0)), Z(2026, 10, 25, 0, 40, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 5, 0)), Z(2026, 10, 25, 1, 5, 0));   /* back */
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 50, 0)), Z(2026, 10, 25, 1, 50, 0)); /* still */
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 3, 10, 0)), Z(2026, 10, 25, 2, 10, 0)); /* left */
    /* The next year's repeated hour starts fresh with the earlier instant. */
    CHECK_INT(to_utc(tz, &st, L(2027, 10, 31, 2, 20, 0)), Z(2027, 10, 31, 0, 20, 0));
    fl_tz_free(tz);
}

static void step_back_of_exactly_one_second_keeps_earlier_instant(void)
{
    struct fl_tz *tz = load("Europe/Berlin");
    CHECK(tz != NULL);
    if (!tz)
        return;
    struct fl_tzfold st;
    fl_tzfold_init(&st);
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 10, 0)), Z(2026, 10, 25, 0, 10, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 9, 59)), Z(2026, 10, 25, 0, 9, 59));
    /* 1.001 s back is more than 1 s: now the later instant. */
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 9, 58) - 1), Z(2026, 10, 25, 1, 9, 58) - 1);
    fl_tz_free(tz);
}

static void repeated_hour_without_state_takes_earlier_instant(void)
{
    struct fl_tz *tz = load("Europe/Berlin");
    CHECK(tz != NULL);
    if (!tz)
        return;
    CHECK_INT(to_utc(tz, NULL, L(2026, 10, 25, 2, 40, 0)), Z(2026, 10, 25, 0, 40, 0));
    CHECK_INT(to_utc(tz, NULL, L(2026, 10, 25, 2, 5, 0)), Z(2026, 10, 25, 0, 5, 0));
    CHECK_INT(to_utc(tz, NULL, L(2026, 10, 25, 2, 0, 0)), Z(2026, 10, 25, 0, 0, 0));
    CHECK_INT(to_utc(tz, NULL, L(2026, 10, 25, 3, 0, 0)), Z(2026, 10, 25, 2, 0, 0));
    fl_tz_free(tz);
}

static void zeroed_fold_state_behaves_like_init(void)
{
    struct fl_tz *tz = load("Europe/Berlin");
    CHECK(tz != NULL);
    if (!tz)
        return;
    struct fl_tzfold st = {0};
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 40, 0)), Z(2026, 10, 25, 0, 40, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 5, 0)), Z(2026, 10, 25, 1, 5, 0));
    fl_tz_free(tz);
}

static void late_record_after_repeated_hour_is_not_a_step_back(void)
{
    struct fl_tz *tz = load("Europe/Berlin");
    CHECK(tz != NULL);
    if (!tz)
        return;
    struct fl_tzfold st;
    fl_tzfold_init(&st);
    /* The clock was past the hour already: a record written late names the first 02:20. */
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 3, 10, 0)), Z(2026, 10, 25, 2, 10, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 20, 0)), Z(2026, 10, 25, 0, 20, 0));
    fl_tz_free(tz);
}

static void new_york_gap_and_repeated_hour(void)
{
    struct fl_tz *tz = load("America/New_York");
    CHECK(tz != NULL);
    if (!tz)
        return;
    struct fl_tzfold st;
    fl_tzfold_init(&st);
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 8, 1, 59, 0)), Z(2026, 3, 8, 6, 59, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 8, 2, 30, 0)), Z(2026, 3, 8, 7, 30, 0)); /* gap */
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 8, 3, 0, 0)), Z(2026, 3, 8, 7, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 11, 1, 0, 59, 0)), Z(2026, 11, 1, 4, 59, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 11, 1, 1, 30, 0)), Z(2026, 11, 1, 5, 30, 0)); /* EDT */
    CHECK_INT(to_utc(tz, &st, L(2026, 11, 1, 1, 50, 0)), Z(2026, 11, 1, 5, 50, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 11, 1, 1, 10, 0)), Z(2026, 11, 1, 6, 10, 0)); /* EST */
    CHECK_INT(to_utc(tz, &st, L(2026, 11, 1, 1, 40, 0)), Z(2026, 11, 1, 6, 40, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 11, 1, 2, 0, 0)), Z(2026, 11, 1, 7, 0, 0));
    fl_tz_free(tz);
}

static void half_hour_offsets_kolkata_and_adelaide_dst(void)
{
    struct fl_tz *tz = load("Asia/Kolkata");
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT(to_utc(tz, NULL, L(2026, 5, 1, 10, 0, 0)), Z(2026, 5, 1, 4, 30, 0));
        CHECK_INT(fl_tz_offset_at(tz, Z(2026, 5, 1, 4, 30, 0)), 19800);
        fl_tz_free(tz);
    }
    tz = load("Australia/Adelaide");
    CHECK(tz != NULL);
    if (!tz)
        return;
    struct fl_tzfold st;
    fl_tzfold_init(&st);
    CHECK_INT(to_utc(tz, &st, L(2026, 1, 15, 12, 0, 0)), Z(2026, 1, 15, 1, 30, 0)); /* +10:30 */
    CHECK_INT(to_utc(tz, &st, L(2026, 7, 15, 12, 0, 0)), Z(2026, 7, 15, 2, 30, 0)); /* +9:30 */
    /* 2026-04-05 03:00 ACDT -> 02:00 ACST: 02:00..02:59 twice. */
    CHECK_INT(to_utc(tz, &st, L(2026, 4, 5, 1, 59, 0)), Z(2026, 4, 4, 15, 29, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 4, 5, 2, 30, 0)), Z(2026, 4, 4, 16, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 4, 5, 2, 10, 0)), Z(2026, 4, 4, 16, 40, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 4, 5, 3, 0, 0)), Z(2026, 4, 4, 17, 30, 0));
    /* 2026-10-04 02:00 ACST -> 03:00 ACDT: 02:30 is read as 03:30 ACDT. */
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 4, 1, 59, 0)), Z(2026, 10, 3, 16, 29, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 4, 2, 30, 0)), Z(2026, 10, 3, 17, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 4, 3, 0, 0)), Z(2026, 10, 3, 16, 30, 0));
    fl_tz_free(tz);
}

static void far_future_years_follow_the_footer_rule(void)
{
    struct fl_tz *tz = load("Europe/Brussels");
    CHECK(tz != NULL);
    if (!tz)
        return;
    struct fl_tzfold st;
    fl_tzfold_init(&st);
    CHECK_INT(to_utc(tz, &st, L(2090, 7, 1, 12, 0, 0)), Z(2090, 7, 1, 10, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2090, 12, 1, 12, 0, 0)), Z(2090, 12, 1, 11, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2090, 3, 19, 4, 0, 0)), Z(2090, 3, 19, 3, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2090, 3, 26, 1, 59, 0)), Z(2090, 3, 26, 0, 59, 0));
    CHECK_INT(to_utc(tz, &st, L(2090, 3, 26, 2, 30, 0)), Z(2090, 3, 26, 1, 30, 0)); /* gap */
    CHECK_INT(to_utc(tz, &st, L(2090, 3, 26, 4, 0, 0)), Z(2090, 3, 26, 2, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2090, 10, 29, 1, 59, 0)), Z(2090, 10, 28, 23, 59, 0));
    CHECK_INT(to_utc(tz, &st, L(2090, 10, 29, 2, 30, 0)), Z(2090, 10, 29, 0, 30, 0));
    CHECK_INT(to_utc(tz, &st, L(2090, 10, 29, 2, 10, 0)), Z(2090, 10, 29, 1, 10, 0));
    CHECK_INT(to_utc(tz, &st, L(2090, 10, 29, 3, 0, 0)), Z(2090, 10, 29, 2, 0, 0));
    /* Past the years expanded at load the rule is evaluated per call. */
    CHECK_INT(to_utc(tz, &st, L(2200, 7, 1, 12, 0, 0)), Z(2200, 7, 1, 10, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2200, 3, 30, 1, 59, 0)), Z(2200, 3, 30, 0, 59, 0));
    CHECK_INT(to_utc(tz, &st, L(2200, 3, 30, 3, 0, 0)), Z(2200, 3, 30, 1, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2750, 1, 1, 12, 0, 0)), Z(2750, 1, 1, 11, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2750, 7, 1, 12, 0, 0)), Z(2750, 7, 1, 10, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2750, 3, 26, 2, 30, 0)), Z(2750, 3, 26, 1, 30, 0)); /* gap */
    CHECK_INT(to_utc(tz, &st, L(2750, 10, 29, 2, 30, 0)), Z(2750, 10, 29, 0, 30, 0));
    CHECK_INT(to_utc(tz, &st, L(2750, 10, 29, 2, 10, 0)), Z(2750, 10, 29, 1, 10, 0));
    CHECK_INT(to_utc(tz, &st, L(2750, 10, 29, 3, 0, 0)), Z(2750, 10, 29, 2, 0, 0));
    CHECK_INT(fl_tz_offset_at(tz, Z(2750, 7, 1, 10, 0, 0)), 7200);
    CHECK_INT(fl_tz_offset_at(tz, Z(2750, 1, 1, 11, 0, 0)), 3600);
    fl_tz_free(tz);
}

static void before_first_transition_uses_local_mean_time(void)
{
    struct fl_tz *tz = load("Europe/Berlin");
    CHECK(tz != NULL);
    if (tz) { /* LMT +0:53:28 */
        CHECK_INT(to_utc(tz, NULL, L(1890, 1, 1, 12, 0, 0)), Z(1890, 1, 1, 11, 6, 32));
        CHECK_INT(fl_tz_offset_at(tz, Z(1890, 1, 1, 11, 6, 32)), 3208);
        fl_tz_free(tz);
    }
    tz = load("America/New_York");
    CHECK(tz != NULL);
    if (tz) { /* LMT -4:56:02 */
        CHECK_INT(to_utc(tz, NULL, L(1850, 6, 1, 12, 0, 0)), Z(1850, 6, 1, 16, 56, 2));
        fl_tz_free(tz);
    }
}

static void fixed_offset_footer_after_last_transition(void)
{
    struct fl_tz *tz = load("Asia/Tehran"); /* footer <+0330>-3:30, no DST since 2022 */
    CHECK(tz != NULL);
    if (!tz)
        return;
    CHECK_INT(to_utc(tz, NULL, L(2026, 6, 1, 12, 0, 0)), Z(2026, 6, 1, 8, 30, 0));
    CHECK_INT(fl_tz_offset_at(tz, Z(2090, 6, 1, 8, 30, 0)), 12600);
    fl_tz_free(tz);
}

static void negative_rule_hours_in_nuuk(void)
{
    struct fl_tz *tz = load("America/Nuuk"); /* <-02>2<-01>,M3.5.0/-1,M10.5.0/0 */
    CHECK(tz != NULL);
    if (!tz)
        return;
    struct fl_tzfold st;
    fl_tzfold_init(&st);
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 28, 21, 59, 0)), Z(2026, 3, 28, 23, 59, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 3, 28, 23, 30, 0)), Z(2026, 3, 29, 1, 30, 0)); /* gap */
    CHECK_INT(to_utc(tz, &st, L(2026, 7, 1, 12, 0, 0)), Z(2026, 7, 1, 13, 0, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 24, 22, 30, 0)), Z(2026, 10, 24, 23, 30, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 24, 23, 30, 0)), Z(2026, 10, 25, 0, 30, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 10, 24, 23, 10, 0)), Z(2026, 10, 25, 1, 10, 0));
    CHECK_INT(to_utc(tz, &st, L(2026, 12, 1, 12, 0, 0)), Z(2026, 12, 1, 14, 0, 0));
    fl_tz_free(tz);
}

static void unknown_zone_returns_null_and_names_the_zone(void)
{
    static const char *const names[] = {"Mars/Olympus_Mons", "../etc/passwd",
                                        "Europe/../../etc/passwd", "/etc/localtime"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct fl_err err;
        memset(&err, 0, sizeof err);
        struct fl_tz *tz = fl_tz_load(names[i], &err);
        CHECK(tz == NULL);
        CHECK(strstr(err.msg, names[i]) != NULL);
        fl_tz_free(tz);
    }
    CHECK(fl_tz_load("Nowhere/Zone", NULL) == NULL); /* err may be NULL */
}

static void offset_at_reports_both_sides_of_a_change(void)
{
    struct fl_tz *tz = load("Europe/Berlin");
    CHECK(tz != NULL);
    if (!tz)
        return;
    CHECK_INT(fl_tz_offset_at(tz, Z(2026, 3, 29, 1, 0, 0) - 1), 3600);
    CHECK_INT(fl_tz_offset_at(tz, Z(2026, 3, 29, 1, 0, 0)), 7200);
    CHECK_INT(fl_tz_offset_at(tz, Z(2026, 10, 25, 1, 0, 0) - 1), 7200);
    CHECK_INT(fl_tz_offset_at(tz, Z(2026, 10, 25, 1, 0, 0)), 3600);
    fl_tz_free(tz);
}

/* ------------------------------------------------------------------ handmade TZif files */

struct tzif_type {
    int32_t utoff;
    uint8_t isdst;
};

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

static void put_block(FILE *f, int version, int time_size, const int64_t *times,
                      const uint8_t *idx, size_t timecnt, const struct tzif_type *types,
                      size_t typecnt)
{
    fwrite("TZif", 1, 4, f);
    fputc(version, f);
    for (int i = 0; i < 15; i++)
        fputc(0, f);
    put32(f, 0); /* isutcnt */
    put32(f, 0); /* isstdcnt */
    put32(f, 0); /* leapcnt */
    put32(f, (uint32_t)timecnt);
    put32(f, (uint32_t)typecnt);
    put32(f, 4); /* charcnt: "XXX\0" */
    for (size_t i = 0; i < timecnt; i++) {
        if (time_size == 8)
            put32(f, (uint32_t)((uint64_t)times[i] >> 32));
        put32(f, (uint32_t)times[i]);
    }
    if (timecnt)
        fwrite(idx, 1, timecnt, f);
    for (size_t i = 0; i < typecnt; i++) {
        put32(f, (uint32_t)types[i].utoff);
        fputc(types[i].isdst, f);
        fputc(0, f);
    }
    fwrite("XXX", 1, 4, f);
}

/* Writes dir/name as TZif: version 0 = v1 only, else v2 with 64-bit data and footer. */
static void write_tzif(const char *dir, const char *name, int version, const int64_t *times,
                       const uint8_t *idx, size_t timecnt, const struct tzif_type *types,
                       size_t typecnt, const char *footer)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    put_block(f, version, 4, times, idx, timecnt, types, typecnt);
    if (version) {
        put_block(f, version, 8, times, idx, timecnt, types, typecnt);
        fprintf(f, "\n%s\n", footer);
    }
    fclose(f);
}

static char tzdir[64];

static void tzdir_enter(void)
{
    snprintf(tzdir, sizeof tzdir, "/tmp/fl-ptime-XXXXXX");
    CHECK(mkdtemp(tzdir) != NULL);
    setenv("TZDIR", tzdir, 1);
}

static void tzdir_leave(const char *const *names, size_t n)
{
    char path[512];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", tzdir, names[i]);
        unlink(path);
    }
    rmdir(tzdir);
    unsetenv("TZDIR");
}

static void footer_only_zone_converts_like_the_full_one(void)
{
    /* Debian may ship "slim" TZif files: no transitions after the rule took over. */
    tzdir_enter();
    const struct tzif_type cet = {3600, 0};
    write_tzif(tzdir, "SlimBerlin", '2', NULL, NULL, 0, &cet, 1, "CET-1CEST,M3.5.0,M10.5.0/3");
    write_tzif(tzdir, "SlimNuuk", '2', NULL, NULL, 0, &(struct tzif_type){-7200, 0}, 1,
               "<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    write_tzif(tzdir, "SlimGaza", '3', NULL, NULL, 0, &(struct tzif_type){7200, 0}, 1,
               "EET-2EEST,M3.4.4/50,M10.4.4/50");
    write_tzif(tzdir, "Julian", '2', NULL, NULL, 0, &(struct tzif_type){0, 0}, 1,
               "XXX0YYY,J60/2,300/25");
    struct fl_tzfold st;
    fl_tzfold_init(&st);
    struct fl_tz *tz = load("SlimBerlin");
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT(to_utc(tz, &st, L(2026, 1, 15, 12, 0, 0)), Z(2026, 1, 15, 11, 0, 0));
        CHECK_INT(to_utc(tz, &st, L(2026, 3, 29, 2, 30, 0)), Z(2026, 3, 29, 1, 30, 0));
        CHECK_INT(to_utc(tz, &st, L(2026, 7, 15, 12, 0, 0)), Z(2026, 7, 15, 10, 0, 0));
        CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 40, 0)), Z(2026, 10, 25, 0, 40, 0));
        CHECK_INT(to_utc(tz, &st, L(2026, 10, 25, 2, 5, 0)), Z(2026, 10, 25, 1, 5, 0));
        fl_tz_free(tz);
    }
    tz = load("SlimNuuk");
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT(to_utc(tz, NULL, L(2026, 3, 28, 21, 59, 0)), Z(2026, 3, 28, 23, 59, 0));
        CHECK_INT(to_utc(tz, NULL, L(2026, 3, 28, 23, 30, 0)), Z(2026, 3, 29, 1, 30, 0));
        CHECK_INT(to_utc(tz, NULL, L(2026, 10, 24, 23, 30, 0)), Z(2026, 10, 25, 0, 30, 0));
        CHECK_INT(to_utc(tz, NULL, L(2026, 12, 1, 12, 0, 0)), Z(2026, 12, 1, 14, 0, 0));
        fl_tz_free(tz);
    }
    tz = load("SlimGaza"); /* Thursday + 50 h = Saturday 02:00 */
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT(to_utc(tz, NULL, L(2090, 3, 25, 1, 59, 0)), Z(2090, 3, 24, 23, 59, 0));
        CHECK_INT(to_utc(tz, NULL, L(2090, 3, 25, 3, 0, 0)), Z(2090, 3, 25, 0, 0, 0));
        CHECK_INT(to_utc(tz, NULL, L(2090, 10, 28, 0, 30, 0)), Z(2090, 10, 27, 21, 30, 0));
        CHECK_INT(to_utc(tz, NULL, L(2090, 10, 28, 1, 30, 0)), Z(2090, 10, 27, 22, 30, 0));
        fl_tz_free(tz);
    }
    tz = load("Julian"); /* J60: March 1 in any year; 300: Oct 27 in 2024, Oct 28 in 2023 */
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT(to_utc(tz, NULL, L(2024, 2, 29, 12, 0, 0)), Z(2024, 2, 29, 12, 0, 0));
        CHECK_INT(to_utc(tz, NULL, L(2024, 3, 1, 1, 59, 0)), Z(2024, 3, 1, 1, 59, 0));
        CHECK_INT(to_utc(tz, NULL, L(2024, 3, 1, 3, 0, 0)), Z(2024, 3, 1, 2, 0, 0));
        CHECK_INT(to_utc(tz, NULL, L(2023, 3, 1, 3, 0, 0)), Z(2023, 3, 1, 2, 0, 0));
        CHECK_INT(to_utc(tz, NULL, L(2024, 10, 27, 23, 30, 0)), Z(2024, 10, 27, 22, 30, 0));
        CHECK_INT(to_utc(tz, NULL, L(2024, 10, 28, 0, 30, 0)), Z(2024, 10, 27, 23, 30, 0));
        CHECK_INT(to_utc(tz, NULL, L(2024, 10, 28, 1, 30, 0)), Z(2024, 10, 28, 1, 30, 0));
        CHECK_INT(to_utc(tz, NULL, L(2023, 10, 29, 0, 30, 0)), Z(2023, 10, 28, 23, 30, 0));
        fl_tz_free(tz);
    }
    static const char *const names[] = {"SlimBerlin", "SlimNuuk", "SlimGaza", "Julian"};
    tzdir_leave(names, 4);
}

static void v1_only_file_and_garbage_file(void)
{
    tzdir_enter();
    /* One change from +1 to +2 at 2000-01-01T00:00:00Z (946684800). */
    const int64_t times[] = {946684800};
    const uint8_t idx[] = {1};
    const struct tzif_type types[] = {{3600, 0}, {7200, 0}};
    write_tzif(tzdir, "OldV1", 0, times, idx, 1, types, 2, "");
    char path[512];
    snprintf(path, sizeof path, "%s/Garbage", tzdir);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("not a zone file at all, but long enough to have a header......", f);
        fclose(f);
    }
    struct fl_tz *tz = load("OldV1");
    CHECK(tz != NULL);
    if (tz) {
        CHECK_INT(fl_tz_offset_at(tz, Z(1999, 12, 31, 23, 59, 59)), 3600);
        CHECK_INT(fl_tz_offset_at(tz, Z(2000, 1, 1, 0, 0, 0)), 7200);
        CHECK_INT(to_utc(tz, NULL, L(2026, 1, 1, 12, 0, 0)), Z(2026, 1, 1, 10, 0, 0));
        fl_tz_free(tz);
    }
    struct fl_err err;
    CHECK(fl_tz_load("Garbage", &err) == NULL);
    CHECK(strstr(err.msg, "Garbage") != NULL);
    static const char *const names[] = {"OldV1", "Garbage"};
    tzdir_leave(names, 2);
}

/* ------------------------------------------------------------------ date order */

static void date_order_names(void)
{
    CHECK_INT(fl_date_order_from_name("dmy"), FL_DO_DMY);
    CHECK_INT(fl_date_order_from_name("mdy"), FL_DO_MDY);
    CHECK_INT(fl_date_order_from_name("ymd"), FL_DO_YMD);
    CHECK_INT(fl_date_order_from_name("auto"), FL_DO_AUTO);
    CHECK_INT(fl_date_order_from_name("DMY"), -1);
    CHECK_INT(fl_date_order_from_name("dm"), -1);
    CHECK_INT(fl_date_order_from_name(NULL), -1);
}

static void fixed_date_order_wins_over_the_data(void)
{
    struct fl_dateorder st;
    unsigned mon = 0, day = 0;
    fl_dateorder_init(&st, FL_DO_MDY);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 3, 4, &mon, &day), 0);
    CHECK_INT(mon, 3);
    CHECK_INT(day, 4);
    /* 25/03 cannot be month 25: the fixed order does not give way. */
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 25, 3, &mon, &day), FL_EUNPARSED);
    fl_dateorder_init(&st, FL_DO_YMD); /* the fields after the year: month, day */
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 3, 25, &mon, &day), 0);
    CHECK_INT(mon, 3);
    CHECK_INT(day, 25);
    fl_dateorder_init(&st, FL_DO_DMY);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_MDY, 3, 4, &mon, &day), 0);
    CHECK_INT(mon, 4);
    CHECK_INT(day, 3);
}

static void first_field_over_12_makes_file_dmy_for_good(void)
{
    struct fl_dateorder st;
    unsigned mon = 0, day = 0;
    fl_dateorder_init(&st, FL_DO_AUTO);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_MDY, 3, 4, &mon, &day), 0); /* default until told */
    CHECK_INT(mon, 3);
    CHECK_INT(day, 4);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_MDY, 25, 3, &mon, &day), 0);
    CHECK_INT(mon, 3);
    CHECK_INT(day, 25);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_MDY, 3, 4, &mon, &day), 0); /* now dmy */
    CHECK_INT(mon, 4);
    CHECK_INT(day, 3);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_MDY, 3, 25, &mon, &day), FL_EUNPARSED);
}

static void second_field_over_12_makes_file_mdy_for_good(void)
{
    struct fl_dateorder st;
    unsigned mon = 0, day = 0;
    fl_dateorder_init(&st, FL_DO_AUTO);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 3, 4, &mon, &day), 0);
    CHECK_INT(mon, 4);
    CHECK_INT(day, 3);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 12, 31, &mon, &day), 0);
    CHECK_INT(mon, 12);
    CHECK_INT(day, 31);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 3, 4, &mon, &day), 0); /* now mdy */
    CHECK_INT(mon, 3);
    CHECK_INT(day, 4);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 25, 3, &mon, &day), FL_EUNPARSED);
}

static void impossible_dates_are_unparsed_and_decide_nothing(void)
{
    struct fl_dateorder st;
    unsigned mon = 0, day = 0;
    fl_dateorder_init(&st, FL_DO_AUTO);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 13, 14, &mon, &day), FL_EUNPARSED);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 32, 1, &mon, &day), FL_EUNPARSED);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 0, 5, &mon, &day), FL_EUNPARSED);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 31, 4, &mon, &day), FL_EUNPARSED); /* Apr 31 */
    CHECK_INT(st.decided, FL_DO_AUTO);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 5, 3, &mon, &day), 0); /* still the default */
    CHECK_INT(mon, 3);
    CHECK_INT(day, 5);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_YMD, 2, 29, &mon, &day), 0); /* year checked later */
    CHECK_INT(mon, 2);
    CHECK_INT(day, 29);
}

static void year_first_date_reads_month_day_and_decides_nothing(void)
{
    struct fl_dateorder st;
    unsigned mon = 0, day = 0;
    fl_dateorder_init(&st, FL_DO_AUTO);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_YMD, 3, 25, &mon, &day), 0);
    CHECK_INT(mon, 3);
    CHECK_INT(day, 25);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_YMD, 25, 3, &mon, &day), FL_EUNPARSED);
    CHECK_INT(st.decided, FL_DO_AUTO);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 3, 4, &mon, &day), 0); /* d.m default intact */
    CHECK_INT(mon, 4);
    CHECK_INT(day, 3);
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_DMY, 25, 3, &mon, &day), 0); /* decides dmy */
    CHECK_INT(fl_dateorder_apply(&st, FL_DO_YMD, 3, 25, &mon, &day), 0); /* still month-day */
    CHECK_INT(mon, 3);
    CHECK_INT(day, 25);
}

static void now_ms_reads_the_wall_clock(void)
{
    int64_t before = (int64_t)time(NULL) * 1000;
    int64_t now = fl_now_ms();
    CHECK(now >= before - 1000 && now <= before + 2000);
}

UNIT_MAIN(UNIT_TEST(civil_days_match_known_dates), UNIT_TEST(civil_from_days_inverts_days_from_civil),
          UNIT_TEST(civil_valid_knows_month_lengths_leap_years_and_leap_second),
          UNIT_TEST(utc_names_load_without_disk_and_convert_identically),
          UNIT_TEST(berlin_winter_is_utc_plus_1_and_summer_utc_plus_2),
          UNIT_TEST(spring_forward_gap_moves_forward_by_the_gap),
          UNIT_TEST(repeated_hour_switches_to_later_instant_after_step_back),
          UNIT_TEST(step_back_of_exactly_one_second_keeps_earlier_instant),
          UNIT_TEST(repeated_hour_without_state_takes_earlier_instant),
          UNIT_TEST(zeroed_fold_state_behaves_like_init),
          UNIT_TEST(late_record_after_repeated_hour_is_not_a_step_back),
          UNIT_TEST(new_york_gap_and_repeated_hour),
          UNIT_TEST(half_hour_offsets_kolkata_and_adelaide_dst),
          UNIT_TEST(far_future_years_follow_the_footer_rule),
          UNIT_TEST(before_first_transition_uses_local_mean_time),
          UNIT_TEST(fixed_offset_footer_after_last_transition),
          UNIT_TEST(negative_rule_hours_in_nuuk),
          UNIT_TEST(unknown_zone_returns_null_and_names_the_zone),
          UNIT_TEST(offset_at_reports_both_sides_of_a_change),
          UNIT_TEST(footer_only_zone_converts_like_the_full_one),
          UNIT_TEST(v1_only_file_and_garbage_file), UNIT_TEST(date_order_names),
          UNIT_TEST(fixed_date_order_wins_over_the_data),
          UNIT_TEST(first_field_over_12_makes_file_dmy_for_good),
          UNIT_TEST(second_field_over_12_makes_file_mdy_for_good),
          UNIT_TEST(impossible_dates_are_unparsed_and_decide_nothing),
          UNIT_TEST(year_first_date_reads_month_day_and_decides_nothing),
          UNIT_TEST(now_ms_reads_the_wall_clock))
