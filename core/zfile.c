/* core/zfile.c: zstd append writer with durable syncs, and a line reader. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include "core/zfile.h"

struct fl_zwriter {
    int fd;
    ZSTD_CCtx *cctx;
    struct fl_buf out;   /* compressed bytes not yet written */
    uint64_t bytes;
    int first_error;
    char *path;
};

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return FL_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

struct fl_zwriter *fl_zwriter_open(const char *path, int level, bool is_append,
                                   struct fl_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (is_append ? O_APPEND : O_TRUNC), 0640);
    if (fd < 0) {
        fl_err_set(err, path, 0, UINT64_MAX, "open: %s", strerror(errno));
        return NULL;
    }
    struct fl_zwriter *w = calloc(1, sizeof *w);
    if (!w || !(w->cctx = ZSTD_createCCtx()) || !(w->path = strdup(path))) {
        if (w)
            ZSTD_freeCCtx(w->cctx);
        free(w);
        close(fd);
        fl_err_set(err, path, 0, UINT64_MAX, "out of memory");
        return NULL;
    }
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
    w->fd = fd;
    fl_buf_init(&w->out, 0);
    off_t end = lseek(fd, 0, SEEK_END);
    w->bytes = end > 0 ? (uint64_t)end : 0;
    return w;
}

static int compress(struct fl_zwriter *w, const void *p, size_t n, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        int rc = fl_buf_reserve(&w->out, ZSTD_CStreamOutSize());
        if (rc)
            return rc;
        ZSTD_outBuffer out = {w->out.data + w->out.len, w->out.cap - w->out.len, 0};
        size_t left = ZSTD_compressStream2(w->cctx, &out, &in, mode);
        if (ZSTD_isError(left))
            return FL_EIO;
        w->out.len += out.pos;
        if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0)
            return 0;
    }
}

int fl_zwriter_write(struct fl_zwriter *w, const void *p, size_t n)
{
    int rc = compress(w, p, n, ZSTD_e_continue);
    /* Keep compressed output from piling up between syncs. */
    if (!rc && w->out.len >= (1u << 20)) {
        rc = write_all(w->fd, w->out.data, w->out.len);
        if (!rc) {
            w->bytes += w->out.len;
            fl_buf_reset(&w->out);
        }
    }
    if (rc && !w->first_error)
        w->first_error = rc;
    return rc;
}

int fl_zwriter_sync(struct fl_zwriter *w)
{
    int rc = compress(w, NULL, 0, ZSTD_e_flush);
    if (!rc)
        rc = write_all(w->fd, w->out.data, w->out.len);
    if (!rc) {
        w->bytes += w->out.len;
        fl_buf_reset(&w->out);
        if (fdatasync(w->fd) != 0)
            rc = FL_EIO;
    }
    if (rc && !w->first_error)
        w->first_error = rc;
    return rc;
}

uint64_t fl_zwriter_bytes(const struct fl_zwriter *w)
{
    return w->bytes;
}

int fl_zwriter_close(struct fl_zwriter *w)
{
    if (!w)
        return 0;
    int rc = compress(w, NULL, 0, ZSTD_e_end);
    if (!rc)
        rc = write_all(w->fd, w->out.data, w->out.len);
    if (!rc && fsync(w->fd) != 0)
        rc = FL_EIO;
    if (close(w->fd) != 0 && !rc)
        rc = FL_EIO;
    if (!rc)
        rc = w->first_error;
    ZSTD_freeCCtx(w->cctx);
    fl_buf_free(&w->out);
    free(w->path);
    free(w);
    return rc;
}

struct fl_zreader {
    int fd;
    ZSTD_DCtx *dctx;
    char *in;
    size_t in_size, in_pos, in_len;
    struct fl_buf text;  /* decompressed bytes not yet handed out */
    size_t text_pos;
    bool is_eof;
};

struct fl_zreader *fl_zreader_open(const char *path, struct fl_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fl_err_set(err, path, 0, UINT64_MAX, "open: %s", strerror(errno));
        return NULL;
    }
    struct fl_zreader *r = calloc(1, sizeof *r);
    if (r) {
        r->in_size = ZSTD_DStreamInSize();
        r->in = malloc(r->in_size);
        r->dctx = ZSTD_createDCtx();
    }
    if (!r || !r->in || !r->dctx) {
        if (r) {
            free(r->in);
            ZSTD_freeDCtx(r->dctx);
        }
        free(r);
        close(fd);
        fl_err_set(err, path, 0, UINT64_MAX, "out of memory");
        return NULL;
    }
    r->fd = fd;
    fl_buf_init(&r->text, 0);
    return r;
}

/* Decompresses more text; false at the end (clean or truncated). */
static bool fill(struct fl_zreader *r)
{
    while (!r->is_eof) {
        if (r->in_pos == r->in_len) {
            ssize_t n = read(r->fd, r->in, r->in_size);
            if (n <= 0) {
                r->is_eof = true; /* a truncated frame simply ends here */
                return false;
            }
            r->in_len = (size_t)n;
            r->in_pos = 0;
        }
        if (fl_buf_reserve(&r->text, ZSTD_DStreamOutSize()))
            return false;
        ZSTD_inBuffer in = {r->in, r->in_len, r->in_pos};
        ZSTD_outBuffer out = {r->text.data + r->text.len, r->text.cap - r->text.len, 0};
        size_t rc = ZSTD_decompressStream(r->dctx, &out, &in);
        r->in_pos = in.pos;
        if (ZSTD_isError(rc)) {
            r->is_eof = true; /* corrupt tail: stop at the last good byte */
            return false;
        }
        r->text.len += out.pos;
        if (out.pos)
            return true;
    }
    return false;
}

int fl_zreader_line(struct fl_zreader *r, const char **line, size_t *len)
{
    for (;;) {
        char *start = r->text.data ? r->text.data + r->text_pos : NULL;
        size_t avail = r->text.len - r->text_pos;
        char *nl = avail ? memchr(start, '\n', avail) : NULL;
        if (nl) {
            *line = start;
            *len = (size_t)(nl - start);
            r->text_pos += *len + 1;
            return 1;
        }
        /* Move the partial line to the front before decompressing more. */
        if (r->text_pos) {
            fl_buf_consume(&r->text, r->text_pos);
            r->text_pos = 0;
        }
        if (!fill(r))
            return 0; /* an unterminated last line was never synced whole: dropped */
    }
}

void fl_zreader_close(struct fl_zreader *r)
{
    if (!r)
        return;
    close(r->fd);
    ZSTD_freeDCtx(r->dctx);
    free(r->in);
    fl_buf_free(&r->text);
    free(r);
}
