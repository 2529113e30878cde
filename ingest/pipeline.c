/* ingest/pipeline.c: the ingest loop (see pipeline.h for the states and guarantees). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ingest/pipeline_int.h"

#define SYNC_EVERY_MS 50               /* spool/archive fsync cadence */
#define SYNC_MAX_PENDING 20000         /* ... or after this many unsynced events */
#define METRICS_EVERY_MS 50            /* how often the metrics socket is served */
#define KAFKA_MAX_MESSAGE 1000000      /* message.max.bytes, client and broker default */
#define KAFKA_OVERHEAD 4096            /* key, headers and record framing, generously */
/* Reading is sized to the room left in librdkafka's queue: a round reads at most this
 * fraction of it in raw bytes (an Ignition line's event JSON is ~2.5x the line), so events go
 * straight into the queue instead of through the hold (a copy and a second pass each). */
#define ROOM_PER_RAW_BYTE 3
#define ROOM_MIN_READ (64u << 10)      /* below this much room, wait for delivery reports */
/* Checkpoint entries of files not followed for a week go; open files' entries are refreshed
 * hourly (FL_CKPT_REFRESH_MS), and nothing expires before the process ran that long, so a
 * restart after a long stop keeps every position. */
#define CKPT_RETENTION_MS (7 * 24 * 3600 * INT64_C(1000))
#define CKPT_EXPIRE_EVERY_MS (3600 * INT64_C(1000))

/* --- acknowledgement after a durable write ------------------------------------------- */

int fl_pipeline_pending_add(struct pipeline *p, struct fl_tail_file *tf, uint64_t seq)
{
    if (p->n_pending == p->cap_pending) {
        size_t ncap = p->cap_pending ? p->cap_pending * 2 : 4096;
        struct pending_ack *n = realloc(p->pending, ncap * sizeof *n);
        if (!n)
            return FL_ENOMEM;
        p->pending = n;
        p->cap_pending = ncap;
    }
    p->pending[p->n_pending++] = (struct pending_ack){tf, seq};
    return 0;
}

static void pending_ack_all(struct pipeline *p)
{
    for (size_t i = 0; i < p->n_pending; i++)
        fl_tail_ack(p->pending[i].tf, p->pending[i].seq);
    p->n_pending = 0;
}

/* Makes the spool / archive durable, then acknowledges what they hold. */
int fl_pipeline_sync_durable(struct pipeline *p)
{
    int rc = 0;
    if (p->spool)
        rc = fl_spool_sync(p->spool);
    if (!rc && p->archive)
        rc = fl_zwriter_sync(p->archive);
    int64_t now = now_ms();
    if (rc) {
        /* Disk full or failing: reading pauses (update_pause) so nothing piles up in memory;
         * the sync is retried every SYNC_EVERY_MS, logged once a minute. */
        if (!p->is_sync_failed || now - p->last_sync_error_ms >= 60000) {
            fl_error("spool/archive sync failed: %s; reading pauses and positions are not "
                     "advanced until it succeeds", fl_strerror(rc));
            p->last_sync_error_ms = now;
        }
        p->is_sync_failed = true;
        p->last_sync_ms = now;
        return rc;
    }
    if (p->is_sync_failed) {
        fl_info("spool/archive sync succeeds again; reading resumes");
        p->is_sync_failed = false;
    }
    pending_ack_all(p);
    p->last_sync_ms = now;
    return 0;
}

/* Reading pauses while events cannot go anywhere: the hold is full, in-flight messages are
 * being drained after a failure, or the spool/archive cannot be made durable. Producing
 * directly, a round reads what the producer's queue has room for, and nothing while that is
 * too little (the loop then waits on delivery reports, see fl_pipeline_run). */
static void update_pause(struct pipeline *p)
{
    bool is_paused = p->is_sync_failed || p->state == K_DRAINING ||
                     p->hold.len - p->hold_pos >= HOLD_MAX_BYTES;
    size_t cap = 0;
    if (p->kafka && p->state == K_DIRECT) {
        size_t room = p->queue_limit_bytes > p->queued_bytes
                          ? p->queue_limit_bytes - p->queued_bytes
                          : 0;
        cap = room / ROOM_PER_RAW_BYTE;
        if (cap < ROOM_MIN_READ) {
            cap = ROOM_MIN_READ;
            is_paused = true;
        }
    }
    fl_tail_set_round_bytes(p->tail, cap);
    fl_tail_set_paused(p->tail, is_paused);
}

/* --- routes -------------------------------------------------------------------------- */

/* An event could not be written to the spool or the archive (disk full, I/O error). It stays
 * registered and is never acknowledged, so its file's checkpoint cannot pass it and the next
 * start reads it again; reading pauses until a sync succeeds. Returns 0: an error returned to
 * the tailer would cut the file's stream in the middle of a read. */
int fl_pipeline_output_failed(struct pipeline *p, const char *what, int rc)
{
    int64_t now = now_ms();
    if (!p->is_sync_failed || now - p->last_sync_error_ms >= 60000) {
        fl_error("%s write failed: %s; reading pauses, the events are read again at the next "
                 "start", what, fl_strerror(rc));
        p->last_sync_error_ms = now;
    }
    p->is_sync_failed = true;
    return 0;
}

static void write_stdout(struct pipeline *p, const struct fl_buf *json)
{
    fl_buf_append(&p->out, json->data, json->len);
    if (p->out.len >= (1u << 16)) {
        fwrite(p->out.data, 1, p->out.len, stdout);
        fflush(stdout);
        fl_buf_reset(&p->out);
    }
}

static int archive_write(struct pipeline *p, const struct fl_buf *json, int64_t now)
{
    int64_t hour = now / 3600000;
    if (!p->archive || hour != p->archive_hour) {
        if (p->archive) {
            fl_pipeline_sync_durable(p);
            fl_zwriter_close(p->archive);
            p->archive = NULL;
        }
        char dir[4200], path[4400];
        snprintf(dir, sizeof dir, "%s/archive", p->cfg->state_dir);
        mkdir(dir, 0750);
        time_t t = (time_t)(now / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        char name[64];
        strftime(name, sizeof name, "events-%Y%m%dT%HZ.ndjson.zst", &tm);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        struct fl_err err;
        p->archive = fl_zwriter_open(path, 3, true, &err);
        if (!p->archive) {
            fl_error("archive %s: %s", path, err.msg);
            return FL_EIO;
        }
        p->archive_hour = hour;
        fl_info("archive: writing %s", path);
    }
    return fl_zwriter_write(p->archive, json->data, json->len);
}

/* Kafka refuses a message over message.max.bytes (client and broker: 1,000,000 bytes by
 * default), and a refused message would come back from the spool forever, stalling
 * everything behind it. An event over the limit (a line up to max_line_bytes, 1 MiB by
 * default) goes out with its message cut to fit and flagged attrs.cut = true. Returns 0, or
 * FL_ETOOBIG when even an empty message does not fit. */
static int fit_for_kafka(struct pipeline *p, struct fl_tail_file *tf, struct fl_event *ev)
{
    size_t len = p->json.len - 1, orig = len;
    for (int i = 0; i < 8 && len > p->max_payload && ev->message.len; i++) {
        /* Cutting k bytes of text removes at least k bytes of JSON (escapes only grow). */
        size_t excess = len - p->max_payload + 16;
        size_t keep = ev->message.len > excess ? ev->message.len - excess : 0;
        while (keep > 0 && ((unsigned char)ev->message.p[keep] & 0xC0) == 0x80)
            keep--; /* never split a UTF-8 sequence */
        ev->message.len = keep;
        fl_event_attr_bool(ev, "cut", true);
        fl_buf_reset(&p->json);
        int rc = fl_event_write_json(ev, &p->json);
        if (rc)
            return rc;
        len = p->json.len - 1;
    }
    if (len > p->max_payload)
        return FL_ETOOBIG;
    fl_warn("%s: event at offset %" PRIu64 " is %zu bytes, over Kafka's message limit: its "
            "message was cut to %zu bytes (attrs.cut)", fl_tail_file_path(tf), ev->offset, orig,
            ev->message.len);
    return 0;
}

static void count_category(struct pipeline *p, const struct fl_event *ev)
{
    const char *src = ev->source ? ev->source : "unknown";
    const char *cat = ev->category ? ev->category : "unclassified";
    size_t i = p->last_by_category;
    if (i < p->n_by_category && p->by_category[i].source == src &&
        p->by_category[i].category == cat) {
        p->by_category[i].n++;
        return;
    }
    for (i = 0; i < p->n_by_category; i++)
        if (p->by_category[i].source == src && p->by_category[i].category == cat)
            break;
    if (i == p->n_by_category) {
        if (i == MAX_CATEGORY_COUNTS)
            return;
        p->by_category[p->n_by_category++] = (struct cat_count){src, cat, 0};
    }
    p->by_category[i].n++;
    p->last_by_category = i;
}

/* The tailer's callback: one event of file tf. */
static int on_event(void *ctx, struct fl_tail_file *tf, struct fl_event *ev)
{
    struct pipeline *p = ctx;
    count_category(p, ev);
    fl_buf_reset(&p->json);
    int rc = fl_event_write_json(ev, &p->json);
    if (!rc && p->kafka && p->json.len - 1 > p->max_payload)
        rc = fit_for_kafka(p, tf, ev);
    uint64_t seq;
    if (rc) {
        /* Never stall the file on it: acknowledged as handled, loudly. */
        fl_error("%s: event at offset %" PRIu64 " could not be serialized for output (%s); "
                 "it is skipped", fl_tail_file_path(tf), ev->offset, fl_strerror(rc));
        if ((rc = fl_tail_track(tf, ev, &seq)))
            return rc;
        fl_tail_ack(tf, seq);
        return 0;
    }
    if ((rc = fl_tail_track(tf, ev, &seq)))
        return rc;
    if (p->opts->is_stdout || p->cfg->is_stdout)
        write_stdout(p, &p->json);
    if (!p->kafka) {
        if (p->cfg->is_archive) {
            if ((rc = archive_write(p, &p->json, ev->ingest_ms)))
                return fl_pipeline_output_failed(p, "archive", rc);
            return fl_pipeline_pending_add(p, tf, seq);
        }
        fl_tail_ack(tf, seq); /* stdout only: nothing durable to wait for */
        return 0;
    }
    const char *cat = ev->category ? ev->category : "unclassified";
    struct fl_kafka_msg m = {
        .key = ev->cell.len ? ev->cell : ev->host,
        .source = fl_str_c(ev->source),
        .category = fl_str_c(cat),
        .cell = ev->cell,
        .ts_ms = ev->has_ts ? ev->ts_ms : ev->ingest_ms,
        .payload = {p->json.data, p->json.len - 1}, /* without the '\n' */
        .created_ms = ev->ingest_ms, /* when it was read: what the producer's clock says */
    };
    return fl_pipeline_route_kafka(p, &m, tf, seq);
}

/* --- metrics ------------------------------------------------------------------------- */

struct render_ctx {
    struct fl_buf *out;
};

static void render_file(void *ctx, const char *path, const char *source, uint64_t read_off,
                        uint64_t acked)
{
    struct render_ctx *rc = ctx;
    /* Label values escape backslash, quote and newline (Prometheus text format). */
    static const char head[] = "faultline_checkpoint_lag_bytes{file=\"";
    fl_buf_append(rc->out, head, sizeof head - 1);
    for (const char *c = path; *c; c++) {
        if (*c == '\\' || *c == '"')
            fl_buf_putc(rc->out, '\\');
        if (*c == '\n')
            fl_buf_append(rc->out, "\\n", 2);
        else
            fl_buf_putc(rc->out, *c);
    }
    fl_buf_printf(rc->out, "\",source=\"%s\"} %" PRIu64 "\n", source,
                  read_off > acked ? read_off - acked : 0);
}

static void render(void *ctx, struct fl_buf *out)
{
    struct pipeline *p = ctx;
    const struct fl_tail_stats *ts = fl_tail_stats(p->tail);
    const struct fl_spool_stats *ss = p->spool ? fl_spool_stats(p->spool) : NULL;
    fl_buf_printf(out,
                  "faultline_lines_read_total %" PRIu64 "\nfaultline_bytes_read_total %" PRIu64
                  "\nfaultline_events_total %" PRIu64 "\nfaultline_unparsed_total %" PRIu64
                  "\nfaultline_files_open %" PRIu64 "\nfaultline_files_polled %" PRIu64
                  "\nfaultline_rotations_total %" PRIu64 "\nfaultline_truncations_total %" PRIu64
                  "\nfaultline_read_errors_total %" PRIu64 "\n",
                  ts->lines, ts->bytes, ts->events, ts->unparsed, ts->files_open,
                  ts->files_polled, ts->rotations, ts->truncations, ts->read_errors);
    fl_buf_printf(out,
                  "faultline_kafka_delivered_total %" PRIu64 "\nfaultline_kafka_failed_total %" PRIu64
                  "\nfaultline_kafka_queue_depth %zu\nfaultline_kafka_state{state=\"%s\"} 1\n",
                  p->delivered, p->failed, p->kafka ? fl_kafka_outq(p->kafka) : 0,
                  fl_pipeline_state_name(p->state));
    if (ss)
        fl_buf_printf(out,
                      "faultline_spool_bytes %" PRIu64 "\nfaultline_spool_segments %" PRIu64
                      "\nfaultline_spool_records_total %" PRIu64
                      "\nfaultline_spool_replayed_total %" PRIu64
                      "\nfaultline_spool_dropped_segments_total %" PRIu64 "\n",
                      ss->bytes, ss->segments, ss->records_spooled, ss->records_replayed,
                      ss->segments_dropped);
    for (size_t i = 0; i < p->n_by_category; i++)
        fl_buf_printf(out,
                      "faultline_events_by_category_total{source=\"%s\",category=\"%s\"} %" PRIu64
                      "\n",
                      p->by_category[i].source, p->by_category[i].category, p->by_category[i].n);
    fl_buf_printf(out, "faultline_cut_lines_total %" PRIu64
                  "\nfaultline_aveva_chain_missing_total %" PRIu64 "\n",
                  ts->cut_lines, ts->chain_missing);
    struct render_ctx rc = {out};
    fl_tail_foreach(p->tail, render_file, &rc);
}

/* --- the loop ------------------------------------------------------------------------ */

static void save_checkpoints(struct pipeline *p)
{
    fl_tail_update_checkpoints(p->tail);
    int64_t now = now_ms();
    if (now - p->start_ms >= CKPT_RETENTION_MS &&
        now - p->last_expire_ms >= CKPT_EXPIRE_EVERY_MS) {
        p->last_expire_ms = now;
        size_t before = p->ckpt.n;
        fl_ckpt_expire(&p->ckpt, now - CKPT_RETENTION_MS);
        if (p->ckpt.n != before)
            fl_info("checkpoints: %zu entries of files not seen for a week dropped",
                    before - p->ckpt.n);
    }
    struct fl_err err;
    if (fl_ckpt_save(&p->ckpt, &err) != 0) {
        /* Retried every interval; said once a minute. Positions only lag: a restart re-sends. */
        if (now - p->last_ckpt_error_ms >= 60000) {
            fl_error("%s: %s (retried every %lld ms; a restart re-sends what the last written "
                     "checkpoint does not cover)", err.file, err.msg,
                     (long long)p->cfg->checkpoint_interval_ms);
            p->last_ckpt_error_ms = now;
        }
    } else if (p->last_ckpt_error_ms) {
        fl_info("checkpoints written again");
        p->last_ckpt_error_ms = 0;
    }
    p->last_ckpt_ms = now_ms();
}

static void reload(struct pipeline *p)
{
    struct fl_err err;
    struct fl_config *ncfg = fl_config_load(p->opts->config_path, &err);
    if (!ncfg) {
        char msg[600];
        fl_err_format(&err, msg, sizeof msg);
        fl_error("reload refused, keeping the running configuration: %s", msg);
        return;
    }
    if (fl_tail_reload(p->tail, ncfg, &err) != 0) {
        fl_error("reload refused: %s", err.msg);
        fl_config_free(ncfg);
        return;
    }
    struct fl_config **olds = realloc(p->old_cfgs, (p->n_old_cfgs + 1) * sizeof *olds);
    if (olds) {
        olds[p->n_old_cfgs++] = p->cfg;
        p->old_cfgs = olds;
    }
    p->cfg = ncfg;
    fl_info("configuration reloaded: %zu sources (kafka and state_dir changes need a restart)",
            ncfg->n_sources);
}

static void shutdown_drain(struct pipeline *p)
{
    int64_t deadline = now_ms() + (p->opts->drain_ms ? p->opts->drain_ms : 3500);
    fl_info("draining: reading what the files hold, delivering what is in flight");
    fl_tail_drain(p->tail);
    if (p->kafka) {
        if (p->state == K_DIRECT)
            fl_pipeline_send_held(p);
        /* With the brokers away nothing in flight will land before the deadline: no wait
         * (unacknowledged records are read again at the next start, replays stay spooled). */
        while (now_ms() < deadline && (p->inflight_direct || p->inflight_replay) &&
               !fl_kafka_is_down(p->kafka)) {
            fl_kafka_poll(p->kafka, 50);
            if (p->state == K_DIRECT && p->hold.len > p->hold_pos)
                fl_pipeline_send_held(p);
        }
        /* What could not be sent in time is safe in the spool (order: held after failed). */
        if (p->hold.len > p->hold_pos)
            fl_pipeline_spool_held(p);
    }
    fl_pipeline_sync_durable(p);
    if (p->out.len) {
        fwrite(p->out.data, 1, p->out.len, stdout);
        fflush(stdout);
        fl_buf_reset(&p->out);
    }
    save_checkpoints(p);
    fl_info("stopped: %" PRIu64 " delivered, %" PRIu64 " spooled, %" PRIu64 " failed, "
            "%zu still in flight (resent after restart)",
            p->delivered, p->spooled, p->failed, p->inflight_direct + p->inflight_replay);
}

int fl_pipeline_run(const struct fl_pipeline_opts *opts)
{
    struct pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return 1;
    int status = 1;
    struct fl_err err;
    p->opts = opts;
    p->cfg = opts->cfg;
    p->start_ms = now_ms();
    fl_buf_init(&p->json, 0);
    fl_buf_init(&p->out, 0);
    fl_buf_init(&p->hold, 0);
    fl_buf_init(&p->stash, 0);
    if (mkdir(p->cfg->state_dir, 0750) != 0 && errno != EEXIST) {
        fl_error("state_dir %s: %s", p->cfg->state_dir, strerror(errno));
        goto out;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/checkpoints", p->cfg->state_dir);
    if (fl_ckpt_open(&p->ckpt, path, &err) != 0) {
        fl_error("%s:%u: %s", err.file, err.line, err.msg);
        goto out;
    }
    if (p->cfg->brokers) {
        snprintf(path, sizeof path, "%s/spool", p->cfg->state_dir);
        p->spool = fl_spool_open(path, p->cfg->spool_max_bytes, &err);
        if (!p->spool) {
            fl_error("%s: %s", err.file, err.msg);
            goto out_ckpt;
        }
        struct fl_kafka_cb cb = {fl_pipeline_on_delivered, p};
        p->kafka = fl_kafka_new(p->cfg, p->cfg->topic_events, &cb, &err);
        if (!p->kafka) {
            fl_error("%s", err.msg);
            goto out_spool;
        }
        if (fl_pipeline_slots_init(p, p->cfg->queue_max_events + 1024) != 0)
            goto out_kafka;
        uint64_t max_msg = KAFKA_MAX_MESSAGE;
        for (size_t i = 0; i < p->cfg->n_kafka_props; i++)
            if (strcmp(p->cfg->kafka_props[i].key, "message.max.bytes") == 0)
                max_msg = strtoull(p->cfg->kafka_props[i].value, NULL, 10);
        p->max_payload = max_msg > 2 * KAFKA_OVERHEAD ? max_msg - KAFKA_OVERHEAD : KAFKA_OVERHEAD;
        uint64_t queue_kb = FL_KAFKA_QUEUE_KBYTES;
        for (size_t i = 0; i < p->cfg->n_kafka_props; i++)
            if (strcmp(p->cfg->kafka_props[i].key, "queue.buffering.max.kbytes") == 0)
                queue_kb = strtoull(p->cfg->kafka_props[i].value, NULL, 10);
        p->queue_limit_bytes = (size_t)(queue_kb ? queue_kb : FL_KAFKA_QUEUE_KBYTES) << 10;
        /* A spool left by the previous run is older than anything read now. */
        if (!fl_spool_is_empty(p->spool)) {
            p->state = K_SPOOLING;
            p->next_replay_ms = 0;
        }
    }
    struct fl_tail_opts topts = {
        .cfg = p->cfg, .ckpt = &p->ckpt, .cb = {on_event, p},
        .is_force_poll = opts->is_force_poll,
    };
    p->tail = fl_tail_new(&topts, &err);
    if (!p->tail) {
        fl_error("%s", err.msg);
        goto out_kafka;
    }
    if (p->cfg->metrics_listen && p->cfg->metrics_listen[0] &&
        strcmp(p->cfg->metrics_listen, "off") != 0) {
        p->metrics = fl_metrics_new(p->cfg->metrics_listen, render, p, &err);
        if (!p->metrics)
            fl_warn("%s (continuing without metrics)", err.msg);
        else
            fl_info("metrics on port %d (%s)", fl_metrics_port(p->metrics), p->cfg->metrics_listen);
    }
    fl_info("started: %zu sources, state in %s, output %s", p->cfg->n_sources,
            p->cfg->state_dir, p->kafka ? "kafka" : p->cfg->is_archive ? "archive" : "stdout");
    while (!*opts->stop) {
        if (opts->reload && *opts->reload) {
            *opts->reload = 0;
            reload(p);
        }
        /* With events held for a full producer queue, or too little room in it, wait on
         * librdkafka (its delivery reports free room) rather than on the files, which are
         * paused anyway. */
        bool is_waiting_on_kafka =
            p->kafka && p->state == K_DIRECT &&
            (p->hold.len > p->hold_pos ||
             p->queued_bytes + ROOM_MIN_READ * ROOM_PER_RAW_BYTE > p->queue_limit_bytes);
        int rc = fl_tail_run_once(p->tail, is_waiting_on_kafka ? 0 : 20);
        if (rc == FL_ENOMEM) {
            fl_error("out of memory");
            break;
        }
        int64_t now = now_ms();
        if (p->kafka) {
            fl_kafka_poll(p->kafka, is_waiting_on_kafka ? 5 : 0);
            fl_pipeline_kafka_step(p, now);
        }
        if ((p->n_pending || p->is_sync_failed) &&
            (now - p->last_sync_ms >= SYNC_EVERY_MS ||
             (p->n_pending >= SYNC_MAX_PENDING && !p->is_sync_failed)))
            fl_pipeline_sync_durable(p);
        update_pause(p);
        if (now - p->last_ckpt_ms >= p->cfg->checkpoint_interval_ms)
            save_checkpoints(p);
        if (p->metrics && now - p->last_metrics_ms >= METRICS_EVERY_MS) {
            /* Not every round: a round per write() of a busy writer would make the
             * accept() the loop's main cost. */
            p->last_metrics_ms = now;
            fl_metrics_serve(p->metrics);
        }
        if (p->out.len && now - p->last_sync_ms >= SYNC_EVERY_MS) {
            fwrite(p->out.data, 1, p->out.len, stdout);
            fflush(stdout);
            fl_buf_reset(&p->out);
        }
    }
    shutdown_drain(p);
    status = 0;
    fl_metrics_free(p->metrics);
    /* The producer goes first: a delivery report served while it is destroyed must still
     * find the files it acknowledges. */
    fl_kafka_free(p->kafka);
    p->kafka = NULL;
    fl_tail_free(p->tail);
out_kafka:
    fl_kafka_free(p->kafka);
out_spool:
    fl_spool_close(p->spool);
out_ckpt:
    fl_ckpt_close(&p->ckpt);
out:
    if (p->archive)
        fl_zwriter_close(p->archive);
    fl_buf_free(&p->json);
    fl_buf_free(&p->out);
    fl_buf_free(&p->hold);
    fl_buf_free(&p->stash);
    free(p->pending);
    free(p->slots);
    free(p->free_slots);
    fl_config_free(p->cfg);
    for (size_t i = 0; i < p->n_old_cfgs; i++)
        fl_config_free(p->old_cfgs[i]);
    free(p->old_cfgs);
    free(p);
    return status;
}
