/* tests/tools/kafka_cluster.c: a 3-broker Kafka-protocol cluster on loopback, from
 * librdkafka's mock cluster (rdkafka_mock.h), for the integration tests and benchmarks.
 * faultline talks to it through librdkafka exactly as to a production cluster.
 *
 *   kafka_cluster BOOTSTRAP_FILE [TOPIC [PARTITIONS]]
 *
 * Writes the bootstrap servers to BOOTSTRAP_FILE (atomically), then reads commands on stdin:
 *   down     all brokers stop answering        up      all brokers answer again
 *   quit     (or EOF) stops the cluster
 * Exits by itself after 2 hours at the latest (every test loop is bounded). */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: kafka_cluster BOOTSTRAP_FILE [TOPIC [PARTITIONS]]\n");
        return 2;
    }
    const char *topic = argc > 2 ? argv[2] : "faultline.events";
    int partitions = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 3;
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "kafka_cluster: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 3);
    if (!mc) {
        fprintf(stderr, "kafka_cluster: cannot create the mock cluster\n");
        return 1;
    }
    if (rd_kafka_mock_topic_create(mc, topic, partitions, 3) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kafka_cluster: cannot create topic %s\n", topic);
        return 1;
    }
    const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", boot) < 0 || fclose(f) != 0 || rename(tmp, argv[1]) != 0) {
        fprintf(stderr, "kafka_cluster: cannot write %s\n", argv[1]);
        return 1;
    }
    fprintf(stderr, "kafka_cluster: 3 brokers at %s, topic %s (%d partitions)\n", boot, topic,
            partitions);
    time_t deadline = time(NULL) + 7200;
    char line[128];
    while (time(NULL) < deadline) {
        struct pollfd pfd = {.fd = 0, .events = POLLIN};
        if (poll(&pfd, 1, 1000) <= 0)
            continue;
        if (!fgets(line, sizeof line, stdin))
            break;
        if (strncmp(line, "down", 4) == 0) {
            for (int b = 1; b <= 3; b++)
                rd_kafka_mock_broker_set_down(mc, b);
            fprintf(stderr, "kafka_cluster: all brokers down\n");
        } else if (strncmp(line, "up", 2) == 0) {
            for (int b = 1; b <= 3; b++)
                rd_kafka_mock_broker_set_up(mc, b);
            fprintf(stderr, "kafka_cluster: all brokers up\n");
        } else if (strncmp(line, "quit", 4) == 0) {
            break;
        }
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
