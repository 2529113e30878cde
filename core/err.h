/* core/err.h: error codes and the error record every module fills.
 *
 * Functions return 0 or a negative FL_E* code; pointer-returning functions return NULL and
 * fill a struct fl_err. An error about input names the file, the line (or 0), the byte offset
 * and a short quote, so a message reads
 *   kepware: logs/kep01/events.txt:1234 (offset 98765): no timestamp near '...'
 * Nothing here allocates. */
#ifndef FL_ERR_H
#define FL_ERR_H

#include <stddef.h>
#include <stdint.h>

enum {
    FL_OK = 0,
    FL_ENOMEM = -1,     /* allocation failed */
    FL_EIO = -2,        /* read/write/open failed: errno text in msg */
    FL_EINVAL = -3,     /* bad argument or option */
    FL_ETOOBIG = -4,    /* a buffer's limit was reached */
    FL_EUNPARSED = -5,  /* input fits no layout (becomes an unparsed event, never fatal) */
    FL_ECORRUPT = -6,   /* structurally broken input (binary file, config) */
    FL_EAGAIN = -7,     /* needs more input before it can decide */
    FL_ENOTFOUND = -8,  /* unknown name (zone, source, key) */
    FL_ESYNTAX = -9,    /* config/rules syntax: line and column set */
};

struct fl_err {
    char file[256];  /* path as configured, "" when not about a file */
    uint32_t line;   /* 1-based line, 0 when unknown */
    uint32_t col;    /* 1-based column, 0 when unknown */
    uint64_t offset; /* byte offset in the file as stored, UINT64_MAX when unknown */
    char msg[256];   /* what is wrong, with a short quote of the input when useful */
};

/* Clears err (no file, no line, offset unknown, empty msg). err may be NULL. */
void fl_err_clear(struct fl_err *err);

/* Fills err; file may be NULL. Truncates long texts. err may be NULL (then does nothing). */
void fl_err_set(struct fl_err *err, const char *file, uint32_t line, uint64_t offset,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Formats "file:line:col (offset N): msg", leaving out the parts that are unknown. */
void fl_err_format(const struct fl_err *err, char *out, size_t cap);

/* Static name of an FL_E* code ("out of memory", ...). */
const char *fl_strerror(int rc);

#endif
