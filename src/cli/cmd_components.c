/*
 * cmd_components.c - `osiris components list|show NAME [--json]`.
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/registry.h"

static const char list_usage[] =
    "Usage: osiris components list [--json]\n\n"
    "Lists the component specs (extractors, writers, processors) that pipelines can use.\n"
    "A broken spec is reported with its file and line, and makes the exit code 2.\n"
    "The specs are read from OSIRIS_COMPONENTS_DIR, else from components/ next to the\n"
    "executable, else from ../share/osiris/components.\n";

static const char show_usage[] =
    "Usage: osiris components show NAME [--json]\n\n"
    "Shows one component spec: modes, configuration fields (type, default, required,\n"
    "secret), connection fields and examples. --json prints the whole spec.\n";

static int open_registry(struct osr_cli *cli, struct osr_registry *reg, struct osr_diags *d)
{
    char *root = osr_registry_default_root();
    int rc;

    if (!root)
        return osr_cli_error(cli, OSR_EXIT_FAIL, "COMPONENTS/NO_ROOT",
                             "set OSIRIS_COMPONENTS_DIR to the components directory",
                             "cannot find the components directory next to the executable");
    rc = osr_registry_load(reg, root, NULL, d);
    free(root);
    if (rc < 0)
        return osr_cli_error(cli, OSR_EXIT_FAIL, "COMPONENTS/NO_ROOT",
                             "set OSIRIS_COMPONENTS_DIR to the components directory", "%s",
                             osr_error_last());
    return 0;
}

static json_t *summary_json(const struct osr_component *c)
{
    json_t *modes = json_object_get(c->spec, "modes");
    json_t *j = json_pack("{s:s, s:O, s:s, s:O}", "name", c->name, "version",
                          json_object_get(c->spec, "version"), "role", osr_component_role(c),
                          "modes", modes);

    json_object_set(j, "title", json_object_get(c->spec, "title"));
    json_object_set(j, "description", json_object_get(c->spec, "description"));
    if (!json_object_get(j, "title"))
        json_object_set_new(j, "title", json_null());
    return j;
}

int osr_cmd_components_list(struct osr_cli *cli, int argc, char **argv)
{
    struct osr_registry reg = {0};
    struct osr_diags d;
    int rc;

    cli->usage = list_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, NULL, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    osr_diags_init(&d);
    if ((rc = open_registry(cli, &reg, &d)) != 0)
        goto done;
    osr_cli_print_diags(&d, OSR_SEV_ERROR);
    if (cli->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < reg.n; i++)
            json_array_append_new(arr, summary_json(&reg.v[i]));
        osr_cli_print_json(json_pack("{s:s, s:o, s:i, s:o}", "status",
                                     d.errors ? "invalid" : "success", "components", arr, "count",
                                     (int)reg.n, "errors", osr_cli_diags_json(&d, OSR_SEV_ERROR)));
    } else {
        printf("%-26s %-10s %-20s %s\n", "NAME", "ROLE", "MODES", "TITLE");
        for (size_t i = 0; i < reg.n; i++) {
            char *modes = osr_strv_join(&reg.v[i].modes, ",");
            json_t *title = json_object_get(reg.v[i].spec, "title");
            printf("%-26s %-10s %-20s %s\n", reg.v[i].name, osr_component_role(&reg.v[i]), modes,
                   json_is_string(title) ? json_string_value(title) : "");
            free(modes);
        }
    }
    rc = d.errors ? OSR_EXIT_USAGE : OSR_EXIT_OK;
done:
    osr_registry_dispose(&reg);
    osr_diags_dispose(&d);
    return rc;
}

static bool is_secret_field(const struct osr_component *c, const char *field)
{
    for (size_t i = 0; i < c->secret_pointers.n; i++) {
        const char *p = c->secret_pointers.v[i] + 1;
        if (strcmp(p, field) == 0)
            return true;
    }
    return false;
}

static void print_fields(const struct osr_component *c)
{
    json_t *schema = json_object_get(c->spec, "configSchema");
    json_t *props = json_object_get(schema, "properties"),
           *req = json_object_get(schema, "required");
    const char *name;
    json_t *p;

    printf("\nConfiguration fields:\n  %-20s %-10s %-9s %-7s %s\n", "NAME", "TYPE", "REQUIRED",
           "SECRET", "DEFAULT");
    json_object_foreach(props, name, p)
    {
        json_t *type = json_object_get(p, "type"), *dflt = json_object_get(p, "default");
        char *type_s = json_is_string(type) ? osr_xstrdup(json_string_value(type))
                                            : json_dumps(type, JSON_COMPACT);
        char *dflt_s = dflt ? json_dumps(dflt, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        bool required = false;
        size_t i;
        json_t *r;

        json_array_foreach(req, i, r) required =
            required || (json_is_string(r) && strcmp(json_string_value(r), name) == 0);
        printf("  %-20s %-10s %-9s %-7s %s\n", name, type_s ? type_s : "-", required ? "yes" : "",
               is_secret_field(c, name) ? "yes" : "", dflt_s ? dflt_s : "");
        free(type_s);
        free(dflt_s);
    }
}

static void print_component(const struct osr_component *c)
{
    json_t *s = c->spec;
    char *modes = osr_strv_join(&c->modes, ", ");
    json_t *title = json_object_get(s, "title"), *desc = json_object_get(s, "description");

    printf("%s %s (%s)\n", c->name, json_string_value(json_object_get(s, "version")),
           osr_component_role(c));
    if (json_is_string(title))
        printf("%s\n", json_string_value(title));
    if (json_is_string(desc))
        printf("%s\n", json_string_value(desc));
    printf("Modes: %s\nSpec:  %s\n", modes, c->file);
    print_fields(c);
    free(modes);
}

static void suggest_names(char *buf, size_t n, const struct osr_registry *reg, const char *name)
{
    size_t used = 0;
    size_t plen = strcspn(name, ".");

    buf[0] = '\0';
    for (size_t i = 0; i < reg->n && used + 1 < n; i++) {
        if (strncmp(reg->v[i].name, name, plen) == 0 || strstr(reg->v[i].name, name))
            used +=
                (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", reg->v[i].name);
    }
    if (!buf[0])
        snprintf(buf, n, "run 'osiris components list'");
}

int osr_cmd_components_show(struct osr_cli *cli, int argc, char **argv)
{
    struct osr_registry reg = {0};
    const struct osr_component *c;
    struct osr_diags d;
    char hint[512];
    int rc;

    cli->usage = show_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, NULL, 1)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if (cli->args.n == 0)
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/MISSING_ARGUMENT",
                             "e.g. osiris components show postgres.extractor",
                             "which component? give its name");
    osr_diags_init(&d);
    if ((rc = open_registry(cli, &reg, &d)) != 0)
        goto done;
    c = osr_registry_find(&reg, cli->args.v[0]);
    if (!c) {
        osr_cli_print_diags(&d, OSR_SEV_ERROR);
        suggest_names(hint, sizeof(hint), &reg, cli->args.v[0]);
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "COMPONENTS/NOT_FOUND", hint,
                           "no component named '%s'%s", cli->args.v[0],
                           d.errors ? " (some specs are broken, see above)" : "");
        goto done;
    }
    if (cli->json)
        osr_cli_print_json(json_pack("{s:s, s:s, s:s, s:O}", "status", "success", "name", c->name,
                                     "file", c->file, "spec", c->spec));
    else
        print_component(c);
done:
    osr_registry_dispose(&reg);
    osr_diags_dispose(&d);
    return rc;
}
