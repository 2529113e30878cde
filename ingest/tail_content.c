/* ingest/tail_content.c: what was emitted and acknowledged of each content (see tail_int.h).
 * A content is a file's fingerprint under a host: a renamed file, a copytruncate copy and a
 * file read again after a restart share one, so each record leaves once. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "ingest/tail_int.h"

#define FP_KEEP_MS (10 * 60 * 1000) /* content states kept after their last file closed */
#define FP_KEEP_MAX 1024

static uint64_t host_hash_of(const struct fl_tail_file *tf)
{
    const char *h = tf->src->host ? tf->src->host : "";
    return XXH64(h, strlen(h), 0);
}

/* Drops content states released long ago (bounded count and age). */
static void fps_expire(struct fl_tail *t, int64_t now)
{
    struct fp_state **pp = &t->fps;
    while (*pp) {
        struct fp_state *f = *pp;
        if (f->refs == 0 && (now - f->released_ms > FP_KEEP_MS || t->n_fps > FP_KEEP_MAX)) {
            *pp = f->next;
            free(f);
            t->n_fps--;
            continue;
        }
        pp = &f->next;
    }
}

/* Finds (or creates) the content state of tf once its fingerprint is known, and starts the
 * file after what was delivered before: the checkpoint (a restart) or what another open file
 * with the same content already emitted (a copytruncate copy next to its original). */
void fl_tail_fps_attach(struct fl_tail *t, struct fl_tail_file *tf)
{
    uint64_t fp;
    if (tf->is_idb) /* DESIGN.md: an idb's fingerprint is its path */
        fp = fl_fingerprint_bytes(tf->path, strlen(tf->path));
    else if (!fl_stream_fingerprint(tf->stream, &fp))
        return;
    tf->fingerprint = fp;
    tf->has_fingerprint = true;
    uint64_t hh = host_hash_of(tf);
    const struct fl_ckpt_entry *e = t->opts.ckpt ? fl_ckpt_get(t->opts.ckpt, fp) : NULL;
    uint64_t ckpt_off = e ? e->offset : 0;
    struct fp_state *f = t->fps;
    while (f && !(f->fingerprint == fp && f->host_hash == hh))
        f = f->next;
    bool is_shared = f && f->refs > 0;
    if (!f) {
        f = calloc(1, sizeof *f);
        if (!f)
            return; /* no suppression beyond the checkpoint: duplicates, never loss */
        f->fingerprint = fp;
        f->host_hash = hh;
        f->next = t->fps;
        t->fps = f;
        t->n_fps++;
    }
    f->refs++;
    if (f->emitted_end < ckpt_off)
        f->emitted_end = ckpt_off;
    tf->fps = f;
    /* Acknowledged so far: only what the checkpoint says (the sibling's records in flight are
     * not this file's to vouch for). */
    tf->acks.acked_offset = ckpt_off;
    if (is_shared)
        fl_info("%s: same content as a file already followed (copy or re-opened file); "
                "continuing after offset %llu", tf->path, (unsigned long long)f->emitted_end);
    else if (f->emitted_end)
        fl_info("%s: resuming after offset %llu (%s)", tf->path,
                (unsigned long long)f->emitted_end,
                e && e->offset == f->emitted_end ? "checkpoint" : "read earlier in this run");
}

void fl_tail_fps_detach(struct fl_tail *t, struct fl_tail_file *tf)
{
    struct fp_state *f = tf->fps;
    if (!f)
        return;
    if (tf->acks.acked_offset > f->acked_floor && fl_acks_in_flight(&tf->acks) == 0)
        f->acked_floor = tf->acks.acked_offset;
    if (--f->refs == 0)
        f->released_ms = now_ms();
    tf->fps = NULL;
    (void)t;
}

/* The stream's sink: drop what was emitted or delivered before (restart, copy), pass the rest
 * on. */
int fl_tail_emit(void *ctx, struct fl_event *ev)
{
    struct fl_tail_file *tf = ctx;
    struct fl_tail *t = tf->t;
    if (!tf->has_ckpt_lookup) {
        tf->has_ckpt_lookup = true;
        fl_tail_fps_attach(t, tf);
    }
    if (tf->fps) {
        if (ev->end_offset <= tf->fps->emitted_end)
            return 0;
        tf->fps->emitted_end = ev->end_offset;
    }
    if (tf->map_cfg)
        fl_config_map_event(tf->map_cfg, tf->path, ev);
    t->stats.events++;
    tf->n_events++;
    if (ev->is_unparsed) {
        t->stats.unparsed++;
        tf->n_unparsed++;
    }
    if (!tf->is_warned_unparsed && tf->n_events == 200 && tf->n_unparsed >= 180) {
        tf->is_warned_unparsed = true;
        fl_warn("%s: %llu of its first %llu records fit no %s layout (binary data or another "
                "format?); they are published as unparsed events", tf->path,
                (unsigned long long)tf->n_unparsed, (unsigned long long)tf->n_events,
                tf->src->type);
    }
    const struct fl_attr *cut = ev->n_attrs ? fl_event_attr_get(ev, "cut") : NULL;
    if (cut && cut->kind == FL_ATTR_BOOL) {
        t->stats.cut_lines++;
        if (!tf->is_warned_cut) {
            tf->is_warned_cut = true;
            fl_warn("%s: a line at offset %llu is longer than max_line_bytes (%llu): cut, the "
                    "event flagged attrs.cut (logged once per file)", tf->path,
                    (unsigned long long)ev->offset,
                    (unsigned long long)t->cfg->max_line_bytes);
        }
    }
    return t->opts.cb.event(t->opts.cb.ctx, tf, ev);
}

int fl_tail_track(struct fl_tail_file *tf, const struct fl_event *ev, uint64_t *seq)
{
    return fl_acks_push(&tf->acks, ev->end_offset, seq);
}

void fl_tail_ack(struct fl_tail_file *tf, uint64_t seq)
{
    fl_acks_done(&tf->acks, seq);
}

void fl_tail_update_checkpoints(struct fl_tail *t)
{
    if (!t->opts.ckpt)
        return;
    int64_t now = now_ms();
    /* Per content: every record up to the lowest acknowledged prefix among its files with
     * records in flight is safe (each record was emitted by exactly one of them, and each
     * file's prefix covers its own); with nothing in flight, all that was emitted is. */
    for (struct fp_state *f = t->fps; f; f = f->next) {
        f->ck_min_inflight = UINT64_MAX;
        f->ck_max_acked = f->acked_floor;
        f->ck_file = NULL;
    }
    for (struct fl_tail_file *tf = t->files; tf; tf = tf->next) {
        struct fp_state *f = tf->fps;
        if (!f)
            continue;
        if (fl_acks_in_flight(&tf->acks) && tf->acks.acked_offset < f->ck_min_inflight)
            f->ck_min_inflight = tf->acks.acked_offset;
        if (tf->acks.acked_offset > f->ck_max_acked)
            f->ck_max_acked = tf->acks.acked_offset;
        if (!f->ck_file || (f->ck_file->is_dead && !tf->is_dead))
            f->ck_file = tf;
    }
    for (struct fp_state *f = t->fps; f; f = f->next) {
        struct fl_tail_file *tf = f->ck_file;
        if (!tf)
            continue;
        uint64_t off = f->ck_min_inflight != UINT64_MAX ? f->ck_min_inflight : f->ck_max_acked;
        f->safe_offset = off;
        fl_ckpt_set(t->opts.ckpt, f->fingerprint, off, (uint64_t)tf->dev, (uint64_t)tf->ino,
                    tf->path, now);
    }
    fps_expire(t, now);
}
