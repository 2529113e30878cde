/* core/err.c: filling and formatting struct fl_err. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/err.h"

void fl_err_clear(struct fl_err *err)
{
    if (!err)
        return;
    err->file[0] = 0;
    err->line = 0;
    err->col = 0;
    err->offset = UINT64_MAX;
    err->msg[0] = 0;
}

void fl_err_set(struct fl_err *err, const char *file, uint32_t line, uint64_t offset,
                const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = 0;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void fl_err_format(const struct fl_err *err, char *out, size_t cap)
{
    if (!cap)
        return;
    size_t n = 0;
    int w;
    out[0] = 0;
#define ERR_PUT(...)                                          \
    do {                                                      \
        w = snprintf(out + n, cap - n, __VA_ARGS__);          \
        if (w < 0 || (size_t)w >= cap - n)                    \
            return;                                           \
        n += (size_t)w;                                       \
    } while (0)
    if (err->file[0]) {
        ERR_PUT("%s", err->file);
        if (err->line) {
            ERR_PUT(":%u", err->line);
            if (err->col)
                ERR_PUT(":%u", err->col);
        }
        if (err->offset != UINT64_MAX)
            ERR_PUT(" (offset %llu)", (unsigned long long)err->offset);
        ERR_PUT(": ");
    }
    ERR_PUT("%s", err->msg);
#undef ERR_PUT
}

const char *fl_strerror(int rc)
{
    switch (rc) {
    case FL_OK: return "success";
    case FL_ENOMEM: return "out of memory";
    case FL_EIO: return "input/output error";
    case FL_EINVAL: return "invalid argument";
    case FL_ETOOBIG: return "limit exceeded";
    case FL_EUNPARSED: return "fits no layout";
    case FL_ECORRUPT: return "corrupt input";
    case FL_EAGAIN: return "needs more input";
    case FL_ENOTFOUND: return "not found";
    case FL_ESYNTAX: return "syntax error";
    default: return "unknown error";
    }
}
