/* ingest/pipeline.h: tail -> parse -> publish, with acknowledged checkpoints.
 *
 * The loop of `faultline ingest` and `faultline run`. Events of every followed file are
 * serialized once and go to Kafka (when brokers are configured) or to hourly zstd NDJSON
 * archive segments in state_dir (the embedded default), optionally also to stdout. A file's
 * checkpoint advances only over records that the broker acknowledged, that are fsync'd in
 * the spool, or that are fsync'd in the archive.
 *
 * Kafka states: DIRECT (produce); on a delivery failure, DRAINING (reading pauses, new
 * events are held in memory until every message in flight has come back; the failed ones
 * go to the spool in order); SPOOLING (new events go to the spool, fsync'd); REPLAYING (the
 * spool is sent again, oldest first, while new events keep going to the spool; one record
 * goes alone first, and the rest follow once it is delivered, so attempts while the brokers
 * are still away cost one message each); CATCHUP
 * (the spool is read to its end: new events are held until its last records are delivered);
 * then DIRECT again. Order per file is kept in every transition. Memory stays bounded: the
 * hold buffer and librdkafka's queue have limits, and reading pauses at them.
 *
 * An event larger than a Kafka message may be (message.max.bytes, 1,000,000 by default) goes
 * out with its message cut to fit and attrs.cut = true: a message the brokers refuse would
 * otherwise come back from the spool forever and stall everything behind it. */
#ifndef FL_PIPELINE_H
#define FL_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include "core/err.h"
#include "ingest/config.h"

struct fl_pipeline_opts {
    const char *config_path;     /* re-read on SIGHUP */
    struct fl_config *cfg;       /* taken: freed by the pipeline */
    bool is_force_poll;          /* every source polled (tests of the network-fs path) */
    bool is_stdout;              /* also write events to stdout */
    volatile sig_atomic_t *stop; /* set by SIGTERM/SIGINT */
    volatile sig_atomic_t *reload; /* set by SIGHUP */
    int64_t drain_ms;            /* shutdown budget for reading and delivering (default 3500;
                                  * closing the producer and files takes the rest of 5 s) */
};

/* Runs until *stop. Returns 0 after a clean drain, 1 on a fatal error (logged). */
int fl_pipeline_run(const struct fl_pipeline_opts *opts);

#endif
