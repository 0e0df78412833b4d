/*
 * cli.h: the hiveref command table.  Each command lives in cmd_<name>.c and takes the
 * arguments after the command name (argv[0] is the command name).  Exit codes: util.h.
 */
#ifndef HIVEREF_CLI_CLI_H
#define HIVEREF_CLI_CLI_H

int cmd_check(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_wow64(int argc, char **argv); /* cmd_wow64.c (ref/wow64) */
int cmd_restore(int argc, char **argv); /* cmd_restore.c (ref/restore) */
int cmd_conformance(int argc, char **argv); /* cmd_conformance.c: execs conformance/runner/run.py */
int cmd_bench(int argc, char **argv); /* cmd_bench.c: execs conformance/bench's hiveref-bench */

#endif /* HIVEREF_CLI_CLI_H */
