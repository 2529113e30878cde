/* cli/cli.h: the subcommands of the faultline binary. Each takes the arguments after its
 * name (argv[0] is the subcommand) and returns the process exit code: 0 success, 1 runtime
 * failure, 2 bad usage or unreadable input. */
#ifndef FL_CLI_H
#define FL_CLI_H

struct fl_config;

int fl_cmd_parse(int argc, char **argv);
int fl_cmd_check(int argc, char **argv);
int fl_cmd_ingest(int argc, char **argv);
int fl_cmd_run(int argc, char **argv);

/* Loads the configuration named by -c for a command: on a missing path prints the usage, on
 * an invalid file the error with its line and column; returns NULL then (exit 2). new: free
 * with fl_config_free. */
struct fl_config *fl_cli_load_config(const char *path, const char *usage);

#endif
