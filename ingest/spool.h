/* ingest/spool.h: where events wait while Kafka is away.
 *
 * zstd-compressed segment files in <state_dir>/spool/, appended in order and fsync'd by
 * fl_spool_sync: an event counts as safe (its file's checkpoint may pass it) once synced.
 * Replay hands records back oldest first; a segment is deleted once every record read from
 * it was delivered. The spool is bounded: past max_bytes the oldest segment is dropped,
 * with an error log line and a counter, never silently. Segments left by a previous run
 * are replayed first. */
#ifndef FL_SPOOL_H
#define FL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/err.h"

/* One spooled message: what the producer needs to send it again. */
struct fl_spool_rec {
    struct fl_str key, source, category, cell;
    int64_t ts_ms;
    struct fl_str json; /* the event, one JSON object without '\n' */
};

struct fl_spool_stats {
    uint64_t bytes;             /* compressed bytes on disk */
    uint64_t segments;
    uint64_t records_spooled;
    uint64_t records_replayed;
    uint64_t segments_dropped;  /* overflow */
    uint64_t bytes_dropped;
};

struct fl_spool;

/* new: dir is created if missing. NULL + err. */
struct fl_spool *fl_spool_open(const char *dir, uint64_t max_bytes, struct fl_err *err);
/* Appends a record (buffered until fl_spool_sync). */
int fl_spool_append(struct fl_spool *s, const struct fl_spool_rec *rec);
/* Makes every appended record durable. */
int fl_spool_sync(struct fl_spool *s);
/* True when no record waits for replay (the active segment included). */
bool fl_spool_is_empty(const struct fl_spool *s);
/* The next record to replay, oldest first (views valid until the next call). Returns 1 with
 * *token set (pass it to fl_spool_delivered), 0 when nothing is left to read. */
int fl_spool_next(struct fl_spool *s, struct fl_spool_rec *rec, uint64_t *token);
/* One replayed record was delivered; a segment is deleted when all it held are. */
void fl_spool_delivered(struct fl_spool *s, uint64_t token);
/* Replay failed (brokers away again): reading restarts at the oldest segment's start; what
 * was delivered from it is sent again (duplicates, counted by the caller). */
void fl_spool_rewind(struct fl_spool *s);
const struct fl_spool_stats *fl_spool_stats(const struct fl_spool *s);
/* Syncs and closes; undelivered segments stay on disk for the next start. */
int fl_spool_close(struct fl_spool *s);

#endif
