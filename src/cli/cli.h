/*
 * cli.h - what every command shares: options, output, errors and exit codes.
 *
 * With --json, stdout carries exactly one JSON document; everything meant for a person
 * (hints, warnings, progress) goes to stderr. Errors in --json mode are printed as
 * {"status":"error","error":{"code":"FAMILY/CODE","message","path","suggest"}}.
 */
#ifndef OSR_CLI_H
#define OSR_CLI_H

#include "core/compat.h"
#include "core/config.h"
#include "core/diag.h"
#include "core/strv.h"

#include <jansson.h>

enum osr_exit {
    OSR_EXIT_OK = 0,
    OSR_EXIT_FAIL = 1,
    OSR_EXIT_USAGE = 2, /* bad usage or invalid input */
    OSR_EXIT_CONN = 3,  /* connection or discovery failure */
    OSR_EXIT_POLICY = 4,
};

struct osr_cli {
    const char *prog;  /* "osiris connections list", for messages */
    const char *usage; /* usage text of the current command */
    bool json;
    bool help;
    const char *base_path; /* --base-path, or NULL */
    bool stdout_tty;
    struct osr_strv args; /* positional arguments after the command words */
};

enum osr_opt_kind { OSR_OPT_FLAG, OSR_OPT_VALUE, OSR_OPT_LIST };

struct osr_opt {
    const char *name; /* without the leading "--" */
    enum osr_opt_kind kind;
    void *dest; /* bool * for flags, const char ** for values, struct osr_strv * for lists */
};

/* Parses argv (after the command words) against `opts` plus the global options
 * (--json, --base-path, --help). Returns 0, or prints a usage error and returns
 * OSR_EXIT_USAGE. `max_args` bounds the positional arguments. */
int osr_cli_parse(struct osr_cli *cli, int argc, char **argv, const struct osr_opt *opts,
                  size_t max_args);
void osr_cli_dispose(struct osr_cli *cli);

/* Prints `doc` (stolen) to stdout as indented JSON followed by a newline. */
void osr_cli_print_json(json_t *doc);
/* Reports an error in the mode of the command and returns `exit_code`. */
int osr_cli_error(const struct osr_cli *cli, int exit_code, const char *code, const char *suggest,
                  const char *fmt, ...) OSR_PRINTF(5, 6);
/* Prints usage text to stdout (for --help) and returns OSR_EXIT_OK. */
int osr_cli_help(const struct osr_cli *cli);
/* Writes each diagnostic to stderr as "file:line:col: severity: message". */
void osr_cli_print_diags(const struct osr_diags *d, enum osr_severity min);
/* Refuses to go on with an osiris.yaml that has errors (`d` from osr_config_load): prints
 * them, then the CONFIG/INVALID error ending in `consequence`; returns the exit code. */
int osr_cli_config_invalid(struct osr_cli *cli, const struct osr_config *cfg,
                           const struct osr_diags *d, const char *consequence);
/* JSON array of the diagnostics of one severity (new reference). */
json_t *osr_cli_diags_json(const struct osr_diags *d, enum osr_severity sev);

#endif
