/* tests/tools/bench_latency.c: follows a topic while `make bench` writes, and measures how
 * long each line of tests/tools/bench_writer took from its write() to the topic.
 *
 *   bench_latency BOOTSTRAP TOPIC EXPECTED [--idle-ms MS] [--deadline-s S]
 *
 * Every message's payload carries "[seq S f F wt NS]" (the writer's line, inside faultline's
 * event JSON); NS is CLOCK_REALTIME just before the write() of that line. For each message
 * the latency is (CLOCK_REALTIME when the consumer got it) - NS. Since a message can only be
 * fetched after the broker appended it, and faultline's delivery report comes back with the
 * broker's acknowledgement of that append, this is an upper bound of write() -> broker
 * acknowledgement (plus the consumer's own fetch delay: fetch.wait.max.ms is kept at 1 ms).
 *
 * Reads every partition from the beginning (a fresh cluster per measurement) while the topic
 * is written: librdkafka's mock cluster keeps only ~5 MiB per partition and drops the oldest
 * batches beyond it, so a consumer that falls behind misses messages; an offset jump is
 * counted as a gap and reported (an infrastructure limit, not a loss by faultline).
 *
 * Only seqs below EXPECTED are measured; higher ones (a trailer the script writes so that
 * every measured record has a successor, see below) are counted as "beyond" and ignored.
 * Why a trailer: a record is complete only when the next line of its file starts (or after
 * limits.idle_flush), so each file's last line would otherwise wait out idle_flush.
 *
 * Stops when EXPECTED distinct seqs arrived, after --idle-ms without a message once the first
 * came (default 10000), at --deadline-s (default 1800), or on SIGTERM/SIGINT. Prints one line
 * on stdout:
 *   bench_latency: expected=N received=M unique=U dup=D missing=X gap_msgs=G unparsable=P
 *                  beyond=B first_write_ns=.. last_arrival_ns=.. p50_ms=.. p90_ms=.. p99_ms=..
 *                  p999_ms=.. max_ms=..
 * Exit 0 when every seq arrived, 1 when some are missing, 3 when the reason is a gap. */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PARTS 64

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Reads the decimal number after tag in [p, end); -1 when absent. */
static long long number_after(const char *p, const char *end, const char *tag)
{
    size_t tl = strlen(tag);
    const char *q = memmem(p, (size_t)(end - p), tag, tl);
    if (!q)
        return -1;
    q += tl;
    long long v = 0;
    int digits = 0;
    while (q < end && *q >= '0' && *q <= '9' && digits < 19) {
        v = v * 10 + (*q++ - '0');
        digits++;
    }
    return digits ? v : -1;
}

static double pct_ms(const uint32_t *lat_us, size_t n, double pct)
{
    if (!n)
        return 0;
    size_t i = (size_t)(pct / 100.0 * (double)n);
    if (i >= n)
        i = n - 1;
    return lat_us[i] / 1000.0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_latency BOOTSTRAP TOPIC EXPECTED [--idle-ms MS] "
                        "[--deadline-s S]\n");
        return 2;
    }
    const char *topic = argv[2];
    long expected = strtol(argv[3], NULL, 10), idle_ms = 10000, deadline_s = 1800;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--idle-ms") == 0)
            idle_ms = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--deadline-s") == 0)
            deadline_s = strtol(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "bench_latency: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (expected < 1) {
        fprintf(stderr, "bench_latency: EXPECTED must be positive\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    size_t cap = (size_t)expected, n_lat = 0;
    uint32_t *lat_us = malloc(cap * sizeof *lat_us);
    uint8_t *seen = calloc((size_t)expected / 8 + 1, 1);
    if (!lat_us || !seen) {
        fprintf(stderr, "bench_latency: out of memory\n");
        return 1;
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *props[][2] = {
        {"bootstrap.servers", argv[1]}, {"group.id", "faultline-bench"},
        {"enable.auto.commit", "false"}, {"fetch.wait.max.ms", "1"},
        {"fetch.error.backoff.ms", "5"}, {"log_level", "3"},
    };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        if (rd_kafka_conf_set(conf, props[i][0], props[i][1], errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK) {
            fprintf(stderr, "bench_latency: %s\n", errstr);
            return 2;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "bench_latency: %s\n", errstr);
        return 1;
    }
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int n_parts = 0;
    for (int attempt = 0; attempt < 30 && !n_parts; attempt++) {
        if (rd_kafka_metadata(rk, 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1 && !md->topics[0].err)
                n_parts = md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
        }
    }
    rd_kafka_topic_destroy(rkt);
    if (n_parts < 1 || n_parts > MAX_PARTS) {
        fprintf(stderr, "bench_latency: no usable metadata for %s\n", topic);
        rd_kafka_destroy(rk);
        return 1;
    }
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(n_parts);
    for (int i = 0; i < n_parts; i++)
        rd_kafka_topic_partition_list_add(parts, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);

    int64_t next_off[MAX_PARTS];
    for (int i = 0; i < MAX_PARTS; i++)
        next_off[i] = -1;
    long received = 0, unique = 0, dup = 0, unparsable = 0, beyond = 0;
    long long gap_msgs = 0, first_write = -1, last_arrival = -1;
    int64_t t0 = clock_ns(CLOCK_MONOTONIC), last_msg = 0;
    while (!stop_flag && unique < expected) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        int64_t mono = clock_ns(CLOCK_MONOTONIC);
        if (m) {
            int64_t arrival = clock_ns(CLOCK_REALTIME);
            if (!m->err && m->partition >= 0 && m->partition < MAX_PARTS) {
                if (next_off[m->partition] >= 0 && m->offset > next_off[m->partition]) {
                    gap_msgs += m->offset - next_off[m->partition];
                    fprintf(stderr, "bench_latency: GAP partition %d offsets %lld..%lld\n",
                            m->partition, (long long)next_off[m->partition],
                            (long long)m->offset - 1);
                }
                next_off[m->partition] = m->offset + 1;
                received++;
                last_msg = mono;
                const char *p = m->payload, *end = p + m->len;
                const char *tag = memmem(p, m->len, "[seq ", 5);
                long long seq = tag ? number_after(tag, end, "[seq ") : -1;
                long long wt = tag ? number_after(tag, end, " wt ") : -1;
                if (seq < 0 || wt < 0) {
                    unparsable++;
                } else if (seq >= expected) {
                    beyond++;
                } else if (seen[seq / 8] & (1u << (seq % 8))) {
                    dup++;
                } else {
                    seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
                    unique++;
                    int64_t us = (arrival - wt) / 1000;
                    if (us < 0)
                        us = 0;
                    if (us > UINT32_MAX)
                        us = UINT32_MAX;
                    if (n_lat < cap)
                        lat_us[n_lat++] = (uint32_t)us;
                    if (first_write < 0 || wt < first_write)
                        first_write = wt;
                    last_arrival = arrival;
                }
            }
            rd_kafka_message_destroy(m);
        }
        if (last_msg && (mono - last_msg) / 1000000 >= idle_ms)
            break;
        if ((mono - t0) / 1000000000 >= deadline_s)
            break;
    }
    qsort(lat_us, n_lat, sizeof *lat_us, cmp_u32);
    printf("bench_latency: expected=%ld received=%ld unique=%ld dup=%ld missing=%ld "
           "gap_msgs=%lld unparsable=%ld beyond=%ld first_write_ns=%lld last_arrival_ns=%lld "
           "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f\n",
           expected, received, unique, dup, expected - unique, gap_msgs, unparsable, beyond,
           first_write, last_arrival, pct_ms(lat_us, n_lat, 50), pct_ms(lat_us, n_lat, 90),
           pct_ms(lat_us, n_lat, 99), pct_ms(lat_us, n_lat, 99.9),
           n_lat ? lat_us[n_lat - 1] / 1000.0 : 0);
    fflush(stdout);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    free(lat_us);
    free(seen);
    if (unique == expected)
        return 0;
    return gap_msgs ? 3 : 1;
}
