/*
 * mask.h - the one masking module every output path uses.
 *
 * Three rules, applied together:
 *  - a value whose key is secret-like (password, token, key, secret, credential, ...; but
 *    not primary_key and its relatives) or is named by a spec's `secrets`/`x-secret`
 *    pointer is replaced by ***MASKED***;
 *  - userinfo inside any DSN or URL (`postgres://u:p@h`) and `password=` pairs inside
 *    libpq-style connection strings lose their password;
 *  - free text (error messages, stderr tails) loses `name=value` / `name: value` pairs
 *    whose name is secret-like, URL userinfo, bearer tokens, and every occurrence of the
 *    resolved secret values it is given.
 * An unresolved `${VAR}` reference holds no secret and is shown as written.
 */
#ifndef OSR_MASK_H
#define OSR_MASK_H

#include "core/strv.h"

#include <jansson.h>

#define OSR_MASKED "***MASKED***"
/* Secret values shorter than this are not searched for in free text. */
#define OSR_MASK_MIN_SECRET_LEN 3

bool osr_mask_is_secret_name(const char *name);
/* True for a value that is one whole unresolved reference, "${VAR}" (nothing to mask). */
bool osr_mask_is_reference(const char *s);
/* Masks URL userinfo passwords and conninfo `password=` values. Owned result; *changed is
 * set when something was masked (may be NULL). */
char *osr_mask_dsn(const char *s, bool *changed);
/* Masks a JSON document in place. `extra_names` are additional secret key names (from
 * spec pointers), may be NULL. Nested objects and arrays are walked. */
void osr_mask_json(json_t *value, const struct osr_strv *extra_names);
/* Masks the value at a JSON pointer ("/a/b/0") if present. */
void osr_mask_pointer(json_t *root, const char *pointer);
/* Redacts free text (owned result); `secrets` are resolved secret values (may be NULL). */
char *osr_redact_text(const char *text, const struct osr_strv *secrets);

#endif
