/* parsers/layout.h: the engine for configured line layouts (DESIGN.md "Configurable layouts").
 *
 * A line layout is a PCRE2 pattern whose named groups (ts, level, component, message and
 * optionally code; ftdiag also reads host) cut the first line of a record into fields, a
 * strptime-like ts_format that reads the ts group, and a continuation pattern that the
 * following lines of the same record match. ftdiag and historian both read configured
 * layouts, and historian's built-in shapes are layouts too; this is their one copy.
 *
 * What it never does: I/O, clocks, globals, or deciding what a field means. Severity words,
 * which date a time-only stamp belongs to, the file's day/month order and the zone are the
 * parser's. Patterns are compiled (JIT) once, when a parser opens; matching and reading a
 * time allocate nothing. */
#ifndef FL_LAYOUT_H
#define FL_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "core/err.h"

/* Compiles pattern in UTF mode (invalid UTF-8 in a subject never matches) and JIT-compiles
 * it when the platform can. On a bad pattern returns NULL and fills err:
 *   "<who>: layout <what>: <PCRE2 message> at offset <N> in '<pattern>'"
 * (who names the parser, what the pattern: "pattern", "continuation", "built-in"; file may be
 * NULL). new: free with pcre2_code_free. */
pcre2_code *fl_layout_compile_re(const char *pattern, const char *who, const char *what,
                                 const char *file, struct fl_err *err);

/* The named groups a line pattern may have. */
enum fl_layout_field {
    FL_LF_TS,
    FL_LF_LEVEL,
    FL_LF_COMPONENT,
    FL_LF_MESSAGE,
    FL_LF_CODE,
    FL_LF_HOST,
    FL_LF_N
};

/* Where a field sits in the matched text. is_set is false (and off = len = 0) when the
 * pattern has no such group or the group took no part in the match. */
struct fl_layout_span {
    size_t off, len;
    bool is_set;
};

/* The fields of one matched line, as offsets into it (so they stay valid for a copy). */
struct fl_layout_fields {
    struct fl_layout_span f[FL_LF_N];
};

/* A compiled line layout. The caller owns the struct; zero it (or let init fail) and
 * fl_layout_line_free is safe. */
struct fl_layout_line {
    pcre2_code *re;          /* the line pattern */
    pcre2_match_data *md;    /* from the pattern: room for every group */
    uint32_t n_pairs;        /* md's ovector pairs */
    uint32_t group[FL_LF_N]; /* group number of each field; 0: the pattern has none */
    pcre2_code *cont_re;     /* continuation pattern; NULL: none configured */
    pcre2_match_data *cont_md;
};

/* Compiles pattern (named groups looked up here) and continuation (NULL or "": none), with
 * their match data. Returns 0; FL_EINVAL with err set on a bad pattern (as
 * fl_layout_compile_re); FL_ENOMEM. On error ll holds nothing (free is still safe). */
int fl_layout_line_init(struct fl_layout_line *ll, const char *pattern, const char *continuation,
                        const char *who, const char *file, struct fl_err *err);
void fl_layout_line_free(struct fl_layout_line *ll);

/* Does the pattern have the named group of field f? */
static inline bool fl_layout_line_has(const struct fl_layout_line *ll, enum fl_layout_field f)
{
    return ll->group[f] != 0;
}

/* Matches p[0..n) against the line pattern; on a match fills out and returns true. Invalid
 * UTF-8 or a match error is no match. Uses ll's match data: one thread per ll. */
bool fl_layout_line_match(struct fl_layout_line *ll, const char *p, size_t n,
                          struct fl_layout_fields *out);

/* True when a continuation pattern is configured and p[0..n) matches it. */
bool fl_layout_line_continues(struct fl_layout_line *ll, const char *p, size_t n);

/* ---- ts_format: a strptime-like reader ----
 * Directives: %Y (4 digits) %y (4 digits: the year; 1-2 digits: 20YY; four digits are taken
 * when they fit, else two: "%y%m%d" reads "240105") %m %d %e (space-padded day) %H %I %M %S
 * (1-2 digits) %f (1 or more digits: fractions, truncated to ms) %p (AM/PM) %b %B %h (an
 * English month: a word whose first three letters name it, "Mar", "March", "Sept") %a %A
 * (a weekday, the same way; skipped) %z (Z, +hh, +hh:mm, +hhmm) %T
 * (%H:%M:%S) %F (%Y-%m-%d) %D (%m/%d/%y) %R (%H:%M) %%. A blank in the format matches any run
 * of blanks (or none); a '.' or ',' right before %f matches either and makes the fraction
 * optional; any other byte matches itself. Trailing blanks in the text are allowed.
 *
 * A format is compiled once (when a parser opens) into steps, so reading a record's time
 * does not interpret the format again. */

#define FL_LAYOUT_TS_MAX_STEPS 128

struct fl_layout_ts {
    char step[FL_LAYOUT_TS_MAX_STEPS]; /* a directive letter, or a literal/blank/fraction step */
    char lit[FL_LAYOUT_TS_MAX_STEPS];  /* the byte a literal step matches */
    uint8_t n_steps;
    bool is_valid; /* false: the format was refused; it then reads nothing */
    bool has_y;    /* %y or %D: a second reading with a two-digit year may fit */
};

/* Compiles fmt into ts. On an unknown directive (or a lone trailing '%') or a format longer
 * than FL_LAYOUT_TS_MAX_STEPS steps, returns FL_EINVAL and fills err (may be NULL):
 *   "<who>: layout ts_format '<fmt>': unsupported directive %Q"
 * ts is then invalid: fl_layout_ts_read never fits, so a caller that keeps it anyway gets
 * records whose time does not read. Allocates nothing. */
int fl_layout_ts_compile(struct fl_layout_ts *ts, const char *fmt, const char *who,
                         const char *file, struct fl_err *err);

struct fl_layout_tm {
    int year, mon, day, hour, min, sec, ms; /* as read; 0 where no directive set them */
    bool has_year, has_mon, has_day;
    bool has_time; /* %H or %I was read */
    bool has_ampm, is_pm;
    bool is_12h; /* the hour came from %I */
    bool has_zone;
    int zone_min;       /* %z: east of UTC, minutes */
    bool is_year_first; /* the year came before day and month: no day/month order to decide */
    bool is_mon_named;  /* the month came from %b */
    int pair[2];        /* %m and %d values in the order written (day/month order decision) */
    int n_pair;
};

/* Reads all of p[0..n) with ts into tm. false when the text does not fit the format. */
bool fl_layout_ts_read(const struct fl_layout_ts *ts, const char *p, size_t n,
                       struct fl_layout_tm *tm);

/* Local epoch ms (fl_civil_ms) of tm's time of day on the date the caller decided. %p or %I
 * mean a 12-hour clock: the hour must be 1..12, 12 AM is 00, 12 PM is 12. Returns false when
 * the date or time is out of range. */
bool fl_layout_tm_local_ms(const struct fl_layout_tm *tm, int64_t year, unsigned mon, unsigned day,
                           int64_t *local_ms);

#endif
