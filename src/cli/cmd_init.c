/*
 * cmd_init.c - `osiris init [DIR] [--force] [--json]`.
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/workspace.h"
#include "db/demo.h"

static const char usage[] =
    "Usage: osiris init [DIR] [--force] [--json]\n\n"
    "Creates a workspace in DIR (default: the current directory): osiris.yaml with\n"
    "filesystem.base_path set to the absolute DIR, osiris_connections.yaml with the embedded\n"
    "SQLite connection @sqlite.demo (default) and commented postgres, mysql and supabase\n"
    "examples, a demo database in data/demo.sqlite, the pipelines/, build/, run_logs/,\n"
    "aiop/ and .osiris/ directories, and a .gitignore that ignores .env.\n\n"
    "Refuses to replace an existing workspace unless --force is given; replaced files are\n"
    "kept as *.bak.\n";

static json_t *strv_json(const struct osr_strv *sv)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sv->n; i++)
        json_array_append_new(arr, json_string(sv->v[i]));
    return arr;
}

static void print_human(const struct osr_init_result *res)
{
    fprintf(stderr, "Workspace ready in %s\n", res->base_path);
    for (size_t i = 0; i < res->replaced.n; i++)
        fprintf(stderr, "  replaced %s (old copy kept as %s.bak)\n", res->replaced.v[i],
                res->replaced.v[i]);
    printf("Created a workspace in %s\n\n"
           "Next steps:\n"
           "  cd %s\n"
           "  osiris validate                 check the configuration\n"
           "  osiris connections list         see @sqlite.demo and your connections\n"
           "  osiris components list          see what pipelines can use\n"
           "Add your databases to osiris_connections.yaml, with secrets as ${VAR} set in the\n"
           "environment or in .env (chmod 600).\n",
           res->base_path, res->base_path);
}

/* DIR, else --base-path, else OSIRIS_HOME, else the current directory. */
static const char *target_dir(const struct osr_cli *cli)
{
    const char *home = getenv("OSIRIS_HOME");

    if (cli->args.n)
        return cli->args.v[0];
    if (cli->base_path)
        return cli->base_path;
    return home && *home ? home : ".";
}

int osr_cmd_init(struct osr_cli *cli, int argc, char **argv)
{
    bool force = false;
    const struct osr_opt opts[] = {{"force", OSR_OPT_FLAG, &force}, {NULL, 0, NULL}};
    struct osr_init_result res;
    char *db_path;
    int rc;

    cli->usage = usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 1)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    rc = osr_workspace_init(&res, target_dir(cli), force);
    if (rc == 0) {
        db_path = osr_path_join(res.base_path, OSR_DEMO_DB_PATH);
        rc = osr_demo_db_create(db_path);
        if (rc == 0)
            osr_strv_push(&res.created, OSR_DEMO_DB_PATH);
        free(db_path);
    }
    if (rc < 0) {
        int exit_code = rc == -OSR_EEXISTS ? OSR_EXIT_USAGE : OSR_EXIT_FAIL;
        const char *code = rc == -OSR_EEXISTS ? "WORKSPACE/EXISTS" : "WORKSPACE/IO";
        exit_code =
            osr_cli_error(cli, exit_code, code, rc == -OSR_EEXISTS ? "osiris init --force" : NULL,
                          "%s", osr_error_last());
        osr_init_result_dispose(&res);
        return exit_code;
    }
    if (cli->json)
        osr_cli_print_json(json_pack("{s:s, s:s, s:s, s:o, s:o, s:[s,s,s]}", "status", "success",
                                     "base_path", res.base_path, "default_connection",
                                     "@sqlite.demo", "created", strv_json(&res.created), "replaced",
                                     strv_json(&res.replaced), "next_steps", "osiris validate",
                                     "osiris connections list", "osiris components list"));
    else
        print_human(&res);
    osr_init_result_dispose(&res);
    return OSR_EXIT_OK;
}
