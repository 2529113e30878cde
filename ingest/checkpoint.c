/* ingest/checkpoint.c: ack tracking and the atomic checkpoint file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ingest/checkpoint.h"

void fl_acks_init(struct fl_acks *a, uint64_t start_offset)
{
    memset(a, 0, sizeof *a);
    a->acked_offset = start_offset;
}

static int acks_grow(struct fl_acks *a)
{
    size_t ncap = a->cap ? a->cap * 2 : 1024;
    uint64_t *ends = malloc(ncap * sizeof *ends);
    uint8_t *done = malloc(ncap);
    if (!ends || !done) {
        free(ends);
        free(done);
        return FL_ENOMEM;
    }
    /* Re-index the live window [head_seq, next_seq) into the bigger ring. */
    for (uint64_t s = a->head_seq; s < a->next_seq; s++) {
        ends[s % ncap] = a->end_offsets[s % a->cap];
        done[s % ncap] = a->is_done[s % a->cap];
    }
    free(a->end_offsets);
    free(a->is_done);
    a->end_offsets = ends;
    a->is_done = done;
    a->cap = ncap;
    return 0;
}

int fl_acks_push(struct fl_acks *a, uint64_t end_offset, uint64_t *seq)
{
    if (fl_acks_in_flight(a) == a->cap) {
        int rc = acks_grow(a);
        if (rc)
            return rc;
    }
    uint64_t s = a->next_seq++;
    a->end_offsets[s % a->cap] = end_offset;
    a->is_done[s % a->cap] = 0;
    *seq = s;
    return 0;
}

void fl_acks_done(struct fl_acks *a, uint64_t seq)
{
    if (seq < a->head_seq || seq >= a->next_seq)
        return;
    a->is_done[seq % a->cap] = 1;
    while (a->head_seq < a->next_seq && a->is_done[a->head_seq % a->cap]) {
        uint64_t end = a->end_offsets[a->head_seq % a->cap];
        if (end > a->acked_offset)
            a->acked_offset = end;
        a->head_seq++;
    }
}

void fl_acks_free(struct fl_acks *a)
{
    free(a->end_offsets);
    free(a->is_done);
    a->end_offsets = NULL;
    a->is_done = NULL;
    a->cap = 0;
}

/* The path ends its line: a newline, CR or backslash in a file name is written escaped
 * (\n, \r, \\), so a hostile name cannot break the file. */
static void write_path(FILE *f, const char *p)
{
    for (; *p; p++) {
        if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p == '\\')
            fputs("\\\\", f);
        else
            fputc(*p, f);
    }
}

static void unescape_path(char *p)
{
    char *w = p;
    for (; *p; p++) {
        if (*p == '\\' && (p[1] == 'n' || p[1] == 'r' || p[1] == '\\')) {
            p++;
            *w++ = *p == 'n' ? '\n' : *p == 'r' ? '\r' : '\\';
        } else {
            *w++ = *p;
        }
    }
    *w = 0;
}

static struct fl_ckpt_entry *ckpt_find(const struct fl_ckpt *ck, uint64_t fp)
{
    for (size_t i = 0; i < ck->n; i++)
        if (ck->entries[i].fingerprint == fp)
            return &ck->entries[i];
    return NULL;
}

void fl_ckpt_forget(struct fl_ckpt *ck, uint64_t fingerprint)
{
    struct fl_ckpt_entry *e = ckpt_find(ck, fingerprint);
    if (!e)
        return;
    *e = ck->entries[--ck->n];
    ck->is_dirty = true;
}

const struct fl_ckpt_entry *fl_ckpt_get(const struct fl_ckpt *ck, uint64_t fingerprint)
{
    return ckpt_find(ck, fingerprint);
}

int fl_ckpt_set(struct fl_ckpt *ck, uint64_t fingerprint, uint64_t offset, uint64_t dev,
                uint64_t ino, const char *path, int64_t now_ms)
{
    struct fl_ckpt_entry *e = ckpt_find(ck, fingerprint);
    if (!e) {
        if (ck->n == ck->cap) {
            size_t ncap = ck->cap ? ck->cap * 2 : 64;
            struct fl_ckpt_entry *ne = realloc(ck->entries, ncap * sizeof *ne);
            if (!ne)
                return FL_ENOMEM;
            ck->entries = ne;
            ck->cap = ncap;
        }
        e = &ck->entries[ck->n++];
        memset(e, 0, sizeof *e);
        e->fingerprint = fingerprint;
    } else if (e->offset == offset && e->dev == dev && e->ino == ino &&
               strcmp(e->path, path ? path : "") == 0) {
        /* Unchanged: refreshed once an hour only, so a file that sits still (an old
         * rotated copy) never looks long gone to fl_ckpt_expire, without rewriting the
         * checkpoint file every interval. */
        if (now_ms - e->updated_ms >= FL_CKPT_REFRESH_MS) {
            e->updated_ms = now_ms;
            ck->is_dirty = true;
        }
        return 0;
    }
    if (offset > e->offset || e->offset == 0)
        e->offset = offset;
    e->dev = dev;
    e->ino = ino;
    e->updated_ms = now_ms;
    snprintf(e->path, sizeof e->path, "%s", path ? path : "");
    ck->is_dirty = true;
    return 0;
}

int fl_ckpt_open(struct fl_ckpt *ck, const char *path, struct fl_err *err)
{
    memset(ck, 0, sizeof *ck);
    ck->path = strdup(path);
    if (!ck->path)
        return FL_ENOMEM;
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        fl_err_set(err, path, 0, UINT64_MAX, "open: %s", strerror(errno));
        return FL_EIO;
    }
    int rc = 0;
    char *line = NULL;
    size_t cap = 0;
    uint32_t lineno = 0;
    while (getline(&line, &cap, f) != -1) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        uint64_t fp, off, dev, ino;
        int64_t upd;
        int pos = 0;
        if (sscanf(line, "v1 %16" SCNx64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64 " %n",
                   &fp, &off, &dev, &ino, &upd, &pos) != 5 || pos == 0) {
            fl_err_set(err, path, lineno, UINT64_MAX, "bad checkpoint entry near '%.40s'", line);
            rc = FL_ECORRUPT;
            break;
        }
        char *p = line + pos;
        p[strcspn(p, "\n")] = 0;
        unescape_path(p);
        if ((rc = fl_ckpt_set(ck, fp, off, dev, ino, p, upd)))
            break;
    }
    free(line);
    fclose(f);
    ck->is_dirty = false;
    return rc;
}

int fl_ckpt_save(struct fl_ckpt *ck, struct fl_err *err)
{
    if (!ck->is_dirty)
        return 0;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", ck->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        fl_err_set(err, tmp, 0, UINT64_MAX, "open: %s", strerror(errno));
        return FL_EIO;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return FL_ENOMEM;
    }
    fprintf(f, "# faultline checkpoints: v1 fingerprint offset dev ino updated_ms path\n");
    for (size_t i = 0; i < ck->n; i++) {
        const struct fl_ckpt_entry *e = &ck->entries[i];
        fprintf(f, "v1 %016" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " ",
                e->fingerprint, e->offset, e->dev, e->ino, e->updated_ms);
        write_path(f, e->path);
        fputc('\n', f);
    }
    /* Data on disk before the rename makes it visible: a crash leaves old or new, never half. */
    bool is_bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (fclose(f) != 0)
        is_bad = true;
    if (is_bad || rename(tmp, ck->path) != 0) {
        fl_err_set(err, ck->path, 0, UINT64_MAX, "write: %s", strerror(errno));
        unlink(tmp);
        return FL_EIO;
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", ck->path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    ck->is_dirty = false;
    return 0;
}

void fl_ckpt_expire(struct fl_ckpt *ck, int64_t cutoff_ms)
{
    size_t w = 0;
    for (size_t i = 0; i < ck->n; i++) {
        if (ck->entries[i].updated_ms >= cutoff_ms)
            ck->entries[w++] = ck->entries[i];
        else
            ck->is_dirty = true;
    }
    ck->n = w;
}

void fl_ckpt_close(struct fl_ckpt *ck)
{
    free(ck->entries);
    free(ck->path);
    memset(ck, 0, sizeof *ck);
}
