/*
 * cmd_logs.c - `osiris logs audit --verify` (the hash chain of the MCP audit files) and
 * `osiris logs list|show|last|aiop|html` (the recorded runs, from the run index).
 *
 * The index is history: it keeps the line of a run whose directory retention removed
 * (pipeline/retention.h), and the commands that need the directory say so by name.
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/jsonl.h"
#include "mcp/audit.h"
#include "pipeline/report_html.h"
#include "pipeline/retention.h"
#include "pipeline/run_index.h"

#include <limits.h>
#include <stdio.h>

static const char usage[] =
    "Usage: osiris logs audit --verify [--base-path DIR] [--json]\n\n"
    "Checks every audit file under <mcp_logs_dir>/audit/: each line must be JSON and its\n"
    "prev_hash the SHA-256 of the line before it in the same file (empty for the first), so\n"
    "an edited, inserted or removed line is found. Exit code 0 when every chain holds, 2\n"
    "when one is broken (each broken line is listed with its file and line number).\n";

int osr_cmd_logs_audit(struct osr_cli *cli, int argc, char **argv)
{
    bool verify = false;
    const struct osr_opt opts[] = {{"verify", OSR_OPT_FLAG, &verify}, {NULL, 0, NULL}};
    struct osr_config cfg;
    struct osr_diags d;
    json_t *res, *b;
    char *dir;
    size_t i;
    int rc;

    cli->usage = usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if (!verify)
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/MISSING_OPTION",
                             "osiris logs audit --verify", "what to do? give --verify");
    osr_diags_init(&d);
    osr_config_load(&cfg, &d, cli->base_path);
    dir = osr_path_absolute(cfg.fs.mcp_logs_dir, cfg.base_path);
    res = osr_mcp_audit_verify(dir);
    rc = json_array_size(json_object_get(res, "broken")) ? OSR_EXIT_USAGE : OSR_EXIT_OK;
    json_object_set_new(res, "status", json_string(rc ? "broken" : "intact"));
    if (cli->json) {
        osr_cli_print_json(res);
    } else {
        printf("%s: %zu files, %lld lines\n", rc ? "broken" : "intact",
               json_array_size(json_object_get(res, "files")),
               (long long)json_integer_value(json_object_get(res, "lines")));
        json_array_foreach(json_object_get(res, "broken"), i, b)
        {
            printf("  %s:%lld: %s\n", json_string_value(json_object_get(b, "file")),
                   (long long)json_integer_value(json_object_get(b, "line")),
                   json_string_value(json_object_get(b, "reason")));
        }
        json_decref(res);
    }
    free(dir);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return rc;
}

/* ---- runs: list, show, last, aiop ---- */

static const char list_usage[] =
    "Usage: osiris logs list [--pipeline SLUG] [--limit N] [--base-path DIR] [--json]\n\n"
    "Lists the recorded runs, newest first, from <index_dir>/runs.jsonl: run id, pipeline,\n"
    "profile, status, start, duration and rows. --limit defaults to 20.\n";

static const char show_usage[] =
    "Usage: osiris logs show --run RUN_ID|--last [--base-path DIR] [--json]\n"
    "       osiris logs last [--base-path DIR] [--json]\n\n"
    "Shows one run: its index record, its steps (metrics.jsonl) and its events\n"
    "(events.jsonl) from its run directory. Exit code 2 when the run is not recorded or its\n"
    "run directory is gone (LOGS/PRUNED: removed by retention, see\n"
    "filesystem.retention.run_logs_days in osiris.yaml; LOGS/MISSING otherwise).\n";

static const char html_usage[] =
    "Usage: osiris logs html --run RUN_ID|--last [--out FILE] [--base-path DIR] [--json]\n\n"
    "Writes one self-contained HTML page about a run: its header (pipeline, run id, profile,\n"
    "status, start, duration, rows), the DAG of its steps coloured by status, a timeline bar\n"
    "per step, rows in and out, bytes, duration and throughput per step, and its errors.\n"
    "The page loads nothing from elsewhere (no script, font, image or style sheet), so it\n"
    "can be mailed or archived as it is. It is written to report.html in the run's\n"
    "directory, or to --out FILE (into a directory: <run_id>.html there), with mode 0600,\n"
    "and its path is printed (--json: {\"path\",\"run_id\"}). Exit code 2 when the run is\n"
    "not recorded or its run directory is gone (as for osiris logs show).\n";

static const char aiop_usage[] =
    "Usage: osiris logs aiop --run RUN_ID|--last [--format json|md] [--base-path DIR]\n\n"
    "Prints the AI Operation Package of a run: aiop.json (--format json, the default) or\n"
    "its run card (--format md).\n";

static int load_runs(struct osr_cli *cli, json_t **runs, const char *pipeline, size_t limit,
                     struct osr_config *cfg)
{
    char *index = NULL;
    bool truncated;
    int rc = osr_cli_run_index(cli, cfg, &index);

    *runs = NULL;
    if (rc == 0 && osr_run_index_list(runs, &truncated, index, cfg->base_path,
                                      &(struct osr_run_filter){pipeline, NULL, limit, true}) < 0)
        rc = osr_cli_error(cli, OSR_EXIT_FAIL, "LOGS/INDEX", "check the file's permissions", "%s",
                           osr_error_last());
    free(index);
    return rc;
}

int osr_cmd_logs_list(struct osr_cli *cli, int argc, char **argv)
{
    const char *pipeline = NULL, *limit_s = NULL;
    const struct osr_opt opts[] = {{"pipeline", OSR_OPT_VALUE, &pipeline},
                                   {"limit", OSR_OPT_VALUE, &limit_s},
                                   {NULL, 0, NULL}};
    struct osr_config cfg = {0};
    json_t *runs = NULL;
    long limit = 20;
    char *end;
    int rc;

    cli->usage = list_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if (limit_s && ((limit = strtol(limit_s, &end, 10)) < 1 || limit > 100000 || *end))
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/BAD_VALUE", "give 1 to 100000",
                             "--limit '%.40s' is not a number from 1 to 100000", limit_s);
    if ((rc = load_runs(cli, &runs, pipeline, (size_t)limit, &cfg)) == 0) {
        if (cli->json) {
            osr_cli_print_json(
                json_pack("{s:O, s:I}", "runs", runs, "count", (json_int_t)json_array_size(runs)));
        } else {
            osr_cli_print_runs(runs, "No run recorded in this workspace yet; start one with "
                                     "'osiris run'.");
        }
    }
    json_decref(runs);
    osr_config_dispose(&cfg);
    return rc;
}

/* The index record of --run ID or --last (new reference), or NULL after reporting. */
static json_t *pick_run(struct osr_cli *cli, const char *run, bool last, struct osr_config *cfg)
{
    json_t *runs = NULL, *r, *found = NULL;
    size_t i;

    if (!run == !last) {
        osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/MISSING_OPTION",
                      "give --run RUN_ID (see osiris logs list) or --last",
                      "which run? give --run or --last");
        return NULL;
    }
    if (run && !osr_run_id_ok(run)) {
        osr_cli_error(cli, OSR_EXIT_USAGE, "LOGS/RUN_ID", "see osiris logs list",
                      "'%.140s' is not a run id", run);
        return NULL;
    }
    if (load_runs(cli, &runs, NULL, 0, cfg) != 0)
        return NULL;
    json_array_foreach(runs, i, r)
    {
        if (!found && (last || strcmp(json_string_value(json_object_get(r, "run_id")), run) == 0))
            found = json_incref(r);
    }
    json_decref(runs);
    if (!found)
        osr_cli_error(cli, OSR_EXIT_USAGE, "LOGS/NOT_FOUND", "see osiris logs list",
                      last ? "no run recorded in this workspace yet%s" : "no run '%s' recorded",
                      last ? "" : run);
    return found;
}

/* The JSON lines of <run_dir>/<name> inside the workspace, as an array. */
static json_t *run_file_lines(const struct osr_config *cfg, json_t *rec, const char *name)
{
    const char *dir = json_string_value(json_object_get(rec, "run_dir"));
    char *abs = dir ? osr_path_join(cfg->base_path, dir) : NULL, *path, real[PATH_MAX];
    json_t *out = NULL;

    if (!abs)
        return json_array();
    path = osr_path_join(abs, name);
    if (osr_fs_contained(path, cfg->base_path, real) != 1 || osr_jsonl_load(&out, real) < 0) {
        json_decref(out);
        out = json_array();
    }
    free(path);
    free(abs);
    return out;
}

/* Reports that run `rec`'s `what` ("run_logs" or "aiop") is gone: removed by retention
 * (retention.jsonl says when and why) or missing. Returns OSR_EXIT_USAGE. */
static int gone(struct osr_cli *cli, const struct osr_config *cfg, json_t *rec, const char *what)
{
    const char *id = json_string_value(json_object_get(rec, "run_id"));
    bool logs = strcmp(what, "run_logs") == 0;
    json_t *pruned = osr_retention_find(cfg, id, what);
    int rc;

    if (pruned)
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "LOGS/PRUNED",
                           "its line stays in osiris logs list; keep more with "
                           "filesystem.retention in osiris.yaml",
                           "the %s of run %s (%s, started %s) %s removed by retention on %s: %s",
                           logs ? "logs" : "AI Operation Package", id,
                           json_string_value(json_object_get(rec, "pipeline")),
                           json_string_value(json_object_get(rec, "started_at")),
                           logs ? "were" : "was", json_string_value(json_object_get(pruned, "ts")),
                           json_string_value(json_object_get(pruned, "reason")));
    else if (logs)
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "LOGS/MISSING", "see osiris logs list",
                           "the run directory of run %s (%s) does not exist in this workspace", id,
                           json_string_value(json_object_get(rec, "run_dir")) ?: "none");
    else
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "LOGS/NO_AIOP", "aiop.enabled in osiris.yaml",
                           "run %s has no AI Operation Package", id);
    json_decref(pruned);
    return rc;
}

/* The run's directory, resolved inside the workspace, into `real` (PATH_MAX); or reports
 * that it is gone and returns OSR_EXIT_USAGE. */
static int locate_logs(struct osr_cli *cli, const struct osr_config *cfg, json_t *rec, char *real)
{
    const char *dir = json_string_value(json_object_get(rec, "run_dir"));
    char *abs = dir ? osr_path_join(cfg->base_path, dir) : NULL;
    bool found = abs && osr_fs_contained(abs, cfg->base_path, real) == 1 && osr_fs_is_dir(real);

    free(abs);
    return found ? 0 : gone(cli, cfg, rec, "run_logs");
}

static int show(struct osr_cli *cli, const char *run, bool last)
{
    struct osr_config cfg = {0};
    json_t *rec = pick_run(cli, run, last, &cfg), *steps, *events, *st;
    char real[PATH_MAX];
    size_t i;

    if (!rec || locate_logs(cli, &cfg, rec, real) != 0) {
        json_decref(rec);
        osr_config_dispose(&cfg);
        return OSR_EXIT_USAGE;
    }
    steps = run_file_lines(&cfg, rec, "metrics.jsonl");
    events = run_file_lines(&cfg, rec, "events.jsonl");
    if (cli->json) {
        osr_cli_print_json(
            json_pack("{s:O, s:o, s:o}", "run", rec, "steps", steps, "events", events));
    } else {
        printf("Run %s of %s: %s, %lld ms, %lld rows, started %s\n",
               json_string_value(json_object_get(rec, "run_id")),
               json_string_value(json_object_get(rec, "pipeline")),
               json_string_value(json_object_get(rec, "status")),
               (long long)json_integer_value(json_object_get(rec, "duration_ms")),
               (long long)json_integer_value(json_object_get(rec, "rows")),
               json_string_value(json_object_get(rec, "started_at")));
        json_array_foreach(steps, i, st)
        {
            printf("  %-24s %-8s in %10lld  out %10lld  %8lld ms%s%s\n",
                   json_string_value(json_object_get(st, "id")),
                   json_string_value(json_object_get(st, "status")),
                   (long long)json_integer_value(json_object_get(st, "rows_in")),
                   (long long)json_integer_value(json_object_get(st, "rows_out")),
                   (long long)json_integer_value(json_object_get(st, "duration_ms")),
                   json_is_string(json_object_get(st, "error")) ? "  " : "",
                   json_string_value(json_object_get(st, "error")) ?: "");
        }
        printf("Logs: %s/%s\n", cfg.base_path,
               json_string_value(json_object_get(rec, "run_dir")) ?: "?");
        json_decref(steps);
        json_decref(events);
    }
    json_decref(rec);
    osr_config_dispose(&cfg);
    return OSR_EXIT_OK;
}

int osr_cmd_logs_show(struct osr_cli *cli, int argc, char **argv)
{
    const char *run = NULL;
    bool last = false;
    const struct osr_opt opts[] = {
        {"run", OSR_OPT_VALUE, &run}, {"last", OSR_OPT_FLAG, &last}, {NULL, 0, NULL}};
    int rc;

    cli->usage = show_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    return cli->help ? osr_cli_help(cli) : show(cli, run, last);
}

int osr_cmd_logs_last(struct osr_cli *cli, int argc, char **argv)
{
    int rc;

    cli->usage = show_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, NULL, 0)) != 0)
        return rc;
    return cli->help ? osr_cli_help(cli) : show(cli, NULL, true);
}

int osr_cmd_logs_aiop(struct osr_cli *cli, int argc, char **argv)
{
    const char *run = NULL, *format = "json";
    bool last = false;
    const struct osr_opt opts[] = {{"run", OSR_OPT_VALUE, &run},
                                   {"last", OSR_OPT_FLAG, &last},
                                   {"format", OSR_OPT_VALUE, &format},
                                   {NULL, 0, NULL}};
    struct osr_config cfg = {0};
    struct osr_buf text;
    json_t *rec;
    const char *path;
    int rc;

    cli->usage = aiop_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if (strcmp(format, "json") != 0 && strcmp(format, "md") != 0)
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/BAD_VALUE", "use json or md",
                             "unknown --format '%.40s'", format);
    if (!(rec = pick_run(cli, run, last, &cfg))) {
        osr_config_dispose(&cfg);
        return OSR_EXIT_USAGE;
    }
    path = json_string_value(
        json_object_get(rec, strcmp(format, "md") == 0 ? "run_card_path" : "aiop_path"));
    if (!path || osr_fs_read_file(&text, path, 64u << 20) < 0) {
        rc = gone(cli, &cfg, rec, "aiop");
    } else {
        fwrite(text.ptr, 1, text.len, stdout);
        if (text.len && text.ptr[text.len - 1] != '\n')
            putchar('\n');
        osr_buf_dispose(&text);
    }
    json_decref(rec);
    osr_config_dispose(&cfg);
    return rc;
}

/* ---- html ---- */

/* <run_dir>/manifest.json, when it lies inside the workspace and parses; else NULL. */
static json_t *run_manifest(const struct osr_config *cfg, const char *run_dir)
{
    char *path = osr_path_join(run_dir, "manifest.json"), real[PATH_MAX];
    struct osr_buf text;
    json_t *doc = NULL;

    if (osr_fs_contained(path, cfg->base_path, real) == 1 &&
        osr_fs_read_file(&text, real, 64u << 20) == 0) {
        doc = json_loadb(text.ptr, text.len, 0, NULL);
        osr_buf_dispose(&text);
    }
    free(path);
    return doc;
}

/* Where the page goes: report.html in the run directory, or --out (an existing directory
 * gets <run_id>.html). Owned; NULL when the current directory is unknown. */
static char *report_path(const char *out, const char *run_dir, const char *run_id)
{
    char *abs, *name, *path;

    if (!out)
        return osr_path_join(run_dir, "report.html");
    abs = osr_path_absolute(out, NULL);
    if (!abs || !osr_fs_is_dir(abs))
        return abs;
    name = osr_xasprintf("%s.html", run_id);
    path = osr_path_join(abs, name);
    free(name);
    free(abs);
    return path;
}

/* Renders run `rec` (its directory is `run_dir`) and writes the page to `path`. */
static int write_report(struct osr_cli *cli, const struct osr_config *cfg, json_t *rec,
                        const char *run_dir, const char *path)
{
    struct osr_report_run run = {rec, run_manifest(cfg, run_dir),
                                 run_file_lines(cfg, rec, "metrics.jsonl"),
                                 run_file_lines(cfg, rec, "events.jsonl")};
    struct osr_buf page;
    int rc = OSR_EXIT_OK;

    osr_buf_init(&page, 256u << 20);
    if (osr_report_html_format(&page, &run) < 0 ||
        osr_fs_write_atomic(path, page.ptr, page.len, 0600) < 0)
        rc = osr_cli_error(cli, OSR_EXIT_FAIL, "LOGS/HTML", "check --out and its directory",
                           "cannot write the report %s: %s", path, osr_error_last());
    osr_buf_dispose(&page);
    json_decref(run.manifest);
    json_decref(run.metrics);
    json_decref(run.events);
    return rc;
}

static int html(struct osr_cli *cli, const char *run, bool last, const char *out)
{
    struct osr_config cfg = {0};
    json_t *rec = pick_run(cli, run, last, &cfg);
    const char *id = json_string_value(json_object_get(rec, "run_id"));
    char real[PATH_MAX], *path = NULL;
    int rc = rec ? locate_logs(cli, &cfg, rec, real) : OSR_EXIT_USAGE;

    if (rc == 0 && !(path = report_path(out, real, id)))
        rc = osr_cli_error(cli, OSR_EXIT_FAIL, "LOGS/HTML", "run it from an existing directory",
                           "cannot resolve --out '%.200s'", out);
    if (rc == 0 && (rc = write_report(cli, &cfg, rec, real, path)) == 0) {
        if (cli->json)
            osr_cli_print_json(json_pack("{s:s, s:s}", "path", path, "run_id", id));
        else
            printf("%s\n", path);
    }
    free(path);
    json_decref(rec);
    osr_config_dispose(&cfg);
    return rc;
}

int osr_cmd_logs_html(struct osr_cli *cli, int argc, char **argv)
{
    const char *run = NULL, *out = NULL;
    bool last = false;
    const struct osr_opt opts[] = {{"run", OSR_OPT_VALUE, &run},
                                   {"last", OSR_OPT_FLAG, &last},
                                   {"out", OSR_OPT_VALUE, &out},
                                   {NULL, 0, NULL}};
    int rc;

    cli->usage = html_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    return cli->help ? osr_cli_help(cli) : html(cli, run, last, out);
}
