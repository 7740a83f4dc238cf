/*
 * cmd_compile.c - `osiris compile FILE [--profile P] [--param k=v]... [--out DIR] [--json]`.
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/connections.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/registry.h"
#include "oml/compile.h"

static const char usage[] =
    "Usage: osiris compile FILE|- [--profile P] [--param NAME=VALUE]... [--out DIR]\n"
    "                      [--base-path DIR] [--json]\n\n"
    "Validates the pipeline (any error stops here), resolves its parameters (declared\n"
    "defaults < OSIRIS_PARAM_<NAME> < the profile's params < --param), orders the steps by\n"
    "their dependencies and writes a reproducible build:\n"
    "  <build_dir>/pipelines/<profile>/<slug>/<short>-<hash>/\n"
    "      manifest.yaml  cfg/<step>.json  plan.json  fingerprints.json\n"
    "Compiling the same pipeline with the same parameters gives the same bytes and the same\n"
    "hash on any machine; connection references stay references, so no secret is written.\n"
    "--out DIR writes the build into DIR instead. The profile defaults to\n"
    "filesystem.profiles.default (OSIRIS_PROFILE overrides it) when profiles are enabled.\n"
    "FILE - reads the pipeline from stdin.\n";

static int active_profile(struct osr_cli *cli, const struct osr_config *cfg, const char *flag,
                          const char **out)
{
    const char *env = getenv("OSIRIS_PROFILE");

    *out = NULL;
    if (!cfg->fs.profiles_enabled)
        return flag ? osr_cli_error(cli, OSR_EXIT_USAGE, "COMPILE/PROFILES_DISABLED",
                                    "enable filesystem.profiles in osiris.yaml",
                                    "profiles are disabled; --profile %s cannot be used", flag)
                    : 0;
    *out = flag ? flag : (env && *env ? env : cfg->fs.profile_default);
    if (!osr_strv_contains(&cfg->fs.profile_values, *out)) {
        char *list = osr_strv_join(&cfg->fs.profile_values, ", ");
        int rc = osr_cli_error(cli, OSR_EXIT_USAGE, "COMPILE/UNKNOWN_PROFILE", list,
                               "unknown profile '%s' (see filesystem.profiles.values)", *out);
        free(list);
        return rc;
    }
    return 0;
}

/* Compiles req->file. With `manifest` NULL the result is printed; otherwise (osiris run)
 * *manifest gets the manifest's path and nothing is printed on success. */
static int compile_file(struct osr_cli *cli, struct osr_compile_req *req, struct osr_oml_ctx *ctx,
                        const struct osr_config *cfg, char **manifest)
{
    struct osr_buf text;
    json_t *res = NULL;
    /* "-": the pipeline comes on stdin (how the MCP server passes oml_content). */
    int rc = osr_fs_read_file(&text, strcmp(req->file, "-") == 0 ? "/dev/stdin" : req->file,
                              (size_t)cfg->mcp.payload_limit_mb << 20);

    if (rc < 0)
        return osr_cli_error(cli, rc == -OSR_ELIMIT ? OSR_EXIT_POLICY : OSR_EXIT_USAGE,
                             rc == -OSR_ELIMIT ? "OML/TOO_LARGE" : "OML/UNREADABLE", NULL, "%s",
                             osr_error_last());
    req->text = text.ptr;
    req->len = text.len;
    req->ctx = ctx;
    rc = osr_oml_compile(&res, req);
    if (rc == 0 && manifest) {
        *manifest = osr_xstrdup(json_string_value(json_object_get(res, "manifest_path")));
        json_decref(res);
        rc = OSR_EXIT_OK;
    } else if (rc == 0) {
        if (cli->json)
            osr_cli_print_json(res);
        else {
            printf("Compiled %s -> %s\n", req->file,
                   json_string_value(json_object_get(res, "manifest_path")));
            json_decref(res);
        }
        rc = OSR_EXIT_OK;
    } else if (res) { /* invalid pipeline: its diagnostics */
        if (cli->json) {
            json_object_set_new(res, "status", json_string("invalid"));
            osr_cli_print_json(res);
        } else {
            size_t i;
            json_t *d;
            json_array_foreach(json_object_get(res, "diagnostics"), i, d)
                fprintf(stderr, "%s:%lld:%lld: %s %s: %s\n", req->file,
                        (long long)json_integer_value(json_object_get(d, "line")),
                        (long long)json_integer_value(json_object_get(d, "column")),
                        json_string_value(json_object_get(d, "severity")),
                        json_string_value(json_object_get(d, "code")),
                        json_string_value(json_object_get(d, "message")));
            json_decref(res);
        }
        rc = OSR_EXIT_USAGE;
    } else {
        rc = osr_cli_error(cli, rc == -OSR_EINVAL ? OSR_EXIT_USAGE : OSR_EXIT_FAIL,
                           rc == -OSR_EINVAL ? "COMPILE/INVALID" : "COMPILE/IO", NULL, "%s",
                           osr_error_last());
    }
    osr_buf_dispose(&text);
    return rc;
}

int osr_cli_compile(struct osr_cli *cli, const char *file, const char *profile_flag,
                    const struct osr_strv *params, const char *out, char **manifest)
{
    struct osr_registry reg = {0};
    struct osr_connections conns = {0};
    struct osr_config cfg;
    struct osr_diags d;
    struct osr_oml_ctx ctx = {&reg, NULL, NULL};
    struct osr_compile_req req = {0};
    char *root = NULL;
    int rc;

    osr_diags_init(&d);
    osr_config_load(&cfg, &d, cli->base_path);
    if ((rc = active_profile(cli, &cfg, profile_flag, &req.profile)) != 0)
        goto done;
    root = osr_registry_default_root();
    if (!root || osr_registry_load(&reg, root, NULL, &d) < 0) {
        rc = osr_cli_error(cli, OSR_EXIT_FAIL, "COMPONENTS/NO_ROOT", "set OSIRIS_COMPONENTS_DIR",
                           "cannot load the component specs");
        goto done;
    }
    if (osr_connections_load(&conns, cfg.base_path, &d) == 0 && conns.present)
        ctx.conns = &conns;
    ctx.file = strcmp(file, "-") == 0 ? "<stdin>" : file;
    req.file = file;
    req.cli_params = params;
    req.out_dir = out;
    req.short_len = (unsigned)cfg.fs.manifest_short_len;
    {
        char *build_root = osr_config_path(&cfg, cfg.fs.build_dir);
        req.build_root = build_root;
        rc = compile_file(cli, &req, &ctx, &cfg, manifest);
        free(build_root);
    }
done:
    osr_connections_dispose(&conns);
    osr_registry_dispose(&reg);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    free(root);
    return rc;
}

int osr_cmd_compile(struct osr_cli *cli, int argc, char **argv)
{
    const char *profile_flag = NULL, *out = NULL;
    struct osr_strv params = OSR_STRV_INIT;
    const struct osr_opt opts[] = {{"profile", OSR_OPT_VALUE, &profile_flag},
                                   {"param", OSR_OPT_LIST, &params},
                                   {"out", OSR_OPT_VALUE, &out},
                                   {NULL, 0, NULL}};
    int rc;

    cli->usage = usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 1)) != 0)
        goto done;
    if (cli->help) {
        rc = osr_cli_help(cli);
        goto done;
    }
    if (cli->args.n == 0) {
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/MISSING_ARGUMENT",
                           "e.g. osiris compile pipelines/orders.yaml",
                           "which file? give the OML file to compile");
        goto done;
    }
    rc = osr_cli_compile(cli, cli->args.v[0], profile_flag, &params, out, NULL);
done:
    osr_strv_dispose(&params);
    return rc;
}
