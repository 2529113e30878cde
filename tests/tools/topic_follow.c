/* tests/tools/topic_follow.c: consumes a topic from the beginning while a test runs and
 * writes every message as "<partition>\t<offset>\t<key>\t<payload>" (kafka_dump's format).
 *
 *   topic_follow BOOTSTRAP TOPIC OUT STOPFILE [IDLE_MS [DEADLINE_S]]
 *
 * Why not kafka_dump after the run: librdkafka's mock cluster keeps at most 5 MiB (and 100,000
 * message sets) per partition and drops the oldest beyond that, and every event of one host
 * goes to one partition; a 200,000-event test overflows it. Following the topic while it is
 * written reads every message before the mock drops it. A jump in a partition's offsets
 * means the follower fell behind that retention: it is reported on stderr ("GAP") and in the
 * exit status (3), so a test tells an infrastructure problem from lost events.
 *
 * OUT is flushed after every poll that returned messages. Stops once STOPFILE exists and no
 * message came for IDLE_MS (default 3000), at DEADLINE_S (default 900), or on SIGTERM/SIGINT
 * (after flushing). */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_PARTS 64

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static long ms_since(const struct timespec *a, const struct timespec *b)
{
    return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr,
                "usage: topic_follow BOOTSTRAP TOPIC OUT STOPFILE [IDLE_MS [DEADLINE_S]]\n");
        return 2;
    }
    const char *topic = argv[2], *stop_path = argv[4];
    long idle_ms = argc > 5 ? strtol(argv[5], NULL, 10) : 3000;
    long deadline_s = argc > 6 ? strtol(argv[6], NULL, 10) : 900;
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    FILE *out = fopen(argv[3], "w");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *props[][2] = {
        {"bootstrap.servers", argv[1]},
        {"group.id", "faultline-test-follow"},
        {"enable.auto.commit", "false"},
        {"auto.offset.reset", "earliest"},
        {"log_level", "3"},
        {"fetch.wait.max.ms", "50"},
        {"fetch.max.bytes", "52428800"},
        {"max.partition.fetch.bytes", "10485760"},
        {"queued.min.messages", "1000000"},
        {"topic.metadata.refresh.interval.ms", "1000"},
    };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        if (rd_kafka_conf_set(conf, props[i][0], props[i][1], errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK) {
            fprintf(stderr, "topic_follow: %s: %s\n", props[i][0], errstr);
            return 1;
        }
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "topic_follow: %s\n", errstr);
        return 1;
    }
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int tries = 0;
    while (rd_kafka_metadata(rk, 0, rkt, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
           md->topic_cnt != 1 || md->topics[0].partition_cnt == 0) {
        if (md)
            rd_kafka_metadata_destroy(md);
        md = NULL;
        if (++tries == 10 || stop_flag) {
            fprintf(stderr, "topic_follow: no metadata for %s\n", topic);
            return 1;
        }
    }
    int n_parts = md->topics[0].partition_cnt;
    if (n_parts > MAX_PARTS)
        n_parts = MAX_PARTS;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(n_parts);
    for (int i = 0; i < n_parts; i++)
        rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);

    long long next_off[MAX_PARTS];
    for (int i = 0; i < MAX_PARTS; i++)
        next_off[i] = 0;
    long got = 0, gaps = 0;
    struct timespec t0, last, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    last = t0;
    while (!stop_flag) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        int n_batch = 0;
        while (m) {
            if (!m->err) {
                int p = m->partition;
                if (p >= 0 && p < MAX_PARTS) {
                    if (m->offset != next_off[p]) {
                        fprintf(stderr,
                                "topic_follow: GAP in partition %d: offset %lld, "
                                "expected %lld (the follower fell behind the mock's retention)\n",
                                p, (long long)m->offset, next_off[p]);
                        gaps++;
                    }
                    next_off[p] = m->offset + 1;
                }
                fprintf(out, "%d\t%lld\t%.*s\t%.*s\n", m->partition, (long long)m->offset,
                        (int)m->key_len, (const char *)m->key, (int)m->len,
                        (const char *)m->payload);
                got++;
                n_batch++;
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                fprintf(stderr, "topic_follow: %s\n", rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
            m = n_batch < 10000 ? rd_kafka_consumer_poll(rk, 0) : NULL;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (n_batch) {
            fflush(out);
            last = now;
        }
        struct stat st;
        if (stat(stop_path, &st) == 0 && ms_since(&last, &now) >= idle_ms)
            break;
        if (now.tv_sec - t0.tv_sec >= deadline_s) {
            fprintf(stderr, "topic_follow: deadline reached\n");
            break;
        }
    }
    fflush(out);
    fclose(out);
    fprintf(stderr, "topic_follow: %ld messages, %ld gaps\n", got, gaps);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return gaps ? 3 : 0;
}
