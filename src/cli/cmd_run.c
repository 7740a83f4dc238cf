/*
 * cmd_run.c - `osiris run FILE|MANIFEST`: compile when given OML, then run (pipeline/runner.h).
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/env.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "pipeline/runner.h"

#include <signal.h>
#include <stdio.h>

static const char usage[] =
    "Usage: osiris run FILE|MANIFEST [--profile P] [--param NAME=VALUE]... [--dry-run]\n"
    "                  [--base-path DIR] [--json]\n\n"
    "Runs a pipeline: an OML file is compiled first (as osiris compile), a build's\n"
    "manifest.yaml runs as it is. Steps run in dependency order, rows streaming from each\n"
    "extractor or processor to the steps that need it a batch at a time (bounded memory);\n"
    "independent branches run side by side (runtime.max_parallel_branches, 4), except\n"
    "those sharing a SQLite or CSV file. The first failing step stops the run; a writer\n"
    "that did not finish leaves nothing behind (no partial file, its transaction rolled\n"
    "back). runtime.retries reruns a branch after a network error or timeout. Every run,\n"
    "failed ones too, is recorded: run_logs/<profile>/<slug>/<ts>_<run_id>/ (events.jsonl,\n"
    "metrics.jsonl, manifest.json, artifacts/<step>/), a line in .osiris/index/runs.jsonl\n"
    "and an AI Operation Package in aiop/<slug>/<run_id>/ (aiop.json, run-card.md);\n"
    "'osiris logs html --last' draws it. --dry-run connects, prepares every statement and\n"
    "opens every target, then writes nothing. An osiris.yaml with errors is refused.\n"
    "Every component runs; duckdb.processor needs a DuckDB library (OSIRIS_DUCKDB_LIBRARY).\n"
    "Exit codes: 0 success, 1 the run failed, 2 the pipeline, its build or the\n"
    "configuration is invalid.\n";

static void on_stop_signal(int sig)
{
    (void)sig;
    osr_run_request_stop();
}

static bool is_manifest(const char *file)
{
    size_t n = strlen(file);
    return n >= 13 && strcmp(file + n - 13, "manifest.yaml") == 0;
}

static void print_human(json_t *res)
{
    json_t *st;
    size_t i;

    printf("%s %s: %s in %lld ms, %lld rows written%s\n",
           json_is_true(json_object_get(res, "dry_run")) ? "Dry run" : "Run",
           json_string_value(json_object_get(res, "run_id")),
           json_string_value(json_object_get(res, "status")),
           (long long)json_integer_value(json_object_get(res, "duration_ms")),
           (long long)json_integer_value(json_object_get(res, "rows")),
           json_is_true(json_object_get(res, "dry_run")) ? " (nothing written)" : "");
    json_array_foreach(json_object_get(res, "steps"), i, st)
    {
        printf(
            "  %-24s %-22s %-8s %10lld rows %8lld ms\n",
            json_string_value(json_object_get(st, "id")),
            json_string_value(json_object_get(st, "component")),
            json_string_value(json_object_get(st, "status")),
            (long long)json_integer_value(json_object_get(
                st, json_integer_value(json_object_get(st, "rows_out")) ? "rows_out" : "rows_in")),
            (long long)json_integer_value(json_object_get(st, "duration_ms")));
    }
    if (json_is_string(json_object_get(res, "aiop_dir")))
        printf("Run card: %s/run-card.md\n", json_string_value(json_object_get(res, "aiop_dir")));
    if (json_object_get(res, "error"))
        fprintf(stderr, "osiris run: error: step %s: %s\n",
                json_string_value(json_object_get(json_object_get(res, "error"), "step")),
                json_string_value(json_object_get(json_object_get(res, "error"), "message")));
}

int osr_cmd_run(struct osr_cli *cli, int argc, char **argv)
{
    const char *profile_flag = NULL;
    bool dry_run = false;
    struct osr_strv params = OSR_STRV_INIT;
    const struct osr_opt opts[] = {{"profile", OSR_OPT_VALUE, &profile_flag},
                                   {"param", OSR_OPT_LIST, &params},
                                   {"dry-run", OSR_OPT_FLAG, &dry_run},
                                   {NULL, 0, NULL}};
    struct osr_config cfg;
    struct osr_diags d;
    char *manifest = NULL;
    json_t *res = NULL;
    int rc;

    cli->usage = usage;
    osr_diags_init(&d);
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 1)) != 0)
        goto early;
    if (cli->help) {
        rc = osr_cli_help(cli);
        goto early;
    }
    if (cli->args.n == 0) {
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/MISSING_ARGUMENT",
                           "e.g. osiris run pipelines/orders.yaml",
                           "which pipeline? give an OML file or a build's manifest.yaml");
        goto early;
    }
    if (is_manifest(cli->args.v[0])) {
        if (profile_flag || params.n) {
            rc = osr_cli_error(cli, OSR_EXIT_USAGE, "RUN/COMPILED",
                               "give the OML file to compile with other values",
                               "a manifest is already compiled: --profile and --param do not "
                               "apply");
            goto early;
        }
        manifest = osr_path_absolute(cli->args.v[0], NULL);
    } else if ((rc = osr_cli_compile(cli, cli->args.v[0], profile_flag, &params, NULL,
                                     &manifest)) != 0) {
        goto early;
    }
    osr_config_load(&cfg, &d, cli->base_path);
    if (d.errors) { /* a run on a half-understood configuration would surprise later */
        rc = osr_cli_config_invalid(cli, &cfg, &d, "the pipeline does not run");
        osr_config_dispose(&cfg);
        goto early;
    }
    osr_env_load_workspace(cfg.base_path, &d);
    {
        /* SIGTERM or SIGINT: the run stops at its next batch and is recorded as failed. */
        struct sigaction sa = {.sa_handler = on_stop_signal};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
    }
    rc = osr_run(&res, &(struct osr_run_req){manifest, &cfg, dry_run});
    if (rc < 0) {
        rc = osr_cli_error(cli, rc == -OSR_EINVAL ? OSR_EXIT_USAGE : OSR_EXIT_FAIL,
                           rc == -OSR_EINVAL ? "RUN/INVALID" : "RUN/IO", NULL, "%s",
                           osr_error_last());
    } else {
        bool ok = strcmp(json_string_value(json_object_get(res, "status")), "success") == 0;
        json_object_set_new(res, "manifest_path", json_string(manifest));
        if (cli->json)
            osr_cli_print_json(json_incref(res));
        else
            print_human(res);
        rc = ok ? OSR_EXIT_OK : OSR_EXIT_FAIL;
    }
    json_decref(res);
    osr_config_dispose(&cfg);
early:
    free(manifest);
    osr_diags_dispose(&d);
    osr_strv_dispose(&params);
    return rc;
}
