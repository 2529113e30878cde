/* core/log.c: one stderr line per message, written with a single write() so lines from
 * several threads never interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "core/log.h"

static enum fl_log_level log_level = FL_LOG_INFO;
static int log_is_plain;

void fl_log_set_level(enum fl_log_level lvl)
{
    log_level = lvl;
}

void fl_log_set_plain(int is_plain)
{
    log_is_plain = is_plain;
}

void fl_log(enum fl_log_level lvl, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (lvl > log_level)
        return;
    char line[2048];
    size_t n = 0;
    if (!log_is_plain) {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
        int w = snprintf(line + n, sizeof line - n, ".%03ldZ %-5s ", ts.tv_nsec / 1000000L,
                         names[lvl]);
        if (w > 0)
            n += (size_t)w;
    } else if (lvl <= FL_LOG_WARN) {
        int w = snprintf(line, sizeof line, "faultline: %s: ", names[lvl]);
        if (w > 0)
            n = (size_t)w;
    } else {
        int w = snprintf(line, sizeof line, "faultline: ");
        if (w > 0)
            n = (size_t)w;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    if (w > 0)
        n += (size_t)w < sizeof line - n - 1 ? (size_t)w : sizeof line - n - 2;
    line[n++] = '\n';
    ssize_t rc = write(STDERR_FILENO, line, n);
    (void)rc;
}
