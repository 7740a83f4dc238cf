/*
 * cmd_connections.c - `osiris connections list [--json]`.
 *
 * Every value goes through the masking module before it is printed: spec-declared secret
 * fields of the family's components, secret-like names, DSN userinfo. Variables are
 * resolved first (after loading .env) so `env_vars` tells which references are set.
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/connections.h"
#include "core/env.h"
#include "core/error.h"
#include "core/mask.h"
#include "core/registry.h"
#include "core/fsutil.h"
#include "db/discovery.h"
#include "db/doctor.h"

int osr_cli_load_connections(struct osr_cli *cli, struct osr_config *cfg, struct osr_diags *d,
                             struct osr_connections *conns)
{
    osr_diags_init(d);
    osr_config_load(cfg, d, cli->base_path);
    osr_env_load_workspace(cfg->base_path, d);
    if (osr_connections_load(conns, cfg->base_path, d) < 0)
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CONNECTIONS/INVALID_FILE",
                             "run 'osiris validate' for every problem", "%s:%u:%u: %s",
                             d->v[d->n - 1].file, d->v[d->n - 1].line, d->v[d->n - 1].col,
                             d->v[d->n - 1].message);
    return 0;
}

static const char usage[] =
    "Usage: osiris connections list [--base-path DIR] [--json]\n\n"
    "Lists the connections of osiris_connections.yaml by family and alias, with every\n"
    "secret masked, which alias is each family's default, and for each ${VAR} the alias\n"
    "references whether it is set (after loading .env).\n";

/* Secret field names declared by the specs of each family, worked out once per process
 * (a family's specs are parsed on its first use, or all at once by
 * osr_cli_connections_warm in the warm worker, whose forked calls then parse none). */
static struct {
    char *family;
    struct osr_strv names;
} memo[16];
static size_t memo_n;

static const struct osr_strv *family_secret_names(const char *fam)
{
    char *root, *prefix;
    struct osr_diags ignored;
    struct osr_registry reg;

    for (size_t i = 0; i < memo_n; i++) {
        if (strcmp(memo[i].family, fam) == 0)
            return &memo[i].names;
    }
    if (memo_n == OSR_ARRAY_LEN(memo) || !(root = osr_registry_default_root()))
        return NULL;
    osr_diags_init(&ignored);
    prefix = osr_xasprintf("%s.", fam);
    memo[memo_n].family = osr_xstrdup(fam);
    memo[memo_n].names = (struct osr_strv)OSR_STRV_INIT;
    if (osr_registry_load(&reg, root, prefix, &ignored) == 0)
        osr_registry_secret_names(&reg, fam, &memo[memo_n].names);
    osr_registry_dispose(&reg);
    osr_diags_dispose(&ignored);
    free(prefix);
    free(root);
    return &memo[memo_n++].names;
}

void osr_cli_connections_warm(void)
{
    static const char *const families[] = {"sqlite", "postgres", "mysql", "supabase", "filesystem"};

    for (size_t i = 0; i < OSR_ARRAY_LEN(families); i++)
        family_secret_names(families[i]);
}

/* Secret field names declared by the specs of every family present. */
static void spec_secret_names(const struct osr_connections *conns, struct osr_strv *names)
{
    for (size_t i = 0; i < conns->families.n; i++) {
        const struct osr_strv *fam =
            family_secret_names(osr_connections_family_canonical(conns->families.v[i]));
        for (size_t k = 0; fam && k < fam->n; k++)
            osr_strv_push(names, fam->v[k]);
    }
}

static json_t *alias_json(const struct osr_conn_alias *a, const struct osr_strv *secret_names)
{
    struct osr_strv refs = OSR_STRV_INIT;
    json_t *cfg, *env = json_object();

    osr_connections_resolve(&cfg, a, &refs, NULL, NULL);
    osr_mask_json(cfg, secret_names);
    for (size_t i = 0; i < refs.n; i++)
        json_object_set_new(env, refs.v[i], json_boolean(getenv(refs.v[i]) != NULL));
    osr_strv_dispose(&refs);
    return json_pack("{s:o, s:b, s:o}", "config", cfg, "is_default", a->is_default, "env_vars",
                     env);
}

static json_t *build(const struct osr_connections *conns, const struct osr_strv *secret_names)
{
    json_t *fams = json_object();

    for (size_t f = 0; f < conns->families.n; f++)
        json_object_set_new(fams, conns->families.v[f], json_object());
    for (size_t i = 0; i < conns->n; i++)
        json_object_set_new(json_object_get(fams, conns->v[i].family), conns->v[i].name,
                            alias_json(&conns->v[i], secret_names));
    return fams;
}

static const char *str_field(json_t *cfg, const char *key)
{
    json_t *v = json_object_get(cfg, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One line describing where an alias points, from masked values only. */
static void summary(char *buf, size_t n, const char *family, json_t *cfg)
{
    const char *fam = osr_connections_family_canonical(family);
    json_t *port = json_object_get(cfg, "port");
    char port_s[32] = "";

    if (json_is_integer(port))
        snprintf(port_s, sizeof(port_s), ":%lld", (long long)json_integer_value(port));
    else if (json_is_string(port))
        snprintf(port_s, sizeof(port_s), ":%s", json_string_value(port));
    if (strcmp(fam, "sqlite") == 0)
        snprintf(buf, n, "%s", str_field(cfg, "path") ? str_field(cfg, "path") : "?");
    else if (strcmp(fam, "filesystem") == 0)
        snprintf(buf, n, "%s", str_field(cfg, "base_dir") ? str_field(cfg, "base_dir") : "?");
    else if (str_field(cfg, "dsn") || str_field(cfg, "pg_dsn") || str_field(cfg, "url"))
        snprintf(buf, n, "%s",
                 str_field(cfg, "url")   ? str_field(cfg, "url")
                 : str_field(cfg, "dsn") ? str_field(cfg, "dsn")
                                         : str_field(cfg, "pg_dsn"));
    else
        snprintf(buf, n, "%s@%s%s/%s", str_field(cfg, "user") ? str_field(cfg, "user") : "?",
                 str_field(cfg, "host") ? str_field(cfg, "host") : "?", port_s,
                 str_field(cfg, "database") ? str_field(cfg, "database") : "?");
}

static void print_table(json_t *fams)
{
    const char *fam, *alias;
    json_t *aliases, *entry;

    if (json_object_size(fams) == 0) {
        printf("No connections configured. Add them to osiris_connections.yaml.\n");
        return;
    }
    printf("%-12s %-16s %-7s %-44s %s\n", "FAMILY", "ALIAS", "DEFAULT", "CONNECTION", "ENV VARS");
    json_object_foreach(fams, fam, aliases)
    {
        json_object_foreach(aliases, alias, entry)
        {
            char where[256], vars[256] = "";
            const char *var;
            json_t *set;
            json_object_foreach(json_object_get(entry, "env_vars"), var, set)
            {
                size_t len = strlen(vars);
                snprintf(vars + len, sizeof(vars) - len, "%s%s %s", len ? ", " : "", var,
                         json_is_true(set) ? "set" : "MISSING");
            }
            summary(where, sizeof(where), fam, json_object_get(entry, "config"));
            printf("%-12s %-16s %-7s %-44s %s\n", fam, alias,
                   json_is_true(json_object_get(entry, "is_default")) ? "yes" : "", where,
                   vars[0] ? vars : "-");
        }
    }
}

int osr_cmd_connections_list(struct osr_cli *cli, int argc, char **argv)
{
    struct osr_strv secret_names = OSR_STRV_INIT;
    struct osr_connections conns;
    struct osr_config cfg;
    struct osr_diags d;
    json_t *fams;
    int rc;

    cli->usage = usage;
    if ((rc = osr_cli_parse(cli, argc, argv, NULL, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if ((rc = osr_cli_load_connections(cli, &cfg, &d, &conns)) != 0)
        goto done;
    osr_cli_print_diags(&d, OSR_SEV_WARNING);
    spec_secret_names(&conns, &secret_names);
    fams = build(&conns, &secret_names);
    if (cli->json) {
        osr_cli_print_json(json_pack("{s:s, s:o}", "status", "success", "connections", fams));
    } else {
        print_table(fams);
        json_decref(fams);
    }
done:
    osr_strv_dispose(&secret_names);
    osr_connections_dispose(&conns);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return rc;
}

static const char doctor_usage[] =
    "Usage: osiris connections doctor [--connection @family.alias] [--base-path DIR] [--json]\n\n"
    "Checks each connection for real: resolves its ${VAR} references (after loading .env),\n"
    "connects with the family's client library and runs a check query (for supabase also\n"
    "GET <url>/auth/v1/health). Reports per alias healthy, unhealthy or skipped, the latency\n"
    "and, on failure, a category (auth, network, timeout, config, permission, unknown) and\n"
    "a message with every secret removed. Exit code 3 when any alias is unhealthy.\n";

static void doctor_table(json_t *doc)
{
    const char *fam, *alias;
    json_t *aliases, *r;

    printf("%-12s %-16s %-10s %10s  %s\n", "FAMILY", "ALIAS", "STATUS", "LATENCY", "DETAIL");
    json_object_foreach(json_object_get(doc, "connections"), fam, aliases)
    {
        json_object_foreach(aliases, alias, r)
        {
            const char *status = json_string_value(json_object_get(r, "status"));
            char detail[600];
            snprintf(detail, sizeof(detail), "%s%s%s",
                     strcmp(status, "healthy") ? json_string_value(json_object_get(r, "category"))
                                               : "",
                     strcmp(status, "healthy") ? ": " : "",
                     json_string_value(json_object_get(r, "message")));
            printf("%-12s %-16s %-10s %8.1fms  %s\n", fam, alias, status,
                   json_number_value(json_object_get(r, "latency_ms")), detail);
        }
    }
}

/* A failing connection's cached discovery may describe a database that changed. */
static void forget_discovery(const struct osr_config *cfg, const struct osr_conn_alias *a)
{
    char *logs = osr_config_path(cfg, cfg->fs.mcp_logs_dir);
    char *cache = osr_path_join(logs, "cache");
    char *ref = osr_xasprintf("@%s.%s", a->family, a->name);

    osr_discovery_invalidate(cache, ref);
    free(ref);
    free(cache);
    free(logs);
}

int osr_cmd_connections_doctor(struct osr_cli *cli, int argc, char **argv)
{
    const char *only = NULL;
    const struct osr_opt opts[] = {{"connection", OSR_OPT_VALUE, &only}, {NULL, 0, NULL}};
    const struct osr_conn_alias *target = NULL;
    struct osr_connections conns;
    struct osr_config cfg;
    struct osr_diags d;
    json_t *fams, *doc;
    int healthy = 0, unhealthy = 0, rc;

    cli->usage = doctor_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if ((rc = osr_cli_load_connections(cli, &cfg, &d, &conns)) != 0)
        goto done;
    if (only && osr_connections_find(&target, &conns, only) < 0) {
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "CONNECTIONS/NOT_FOUND",
                           "run 'osiris connections list' to see the aliases", "%s",
                           osr_error_last());
        goto done;
    }
    fams = json_object();
    for (size_t i = 0; i < conns.n; i++) {
        const struct osr_conn_alias *a = &conns.v[i];
        json_t *fam, *r;
        if (target && a != target)
            continue;
        if (!(fam = json_object_get(fams, a->family)))
            json_object_set_new(fams, a->family, fam = json_object());
        r = osr_doctor_check(a, cfg.base_path);
        healthy += strcmp(json_string_value(json_object_get(r, "status")), "healthy") == 0;
        if (strcmp(json_string_value(json_object_get(r, "status")), "unhealthy") == 0) {
            unhealthy++;
            forget_discovery(&cfg, a);
        }
        json_object_set_new(fam, a->name, r);
    }
    doc = json_pack("{s:s, s:o, s:{s:i, s:i}}", "status", unhealthy ? "unhealthy" : "healthy",
                    "connections", fams, "summary", "healthy", healthy, "unhealthy", unhealthy);
    if (cli->json) {
        osr_cli_print_json(doc);
    } else {
        doctor_table(doc);
        json_decref(doc);
    }
    rc = unhealthy ? OSR_EXIT_CONN : OSR_EXIT_OK;
done:
    osr_connections_dispose(&conns);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return rc;
}
