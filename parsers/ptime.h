/* parsers/ptime.h: civil time, IANA zones and local-to-UTC conversion.
 *
 * Zones are read from the system's TZif files (/usr/share/zoneinfo, or $TZDIR), version 2+
 * 64-bit data plus the POSIX footer rule for instants past the last transition. Conversion
 * follows DESIGN.md's time rule exactly:
 *  - a local time in a spring-forward gap moves forward by the gap;
 *  - in a repeated (autumn) hour the first occurrence is the earlier instant; once a file's
 *    local times step back by more than 1 s inside that hour, its later records are the later
 *    instant (the per-file struct fl_tzfold carries that state).
 * Pure after load: no global TZ, no mktime, no localtime. */
#ifndef FL_PTIME_H
#define FL_PTIME_H

#include <stdbool.h>
#include <stdint.h>
#include "core/err.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12, day 1..31). */
int64_t fl_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse of fl_days_from_civil. */
void fl_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* Milliseconds of a civil date-time read as if it were UTC ("local epoch ms"). */
int64_t fl_civil_ms(int64_t y, unsigned mon, unsigned day, unsigned h, unsigned min, unsigned s,
                    unsigned ms);
/* Checks ranges (month 1..12, day within the month incl. leap years, h<24, min<60, s<61). */
bool fl_civil_valid(int64_t y, unsigned mon, unsigned day, unsigned h, unsigned min, unsigned s);

struct fl_tz; /* a loaded zone; immutable, shareable between files and threads */

/* Loads zone "name" ("UTC", "Europe/Berlin", ...). The UTC names ("UTC", "Etc/UTC", "Z",
 * "", ...) return the shared built-in zone without touching the disk (fl_tz_free ignores it).
 * Returns NULL and fills err (message naming the zone) for an unknown, unreadable or corrupt
 * zone file. new: free with fl_tz_free. */
struct fl_tz *fl_tz_load(const char *name, struct fl_err *err);
void fl_tz_free(struct fl_tz *tz);
const char *fl_tz_name(const struct fl_tz *tz);
/* The process-wide UTC zone (never freed). */
const struct fl_tz *fl_tz_utc(void);

/* Per-file state for the repeated hour: fl_tzfold_init (or zeroing) when a file starts. A
 * step back counts only when the previous record was inside the same repeated hour; a record
 * after the hour followed by one inside it is a late write and keeps the earlier instant. */
struct fl_tzfold {
    int64_t last_local_ms;  /* last local time converted, INT64_MIN at start */
    int64_t later_until_ms; /* local ms up to which the later instant is used (end of the
                             * repeated hour the file stepped back in), INT64_MIN if none */
    bool has_last;
};
void fl_tzfold_init(struct fl_tzfold *st);

/* Converts local epoch ms (fl_civil_ms) in zone tz to UTC epoch ms, updating st (may be NULL:
 * then the first occurrence is always taken). Returns 0. */
int fl_tz_to_utc(const struct fl_tz *tz, struct fl_tzfold *st, int64_t local_ms, int64_t *utc_ms);
/* UTC offset in seconds in force at a UTC instant (for tests and diagnostics). */
int32_t fl_tz_offset_at(const struct fl_tz *tz, int64_t utc_ms);

/* Numeric date order (DESIGN.md "Date order"). */
enum fl_date_order { FL_DO_AUTO = 0, FL_DO_DMY, FL_DO_MDY, FL_DO_YMD };
int fl_date_order_from_name(const char *name); /* "dmy" "mdy" "ymd" "auto"; -1 if unknown */

/* Per-file decision: fixed by config, else the first date whose first field is over 12 makes
 * the file dmy, whose second field is over 12 makes it mdy; before that, dflt applies. */
struct fl_dateorder {
    enum fl_date_order fixed;   /* from --date-order/config; AUTO if not set */
    enum fl_date_order decided; /* AUTO until a date decides it */
};
void fl_dateorder_init(struct fl_dateorder *st, enum fl_date_order fixed);
/* Given the two leading numeric fields a, b of a day/month date, sets *mon and *day. dflt is
 * the note's default for this separator (AUTO reads month first; YMD reads (month, day) and
 * neither uses nor sets the file's decision). Returns 0, or FL_EUNPARSED when the fields
 * cannot be a date in the resulting order; such a date decides nothing. */
int fl_dateorder_apply(struct fl_dateorder *st, enum fl_date_order dflt, unsigned a, unsigned b,
                       unsigned *mon, unsigned *day);

/* Wall clock now, UTC ms (the only clock read in parsers/ lives in the stream driver). */
int64_t fl_now_ms(void);

#endif
