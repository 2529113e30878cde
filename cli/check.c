/* cli/check.c: `faultline check -c FILE`: validates the configuration (and, when the
 * correlator exists, its rules) and says what it found. Exit 0 valid, 2 invalid.
 * fl_cli_load_config, shared by every command that takes -c, lives here too. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "core/log.h"
#include "ingest/config.h"

struct fl_config *fl_cli_load_config(const char *path, const char *usage)
{
    if (!path) {
        fl_error("-c FILE is required");
        fputs(usage, stderr);
        return NULL;
    }
    struct fl_err err;
    struct fl_config *cfg = fl_config_load(path, &err);
    if (!cfg) {
        char msg[600];
        fl_err_format(&err, msg, sizeof msg);
        fl_error("%s", msg);
    }
    return cfg;
}

static const char check_usage[] =
    "usage: faultline check -c FILE\n"
    "\n"
    "Validates a faultline configuration: every key, source type, time zone, date order,\n"
    "encoding and layout. Errors name the file, line and column. Exit 0 when valid, 2 when not.\n";

int fl_cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int c;
    fl_log_set_plain(1);
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'h': fputs(check_usage, stdout); return 0;
        default: fputs(check_usage, stderr); return 2;
        }
    }
    struct fl_config *cfg = fl_cli_load_config(path, check_usage);
    if (!cfg)
        return 2;
    printf("%s: ok: %zu source%s, %zu cell rule%s, kafka %s, redis %s, state_dir %s\n", path,
           cfg->n_sources, cfg->n_sources == 1 ? "" : "s", cfg->n_cells,
           cfg->n_cells == 1 ? "" : "s", cfg->brokers ? cfg->brokers : "none (embedded default)",
           cfg->redis_url ? cfg->redis_url : "none (state in memory)", cfg->state_dir);
    for (size_t i = 0; i < cfg->n_sources; i++) {
        const struct fl_source_cfg *s = &cfg->sources[i];
        printf("  source %s: %s, %zu path%s, tz %s%s\n", s->name, s->type, s->n_globs,
               s->n_globs == 1 ? "" : "s", s->tz, s->has_layout ? ", layout override" : "");
    }
    fl_config_free(cfg);
    return 0;
}
