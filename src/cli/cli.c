/*
 * cli.c - option parsing and output helpers shared by the commands.
 */
#include "cli/cli.h"
#include "core/alloc.h"

#include <stdarg.h>
#include <unistd.h>

static const struct osr_opt *find_opt(const struct osr_opt *opts, const char *name, size_t n)
{
    for (; opts && opts->name; opts++) {
        if (strlen(opts->name) == n && memcmp(opts->name, name, n) == 0)
            return opts;
    }
    return NULL;
}

static int parse_long(struct osr_cli *cli, int argc, char **argv, int *i,
                      const struct osr_opt *opts)
{
    const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct osr_opt globals[] = {
        {"json", OSR_OPT_FLAG, &cli->json},
        {"help", OSR_OPT_FLAG, &cli->help},
        {"base-path", OSR_OPT_VALUE, &cli->base_path},
        {NULL, 0, NULL},
    };
    const struct osr_opt *o = find_opt(opts, arg, n);

    if (!o)
        o = find_opt(globals, arg, n);
    if (!o)
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/UNKNOWN_OPTION",
                             "run with --help to see the options", "unknown option --%.*s", (int)n,
                             arg);
    if (o->kind == OSR_OPT_FLAG) {
        if (eq)
            return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/BAD_OPTION", NULL,
                                 "option --%s takes no value", o->name);
        *(bool *)o->dest = true;
        return 0;
    }
    if (eq || *i + 1 < argc) {
        const char *value = eq ? eq + 1 : argv[++*i];
        if (o->kind == OSR_OPT_LIST)
            osr_strv_push(o->dest, value);
        else
            *(const char **)o->dest = value;
    } else {
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/MISSING_VALUE", NULL,
                             "option --%s needs a value", o->name);
    }
    return 0;
}

int osr_cli_parse(struct osr_cli *cli, int argc, char **argv, const struct osr_opt *opts,
                  size_t max_args)
{
    bool only_args = false;

    cli->stdout_tty = isatty(1);
    /* --json anywhere decides the error format, even for errors found before it. */
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            cli->json = true;
        if (strcmp(argv[i], "--") == 0)
            break;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int rc;
        if (!only_args && strcmp(a, "--") == 0) {
            only_args = true;
        } else if (!only_args && a[0] == '-' && a[1] == '-' && a[2]) {
            if ((rc = parse_long(cli, argc, argv, &i, opts)) != 0)
                return rc;
        } else if (!only_args && a[0] == '-' && a[1] && strcmp(a, "-h") != 0) {
            return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/UNKNOWN_OPTION",
                                 "options are written with two dashes, e.g. --json",
                                 "unknown option %s", a);
        } else if (strcmp(a, "-h") == 0 && !only_args) {
            cli->help = true;
        } else {
            osr_strv_push(&cli->args, a);
        }
    }
    if (!cli->help && cli->args.n > max_args)
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/TOO_MANY_ARGS",
                             "run with --help to see the usage", "unexpected argument '%s'",
                             cli->args.v[max_args]);
    return 0;
}

void osr_cli_dispose(struct osr_cli *cli)
{
    osr_strv_dispose(&cli->args);
}

/* Whether every real number in `j` survives printing with 15 significant digits. */
static bool short_reals_exact(json_t *j)
{
    const char *k;
    json_t *v;
    size_t i;
    char text[32];

    switch (json_typeof(j)) {
    case JSON_REAL:
        snprintf(text, sizeof(text), "%.15g", json_real_value(j));
        return strtod(text, NULL) == json_real_value(j);
    case JSON_OBJECT:
        json_object_foreach(j, k, v)
        {
            if (!short_reals_exact(v))
                return false;
        }
        return true;
    case JSON_ARRAY:
        json_array_foreach(j, i, v)
        {
            if (!short_reals_exact(v))
                return false;
        }
        return true;
    default:
        return true;
    }
}

void osr_cli_print_json(json_t *doc)
{
    /* A child of the MCP server (OSIRIS_CORRELATION_ID set) prints compact JSON: the server
     * parses it, nobody reads it, and a large discovery is a third smaller. */
    const char *child = getenv("OSIRIS_CORRELATION_ID");
    size_t layout = child && *child ? JSON_COMPACT : JSON_INDENT(2);

    /* 15 digits reads well (0.64, not 0.64000000000000001); a document with a value that
     * 15 digits would change (sample data, 1.7976931348623157e308) gets 17, which is exact. */
    json_dumpf(doc, stdout, layout | JSON_REAL_PRECISION(short_reals_exact(doc) ? 15 : 17));
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(doc);
}

int osr_cli_error(const struct osr_cli *cli, int exit_code, const char *code, const char *suggest,
                  const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (cli->json) {
        json_t *err = json_pack("{s:s, s:s, s:[]}", "code", code, "message", msg, "path");
        if (suggest)
            json_object_set_new(err, "suggest", json_string(suggest));
        osr_cli_print_json(json_pack("{s:s, s:o}", "status", "error", "error", err));
    } else {
        fprintf(stderr, "%s: error: %s\n", cli->prog ? cli->prog : "osiris", msg);
        if (suggest)
            fprintf(stderr, "  hint: %s\n", suggest);
    }
    return exit_code;
}

int osr_cli_help(const struct osr_cli *cli)
{
    fputs(cli->usage ? cli->usage : "", stdout);
    return OSR_EXIT_OK;
}

void osr_cli_print_diags(const struct osr_diags *d, enum osr_severity min)
{
    for (size_t i = 0; i < d->n; i++) {
        char *line;
        if (d->v[i].severity > min)
            continue;
        line = osr_diag_format(&d->v[i]);
        fprintf(stderr, "%s\n", line);
        free(line);
    }
}

int osr_cli_config_invalid(struct osr_cli *cli, const struct osr_config *cfg,
                           const struct osr_diags *d, const char *consequence)
{
    osr_cli_print_diags(d, OSR_SEV_ERROR);
    return osr_cli_error(cli, OSR_EXIT_USAGE, "CONFIG/INVALID",
                         "fix osiris.yaml; 'osiris validate' lists every problem",
                         "%s has %zu error%s; %s", cfg->file ? cfg->file : "osiris.yaml",
                         (size_t)d->errors, d->errors == 1 ? "" : "s", consequence);
}

json_t *osr_cli_diags_json(const struct osr_diags *d, enum osr_severity sev)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i].severity == sev)
            json_array_append_new(arr, osr_diag_to_json(&d->v[i]));
    }
    return arr;
}
