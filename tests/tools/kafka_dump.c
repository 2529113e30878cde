/* tests/tools/kafka_dump.c: reads every message of a topic from the beginning and prints
 * one line per message: "<partition>\t<offset>\t<key>\t<payload>". Stops when COUNT
 * messages were read, or after IDLE_MS without a new one, or at the hard deadline.
 *
 *   kafka_dump BOOTSTRAP TOPIC [COUNT [IDLE_MS [DEADLINE_S]]] */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: kafka_dump BOOTSTRAP TOPIC [COUNT [IDLE_MS [DEADLINE_S]]]\n");
        return 2;
    }
    long want = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
    long idle_ms = argc > 4 ? strtol(argv[4], NULL, 10) : 5000;
    long deadline_s = argc > 5 ? strtol(argv[5], NULL, 10) : 300;
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "group.id", "faultline-test-dump", errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "kafka_dump: %s\n", errstr);
        return 1;
    }
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, argv[2], NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topic_cnt != 1) {
        fprintf(stderr, "kafka_dump: no metadata for %s\n", argv[2]);
        return 1;
    }
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(8);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(parts, argv[2], md->topics[0].partitions[i].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    long got = 0;
    struct timespec t0, last;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    last = t0;
    for (;;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (m) {
            if (!m->err) {
                printf("%d\t%lld\t%.*s\t%.*s\n", m->partition, (long long)m->offset,
                       (int)m->key_len, (const char *)m->key, (int)m->len,
                       (const char *)m->payload);
                got++;
                last = now;
            }
            rd_kafka_message_destroy(m);
        }
        long since = (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000;
        if ((want && got >= want) || since >= idle_ms || now.tv_sec - t0.tv_sec >= deadline_s)
            break;
    }
    fflush(stdout);
    fprintf(stderr, "kafka_dump: %ld messages\n", got);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}
