/*
 * oml.h - OML v0.1.0 documents: parsing with positions and validation.
 *
 * Parsing uses the project's YAML loader with the OML allowances (unquoted "@family.alias"
 * values) and the OML limits (document size, nesting, nodes, alias expansion). Validation
 * applies every rule of the language plus what a pipeline needs to run: a dependency graph
 * without cycles, config values that satisfy the component's configSchema, exactly one of
 * query/table for extractors, write modes per writer, no inline secrets, connection
 * references that exist (when the workspace's connections are known) and parameters that
 * are declared. Every diagnostic has a stable code, a type, a message, a path such as
 * steps[2].config.query, and a line and column; they come out in document order.
 */
#ifndef OSR_OML_H
#define OSR_OML_H

#include "core/connections.h"
#include "core/diag.h"
#include "core/registry.h"
#include "core/yaml.h"

#define OSR_OML_VERSION "0.1.0"

/* Limits for OML documents (the payload limit is applied by callers before this). */
extern const struct osr_yaml_limits osr_oml_limits;

struct osr_oml_ctx {
    const struct osr_registry *registry; /* component specs (required) */
    const struct osr_connections *conns; /* workspace connections, or NULL to skip checks */
    const char *file;                    /* name used in diagnostics (may be NULL) */
};

/* Parses `text`; a syntax or limit error becomes one diagnostic (OML041/OML042) and *root is
 * NULL. Returns 0 or a negative code. */
int osr_oml_parse(struct osr_ynode **root, const char *text, size_t len,
                  const struct osr_oml_ctx *ctx, struct osr_diags *diags);

/* Validates a parsed document; appends diagnostics (sorted into document order). */
void osr_oml_validate(const struct osr_ynode *root, const struct osr_oml_ctx *ctx,
                      struct osr_diags *diags);

/* Parse + validate; returns {"valid","diagnostics":[...],"summary":{...}} (new ref). When
 * `strict` is set, warnings count as errors for "valid". */
json_t *osr_oml_check_text(const char *text, size_t len, const struct osr_oml_ctx *ctx,
                           bool strict);

#endif
