/* ingest/spool.c: zstd segment files as an ordered, bounded, durable queue.
 *
 * A record is one text line: key, source, category, cell, ts_ms and the event JSON, TAB
 * separated (the JSON writer escapes TAB and newlines, and the other fields are cleaned of
 * them on append), so a segment is also readable with `zstdcat`. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/log.h"
#include "core/zfile.h"
#include "ingest/spool.h"

#define SEGMENT_MAX_BYTES (8u << 20)
#define MAX_SEGMENTS 4096

struct segment {
    uint64_t id;
    uint64_t bytes;
    uint64_t records_read;      /* handed out by fl_spool_next */
    uint64_t records_delivered;
    bool is_read_done;          /* reader reached its end */
};

struct fl_spool {
    char *dir;
    uint64_t max_bytes;
    struct segment segs[MAX_SEGMENTS]; /* oldest first; the last may be the active one */
    size_t n_segs;
    struct fl_zwriter *active;  /* writes go to segs[n_segs-1] when set */
    uint64_t active_unsynced;   /* records appended since the last sync */
    uint64_t next_id;
    struct fl_zreader *reader;  /* replay cursor */
    size_t reader_seg;          /* index into segs of the segment being read */
    struct fl_buf line;
    uint64_t generation;        /* bumped by rewind: deliveries of older reads are ignored */
    struct fl_spool_stats stats;
};

/* A replay token carries the segment id and the rewind generation it was read in. */
#define TOKEN_ID_BITS 44
#define TOKEN_ID_MASK ((UINT64_C(1) << TOKEN_ID_BITS) - 1)

static void seg_path(const struct fl_spool *s, uint64_t id, char *out, size_t cap)
{
    snprintf(out, cap, "%s/seg-%016" PRIx64 ".zst", s->dir, id);
}

static int cmp_seg(const void *a, const void *b)
{
    const struct segment *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

struct fl_spool *fl_spool_open(const char *dir, uint64_t max_bytes, struct fl_err *err)
{
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        fl_err_set(err, dir, 0, UINT64_MAX, "mkdir: %s", strerror(errno));
        return NULL;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fl_err_set(err, dir, 0, UINT64_MAX, "opendir: %s", strerror(errno));
        return NULL;
    }
    struct fl_spool *s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        closedir(d);
        fl_err_set(err, dir, 0, UINT64_MAX, "out of memory");
        return NULL;
    }
    s->max_bytes = max_bytes;
    fl_buf_init(&s->line, 0);
    struct dirent *de;
    while ((de = readdir(d)) && s->n_segs < MAX_SEGMENTS) {
        uint64_t id;
        if (sscanf(de->d_name, "seg-%16" SCNx64 ".zst", &id) != 1)
            continue;
        char path[4200];
        seg_path(s, id, path, sizeof path);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        s->segs[s->n_segs++] = (struct segment){.id = id, .bytes = (uint64_t)st.st_size};
        s->stats.bytes += (uint64_t)st.st_size;
        if (id >= s->next_id)
            s->next_id = id + 1;
    }
    closedir(d);
    qsort(s->segs, s->n_segs, sizeof s->segs[0], cmp_seg);
    s->stats.segments = s->n_segs;
    if (s->n_segs)
        fl_info("%s: %zu spool segment%s (%" PRIu64 " bytes) from a previous run will be "
                "replayed", dir, s->n_segs, s->n_segs == 1 ? "" : "s", s->stats.bytes);
    return s;
}

static void seg_remove(struct fl_spool *s, size_t i)
{
    char path[4200];
    seg_path(s, s->segs[i].id, path, sizeof path);
    unlink(path);
    s->stats.bytes -= s->segs[i].bytes <= s->stats.bytes ? s->segs[i].bytes : s->stats.bytes;
    memmove(&s->segs[i], &s->segs[i + 1], (s->n_segs - i - 1) * sizeof s->segs[0]);
    s->n_segs--;
    s->stats.segments = s->n_segs;
    if (s->reader && s->reader_seg > i)
        s->reader_seg--;
}

static int close_active(struct fl_spool *s)
{
    if (!s->active)
        return 0;
    int rc = fl_zwriter_close(s->active);
    s->active = NULL;
    return rc;
}

/* Keeps the spool under its bound by dropping the oldest segments not being written. */
static void enforce_bound(struct fl_spool *s)
{
    while (s->stats.bytes > s->max_bytes && s->n_segs > 1) {
        if (s->reader && s->reader_seg == 0) {
            fl_zreader_close(s->reader);
            s->reader = NULL;
        }
        fl_error("spool over its limit (%" PRIu64 " > %" PRIu64 " bytes): dropping the oldest "
                 "segment seg-%016" PRIx64 " (%" PRIu64 " bytes of events are lost)",
                 s->stats.bytes, s->max_bytes, s->segs[0].id, s->segs[0].bytes);
        s->stats.segments_dropped++;
        s->stats.bytes_dropped += s->segs[0].bytes;
        seg_remove(s, 0);
    }
}

static int open_active(struct fl_spool *s)
{
    if (s->n_segs == MAX_SEGMENTS)
        return FL_ETOOBIG;
    uint64_t id = s->next_id++;
    char path[4200];
    seg_path(s, id, path, sizeof path);
    struct fl_err err;
    s->active = fl_zwriter_open(path, 1, false, &err); /* zstd 1: half the CPU of 3 */
    if (!s->active) {
        fl_error("%s: %s", path, err.msg);
        return FL_EIO;
    }
    s->segs[s->n_segs++] = (struct segment){.id = id};
    s->stats.segments = s->n_segs;
    return 0;
}

static void put_field(struct fl_buf *b, struct fl_str f)
{
    for (size_t i = 0; i < f.len; i++) {
        char c = f.p[i];
        fl_buf_putc(b, c == '\t' || c == '\n' || c == '\r' ? ' ' : c);
    }
    fl_buf_putc(b, '\t');
}

int fl_spool_append(struct fl_spool *s, const struct fl_spool_rec *rec)
{
    int rc;
    if (!s->active && (rc = open_active(s)))
        return rc;
    fl_buf_reset(&s->line);
    put_field(&s->line, rec->key);
    put_field(&s->line, rec->source);
    put_field(&s->line, rec->category);
    put_field(&s->line, rec->cell);
    fl_buf_printf(&s->line, "%" PRId64 "\t", rec->ts_ms);
    fl_buf_append(&s->line, rec->json.p, rec->json.len);
    if ((rc = fl_buf_putc(&s->line, '\n')))
        return rc;
    if ((rc = fl_zwriter_write(s->active, s->line.data, s->line.len)))
        return rc;
    s->active_unsynced++;
    s->stats.records_spooled++;
    return 0;
}

int fl_spool_sync(struct fl_spool *s)
{
    if (!s->active || !s->active_unsynced)
        return 0;
    int rc = fl_zwriter_sync(s->active);
    if (rc)
        return rc;
    s->active_unsynced = 0;
    struct segment *seg = &s->segs[s->n_segs - 1];
    uint64_t now_bytes = fl_zwriter_bytes(s->active);
    s->stats.bytes += now_bytes - seg->bytes;
    seg->bytes = now_bytes;
    if (seg->bytes >= SEGMENT_MAX_BYTES)
        rc = close_active(s);
    enforce_bound(s);
    return rc;
}

bool fl_spool_is_empty(const struct fl_spool *s)
{
    return s->n_segs == 0;
}

/* Splits a spooled line back into its fields. */
static bool parse_line(const char *p, size_t n, struct fl_spool_rec *rec)
{
    struct fl_str f[6];
    size_t start = 0, k = 0;
    for (size_t i = 0; i < n && k < 5; i++) {
        if (p[i] == '\t') {
            f[k++] = (struct fl_str){p + start, i - start};
            start = i + 1;
        }
    }
    if (k != 5)
        return false;
    f[5] = (struct fl_str){p + start, n - start};
    rec->key = f[0];
    rec->source = f[1];
    rec->category = f[2];
    rec->cell = f[3];
    rec->ts_ms = strtoll(f[4].p, NULL, 10);
    rec->json = f[5];
    return true;
}

int fl_spool_next(struct fl_spool *s, struct fl_spool_rec *rec, uint64_t *segment_id)
{
    for (;;) {
        if (!s->reader) {
            /* The first segment not yet read to its end. */
            size_t i = 0;
            while (i < s->n_segs && s->segs[i].is_read_done)
                i++;
            if (i == s->n_segs)
                return 0;
            /* Seal the segment being written before reading it. The sync may drop the
             * oldest segments (the bound): indices shift, so look again. */
            if (i == s->n_segs - 1 && s->active) {
                int rc = fl_spool_sync(s);
                if (rc || (s->active && (rc = close_active(s))))
                    return rc;
                continue;
            }
            char path[4200];
            seg_path(s, s->segs[i].id, path, sizeof path);
            struct fl_err err;
            s->reader = fl_zreader_open(path, &err);
            if (!s->reader) {
                fl_error("%s: %s; skipping the segment", path, err.msg);
                seg_remove(s, i);
                continue;
            }
            s->reader_seg = i;
            s->segs[i].records_read = 0;
            s->segs[i].records_delivered = 0;
        }
        const char *line;
        size_t len;
        int rc = fl_zreader_line(s->reader, &line, &len);
        struct segment *seg = &s->segs[s->reader_seg];
        if (rc == 1) {
            if (!parse_line(line, len, rec)) {
                fl_warn("spool seg-%016" PRIx64 ": a malformed record was skipped", seg->id);
                continue;
            }
            seg->records_read++;
            *segment_id = (s->generation << TOKEN_ID_BITS) | (seg->id & TOKEN_ID_MASK);
            s->stats.records_replayed++;
            return 1;
        }
        if (rc < 0) {
            /* A read error is not the end of the segment: keep it on disk, unread, so the
             * next replay tries again instead of deleting what it could not send. */
            fl_error("spool seg-%016" PRIx64 ": read error; the segment is kept for a retry",
                     seg->id);
            fl_zreader_close(s->reader);
            s->reader = NULL;
            return rc;
        }
        fl_zreader_close(s->reader);
        s->reader = NULL;
        seg->is_read_done = true;
        if (seg->records_delivered == seg->records_read)
            seg_remove(s, s->reader_seg);
    }
}

void fl_spool_delivered(struct fl_spool *s, uint64_t segment_id)
{
    if ((segment_id >> TOKEN_ID_BITS) != (s->generation & (UINT64_MAX >> TOKEN_ID_BITS)))
        return; /* read before a rewind: that segment is being read again */
    segment_id &= TOKEN_ID_MASK;
    for (size_t i = 0; i < s->n_segs; i++) {
        struct segment *seg = &s->segs[i];
        if ((seg->id & TOKEN_ID_MASK) != segment_id)
            continue;
        seg->records_delivered++;
        bool is_reading = s->reader && s->reader_seg == i;
        if (seg->is_read_done && !is_reading && seg->records_delivered >= seg->records_read)
            seg_remove(s, i);
        return;
    }
}

void fl_spool_rewind(struct fl_spool *s)
{
    s->generation++;
    if (s->reader) {
        fl_zreader_close(s->reader);
        s->reader = NULL;
    }
    for (size_t i = 0; i < s->n_segs; i++) {
        s->segs[i].is_read_done = false;
        s->segs[i].records_read = 0;
        s->segs[i].records_delivered = 0;
    }
}

const struct fl_spool_stats *fl_spool_stats(const struct fl_spool *s)
{
    return &s->stats;
}

int fl_spool_close(struct fl_spool *s)
{
    if (!s)
        return 0;
    int rc = fl_spool_sync(s);
    int rc2 = close_active(s);
    if (s->reader)
        fl_zreader_close(s->reader);
    fl_buf_free(&s->line);
    free(s->dir);
    free(s);
    return rc ? rc : rc2;
}
