/*
 * registry.h - component specs: components/<name>/spec.yaml.
 *
 * The registry root is found next to the executable (`components/` beside it, or
 * `../share/osiris/components` for an installed binary) unless OSIRIS_COMPONENTS_DIR names
 * another directory. Every spec is checked against the rules of the spec format (required
 * keys, modes, capabilities, JSON pointers, connection fields, examples that validate); a
 * broken spec is reported with file:line:column, never skipped silently.
 */
#ifndef OSR_REGISTRY_H
#define OSR_REGISTRY_H

#include "core/diag.h"
#include "core/strv.h"
#include "core/yaml.h"

#include <jansson.h>

struct osr_component {
    char *name;
    char *file;
    json_t *spec;                    /* the whole spec as JSON */
    struct osr_strv modes;           /* as written in the spec */
    struct osr_strv secret_pointers; /* union of `secrets` and `x-secret`, in order */
};

struct osr_registry {
    char *root;
    struct osr_component *v;
    size_t n, cap;
    size_t broken; /* specs that failed to load or validate (reported in diags) */
};

/* The components directory to use (owned), or NULL when none is found. */
char *osr_registry_default_root(void);
/* Loads the specs under `root` (all of them, or those whose name starts with `prefix`).
 * Broken specs are reported in `diags` and left out. Returns a negative code only when
 * the root cannot be read. */
int osr_registry_load(struct osr_registry *r, const char *root, const char *prefix,
                      struct osr_diags *diags);
void osr_registry_dispose(struct osr_registry *r);
const struct osr_component *osr_registry_find(const struct osr_registry *r, const char *name);
/* Adds the last segment of every secret pointer of the components of `family`. */
void osr_registry_secret_names(const struct osr_registry *r, const char *family,
                               struct osr_strv *out);
/* The component's role from its modes: "extractor", "writer" or "processor". */
const char *osr_component_role(const struct osr_component *c);

#endif
