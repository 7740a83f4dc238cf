/*
 * cmd_validate.c - `osiris validate [--json]`: checks osiris.yaml and the connections.
 *
 * Invalid means an error a command would trip over: a malformed file, a wrong type, an
 * unknown family, a missing required field, a base path that does not exist. Environment
 * variables that are not set are reported per alias but are only warnings: a reference
 * is an error only when the alias is used.
 */
#include "cli/commands.h"
#include "core/config.h"
#include "core/connections.h"
#include "core/env.h"
#include "core/fsutil.h"

static const char usage[] =
    "Usage: osiris validate [--base-path DIR] [--json]\n\n"
    "Checks osiris.yaml and osiris_connections.yaml of the workspace: YAML syntax, types,\n"
    "value ranges, unknown keys, connection families and required fields. Lists, per\n"
    "connection alias, the environment variables it references that are not set.\n"
    "Exit code 0 when valid, 2 when not.\n";

static json_t *strv_json(const struct osr_strv *sv)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sv->n; i++)
        json_array_append_new(arr, json_string(sv->v[i]));
    return arr;
}

static json_t *connections_report(const struct osr_connections *conns, struct osr_diags *d)
{
    json_t *out = json_object();

    for (size_t i = 0; i < conns->n; i++) {
        const struct osr_conn_alias *a = &conns->v[i];
        struct osr_strv missing = OSR_STRV_INIT;
        json_t *fam = json_object_get(out, a->family), *cfg;

        if (!fam) {
            fam = json_object();
            json_object_set_new(out, a->family, fam);
        }
        osr_connections_resolve(&cfg, a, NULL, &missing, NULL);
        json_decref(cfg);
        for (size_t k = 0; k < missing.n; k++)
            osr_diag_add(d, OSR_SEV_WARNING, "CONN020", conns->file, a->key, NULL,
                         "export it or add it to .env before using this connection",
                         "@%s.%s uses ${%s}, which is not set", a->family, a->name, missing.v[k]);
        json_object_set_new(fam, a->name,
                            json_pack("{s:b, s:o}", "is_default", a->is_default, "missing_env_vars",
                                      strv_json(&missing)));
        osr_strv_dispose(&missing);
    }
    return out;
}

static void check_workspace(const struct osr_config *cfg, struct osr_diags *d)
{
    if (!osr_fs_is_dir(cfg->base_path))
        osr_diag_add(d, OSR_SEV_ERROR, "CFG020", cfg->file, NULL, "filesystem.base_path",
                     "fix filesystem.base_path or run 'osiris init' in the right directory",
                     "base path %s (from %s) does not exist", cfg->base_path, cfg->base_source);
    else if (!cfg->file)
        osr_diag_add(d, OSR_SEV_ERROR, "CFG021", NULL, NULL, NULL,
                     "run 'osiris init' there, or pass --base-path / set OSIRIS_HOME",
                     "no osiris.yaml in %s", cfg->base_path);
}

static void print_human(const struct osr_config *cfg, const struct osr_connections *conns,
                        const struct osr_diags *d)
{
    osr_cli_print_diags(d, OSR_SEV_WARNING);
    printf("Base path:    %s (from %s)\n", cfg->base_path, cfg->base_source);
    printf("Config file:  %s\n", cfg->file ? cfg->file : "(none)");
    printf("Connections:  %s (%zu aliases)\n", conns->present ? conns->file : "(none)", conns->n);
    printf("%s: %zu error%s, %zu warning%s\n", d->errors ? "Invalid" : "Valid", d->errors,
           d->errors == 1 ? "" : "s", d->warnings, d->warnings == 1 ? "" : "s");
}

int osr_cmd_validate(struct osr_cli *cli, int argc, char **argv)
{
    struct osr_config cfg;
    struct osr_connections conns;
    struct osr_diags d;
    json_t *conn_report;
    int rc;

    cli->usage = usage;
    if ((rc = osr_cli_parse(cli, argc, argv, NULL, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    osr_diags_init(&d);
    osr_config_load(&cfg, &d, cli->base_path);
    check_workspace(&cfg, &d);
    osr_env_load_workspace(cfg.base_path, &d);
    osr_connections_load(&conns, cfg.base_path, &d);
    if (!conns.present)
        osr_diag_add(&d, OSR_SEV_WARNING, "CONN000", conns.file, NULL, NULL,
                     "run 'osiris init' or create the file with a 'connections:' mapping",
                     "no osiris_connections.yaml; pipelines cannot use any connection");
    conn_report = connections_report(&conns, &d);
    if (cli->json) {
        osr_cli_print_json(json_pack(
            "{s:s, s:o, s:o, s:s?, s:s, s:s, s:s?, s:o}", "status", d.errors ? "invalid" : "valid",
            "errors", osr_cli_diags_json(&d, OSR_SEV_ERROR), "warnings",
            osr_cli_diags_json(&d, OSR_SEV_WARNING), "config_file", cfg.file, "base_path",
            cfg.base_path, "base_path_source", cfg.base_source, "connections_file",
            conns.present ? conns.file : NULL, "connections", conn_report));
    } else {
        json_decref(conn_report);
        print_human(&cfg, &conns, &d);
    }
    rc = d.errors ? OSR_EXIT_USAGE : OSR_EXIT_OK;
    osr_connections_dispose(&conns);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return rc;
}
