/* core/zfile.c: zstd append writer with durable syncs, and a line reader. Appending to a
 * file a crash left unfinished first closes (or cuts) its last frame: see find_good_end. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include "core/log.h"
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

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where the good data of an existing file ends, read from the zstd frame format (RFC 8878)
 * without decompressing: frame and block headers only.
 *
 * A crash leaves the last frame without its closing block, possibly with a block cut in
 * the middle (a partial write). Appending a new frame behind that would make every reader
 * take the new frame's magic number for a block header: garbage or a decode error, and the
 * data after it lost. So *good_end is the end of the last whole block, and *is_open says the
 * frame there still needs its last block. A frame that declares its size or a checksum can
 * not be closed early; it is cut off whole (faultline's writer never makes such frames). */
static int find_good_end(int fd, uint64_t size, uint64_t *good_end, bool *is_open)
{
    uint64_t pos = 0;
    *is_open = false;
    while (pos < size) {
        uint8_t h[18]; /* the largest frame header (RFC 8878) */
        size_t want = size - pos < sizeof h ? (size_t)(size - pos) : sizeof h;
        ssize_t got = pread(fd, h, want, (off_t)pos);
        if (got < 0)
            return FL_EIO;
        if (got < 5)
            break;
        uint32_t magic = le32(h);
        if ((magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START) {
            if (got < 8 || pos + 8 + le32(h + 4) > size)
                break;
            pos += 8 + le32(h + 4);
            continue;
        }
        if (magic != ZSTD_MAGICNUMBER) {
            if (pos == 0)
                return FL_ECORRUPT; /* not a zstd file at all: not ours to cut */
            break;
        }
        uint8_t fhd = h[4];
        if (fhd & 0x08)
            break; /* reserved bit: not a frame */
        bool is_single_segment = (fhd >> 5) & 1, has_checksum = (fhd >> 2) & 1;
        static const unsigned did_bytes[] = {0, 1, 2, 4};
        unsigned fcs_flag = fhd >> 6;
        unsigned fcs_bytes = fcs_flag ? 1u << fcs_flag : is_single_segment;
        uint64_t p = pos + 5 + !is_single_segment + did_bytes[fhd & 3] + fcs_bytes;
        if (p > size)
            break;
        bool is_closed = false;
        for (;;) {
            uint8_t b[3];
            if (p + 3 > size)
                break;
            if (pread(fd, b, 3, (off_t)p) != 3)
                return FL_EIO;
            uint32_t bh = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
            unsigned type = (bh >> 1) & 3;
            uint32_t block_bytes = bh >> 3;
            if (type == 3 || block_bytes > ZSTD_BLOCKSIZE_MAX)
                break;
            uint64_t payload = type == 1 ? 1 : block_bytes;
            if (p + 3 + payload > size)
                break;
            if (bh & 1) {
                if (has_checksum && p + 3 + payload + 4 > size)
                    break;
                p += 3 + payload + (has_checksum ? 4 : 0);
                is_closed = true;
                break;
            }
            p += 3 + payload;
        }
        if (is_closed) {
            pos = p;
            continue;
        }
        if (!has_checksum && fcs_bytes == 0) {
            pos = p;
            *is_open = true;
        }
        break;
    }
    *good_end = pos;
    return 0;
}

/* Makes an existing file end with whole frames before a new frame is appended. */
static int repair_tail(int fd, const char *path, uint64_t *end, struct fl_err *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fl_err_set(err, path, 0, UINT64_MAX, "stat: %s", strerror(errno));
        return FL_EIO;
    }
    uint64_t size = (uint64_t)st.st_size, good_end;
    bool is_open;
    int rc = find_good_end(fd, size, &good_end, &is_open);
    if (rc == FL_ECORRUPT) {
        fl_err_set(err, path, 0, 0, "not a zstd file: refusing to append to it");
        return rc;
    }
    if (rc) {
        fl_err_set(err, path, 0, UINT64_MAX, "read: %s", strerror(errno));
        return rc;
    }
    *end = good_end;
    if (good_end == size && !is_open)
        return 0;
    if (good_end < size)
        fl_warn("%s: %" PRIu64 " bytes after offset %" PRIu64 " were never completely "
                "written (a crash); cut before appending", path, size - good_end, good_end);
    /* O_APPEND: after the cut, the closing block lands at good_end. */
    static const uint8_t last_empty_block[3] = {1, 0, 0};
    if (ftruncate(fd, (off_t)good_end) != 0 ||
        (is_open && write_all(fd, (const char *)last_empty_block, 3) != 0) || fsync(fd) != 0) {
        fl_err_set(err, path, 0, good_end, "repairing the end of the file: %s", strerror(errno));
        return FL_EIO;
    }
    if (is_open)
        *end += 3;
    return 0;
}

struct fl_zwriter *fl_zwriter_open(const char *path, int level, bool is_append,
                                   struct fl_err *err)
{
    int flags = is_append ? O_RDWR | O_APPEND : O_WRONLY | O_TRUNC;
    int fd = open(path, flags | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        fl_err_set(err, path, 0, UINT64_MAX, "open: %s", strerror(errno));
        return NULL;
    }
    uint64_t end = 0;
    if (is_append && repair_tail(fd, path, &end, err) != 0) {
        close(fd);
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
    w->bytes = end;
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

/* Decompresses more text: 1 when some came, 0 at the end (clean, or a tail cut short by a
 * crash, or bytes that are not zstd: the reader stops at the last good block), negative
 * when the file cannot be read or memory runs out. */
static int fill(struct fl_zreader *r)
{
    while (!r->is_eof) {
        if (r->in_pos == r->in_len) {
            ssize_t n = read(r->fd, r->in, r->in_size);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return FL_EIO;
            if (n == 0) {
                r->is_eof = true; /* a truncated frame simply ends here */
                return 0;
            }
            r->in_len = (size_t)n;
            r->in_pos = 0;
        }
        int rc = fl_buf_reserve(&r->text, ZSTD_DStreamOutSize());
        if (rc)
            return rc;
        ZSTD_inBuffer in = {r->in, r->in_len, r->in_pos};
        ZSTD_outBuffer out = {r->text.data + r->text.len, r->text.cap - r->text.len, 0};
        size_t left = ZSTD_decompressStream(r->dctx, &out, &in);
        r->in_pos = in.pos;
        if (ZSTD_isError(left)) {
            r->is_eof = true; /* corrupt tail: stop at the last good byte */
            return 0;
        }
        r->text.len += out.pos;
        if (out.pos)
            return 1;
    }
    return 0;
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
        int rc = fill(r);
        if (rc <= 0)
            return rc; /* at the end, an unterminated last line was never synced whole */
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
