/* cli/cli.h: the subcommands of the faultline binary. Each takes the arguments after its
 * name (argv[0] is the subcommand) and returns the process exit code: 0 success, 1 runtime
 * failure, 2 bad usage or unreadable input. */
#ifndef FL_CLI_H
#define FL_CLI_H

int fl_cmd_parse(int argc, char **argv);
int fl_cmd_check(int argc, char **argv);
int fl_cmd_ingest(int argc, char **argv);
int fl_cmd_run(int argc, char **argv);

#endif
