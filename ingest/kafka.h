/* ingest/kafka.h: the Kafka producer (librdkafka), nothing else of Kafka.
 *
 * Idempotence on, acks=all, zstd, key = cell (host when no cell is known); headers carry
 * source, category, cell and the event time in ms, so consumers can filter without JSON.
 * Every librdkafka property of the configuration is passed through verbatim (SASL/SSL
 * included) after these defaults. Delivery reports come back through the callback, from
 * fl_kafka_poll, on the caller's thread. */
#ifndef FL_KAFKA_H
#define FL_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/err.h"
#include "ingest/config.h"

struct fl_kafka;

/* queue.buffering.max.kbytes unless configured: bounds memory while brokers are away. */
#define FL_KAFKA_QUEUE_KBYTES 8192

struct fl_kafka_msg {
    struct fl_str key, source, category, cell;
    int64_t ts_ms;
    struct fl_str payload;
    int64_t created_ms; /* the message's Kafka timestamp (CreateTime); 0: librdkafka's clock */
};

struct fl_kafka_cb {
    /* token as given to fl_kafka_send; errstr NULL when delivered. On failure m holds the
     * message as sent (borrowed for the call), so it can be spooled. */
    void (*delivered)(void *ctx, uint64_t token, const char *errstr,
                      const struct fl_kafka_msg *m);
    void *ctx;
};

/* new: NULL + err when a property is rejected. Unreachable brokers are not an error. */
struct fl_kafka *fl_kafka_new(const struct fl_config *cfg, const char *topic,
                              const struct fl_kafka_cb *cb, struct fl_err *err);
/* Queues one message (librdkafka copies it). 0, FL_EAGAIN when the local queue is full,
 * FL_EIO on another error. */
int fl_kafka_send(struct fl_kafka *k, const struct fl_kafka_msg *m, uint64_t token);
/* Serves delivery reports and logs; returns how many events were served. */
int fl_kafka_poll(struct fl_kafka *k, int timeout_ms);
/* Messages in the local queue and in flight. */
size_t fl_kafka_outq(struct fl_kafka *k);
/* Waits up to timeout_ms for every message to be delivered or failed. */
int fl_kafka_flush(struct fl_kafka *k, int timeout_ms);
/* True after "all brokers down" until a delivery succeeds again. */
bool fl_kafka_is_down(const struct fl_kafka *k);
void fl_kafka_free(struct fl_kafka *k);

#endif
