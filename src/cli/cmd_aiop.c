/*
 * cmd_aiop.c - `osiris mcp aiop list|show`: the AI Operation Packages of past runs, found
 * through the run index (pipeline/run_index.h). They read files only; no secret is loaded.
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "pipeline/run_index.h"

#include <stdio.h>
#include <stdlib.h>

#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 10000

static const char list_usage[] =
    "Usage: osiris mcp aiop list [--pipeline SLUG] [--profile NAME] [--limit N]\n"
    "                            [--base-path DIR] [--json]\n\n"
    "Lists the runs that left an AI Operation Package, newest first, from the run index\n"
    "<index_dir>/runs.jsonl: run id, pipeline, profile, status, start, duration, rows and\n"
    "where the package is. --limit defaults to 100 (at most 10000).\n";

static const char show_usage[] =
    "Usage: osiris mcp aiop show --run RUN_ID [--base-path DIR] [--json]\n\n"
    "Prints the AI Operation Package of one run (aiop.json): with --json the index record\n"
    "and the package; otherwise the run card (run-card.md) when there is one.\n";

/* The workspace's configuration and the run index's path (owned); used by cmd_logs.c
 * too. On failure the error is reported, its exit code returned and cfg needs no
 * disposing beyond the usual. */
int osr_cli_run_index(struct osr_cli *cli, struct osr_config *cfg, char **index)
{
    struct osr_diags d;
    char *dir;
    int rc;

    osr_diags_init(&d);
    rc = osr_config_load(cfg, &d, cli->base_path);
    if (rc < 0) {
        osr_cli_print_diags(&d, OSR_SEV_ERROR);
        osr_diags_dispose(&d);
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CONFIG/INVALID", "fix osiris.yaml",
                             "the workspace configuration cannot be read");
    }
    osr_diags_dispose(&d);
    dir = osr_config_path(cfg, cfg->fs.index_dir);
    *index = osr_path_join(dir, "runs.jsonl");
    free(dir);
    return 0;
}

void osr_cli_print_runs(json_t *runs, const char *none)
{
    json_t *r;
    size_t i;

    if (!json_array_size(runs)) {
        printf("%s\n", none);
        return;
    }
    printf("%-18s %-22s %-8s %-8s %-25s %9s %10s\n", "RUN", "PIPELINE", "PROFILE", "STATUS",
           "STARTED", "MS", "ROWS");
    json_array_foreach(runs, i, r)
    {
        const char *v[5] = {"run_id", "pipeline", "profile", "status", "started_at"};
        for (int k = 0; k < 5; k++) {
            const char *s = json_string_value(json_object_get(r, v[k]));
            v[k] = s ? s : "-";
        }
        printf("%-18s %-22s %-8s %-8s %-25s %9lld %10lld\n", v[0], v[1], v[2], v[3], v[4],
               (long long)json_integer_value(json_object_get(r, "duration_ms")),
               (long long)json_integer_value(json_object_get(r, "rows")));
    }
}

int osr_cmd_aiop_list(struct osr_cli *cli, int argc, char **argv)
{
    const char *pipeline = NULL, *profile = NULL, *limit_s = NULL;
    const struct osr_opt opts[] = {{"pipeline", OSR_OPT_VALUE, &pipeline},
                                   {"profile", OSR_OPT_VALUE, &profile},
                                   {"limit", OSR_OPT_VALUE, &limit_s},
                                   {NULL, 0, NULL}};
    struct osr_config cfg;
    char *index = NULL, *end;
    json_t *runs = NULL;
    bool truncated;
    long limit = LIST_LIMIT_DEFAULT;
    int rc;

    cli->usage = list_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if (limit_s) {
        limit = strtol(limit_s, &end, 10);
        if (*end || limit < 1 || limit > LIST_LIMIT_MAX)
            return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/BAD_VALUE", "give 1 to 10000",
                                 "--limit '%.40s' is not a number from 1 to 10000", limit_s);
    }
    if ((rc = osr_cli_run_index(cli, &cfg, &index)) != 0)
        return rc;
    if (osr_run_index_list(&runs, &truncated, index, cfg.base_path,
                           &(struct osr_run_filter){pipeline, profile, (size_t)limit, false}) < 0) {
        rc = osr_cli_error(cli, OSR_EXIT_FAIL, "AIOP/INDEX", "check the file's permissions", "%s",
                           osr_error_last());
    } else if (cli->json) {
        osr_cli_print_json(json_pack("{s:O, s:I, s:b}", "runs", runs, "count",
                                     (json_int_t)json_array_size(runs), "truncated", truncated));
    } else {
        osr_cli_print_runs(runs, "No run has left an AI Operation Package in this workspace yet.");
    }
    json_decref(runs);
    free(index);
    osr_config_dispose(&cfg);
    return rc;
}

int osr_cmd_aiop_show(struct osr_cli *cli, int argc, char **argv)
{
    const char *run = NULL;
    const struct osr_opt opts[] = {{"run", OSR_OPT_VALUE, &run}, {NULL, 0, NULL}};
    struct osr_config cfg;
    struct osr_buf text;
    json_t *rec = NULL, *doc;
    json_error_t jerr;
    char *index = NULL;
    int rc;

    cli->usage = show_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if (!run || !osr_run_id_ok(run))
        return osr_cli_error(cli, OSR_EXIT_USAGE, "AIOP/RUN_ID",
                             "give --run with a run id from 'osiris mcp aiop list'",
                             run ? "'%.140s' is not a run id" : "which run? give --run RUN_ID%.0s",
                             run ? run : "");
    if ((rc = osr_cli_run_index(cli, &cfg, &index)) != 0)
        return rc;
    rec = osr_run_index_find(index, cfg.base_path, run);
    if (!rec) {
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "AIOP/NOT_FOUND",
                           "list the runs with 'osiris mcp aiop list'",
                           "no AI Operation Package for run '%s'", run);
    } else if (!cli->json && json_is_string(json_object_get(rec, "run_card_path")) &&
               osr_fs_read_file(&text, json_string_value(json_object_get(rec, "run_card_path")),
                                64u << 20) == 0) {
        fwrite(text.ptr, 1, text.len, stdout);
        osr_buf_dispose(&text);
    } else if (osr_fs_read_file(&text, json_string_value(json_object_get(rec, "aiop_path")),
                                64u << 20) < 0) {
        rc = osr_cli_error(cli, OSR_EXIT_FAIL, "AIOP/UNREADABLE", "check the file's permissions",
                           "%s", osr_error_last());
    } else {
        doc = json_loadb(text.ptr, text.len, 0, &jerr);
        osr_buf_dispose(&text);
        if (!doc)
            rc = osr_cli_error(cli, OSR_EXIT_FAIL, "AIOP/CORRUPT",
                               "run the pipeline again to write a new package",
                               "%s:%d:%d: the package is not JSON: %s",
                               json_string_value(json_object_get(rec, "aiop_path")), jerr.line,
                               jerr.column, jerr.text);
        else
            osr_cli_print_json(json_pack("{s:O, s:o}", "run", rec, "aiop", doc));
    }
    json_decref(rec);
    free(index);
    osr_config_dispose(&cfg);
    return rc;
}
