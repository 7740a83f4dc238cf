/*
 * connections.h - osiris_connections.yaml: families, aliases, defaults and resolution.
 *
 * The file is `connections: {FAMILY: {ALIAS: {default: bool, ...fields}}}`. Loading keeps
 * the raw (unsubstituted) fields with their positions; resolution substitutes ${VAR}
 * references at the moment an alias is used, so an unset variable is an error only for
 * the alias that needs it. Nothing here masks: callers pass resolved configs through
 * mask.h before printing them.
 */
#ifndef OSR_CONNECTIONS_H
#define OSR_CONNECTIONS_H

#include "core/diag.h"
#include "core/strv.h"
#include "core/yaml.h"

#include <jansson.h>

struct osr_conn_alias {
    const char *family;           /* borrowed from the document */
    const char *name;             /* borrowed from the document */
    bool is_default;              /* the alias a bare @family resolves to */
    const struct osr_ynode *node; /* the alias mapping (fields), borrowed */
    const struct osr_ynode *key;  /* the alias key, for positions */
};

struct osr_connections {
    char *file; /* absolute path; set even when the file does not exist */
    bool present;
    struct osr_ynode *doc;
    struct osr_conn_alias *v;
    size_t n, cap;
    struct osr_strv families; /* in file order */
};

/* Loads <base>/osiris_connections.yaml. A missing file gives an empty set (present=false).
 * Structural problems, unknown families and fields, and wrong types go to `diags`;
 * returns a negative code only when the file cannot be read or parsed. */
int osr_connections_load(struct osr_connections *c, const char *base_path, struct osr_diags *diags);
/* Like load, but every field value but `default` is wiped once read: what is left is the
 * families, aliases and default flags (for the MCP server, which must hold no secret). */
int osr_connections_load_names(struct osr_connections *c, const char *base_path,
                               struct osr_diags *diags);
void osr_connections_dispose(struct osr_connections *c);

/* True for the families Osiris can talk to (postgresql is accepted for postgres). */
bool osr_connections_family_known(const char *family);
/* The canonical name of a family ("postgresql" -> "postgres"). */
const char *osr_connections_family_canonical(const char *family);

/* Finds the alias for `ref` ("@family.alias", "@family", or "family.alias"). On failure
 * returns -OSR_ENOTFOUND/-OSR_EINVAL with a message that lists what exists. */
int osr_connections_find(const struct osr_conn_alias **out, const struct osr_connections *c,
                         const char *ref);

/*
 * The alias's fields with ${VAR} references substituted, as a JSON object (owned, in
 * *out), without the `default` key. Every variable referenced is added to `refs` and every
 * unresolved one to `missing` (both may be NULL). Secret values that came from the
 * environment are added to `secret_values` (may be NULL) so redaction can find them.
 * Returns the number of unresolved references.
 */
int osr_connections_resolve(json_t **out, const struct osr_conn_alias *a, struct osr_strv *refs,
                            struct osr_strv *missing, struct osr_strv *secret_values);

/* Like resolve, but fails (-OSR_EINVAL, message naming the variable and field) when a
 * reference is unresolved. */
int osr_connections_resolve_strict(json_t **out, const struct osr_conn_alias *a,
                                   struct osr_strv *secret_values);

#endif
