/* tests/fuzz/fuzz_config.c: libFuzzer target for the configuration loader: arbitrary bytes
 * as a faultline.yaml. Loading either succeeds with a consistent configuration or fails with
 * an error that names the file and a message; never a crash, a leak or a hang. The loaded
 * configuration is walked (every string read) and the cell rules are applied. */
#include <stdlib.h>
#include <string.h>
#include "ingest/config.h"

static size_t walk(const char *s)
{
    return s ? strlen(s) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_err err;
    fl_err_clear(&err);
    struct fl_config *cfg = fl_config_load_mem((const char *)data, size, "fuzz.yaml", &err);
    if (!cfg) {
        /* A refusal always says what and where (the file at least). */
        if (!err.msg[0] || strcmp(err.file, "fuzz.yaml") != 0)
            abort();
        char text[600];
        fl_err_format(&err, text, sizeof text);
        return 0;
    }
    size_t total = walk(cfg->state_dir) + walk(cfg->brokers) + walk(cfg->topic_events) +
                   walk(cfg->topic_incidents) + walk(cfg->redis_url) +
                   walk(cfg->metrics_listen) + walk(cfg->rules_dir);
    if (cfg->n_sources == 0 && !cfg->sources)
        abort();
    for (size_t i = 0; i < cfg->n_sources; i++) {
        const struct fl_source_cfg *s = &cfg->sources[i];
        if (!s->name || !s->type || !s->tz || s->n_globs == 0 || s->n_globs > FL_CONFIG_MAX_GLOBS)
            abort();
        for (size_t g = 0; g < s->n_globs; g++)
            if (s->globs[g][0] != '/')
                abort(); /* relative globs are refused */
        total += walk(s->name) + walk(s->host) + walk(s->cell) + walk(s->layout.pattern);
        for (size_t k = 0; s->extra_sources[k]; k++)
            total += walk(s->extra_sources[k]);
    }
    for (size_t i = 0; i < cfg->n_kafka_props; i++)
        total += walk(cfg->kafka_props[i].key) + walk(cfg->kafka_props[i].value);
    const char *site = NULL, *line = NULL, *cell = NULL;
    fl_config_map_cell(cfg, "kep01", "/mnt/kep01/events.txt", &site, &line, &cell);
    fl_config_map_cell(cfg, NULL, NULL, &site, &line, &cell);
    if (total == SIZE_MAX)
        abort(); /* keeps the walk from being optimized away */
    fl_config_free(cfg);
    return 0;
}
