/*
 * commands.h - the command handlers that main.c dispatches to.
 *
 * Each handler gets the arguments after its command words, parses them with
 * osr_cli_parse() and returns the process exit code.
 */
#ifndef OSR_COMMANDS_H
#define OSR_COMMANDS_H

#include "cli/cli.h"

/* The whole command line (dispatch.c): argv[0] is the program, the rest as typed. */
int osr_cli_main(int argc, char **argv);
/* `osiris mcp worker` (cmd_worker.c), started by `osiris mcp run`. */
int osr_cmd_mcp_worker(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_init(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_validate(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_connections_list(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_connections_doctor(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_components_list(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_components_show(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_discovery_run(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_oml_validate(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_compile(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_mcp_run(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_logs_audit(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_logs_list(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_logs_show(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_logs_last(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_logs_aiop(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_logs_html(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_memory_capture(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_aiop_list(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_aiop_show(struct osr_cli *cli, int argc, char **argv);
int osr_cmd_mcp_clients(struct osr_cli *cli, int argc, char **argv);
struct osr_config;
struct osr_connections;
/* Loads the workspace's configuration, its .env and osiris_connections.yaml (diags is
 * initialised here and always needs disposing, so do cfg and conns). Returns 0, or the exit
 * code after printing the error of a connections file that cannot be read or parsed. */
int osr_cli_load_connections(struct osr_cli *cli, struct osr_config *cfg, struct osr_diags *d,
                             struct osr_connections *conns);
/* Parses the component specs' secret names of every family once, for the life of the
 * process (cmd_connections.c); the warm worker does it so its forked calls need not. */
void osr_cli_connections_warm(void);
/* Compiles `file` as `osiris compile` does (cmd_compile.c); with `manifest` set (osiris
 * run) a success prints nothing and gives the manifest's path (owned). */
int osr_cli_compile(struct osr_cli *cli, const char *file, const char *profile_flag,
                    const struct osr_strv *params, const char *out, char **manifest);
int osr_cmd_run(struct osr_cli *cli, int argc, char **argv);
/* A table of index records for people (run, pipeline, profile, status, start, ms, rows),
 * or `none` when there are none (cmd_aiop.c). */
void osr_cli_print_runs(json_t *runs, const char *none);
/* The workspace's configuration and the path of its run index (owned) (cmd_aiop.c). */
int osr_cli_run_index(struct osr_cli *cli, struct osr_config *cfg, char **index);
/* `osiris mcp run --selftest` (selftest.c). */
int osr_cli_mcp_selftest(struct osr_cli *cli, const struct osr_config *cfg);
/* Runs `osiris mcp <words>` (the CLI face of a delegated tool) and, unless the MCP server
 * started it (OSIRIS_CORRELATION_ID set), writes its audit line with transport "cli". */
int osr_cli_mcp_tool(struct osr_cli *cli, const char *words,
                     int (*run)(struct osr_cli *, int, char **), int argc, char **argv);

#endif
