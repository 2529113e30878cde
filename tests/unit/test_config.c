/* tests/unit/test_config.c: the configuration a plant engineer writes.
 *
 * The shipped deploy/faultline.yaml loads with the values it documents; a minimal file gets
 * the documented defaults; every mistake is refused with the line and column of the value to
 * fix (table below); cell rules map (host, path) with globs, the first matching rule wins. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/config.h"
#include "tests/unit/unit.h"

/* Run from the repository root (tests/run.sh does). */
#define SHIPPED_CONFIG "deploy/faultline.yaml"

static struct fl_config *load(const char *text, struct fl_err *err)
{
    fl_err_clear(err);
    return fl_config_load_mem(text, strlen(text), "plant.yaml", err);
}

#define SRC_OK "sources:\n  - type: ignition\n    paths: [/mnt/ign/*.log]\n"

static void shipped_config_loads_with_what_it_documents(void)
{
    struct fl_err err;
    fl_err_clear(&err);
    struct fl_config *cfg = fl_config_load(SHIPPED_CONFIG, &err);
    if (!cfg) {
        char text[600];
        fl_err_format(&err, text, sizeof text);
        fprintf(stderr, "    %s\n", text);
    }
    CHECK(cfg != NULL);
    if (!cfg)
        return;
    CHECK_STR(cfg->state_dir, "/var/lib/faultline");
    CHECK_INT(cfg->n_sources, 5);
    if (cfg->n_sources == 5) {
        const struct fl_source_cfg *ign = &cfg->sources[0], *kep = &cfg->sources[1];
        const struct fl_source_cfg *hist = &cfg->sources[3], *ft = &cfg->sources[4];
        CHECK_STR(ign->name, "ign01-wrapper");
        CHECK_STR(ign->type, "ignition");
        CHECK_INT(ign->n_globs, 1);
        CHECK_STR(ign->globs[0], "/mnt/ign01/logs/wrapper.log*");
        CHECK_STR(ign->host, "ign01");
        CHECK_STR(ign->tz, "America/Chicago");
        CHECK_STR(ign->cell, "line4");
        CHECK(ign->site == NULL);
        CHECK_INT(ign->poll, FL_POLL_AUTO);
        CHECK(!ign->has_layout);
        CHECK_STR(kep->type, "kepware");
        CHECK_INT(kep->date_order, FL_DO_MDY);
        CHECK_INT(kep->encoding, FL_ENC_AUTO);
        CHECK_STR(kep->extra_sources[0], "Siemens TCP/IP Ethernet");
        CHECK(kep->extra_sources[1] == NULL);
        CHECK_STR(cfg->sources[2].tz, "UTC"); /* aveva: the default zone */
        CHECK(hist->has_layout && !hist->layout.is_csv);
        CHECK(hist->layout.pattern && strstr(hist->layout.pattern, "(?<message>.*)$"));
        CHECK_STR(hist->layout.ts_format, "%m/%d/%Y %H:%M:%S.%f");
        CHECK_STR(hist->layout.continuation, "^\\s+");
        CHECK(ft->has_layout && ft->layout.is_csv);
        CHECK_INT(ft->layout.csv_delimiter, '\t');
        CHECK_INT(ft->layout.csv_quote, '"');
        CHECK(ft->layout.csv_header);
        CHECK_STR(ft->layout.col_ts[0], "Date");
        CHECK_STR(ft->layout.col_ts[1], "Time");
        CHECK_STR(ft->layout.col_level, "Severity");
        CHECK_STR(ft->layout.col_component, "Source");
        CHECK_STR(ft->layout.col_message, "Message");
    }
    CHECK_INT(cfg->n_cells, 2);
    CHECK(cfg->brokers == NULL); /* brokers: none */
    CHECK_STR(cfg->topic_events, "faultline.events");
    CHECK_STR(cfg->topic_incidents, "faultline.incidents");
    CHECK_INT(cfg->n_kafka_props, 1);
    CHECK_STR(cfg->kafka_props[0].key, "client.id");
    CHECK_STR(cfg->kafka_props[0].value, "faultline-logsrv1");
    CHECK(cfg->redis_url == NULL);
    CHECK_INT(cfg->max_line_bytes, 1 << 20);
    CHECK_INT(cfg->spool_max_bytes, 1ll << 30);
    CHECK_INT(cfg->queue_max_events, 100000);
    CHECK_INT(cfg->idle_flush_ms, 2000);
    CHECK_INT(cfg->poll_interval_ms, 1000);
    CHECK_INT(cfg->checkpoint_interval_ms, 200);
    CHECK(!cfg->is_stdout);
    CHECK(cfg->is_archive);
    CHECK_STR(cfg->metrics_listen, "127.0.0.1:9464");
    CHECK_STR(cfg->rules_dir, "/etc/faultline/rules");
    /* The shipped cell rules as a user reads them: kep0* hosts are line4, the historian
     * mount is the historian cell, subfolders included. */
    const char *site = NULL, *line = NULL, *cell = NULL;
    fl_config_map_cell(cfg, "kep01", "/mnt/kep01/eventlog/a.txt", &site, &line, &cell);
    CHECK_STR(site, "plant1");
    CHECK_STR(line, "line4");
    CHECK_STR(cell, "line4");
    site = line = cell = NULL;
    fl_config_map_cell(cfg, "hist01", "/mnt/hist01/Logs/archiver.log", &site, &line, &cell);
    CHECK_STR(site, "plant1");
    CHECK(line == NULL);
    CHECK_STR(cell, "historian");
    fl_config_free(cfg);
}

static void minimal_config_gets_the_documented_defaults(void)
{
    struct fl_err err;
    struct fl_config *cfg = load(SRC_OK, &err);
    CHECK(cfg != NULL);
    if (!cfg)
        return;
    CHECK_STR(cfg->state_dir, "/var/lib/faultline");
    CHECK_INT(cfg->n_sources, 1);
    CHECK_STR(cfg->sources[0].name, "ignition-1");
    CHECK_STR(cfg->sources[0].tz, "UTC");
    CHECK_INT(cfg->sources[0].date_order, FL_DO_AUTO);
    CHECK_INT(cfg->sources[0].encoding, FL_ENC_AUTO);
    CHECK_INT(cfg->sources[0].poll, FL_POLL_AUTO);
    CHECK(cfg->sources[0].host == NULL && cfg->sources[0].cell == NULL);
    CHECK_INT(cfg->n_cells, 0);
    CHECK(cfg->brokers == NULL);
    CHECK_STR(cfg->topic_events, "faultline.events");
    CHECK_STR(cfg->topic_incidents, "faultline.incidents");
    CHECK_INT(cfg->n_kafka_props, 0);
    CHECK(cfg->redis_url == NULL);
    CHECK_INT(cfg->max_line_bytes, 1 << 20);
    CHECK_INT(cfg->spool_max_bytes, 1ll << 30);
    CHECK_INT(cfg->queue_max_events, 100000);
    CHECK_INT(cfg->idle_flush_ms, 2000);
    CHECK_INT(cfg->poll_interval_ms, 1000);
    CHECK_INT(cfg->checkpoint_interval_ms, 200);
    CHECK(!cfg->is_stdout);
    CHECK(cfg->is_archive);
    CHECK_STR(cfg->metrics_listen, "127.0.0.1:9464");
    CHECK(cfg->rules_dir == NULL);
    fl_config_free(cfg);
}

static void values_are_read_as_written(void)
{
    struct fl_err err;
    struct fl_config *cfg =
        load("state_dir: /srv/faultline\n"
             "sources:\n"
             "  - type: kepware\n"
             "    name: kep\n"
             "    paths: /mnt/kep/*.txt\n" /* one glob without a list */
             "    date_order: dmy\n"
             "    encoding: utf-16le\n"
             "    poll: always\n"
             "    tz: Europe/Brussels\n"
             "    site: s1\n"
             "    line: l2\n"
             "  - type: auto\n"
             "    paths: [/mnt/a/*.log, /mnt/b/*.log]\n"
             "    poll: never\n"
             "kafka:\n"
             "  brokers: k1:9092,k2:9092\n"
             "  topic_events: plant.events\n"
             "  properties:\n"
             "    security.protocol: plaintext\n"
             "    linger.ms: 20\n"
             "redis: {url: 'redis://127.0.0.1:6379/0'}\n"
             "limits:\n"
             "  max_line_bytes: 64KiB\n"
             "  spool_max_bytes: 512MB\n"
             "  queue_max_events: 5000\n"
             "  idle_flush: 500ms\n"
             "  poll_interval: 250ms\n"
             "  checkpoint_interval: 5s\n"
             "output: {stdout: yes, archive: off}\n"
             "metrics: {listen: '0.0.0.0:0'}\n",
             &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "    %u:%u: %s\n", err.line, err.col, err.msg);
        return;
    }
    CHECK_STR(cfg->state_dir, "/srv/faultline");
    CHECK_INT(cfg->n_sources, 2);
    const struct fl_source_cfg *k = &cfg->sources[0], *a = &cfg->sources[1];
    CHECK_STR(k->name, "kep");
    CHECK_INT(k->n_globs, 1);
    CHECK_STR(k->globs[0], "/mnt/kep/*.txt");
    CHECK_INT(k->date_order, FL_DO_DMY);
    CHECK_INT(k->encoding, FL_ENC_UTF16LE);
    CHECK_INT(k->poll, FL_POLL_ALWAYS);
    CHECK_STR(k->tz, "Europe/Brussels");
    CHECK_STR(k->site, "s1");
    CHECK_STR(k->line, "l2");
    CHECK_STR(a->name, "auto-2");
    CHECK_INT(a->n_globs, 2);
    CHECK_STR(a->globs[1], "/mnt/b/*.log");
    CHECK_INT(a->poll, FL_POLL_NEVER);
    CHECK_STR(cfg->brokers, "k1:9092,k2:9092");
    CHECK_STR(cfg->topic_events, "plant.events");
    CHECK_STR(cfg->topic_incidents, "faultline.incidents");
    CHECK_INT(cfg->n_kafka_props, 2);
    CHECK_STR(cfg->kafka_props[1].key, "linger.ms");
    CHECK_STR(cfg->kafka_props[1].value, "20");
    CHECK_STR(cfg->redis_url, "redis://127.0.0.1:6379/0");
    CHECK_INT(cfg->max_line_bytes, 64 << 10);
    CHECK_INT(cfg->spool_max_bytes, 512 << 20);
    CHECK_INT(cfg->queue_max_events, 5000);
    CHECK_INT(cfg->idle_flush_ms, 500);
    CHECK_INT(cfg->poll_interval_ms, 250);
    CHECK_INT(cfg->checkpoint_interval_ms, 5000);
    CHECK(cfg->is_stdout);
    CHECK(!cfg->is_archive);
    CHECK_STR(cfg->metrics_listen, "0.0.0.0:0");
    fl_config_free(cfg);
}

/* "key:" with the value left out (or all its children commented away) is not set. */
static void empty_values_and_sections_mean_not_set(void)
{
    struct fl_err err;
    struct fl_config *cfg = load(SRC_OK "    host:\n    cell: ~\n"
                                        "redis:\n"
                                        "#  url: redis://127.0.0.1\n"
                                        "kafka:\n"
                                        "  brokers:\n"
                                        "limits:\n",
                                 &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "    %u:%u: %s\n", err.line, err.col, err.msg);
        return;
    }
    CHECK(cfg->sources[0].host == NULL);
    CHECK(cfg->sources[0].cell == NULL);
    CHECK(cfg->redis_url == NULL);
    CHECK(cfg->brokers == NULL);
    CHECK_INT(cfg->idle_flush_ms, 2000);
    fl_config_free(cfg);
}

static void brokers_none_means_the_embedded_default(void)
{
    static const char *const texts[] = {
        SRC_OK "kafka: {brokers: none}\n",
        SRC_OK "kafka: {brokers: ''}\n",
        SRC_OK "kafka: {topic_events: x}\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct fl_err err;
        struct fl_config *cfg = load(texts[i], &err);
        CHECK(cfg != NULL);
        CHECK(cfg && cfg->brokers == NULL);
        fl_config_free(cfg);
    }
}

/* Every mistake: where it is (line:col of what to fix) and a fragment of what is wrong. */
static void mistakes_are_refused_with_their_position(void)
{
    static const struct {
        const char *name, *text;
        uint32_t line, col;
        const char *msg;
    } cases[] = {
        {"empty file", "# nothing yet\n", 0, 0, "empty configuration"},
        {"root is a list", "- a\n", 1, 1, "expected a mapping"},
        {"no sources", "state_dir: /x\n", 1, 1, "needs 'sources'"},
        {"sources not a list", "sources: {type: ignition}\n", 1, 10, "expected a list"},
        {"unknown top-level key", SRC_OK "limit:\n  idle_flush: 2s\n", 4, 1,
         "unknown key 'limit' (did you mean 'limits'?)"},
        {"unknown source key", "sources:\n  - type: ignition\n    paths: [/a]\n    zone: UTC\n", 4,
         5, "unknown key 'zone'"},
        {"misspelled source key", "sources:\n  - type: ignition\n    pahts: [/a]\n", 3, 5,
         "did you mean 'paths'?"},
        {"source not a mapping", "sources:\n  - /mnt/a/*.log\n", 2, 5, "expected a mapping"},
        {"missing type", "sources:\n  - paths: [/a]\n", 2, 5, "needs 'type'"},
        {"unknown type", "sources:\n  - type: ignitoin\n    paths: [/a]\n", 2, 11,
         "unknown source type 'ignitoin'"},
        {"missing paths", "sources:\n  - type: ignition\n    host: ign01\n", 2, 5,
         "needs 'paths'"},
        {"paths left empty", "sources:\n  - type: ignition\n    paths:\n", 3, 5, "needs 'paths'"},
        {"type left empty", "sources:\n  - type:\n    paths: [/a]\n", 2, 5, "needs 'type'"},
        {"sources left empty", "state_dir: /x\nsources:\n", 2, 1, "needs 'sources'"},
        {"paths empty list", "sources:\n  - type: ignition\n    paths: []\n", 3, 12,
         "list is empty"},
        {"paths a mapping", "sources:\n  - type: ignition\n    paths: {a: b}\n", 3, 12,
         "expected a glob"},
        {"relative path", "sources:\n  - type: ignition\n    paths:\n      - /mnt/a/*.log\n"
                          "      - logs/b/*.log\n",
         5, 9, "must be absolute"},
        {"relative single path", "sources:\n  - type: ignition\n    paths: ~/logs/*.log\n", 3, 12,
         "must be absolute"},
        {"path list of lists", "sources:\n  - type: ignition\n    paths: [[/a]]\n", 3, 13,
         "expected a text value"},
        {"too many paths",
         "sources:\n  - type: ignition\n    paths: [/1,/2,/3,/4,/5,/6,/7,/8,/9,/10,/11,/12,/13,"
         "/14,/15,/16,/17]\n",
         3, 12, "at most 16"},
        {"bad tz", SRC_OK "    tz: Europe/Berln\n", 4, 9, "unknown time zone 'Europe/Berln'"},
        {"tz path escape", SRC_OK "    tz: ../../etc/passwd\n", 4, 9, "unknown time zone"},
        {"bad date_order", SRC_OK "    date_order: dd/mm/yyyy\n", 4, 17, "expected dmy, mdy"},
        {"bad encoding", SRC_OK "    encoding: latin-1\n", 4, 15, "encoding 'latin-1'"},
        {"bad poll", SRC_OK "    poll: sometimes\n", 4, 11, "expected auto, always or never"},
        {"empty quoted name", SRC_OK "    name: ''\n", 4, 11, "empty value"},
        {"duplicate source name",
         "sources:\n  - name: a\n    type: ignition\n    paths: [/a]\n"
         "  - name: a\n    type: kepware\n    paths: [/b]\n",
         5, 5, "duplicate source name 'a' (first at line 2)"},
        {"explicit name equal to a default name",
         "sources:\n  - type: ignition\n    paths: [/a]\n"
         "  - name: ignition-1\n    type: kepware\n    paths: [/b]\n",
         4, 5, "duplicate source name 'ignition-1'"},
        {"duplicate key in a source", SRC_OK "    host: a\n    host: b\n", 5, 5,
         "duplicate key 'host'"},
        {"kepware_sources on ignition", SRC_OK "    kepware_sources: [x]\n", 4, 22,
         "kepware sources only"},
        {"kepware_sources not a list",
         "sources:\n  - type: kepware\n    paths: [/a]\n    kepware_sources: x\n", 4, 22,
         "a list of at most 16"},
        /* layouts */
        {"layout csv and pattern",
         "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
         "      pattern: '(?<ts>\\S+) (?<message>.*)'\n      csv: {columns: {ts: A, message: B}}\n",
         6, 12, "either a line pattern or csv"},
        {"layout with neither", "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
                                "      ts_format: '%Y'\n",
         5, 7, "needs 'pattern'"},
        {"layout on a source that has its own",
         SRC_OK "    layout: {pattern: '(?<ts>\\S+) (?<message>.*)'}\n", 4, 5,
         "only historian and ftdiag"},
        {"layout pattern does not compile",
         "sources:\n  - type: historian\n    paths: [/a]\n    layout:\n"
         "      pattern: '(?<ts>\\S+ (?<message>.*)'\n",
         5, 16, "missing closing parenthesis"},
        {"layout pattern without message group",
         "sources:\n  - type: historian\n    paths: [/a]\n    layout:\n"
         "      pattern: '(?<ts>\\S+) (?<msg>.*)'\n",
         5, 16, "(?<message>"},
        {"layout pattern without ts group",
         "sources:\n  - type: historian\n    paths: [/a]\n    layout:\n"
         "      pattern: '(?<message>.*)'\n",
         5, 16, "(?<ts>"},
        {"layout continuation does not compile",
         "sources:\n  - type: historian\n    paths: [/a]\n    layout:\n"
         "      pattern: '(?<ts>\\S+) (?<message>.*)'\n      continuation: '^[ '\n",
         6, 21, "continuation"},
        {"layout ts_format the parser lacks",
         "sources:\n  - type: historian\n    paths: [/a]\n    layout:\n"
         "      pattern: '(?<ts>\\S+) (?<message>.*)'\n      ts_format: '%Q'\n",
         4, 5, "%Q"},
        {"layout unknown key", "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
                               "      patern: x\n",
         5, 7, "did you mean 'pattern'?"},
        {"csv without columns", "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
                                "      csv: {delimiter: ';'}\n",
         5, 12, "needs 'columns'"},
        {"csv columns without ts", "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
                                   "      csv: {columns: {message: Message}}\n",
         5, 22, "needs 'ts'"},
        {"csv columns without message",
         "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
         "      csv: {columns: {ts: Date}}\n",
         5, 22, "needs 'message'"},
        {"csv ts of three columns",
         "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
         "      csv: {columns: {ts: [A, B, C], message: M}}\n",
         5, 27, "one or two"},
        {"csv delimiter of two characters",
         "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
         "      csv: {delimiter: ';;', columns: {ts: A, message: B}}\n",
         5, 24, "one character"},
        {"csv header quoted", "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
                              "      csv: {header: 'false', columns: {ts: A, message: B}}\n",
         5, 21, "without quotes"},
        {"csv with continuation",
         "sources:\n  - type: ftdiag\n    paths: [/a]\n    layout:\n"
         "      continuation: '^ '\n      csv: {columns: {ts: A, message: B}}\n",
         5, 21, "continuation belongs to a line layout"},
        /* cells */
        {"cells not a list", SRC_OK "cells: {match: {host: a}, cell: b}\n", 4, 8,
         "expected a list"},
        {"cell rule without match", SRC_OK "cells:\n  - cell: x\n", 5, 5, "needs 'match'"},
        {"cell rule with empty match", SRC_OK "cells:\n  - match: {}\n    cell: x\n", 5, 12,
         "at least one of host, path, attr"},
        {"cell rule sets nothing", SRC_OK "cells:\n  - match: {host: a}\n", 5, 5,
         "at least one of site, line, cell"},
        {"cell rule unknown match key", SRC_OK "cells:\n  - match: {hots: a}\n    cell: x\n", 5,
         13, "did you mean 'host'?"},
        {"cell rule relative path", SRC_OK "cells:\n  - match: {path: 'logs/*'}\n    cell: x\n",
         5, 19, "must be absolute"},
        {"cell rule attr of two pairs",
         SRC_OK "cells:\n  - match: {attr: {a: 1, b: 2}}\n    cell: x\n", 5, 19,
         "one 'key: value' pair"},
        {"cell rule misspelled key", SRC_OK "cells:\n  - match: {host: a}\n    cel: x\n", 6, 5,
         "did you mean 'cell'?"},
        /* kafka */
        {"kafka unknown key", SRC_OK "kafka:\n  broker: k1:9092\n", 5, 3,
         "did you mean 'brokers'?"},
        {"kafka properties not a map", SRC_OK "kafka:\n  properties: [acks=all]\n", 5, 15,
         "librdkafka 'key: value' pairs"},
        {"kafka property unknown", SRC_OK "kafka:\n  properties:\n    security.protocl: SSL\n", 6,
         5, "'security.protocl': not a librdkafka property"},
        {"kafka property bad value", SRC_OK "kafka:\n  properties:\n    acks: most\n", 6, 11,
         "kafka property acks"},
        {"kafka property list value",
         SRC_OK "kafka:\n  properties:\n    bootstrap.servers: [a, b]\n", 6, 24,
         "expected a text value"},
        {"kafka property twice",
         SRC_OK "kafka:\n  properties:\n    client.id: a\n    client.id: b\n", 7, 5,
         "duplicate key 'client.id'"},
        /* limits and the rest */
        {"size without number", SRC_OK "limits:\n  spool_max_bytes: GB\n", 5, 20, "not a size"},
        {"size with unknown unit", SRC_OK "limits:\n  spool_max_bytes: 1TB\n", 5, 20,
         "not a size"},
        {"zero spool", SRC_OK "limits:\n  spool_max_bytes: 0\n", 5, 20, "more than 0"},
        {"line cap too small", SRC_OK "limits:\n  max_line_bytes: 100\n", 5, 19,
         "between 1KiB and 256MiB"},
        {"queue too small", SRC_OK "limits:\n  queue_max_events: 10\n", 5, 21, "out of range"},
        {"duration without unit word", SRC_OK "limits:\n  idle_flush: two seconds\n", 5, 15,
         "not a duration"},
        {"zero poll interval spins", SRC_OK "limits:\n  poll_interval: 0s\n", 5, 18,
         "out of range"},
        {"idle flush of a day", SRC_OK "limits:\n  idle_flush: 24h\n", 5, 15, "out of range"},
        {"quoted bool", SRC_OK "output:\n  stdout: \"true\"\n", 5, 11, "without quotes"},
        {"bool as a number", SRC_OK "output:\n  archive: 1\n", 5, 12, "true or false"},
        {"metrics listen on a name", SRC_OK "metrics:\n  listen: localhost:9464\n", 5, 11,
         "not an IPv4 address"},
        {"metrics listen without port", SRC_OK "metrics:\n  listen: 127.0.0.1\n", 5, 11,
         "expected IPv4:port"},
        {"metrics listen port too big", SRC_OK "metrics:\n  listen: 127.0.0.1:70000\n", 5, 11,
         "expected IPv4:port"},
        {"redis section with unknown key", SRC_OK "redis:\n  uri: redis://x\n", 5, 3,
         "did you mean 'url'?"},
        {"section given as text", SRC_OK "limits: none\n", 4, 9, "expected a mapping"},
        /* YAML itself */
        {"tab indentation", "sources:\n  - type: ignition\n\tpaths: [/a]\n", 3, 1, "tab"},
        {"alias", "sources:\n  - &s {type: ignition, paths: [/a]}\n  - *s\n", 3, 5, "aliases"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_err err;
        struct fl_config *cfg = load(cases[i].text, &err);
        CHECK(cfg == NULL);
        fl_config_free(cfg);
        bool is_ok = err.line == cases[i].line && err.col == cases[i].col &&
                     strstr(err.msg, cases[i].msg) && strcmp(err.file, "plant.yaml") == 0;
        if (!is_ok) {
            fprintf(stderr, "    case '%s': got %s:%u:%u: %s; expected %u:%u: ...%s...\n",
                    cases[i].name, err.file, err.line, err.col, err.msg, cases[i].line,
                    cases[i].col, cases[i].msg);
            unit_checks_failed_in_test++;
        }
    }
}

static void load_of_a_missing_file_names_it(void)
{
    struct fl_err err;
    fl_err_clear(&err);
    struct fl_config *cfg = fl_config_load("/nonexistent/faultline.yaml", &err);
    CHECK(cfg == NULL);
    CHECK_STR(err.file, "/nonexistent/faultline.yaml");
}

static void cell_rules_first_match_wins_with_host_and_path_globs(void)
{
    static const char text[] = SRC_OK
        "cells:\n"
        "  - match: {host: 'kep0[12]', path: '/mnt/kep*/events/*'}\n" /* both must match */
        "    site: plant1\n"
        "    line: line4\n"
        "    cell: press\n"
        "  - match: {host: 'kep0*'}\n"
        "    cell: kepware-other\n"
        "  - match: {path: '/mnt/hist01/*'}\n"
        "    site: plant1\n"
        "    cell: historian\n"
        "  - match: {attr: {station: S7}}\n" /* per event: never applies to a file */
        "    cell: s7\n"
        "  - match: {host: '*'}\n"
        "    site: plant9\n";
    static const struct {
        const char *host, *path;
        const char *site, *line, *cell; /* "-" untouched */
    } cases[] = {
        {"kep01", "/mnt/kep01/events/a.txt", "plant1", "line4", "press"},
        {"kep02", "/mnt/kep02/events/sub/a.txt", "plant1", "line4", "press"},
        {"KEP01", "/mnt/kep01/events/a.txt", "plant1", "line4", "press"}, /* host case */
        {"kep01", "/mnt/other/a.txt", "-", "-", "kepware-other"},
        {"kep03", "/mnt/kep03/events/a.txt", "-", "-", "kepware-other"},
        {"hist01", "/mnt/hist01/a.log", "plant1", "-", "historian"},
        {"hist01", "/mnt/hist01/Logs/deep/a.log", "plant1", "-", "historian"},
        {"ign01", "/mnt/ign01/a.log", "plant9", "-", "-"},
        {NULL, "/mnt/hist01/a.log", "plant1", "-", "historian"},
        {NULL, "/mnt/x/a.log", "-", "-", "-"}, /* host rules need a host */
        {"kep01", NULL, "-", "-", "kepware-other"},
    };
    struct fl_err err;
    struct fl_config *cfg = load(text, &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "    %u:%u: %s\n", err.line, err.col, err.msg);
        return;
    }
    CHECK_INT(cfg->n_cells, 5);
    CHECK_STR(cfg->cells[3].attr_key, "station");
    CHECK_STR(cfg->cells[3].attr_value, "S7");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *site = "-", *line = "-", *cell = "-";
        fl_config_map_cell(cfg, cases[i].host, cases[i].path, &site, &line, &cell);
        if (strcmp(site, cases[i].site) || strcmp(line, cases[i].line) ||
            strcmp(cell, cases[i].cell))
            fprintf(stderr, "    case %zu (%s, %s): %s/%s/%s\n", i, cases[i].host,
                    cases[i].path, site, line, cell);
        CHECK_STR(site, cases[i].site);
        CHECK_STR(line, cases[i].line);
        CHECK_STR(cell, cases[i].cell);
    }
    fl_config_free(cfg);
}

static void layout_file_is_read_alone_or_under_a_layout_key(void)
{
    char path[] = "/tmp/fl-layout-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    static const char text[] = "# a layout file for `faultline parse --layout`\n"
                               "layout:\n"
                               "  csv:\n"
                               "    delimiter: tab\n"
                               "    header: false\n"
                               "    columns: {ts: '1', level: '2', message: '4'}\n";
    CHECK_INT(write(fd, text, sizeof text - 1), (long long)(sizeof text - 1));
    close(fd);
    struct fl_layout lay;
    struct fl_ydoc *doc = NULL;
    struct fl_err err;
    fl_err_clear(&err);
    CHECK_INT(fl_layout_load(path, &lay, &doc, &err), 0);
    CHECK(doc != NULL);
    CHECK(lay.is_csv);
    CHECK_INT(lay.csv_delimiter, '\t');
    CHECK(!lay.csv_header);
    CHECK_STR(lay.col_ts[0], "1");
    CHECK(lay.col_ts[1] == NULL);
    CHECK_STR(lay.col_message, "4");
    fl_yaml_free(doc);

    /* A bad layout file: error with the file's own name and position, nothing returned. */
    FILE *f = fopen(path, "w");
    fputs("pattern: '(?<ts>x'\n", f);
    fclose(f);
    doc = NULL;
    CHECK_INT(fl_layout_load(path, &lay, &doc, &err), FL_ESYNTAX);
    CHECK(doc == NULL);
    CHECK_STR(err.file, path);
    CHECK_INT(err.line, 1);
    CHECK_INT(err.col, 10);
    unlink(path);
}

UNIT_MAIN(UNIT_TEST(shipped_config_loads_with_what_it_documents),
          UNIT_TEST(minimal_config_gets_the_documented_defaults),
          UNIT_TEST(values_are_read_as_written),
          UNIT_TEST(empty_values_and_sections_mean_not_set),
          UNIT_TEST(brokers_none_means_the_embedded_default),
          UNIT_TEST(mistakes_are_refused_with_their_position),
          UNIT_TEST(load_of_a_missing_file_names_it),
          UNIT_TEST(cell_rules_first_match_wins_with_host_and_path_globs),
          UNIT_TEST(layout_file_is_read_alone_or_under_a_layout_key))
