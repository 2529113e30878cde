/* parsers/historian.h: internals of the GE Proficy Historian parser, shared by
 * parsers/historian*.c only (nothing else includes it; the parser's one public face is
 * fl_parser_historian).
 *
 *   historian.c        the parser proper: record shapes (line layouts, parsers/layout.h),
 *                      framing, time, severity, category, attrs
 *   historian_probe.c  whether a file's head is a Historian log (--source auto)
 *
 * Pure (parsers/parser.h): no I/O, no clock, no globals. */
#ifndef FL_HISTORIAN_H
#define FL_HISTORIAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/parser.h"

static inline bool hist_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool hist_is_space(char c)
{
    return c == ' ' || c == '\t';
}

static inline bool hist_is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!hist_is_space(p[i]))
            return false;
    return true;
}

/* True for "<" followed by a letter, '/' or '!' as the first non-blank byte: a line of the
 * HDA trace's HTML. Text lines of the other layouts begin with a digit or '['. */
static inline bool hist_is_markup(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && hist_is_space(p[i]))
        i++;
    if (i + 1 >= n || p[i] != '<')
        return false;
    char c = p[i + 1];
    return c == '/' || c == '!' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* fl_parser_historian.probe: 0..100 for a file whose first lines are these (parser.h). */
int fl_historian_probe(const uint8_t *raw, size_t raw_len, const struct fl_line *lines,
                       size_t n_lines);

#endif
