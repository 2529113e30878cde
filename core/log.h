/* core/log.h: operator log lines on stderr with a level and a UTC time.
 * One line per call; never used for data output. Thread-safe (one write() per line). */
#ifndef FL_LOG_H
#define FL_LOG_H

enum fl_log_level { FL_LOG_ERROR, FL_LOG_WARN, FL_LOG_INFO, FL_LOG_DEBUG };

void fl_log_set_level(enum fl_log_level lvl);
/* Plain mode drops the time and level prefix (for CLI tools whose stderr a user reads). */
void fl_log_set_plain(int is_plain);
void fl_log(enum fl_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define fl_error(...) fl_log(FL_LOG_ERROR, __VA_ARGS__)
#define fl_warn(...) fl_log(FL_LOG_WARN, __VA_ARGS__)
#define fl_info(...) fl_log(FL_LOG_INFO, __VA_ARGS__)
#define fl_debug(...) fl_log(FL_LOG_DEBUG, __VA_ARGS__)

#endif
