/*
 * cmd_logs.c - `osiris logs audit --verify`: checks the hash chain of the MCP audit files.
 */
#include "cli/commands.h"
#include "core/config.h"
#include "core/fsutil.h"
#include "mcp/audit.h"

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
