/* ingest/pipeline_kafka.c: the ingest loop's Kafka side (see pipeline_int.h and, for the
 * states and guarantees, pipeline.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "ingest/pipeline_int.h"

#define REPLAY_RETRY_MS 2000           /* how often a replay is tried while spooling */
#define REPLAY_BATCH 5000              /* spool records produced per loop round */

static const char *const kstate_names[] = {"direct", "draining", "spooling", "replaying",
                                           "catchup"};

const char *fl_pipeline_state_name(enum kstate st)
{
    return kstate_names[st];
}

/* --- slots --------------------------------------------------------------------------- */

int fl_pipeline_slots_init(struct pipeline *p, size_t n)
{
    p->slots = calloc(n, sizeof *p->slots);
    p->free_slots = malloc(n * sizeof *p->free_slots);
    if (!p->slots || !p->free_slots)
        return FL_ENOMEM;
    p->n_slots = n;
    for (size_t i = 0; i < n; i++)
        p->free_slots[i] = (uint32_t)(n - 1 - i);
    p->n_free = n;
    return 0;
}

static long slot_take(struct pipeline *p)
{
    return p->n_free ? (long)p->free_slots[--p->n_free] : -1;
}

static void slot_put(struct pipeline *p, uint64_t i)
{
    p->slots[i].kind = SLOT_FREE;
    p->free_slots[p->n_free++] = (uint32_t)i;
}

/* --- routes: produce, hold or spool -------------------------------------------------- */

static int spool_msg(struct pipeline *p, const struct fl_kafka_msg *m, struct fl_tail_file *tf,
                     uint64_t seq)
{
    struct fl_spool_rec r = {m->key, m->source, m->category, m->cell, m->ts_ms, m->payload};
    int rc = fl_spool_append(p->spool, &r);
    if (rc)
        return fl_pipeline_output_failed(p, "spool", rc);
    p->spooled++;
    return fl_pipeline_pending_add(p, tf, seq);
}

static int hold_msg(struct pipeline *p, const struct fl_kafka_msg *m, struct fl_tail_file *tf,
                    uint64_t seq)
{
    struct hold_hdr h = {tf, seq, m->ts_ms, m->created_ms, (uint32_t)m->key.len,
                         (uint32_t)m->source.len,
                         (uint32_t)m->category.len, (uint32_t)m->cell.len,
                         (uint32_t)m->payload.len};
    int rc = fl_buf_append(&p->hold, &h, sizeof h);
    if (!rc) rc = fl_buf_append(&p->hold, m->key.p, m->key.len);
    if (!rc) rc = fl_buf_append(&p->hold, m->source.p, m->source.len);
    if (!rc) rc = fl_buf_append(&p->hold, m->category.p, m->category.len);
    if (!rc) rc = fl_buf_append(&p->hold, m->cell.p, m->cell.len);
    if (!rc) rc = fl_buf_append(&p->hold, m->payload.p, m->payload.len);
    /* Keep the header alignment for the next record. */
    while (!rc && p->hold.len % _Alignof(struct hold_hdr))
        rc = fl_buf_putc(&p->hold, 0);
    if (!rc)
        p->held++;
    if (p->hold.len - p->hold_pos >= HOLD_MAX_BYTES)
        fl_tail_set_paused(p->tail, true);
    return rc;
}

/* Reads the held record at *pos; advances *pos. */
static bool hold_next(struct pipeline *p, size_t *pos, struct hold_hdr *h, struct fl_kafka_msg *m)
{
    if (*pos >= p->hold.len)
        return false;
    memcpy(h, p->hold.data + *pos, sizeof *h);
    const char *q = p->hold.data + *pos + sizeof *h;
    m->key = (struct fl_str){q, h->key_len};
    q += h->key_len;
    m->source = (struct fl_str){q, h->source_len};
    q += h->source_len;
    m->category = (struct fl_str){q, h->category_len};
    q += h->category_len;
    m->cell = (struct fl_str){q, h->cell_len};
    q += h->cell_len;
    m->payload = (struct fl_str){q, h->json_len};
    q += h->json_len;
    m->ts_ms = h->ts_ms;
    m->created_ms = h->created_ms;
    size_t end = (size_t)(q - p->hold.data);
    while (end % _Alignof(struct hold_hdr))
        end++;
    *pos = end;
    return true;
}

static void hold_clear(struct pipeline *p)
{
    fl_buf_reset(&p->hold);
    p->hold_pos = 0;
    fl_tail_set_paused(p->tail, false);
}

/* Produces one message now; FL_EAGAIN when there is no room (queue or slots). */
static int send_direct(struct pipeline *p, const struct fl_kafka_msg *m, struct fl_tail_file *tf,
                       uint64_t seq)
{
    long s = slot_take(p);
    if (s < 0)
        return FL_EAGAIN;
    uint32_t bytes = (uint32_t)(m->payload.len + m->key.len + MSG_OVERHEAD);
    p->slots[s] = (struct slot){.kind = SLOT_DIRECT, .bytes = bytes, .tf = tf, .seq = seq};
    int rc = fl_kafka_send(p->kafka, m, (uint64_t)s);
    if (rc) {
        slot_put(p, (uint64_t)s);
        return rc;
    }
    p->inflight_direct++;
    p->queued_bytes += bytes;
    return 0;
}

static void enter(struct pipeline *p, enum kstate st)
{
    if (p->state != st)
        fl_info("kafka: %s -> %s (spool %" PRIu64 " bytes, held %zu bytes)",
                fl_pipeline_state_name(p->state), kstate_names[st], fl_spool_stats(p->spool)->bytes,
                p->hold.len - p->hold_pos);
    p->state = st;
}

int fl_pipeline_route_kafka(struct pipeline *p, const struct fl_kafka_msg *m, struct fl_tail_file *tf,
                       uint64_t seq)
{
    switch (p->state) {
    case K_DIRECT:
        if (p->hold.len == p->hold_pos) {
            int rc = send_direct(p, m, tf, seq);
            if (rc == 0)
                return 0;
            if (rc != FL_EAGAIN) {
                enter(p, K_DRAINING);
                fl_tail_set_paused(p->tail, true);
            }
        }
        return hold_msg(p, m, tf, seq);
    case K_DRAINING:
    case K_CATCHUP:
        return hold_msg(p, m, tf, seq);
    case K_SPOOLING:
    case K_REPLAYING:
        return spool_msg(p, m, tf, seq);
    }
    return 0;
}

/* librdkafka's delivery report, served from fl_kafka_poll. */
void fl_pipeline_on_delivered(void *ctx, uint64_t token, const char *errstr,
                         const struct fl_kafka_msg *m)
{
    struct pipeline *p = ctx;
    if (token >= p->n_slots)
        return;
    struct slot sl = p->slots[token];
    slot_put(p, token);
    p->queued_bytes -= sl.bytes < p->queued_bytes ? sl.bytes : p->queued_bytes;
    if (sl.kind == SLOT_DIRECT) {
        p->inflight_direct--;
        if (!errstr) {
            p->delivered++;
            fl_tail_ack(sl.tf, sl.seq);
            return;
        }
        p->failed++;
        if (p->state == K_DIRECT) {
            fl_warn("kafka: delivery failed (%s): events go to the spool until the brokers "
                    "are back", errstr);
            enter(p, K_DRAINING);
            fl_tail_set_paused(p->tail, true);
        }
        /* Failures come back in produce order per partition: spooling them now keeps the
         * order ahead of everything held or read later. */
        spool_msg(p, m, sl.tf, sl.seq);
    } else if (sl.kind == SLOT_REPLAY) {
        p->inflight_replay--;
        if (!errstr) {
            p->delivered++;
            p->is_replay_probing = false;
            fl_spool_delivered(p->spool, sl.spool_token);
        } else {
            p->failed++;
            p->is_replay_failed = true;
        }
    }
}

/* Drops the sent front of the hold. Under steady back-pressure the hold never empties (new
 * events arrive behind the ones waiting for room), so without this its buffer would grow by
 * everything that ever passed through it. */
static void hold_compact(struct pipeline *p)
{
    size_t left = p->hold.len - p->hold_pos;
    if (p->hold_pos < left)
        return; /* moves at most as many bytes as were sent: amortized, and len <= 2 x held */
    memmove(p->hold.data, p->hold.data + p->hold_pos, left);
    p->hold.len = left;
    p->hold_pos = 0; /* hold_pos was a record start: the alignment is kept */
}

/* Sends held events while in DIRECT; leaves the rest held. */
void fl_pipeline_send_held(struct pipeline *p)
{
    struct hold_hdr h;
    struct fl_kafka_msg m;
    size_t pos = p->hold_pos;
    while (hold_next(p, &pos, &h, &m)) {
        if (send_direct(p, &m, h.tf, h.seq) != 0) {
            hold_compact(p);
            return;
        }
        p->hold_pos = pos;
    }
    hold_clear(p);
}

/* Moves every held event into the spool, in order. */
void fl_pipeline_spool_held(struct pipeline *p)
{
    struct hold_hdr h;
    struct fl_kafka_msg m;
    size_t pos = p->hold_pos;
    while (hold_next(p, &pos, &h, &m))
        spool_msg(p, &m, h.tf, h.seq);
    hold_clear(p);
}

/* Keeps a copy of a replayed record the local queue had no room for: it goes first next
 * round (the spool's cursor has already moved past it). */
static void stash_put(struct pipeline *p, const struct fl_kafka_msg *m, uint64_t token)
{
    struct fl_buf *b = &p->stash;
    fl_buf_reset(b);
    const struct fl_str parts[] = {m->key, m->source, m->category, m->cell, m->payload};
    for (size_t i = 0; i < 5; i++) {
        p->stash_lens[i] = parts[i].len;
        if (fl_buf_append(b, parts[i].p, parts[i].len) != 0) {
            /* No memory for the copy: the spool is read again from its oldest record. */
            p->is_replay_failed = true;
            return;
        }
    }
    p->stash_ts_ms = m->ts_ms;
    p->stash_token = token;
    p->has_stash = true;
}

static struct fl_kafka_msg stash_msg(const struct pipeline *p)
{
    struct fl_str parts[5];
    const char *q = p->stash.data;
    for (size_t i = 0; i < 5; i++) {
        parts[i] = (struct fl_str){q ? q : "", p->stash_lens[i]};
        q = q ? q + p->stash_lens[i] : q;
    }
    return (struct fl_kafka_msg){parts[0], parts[1], parts[2], parts[3], p->stash_ts_ms,
                                 parts[4], 0};
}

/* Sends the spool again, oldest first. After a failure (and at start) one record goes alone
 * until it is delivered: a probe, so an attempt while the brokers are still away costs one
 * message instead of the whole spool being sent, timed out and sent again (which, when the
 * brokers come back in the middle of an attempt, would also deliver most of it twice). A
 * full local queue is no failure: the record waits in the stash for room. */
static void replay_some(struct pipeline *p)
{
    struct fl_spool_rec r;
    uint64_t token;
    for (int i = 0; i < REPLAY_BATCH; i++) {
        if (p->n_free == 0 || (p->is_replay_probing && p->inflight_replay > 0))
            return;
        struct fl_kafka_msg m;
        if (p->has_stash) {
            m = stash_msg(p);
            token = p->stash_token;
        } else {
            int rc = fl_spool_next(p->spool, &r, &token);
            if (rc < 0) {
                /* The segment could not be read: try the replay again later. */
                p->is_replay_failed = true;
                return;
            }
            if (rc == 0) {
                /* Everything in the spool is in flight: hold new events until it lands. */
                enter(p, K_CATCHUP);
                return;
            }
            m = (struct fl_kafka_msg){r.key, r.source, r.category, r.cell, r.ts_ms, r.json, 0};
        }
        long s = slot_take(p);
        p->slots[s] = (struct slot){.kind = SLOT_REPLAY, .spool_token = token};
        int rc = fl_kafka_send(p->kafka, &m, (uint64_t)s);
        if (rc == FL_EAGAIN) {
            slot_put(p, (uint64_t)s);
            if (!p->has_stash)
                stash_put(p, &m, token);
            return;
        }
        p->has_stash = false;
        if (rc != 0) {
            /* Broken: count it as failed; the spool is read again. */
            slot_put(p, (uint64_t)s);
            p->is_replay_failed = true;
            return;
        }
        p->inflight_replay++;
        p->replayed++;
    }
}

void fl_pipeline_kafka_step(struct pipeline *p, int64_t now)
{
    switch (p->state) {
    case K_DIRECT:
        if (p->hold.len > p->hold_pos)
            fl_pipeline_send_held(p);
        break;
    case K_DRAINING:
        if (p->inflight_direct == 0) {
            fl_pipeline_spool_held(p);
            fl_pipeline_sync_durable(p);
            p->next_replay_ms = now + REPLAY_RETRY_MS;
            enter(p, K_SPOOLING);
        }
        break;
    case K_SPOOLING:
        if (now >= p->next_replay_ms) {
            fl_pipeline_sync_durable(p);
            p->is_replay_probing = true;
            enter(p, K_REPLAYING);
        }
        break;
    case K_REPLAYING:
    case K_CATCHUP:
        if (p->is_replay_failed) {
            if (p->inflight_replay == 0) {
                p->is_replay_failed = false;
                p->has_stash = false; /* it is read again from the spool */
                fl_spool_rewind(p->spool);
                fl_pipeline_spool_held(p); /* CATCHUP's held events are newer than the whole spool */
                p->next_replay_ms = now + REPLAY_RETRY_MS;
                enter(p, K_SPOOLING);
            }
            break;
        }
        if (p->state == K_REPLAYING) {
            replay_some(p);
        } else if (fl_spool_is_empty(p->spool) && p->inflight_replay == 0) {
            fl_info("kafka: spool drained; producing directly again");
            enter(p, K_DIRECT);
        }
        break;
    }
}
