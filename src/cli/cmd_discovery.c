/*
 * cmd_discovery.c - `osiris discovery run @family.alias [--samples N] [--tables GLOB]
 * [--refresh] [--json]`.
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/connections.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "db/discovery.h"

static const char usage[] =
    "Usage: osiris discovery run @family.alias [--samples N] [--tables GLOB] [--refresh]\n"
    "                             [--base-path DIR] [--json]\n\n"
    "Discovers the tables and views of a connection in a read-only session: schema, name,\n"
    "kind, columns (type, nullable, default, primary-key position), foreign keys, row count\n"
    "(exact, or the planner's estimate for very large tables: see row_count_exact) and up to\n"
    "N sample rows per table (default discovery.sample_size, at most 100), ordered by the\n"
    "primary key when there is one. Values of secret-like columns are masked. --tables keeps\n"
    "the tables whose name or schema.name matches the shell pattern GLOB.\n\n"
    "Results are cached under <mcp_logs_dir>/cache/disc_<id>/ for\n"
    "discovery.cache_ttl_hours (default 24); --refresh ignores the cache. The output says\n"
    "\"cache\": \"hit\" or \"miss\" and the age of the entry. Exit code 3 when the database\n"
    "cannot be reached.\n";

static void print_human(json_t *res)
{
    json_t *t;
    size_t i;

    printf(
        "%s: %lld tables (%s, %lld s old)\n", json_string_value(json_object_get(res, "connection")),
        (long long)json_integer_value(json_object_get(json_object_get(res, "summary"), "tables")),
        json_string_value(json_object_get(res, "cache")),
        (long long)json_integer_value(json_object_get(res, "cache_age_s")));
    printf("%-20s %-32s %-6s %10s %8s %s\n", "SCHEMA", "NAME", "KIND", "ROWS", "COLUMNS",
           "PRIMARY KEY");
    json_array_foreach(json_object_get(res, "tables"), i, t)
    {
        char *pk = json_dumps(json_object_get(t, "primary_key"), JSON_COMPACT | JSON_ENCODE_ANY);
        json_t *err = json_object_get(t, "error");
        printf("%-20s %-32s %-6s %10lld %8zu %s\n", json_string_value(json_object_get(t, "schema")),
               json_string_value(json_object_get(t, "name")),
               json_string_value(json_object_get(t, "kind")),
               (long long)json_integer_value(json_object_get(t, "row_count")),
               json_array_size(json_object_get(t, "columns")), pk ? pk : "[]");
        if (err)
            printf("  error (%s): %s\n", json_string_value(json_object_get(err, "category")),
                   json_string_value(json_object_get(err, "message")));
        free(pk);
    }
}

static int parse_samples(struct osr_cli *cli, const char *text, int dflt, int *out)
{
    char *end;
    long v;

    if (!text) {
        *out = dflt;
        return 0;
    }
    v = strtol(text, &end, 10);
    if (*end || end == text || v < 0 || v > 100)
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/BAD_OPTION", "give a number from 0 to 100",
                             "--samples must be 0..100, not '%s'", text);
    *out = (int)v;
    return 0;
}

static int run(struct osr_cli *cli, struct osr_discovery_req *req, const struct osr_config *cfg)
{
    struct osr_db_error err = {OSR_DB_OK, ""};
    json_t *res;
    char *logs = osr_config_path(cfg, cfg->fs.mcp_logs_dir);
    char *cache = osr_path_join(logs, "cache");
    int rc;

    req->cache_root = cache;
    rc = osr_discovery_run(&res, req, &err);
    if (rc < 0) {
        rc = osr_cli_error(cli, OSR_EXIT_CONN, "DISCOVERY/CONNECTION_FAILED",
                           "check it with: osiris connections doctor", "%s: %s",
                           osr_db_category_name(err.category), err.message);
    } else if (cli->json) {
        osr_cli_print_json(res);
    } else {
        print_human(res);
        json_decref(res);
    }
    free(cache);
    free(logs);
    return rc;
}

int osr_cmd_discovery_run(struct osr_cli *cli, int argc, char **argv)
{
    const char *samples = NULL, *glob = NULL;
    bool refresh = false;
    const struct osr_opt opts[] = {{"samples", OSR_OPT_VALUE, &samples},
                                   {"tables", OSR_OPT_VALUE, &glob},
                                   {"refresh", OSR_OPT_FLAG, &refresh},
                                   {NULL, 0, NULL}};
    struct osr_discovery_req req = {0};
    const struct osr_conn_alias *alias;
    struct osr_connections conns;
    struct osr_config cfg;
    struct osr_diags d;
    int rc;

    cli->usage = usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 1)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if (cli->args.n == 0)
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/MISSING_ARGUMENT",
                             "e.g. osiris discovery run @sqlite.demo",
                             "which connection? give it as @family.alias");
    rc = osr_cli_load_connections(cli, &cfg, &d, &conns);
    if (rc == 0 && osr_connections_find(&alias, &conns, cli->args.v[0]) < 0) {
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "CONNECTIONS/NOT_FOUND",
                           "run 'osiris connections list' to see the aliases", "%s",
                           osr_error_last());
    } else if (rc == 0 && (rc = parse_samples(cli, samples, (int)cfg.discovery.sample_size,
                                              &req.samples)) == 0) {
        req.alias = alias;
        req.base_path = cfg.base_path;
        req.tables_glob = glob;
        req.refresh = refresh;
        req.ttl_hours = cfg.discovery.cache_ttl_hours;
        req.max_bytes = (size_t)cfg.discovery.max_bytes;
        req.parallel = (int)cfg.discovery.parallel_tables;
        rc = run(cli, &req, &cfg);
    }
    osr_connections_dispose(&conns);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return rc;
}
