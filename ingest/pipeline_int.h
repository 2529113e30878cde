/* ingest/pipeline_int.h: the ingest loop's internals, shared by its own files only.
 *   ingest/pipeline.c        the loop: events from the tailer to stdout, the archive or
 *                            Kafka; durable writes and their acknowledgements; metrics;
 *                            checkpoints; reload; shutdown;
 *   ingest/pipeline_kafka.c  the Kafka side: messages in flight (slots), the hold, delivery
 *                            reports, the spool and its replay, the states of pipeline.h.
 * Only ingest/pipeline*.c include this header. */
#ifndef FL_PIPELINE_INT_H
#define FL_PIPELINE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/log.h"
#include "core/zfile.h"
#include "ingest/checkpoint.h"
#include "ingest/kafka.h"
#include "ingest/metrics.h"
#include "ingest/pipeline.h"
#include "ingest/spool.h"
#include "ingest/tail.h"

#define HOLD_MAX_BYTES (2u << 20)      /* held events before reading pauses */
#define MSG_OVERHEAD 160               /* per message beyond payload and key: headers etc. */

enum kstate { K_DIRECT, K_DRAINING, K_SPOOLING, K_REPLAYING, K_CATCHUP };

enum slot_kind { SLOT_FREE, SLOT_DIRECT, SLOT_REPLAY };

/* Events by source and category (metrics). Both names are static strings: compared by
 * pointer, the last hit first (a file's events mostly share both). */
#define MAX_CATEGORY_COUNTS 256
struct cat_count {
    const char *source, *category;
    uint64_t n;
};

/* A message in flight to Kafka: whom to acknowledge when its delivery report comes. */
struct slot {
    uint8_t kind;
    uint32_t bytes;       /* counted in queued_bytes while in flight */
    struct fl_tail_file *tf;
    uint64_t seq;         /* SLOT_DIRECT: the record's sequence in tf */
    uint64_t spool_token; /* SLOT_REPLAY */
};

/* An event waiting to be acknowledged by the next spool or archive sync. */
struct pending_ack {
    struct fl_tail_file *tf;
    uint64_t seq;
};

/* A held event: serialized message plus whom to acknowledge. */
struct hold_hdr {
    struct fl_tail_file *tf;
    uint64_t seq;
    int64_t ts_ms, created_ms;
    uint32_t key_len, source_len, category_len, cell_len, json_len;
};

struct pipeline {
    const struct fl_pipeline_opts *opts;
    struct fl_config *cfg;
    struct fl_config **old_cfgs;    /* kept alive: draining streams borrow from them */
    size_t n_old_cfgs;
    struct fl_tail *tail;
    struct fl_ckpt ckpt;
    struct fl_kafka *kafka;
    struct fl_spool *spool;
    struct fl_metrics *metrics;
    enum kstate state;
    struct slot *slots;
    uint32_t *free_slots;
    size_t n_slots, n_free;
    size_t inflight_direct, inflight_replay;
    size_t queued_bytes, queue_limit_bytes; /* in librdkafka's queue, by our count; its cap */
    bool is_replay_failed;
    bool is_replay_probing;         /* one replayed record at a time until one is delivered */
    struct fl_buf stash;            /* a replayed record waiting for room in the local queue */
    size_t stash_lens[5];
    int64_t stash_ts_ms;
    uint64_t stash_token;
    bool has_stash;
    int64_t next_replay_ms;
    struct fl_buf hold;             /* hold_hdr + bytes, in order */
    size_t hold_pos;                /* first unsent byte of hold */
    struct pending_ack *pending;
    size_t n_pending, cap_pending;
    int64_t last_sync_ms, last_ckpt_ms, last_metrics_ms;
    int64_t start_ms, last_expire_ms;
    bool is_sync_failed;
    int64_t last_sync_error_ms, last_ckpt_error_ms;
    size_t max_payload;             /* largest event JSON a Kafka message may carry */
    /* archive (no Kafka) */
    struct fl_zwriter *archive;
    int64_t archive_hour;
    struct fl_buf json;
    struct fl_buf out;              /* stdout batch */
    /* counters */
    uint64_t delivered, failed, spooled, replayed, held, duplicates_replayed;
    struct cat_count by_category[MAX_CATEGORY_COUNTS];
    size_t n_by_category, last_by_category;
};

static inline int64_t now_ms(void)
{
    return fl_now_ms();
}

/* pipeline.c */
/* Registers (tf, seq) to be acknowledged by the next successful spool/archive sync. */
int fl_pipeline_pending_add(struct pipeline *p, struct fl_tail_file *tf, uint64_t seq);
/* A spool or archive write failed: logged (once a minute), reading pauses; returns 0. */
int fl_pipeline_output_failed(struct pipeline *p, const char *what, int rc);
/* Makes the spool / archive durable, then acknowledges what they hold. */
int fl_pipeline_sync_durable(struct pipeline *p);

/* pipeline_kafka.c */
const char *fl_pipeline_state_name(enum kstate st);
int fl_pipeline_slots_init(struct pipeline *p, size_t n);
/* One event for Kafka: produced, held or spooled according to the state. */
int fl_pipeline_route_kafka(struct pipeline *p, const struct fl_kafka_msg *m,
                            struct fl_tail_file *tf, uint64_t seq);
/* librdkafka's delivery report (served from fl_kafka_poll). */
void fl_pipeline_on_delivered(void *ctx, uint64_t token, const char *errstr,
                              const struct fl_kafka_msg *m);
/* Sends held events while producing directly; moves every held event into the spool. */
void fl_pipeline_send_held(struct pipeline *p);
void fl_pipeline_spool_held(struct pipeline *p);
/* One round of the Kafka state machine (pipeline.h). */
void fl_pipeline_kafka_step(struct pipeline *p, int64_t now);

#endif
