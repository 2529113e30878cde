/* parsers/historian_probe.c: does a file's head look like a GE Proficy Historian log
 * (formats/historian.md)? For --source auto: scores the record shapes of parsers/historian.c
 * by hand (no regex), and keeps look-alikes out: Kepware rows pasted with single spaces, a
 * Kepware header row, Ignition's container lines, and ISO-timestamped logs that never name a
 * Historian part. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parsers/historian.h"

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

/* Case-insensitive search for an ASCII literal: a plain loop that compares further only where
 * the first byte matches (strncasecmp per position was slow when this ran per record). */
static bool has_ci(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (m == 0)
        return true;
    char first = ascii_lower(lit[0]);
    for (size_t i = 0; i + m <= n; i++) {
        if (ascii_lower(p[i]) != first)
            continue;
        size_t k = 1;
        while (k < m && ascii_lower(p[i + k]) == ascii_lower(lit[k]))
            k++;
        if (k == m)
            return true;
    }
    return false;
}

static size_t digits_at(const char *p, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && hist_is_digit(p[k]))
        k++;
    return k - i;
}

/* "h:mm:ss" at p[*i] (1-2 digit hour); advances *i. */
static bool probe_time(const char *p, size_t n, size_t *i)
{
    size_t d = digits_at(p, n, *i);
    if (d < 1 || d > 2)
        return false;
    *i += d;
    for (int k = 0; k < 2; k++) {
        if (*i >= n || p[*i] != ':' || digits_at(p, n, *i + 1) != 2)
            return false;
        *i += 3;
    }
    return true;
}

/* "N/N/Y" with 1-2 digit fields and a year of ylen_min..4 digits. */
static bool probe_date_us(const char *p, size_t n, size_t *i, size_t ylen_min)
{
    for (int k = 0; k < 2; k++) {
        size_t d = digits_at(p, n, *i);
        if (d < 1 || d > 2 || *i + d >= n || p[*i + d] != '/')
            return false;
        *i += d + 1;
    }
    size_t y = digits_at(p, n, *i);
    if (y != 4 && y != ylen_min)
        return false;
    *i += y;
    return true;
}

/* Kepware rows pasted with single spaces read "M/D/YYYY h:mm:ss AM <Level> <Source> ...": the
 * level words are Kepware's, never the HDA trace's first word. */
static bool starts_kepware_level(const char *p, size_t n)
{
    static const char *const words[] = {"Information ", "Warning ", "Error ", "Security "};
    for (size_t k = 0; k < 4; k++) {
        size_t l = strlen(words[k]);
        if (n >= l && memcmp(p, words[k], l) == 0)
            return true;
    }
    return false;
}

/* Score of one line: 75 for (a) and (b), 40 for the ISO-like (c), 0 otherwise. */
static int probe_line(const char *p, size_t n)
{
    size_t i = 0;
    if (n > 0 && p[0] == '[') {
        i = 1;
        if (!probe_date_us(p, n, &i, 2) || i >= n || p[i] != ' ')
            return 0;
        i++;
        if (!probe_time(p, n, &i))
            return 0;
        if (i < n && (p[i] == '.' || p[i] == ',')) {
            size_t d = digits_at(p, n, i + 1);
            if (d == 0)
                return 0;
            i += 1 + d;
        }
        return i < n && p[i] == ']' ? 75 : 0;
    }
    if (n > 0 && hist_is_digit(p[0]) && digits_at(p, n, 0) <= 2) {
        if (!probe_date_us(p, n, &i, 4) || i >= n || p[i] != ' ')
            return 0;
        i++;
        if (!probe_time(p, n, &i) || i + 3 > n || p[i] != ' ')
            return 0;
        if ((p[i + 1] != 'A' && p[i + 1] != 'P') || p[i + 2] != 'M')
            return 0;
        i += 3;
        if (i < n && p[i] != ' ')
            return 0;
        if (i < n && starts_kepware_level(p + i + 1, n - i - 1))
            return 0;
        return 75;
    }
    if (digits_at(p, n, 0) == 4 && n > 19 && (p[4] == '-' || p[4] == '/') && p[7] == p[4] &&
        digits_at(p, n, 5) == 2 && digits_at(p, n, 8) == 2 && (p[10] == ' ' || p[10] == 'T')) {
        i = 11;
        if (digits_at(p, n, i) != 2 || !probe_time(p, n, &i))
            return 0;
        if (i < n && (p[i] == '.' || p[i] == ','))
            i += 1 + digits_at(p, n, i + 1);
        if (i >= n || !hist_is_space(p[i]))
            return 0;
        while (i < n && hist_is_space(p[i]))
            i++;
        /* Ignition's container copies put "| <logger>" after such a time. */
        if (i < n && p[i] == '|')
            return 0;
        return 40;
    }
    return 0;
}

static bool head_names_historian(const struct fl_line *lines, size_t n_lines)
{
    static const char *const words[] = {"archiver", "collector",  "historian",
                                        "proficy",  "MessageAdd", "iFIX"};
    for (size_t k = 0; k < n_lines; k++)
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
            if (has_ci(lines[k].text, lines[k].len, words[w]))
                return true;
    return false;
}

/* The first non-blank line decides (markup stripped); a record shape after a few stray lines
 * counts less. A Kepware header row is never ours. */
int fl_historian_probe(const uint8_t *raw, size_t raw_len, const struct fl_line *lines,
                       size_t n_lines)
{
    (void)raw;
    (void)raw_len;
    char tmp[512];
    size_t seen = 0;
    for (size_t k = 0; k < n_lines && seen < 5; k++) {
        const char *p = lines[k].text;
        size_t n = lines[k].len;
        if (hist_is_markup(p, n)) {
            size_t w = 0;
            for (size_t i = 0; i < n && w < sizeof tmp; i++) {
                if (p[i] == '<') {
                    const char *close = memchr(p + i, '>', n - i);
                    if (close) {
                        i = (size_t)(close - p);
                        continue;
                    }
                }
                tmp[w++] = p[i];
            }
            p = tmp;
            n = w;
        }
        if (hist_is_blank(p, n))
            continue;
        if (seen == 0 && n >= 4 && memcmp(p, "Date", 4) == 0 && has_ci(p, n, "level") &&
            has_ci(p, n, "source"))
            return 0;
        int score = probe_line(p, n);
        /* An ISO-like time starts half the logs in the world (logback, Python, ...): it
         * counts only when the head also names a Historian part. */
        if (score == 40 && !head_names_historian(lines, n_lines))
            score = 0;
        if (score)
            return seen == 0 ? score : score - 15;
        seen++;
    }
    return 0;
}
