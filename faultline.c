/* faultline.c: main(): the subcommand table, nothing else. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

#define FL_VERSION "0.1.0"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"run", fl_cmd_run, "tail and parse; archive (or Kafka) output: the embedded default"},
    {"ingest", fl_cmd_ingest, "tail, parse and publish to Kafka with acknowledged checkpoints"},
    {"parse", fl_cmd_parse, "normalize log files to NDJSON events on stdout"},
    {"check", fl_cmd_check, "validate a configuration file"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: faultline COMMAND [options]\n\n"
                 "Reads SCADA/MES vendor logs (Ignition, Kepware, FactoryTalk Diagnostics, AVEVA,\n"
                 "WinCC OA, Proficy Historian) and turns every record into one normalized event.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\n'faultline COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("faultline %s\n", FL_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "faultline: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
