/*
 * cmd_oml.c - `osiris oml validate FILE [--strict] [--json]`.
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/connections.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/registry.h"
#include "oml/oml.h"

static const char usage[] =
    "Usage: osiris oml validate FILE [--strict] [--base-path DIR] [--json]\n\n"
    "Checks an OML pipeline: YAML syntax, the required keys, every step (id, component,\n"
    "mode, needs, config against the component's spec: unknown keys, types, enums, ranges,\n"
    "required fields, query or table, write modes, connection references, inline secrets),\n"
    "the dependency graph (no cycles) and the parameters. Each diagnostic has a code\n"
    "(OML001...), a path such as steps[2].config.query, and a line and column.\n"
    "--strict makes warnings fail too. Exit code 0 when valid, 2 when not.\n";

static void print_human(const char *file, json_t *res)
{
    json_t *d;
    size_t i;

    json_array_foreach(json_object_get(res, "diagnostics"), i, d)
    {
        json_t *sug = json_object_get(d, "suggest");
        fprintf(stderr, "%s:%lld:%lld: %s %s: %s", file,
                (long long)json_integer_value(json_object_get(d, "line")),
                (long long)json_integer_value(json_object_get(d, "column")),
                json_string_value(json_object_get(d, "severity")),
                json_string_value(json_object_get(d, "code")),
                json_string_value(json_object_get(d, "message")));
        if (json_is_string(sug))
            fprintf(stderr, " (fix: %s)", json_string_value(sug));
        fputc('\n', stderr);
    }
    printf(
        "%s: %s (%lld errors, %lld warnings)\n", file,
        json_is_true(json_object_get(res, "valid")) ? "valid" : "invalid",
        (long long)json_integer_value(json_object_get(json_object_get(res, "summary"), "errors")),
        (long long)json_integer_value(
            json_object_get(json_object_get(res, "summary"), "warnings")));
}

static int validate_file(struct osr_cli *cli, const char *file, bool strict,
                         const struct osr_config *cfg)
{
    struct osr_registry reg = {0};
    struct osr_connections conns;
    struct osr_diags ignored;
    struct osr_buf text;
    char *root = osr_registry_default_root();
    struct osr_oml_ctx ctx = {&reg, NULL, file};
    json_t *res;
    int rc;

    osr_diags_init(&ignored);
    rc = osr_fs_read_file(&text, file, (size_t)cfg->mcp.payload_limit_mb << 20);
    if (rc < 0) {
        free(root);
        osr_diags_dispose(&ignored);
        return osr_cli_error(cli, rc == -OSR_ELIMIT ? OSR_EXIT_POLICY : OSR_EXIT_USAGE,
                             rc == -OSR_ELIMIT ? "OML/TOO_LARGE" : "OML/UNREADABLE", NULL, "%s",
                             osr_error_last());
    }
    if (!root || osr_registry_load(&reg, root, NULL, &ignored) < 0) {
        free(root);
        osr_buf_dispose(&text);
        osr_diags_dispose(&ignored);
        return osr_cli_error(cli, OSR_EXIT_FAIL, "COMPONENTS/NO_ROOT", "set OSIRIS_COMPONENTS_DIR",
                             "cannot load the component specs");
    }
    if (osr_connections_load(&conns, cfg->base_path, &ignored) == 0 && conns.present)
        ctx.conns = &conns;
    res = osr_oml_check_text(text.ptr, text.len, &ctx, strict);
    rc = json_is_true(json_object_get(res, "valid")) ? OSR_EXIT_OK : OSR_EXIT_USAGE;
    if (cli->json) {
        osr_cli_print_json(res);
    } else {
        print_human(file, res);
        json_decref(res);
    }
    osr_connections_dispose(&conns);
    osr_registry_dispose(&reg);
    osr_buf_dispose(&text);
    osr_diags_dispose(&ignored);
    free(root);
    return rc;
}

int osr_cmd_oml_validate(struct osr_cli *cli, int argc, char **argv)
{
    bool strict = false;
    const struct osr_opt opts[] = {{"strict", OSR_OPT_FLAG, &strict}, {NULL, 0, NULL}};
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
                             "e.g. osiris oml validate pipelines/orders.yaml",
                             "which file? give the OML file to check");
    osr_diags_init(&d);
    osr_config_load(&cfg, &d, cli->base_path);
    rc = validate_file(cli, cli->args.v[0], strict, &cfg);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return rc;
}
