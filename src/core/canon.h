/*
 * canon.h - canonical JSON and YAML: the same value always gives the same bytes.
 *
 * Keys are sorted, there is no insignificant whitespace in JSON, numbers use one fixed
 * format (integers as integers, reals with 17 significant digits, shortest form first),
 * strings are UTF-8 with only the required escapes. The YAML form is block style with
 * every string double-quoted, so it parses back to the same value with any YAML 1.2 reader.
 */
#ifndef OSR_CANON_H
#define OSR_CANON_H

#include "core/compat.h"

#include <jansson.h>

/* Canonical JSON text (owned, no trailing newline). */
char *osr_canon_json(const json_t *v);
/* Canonical YAML document (owned), starting with "---\n" and ending with a newline. */
char *osr_canon_yaml(const json_t *v);
/* "sha256:<hex>" of the canonical JSON of v (owned). */
char *osr_canon_fingerprint(const json_t *v);

#endif
