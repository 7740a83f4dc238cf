/*
 * jsonschema.h - JSON Schema validation for the subset of keywords our schemas use.
 *
 * Supported: type (one or a list), enum, const, properties, required,
 * additionalProperties (boolean or schema), patternProperties is not, items (one schema),
 * minItems, maxItems, uniqueItems, minLength, maxLength, pattern (POSIX extended syntax,
 * which covers the anchors, classes and groups our schemas use), minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, multipleOf, allOf, anyOf, oneOf, not, and local
 * references (#/$defs/... and #/definitions/...). Unknown keywords are ignored, as the
 * specification asks. Lengths count Unicode code points.
 */
#ifndef OSR_JSONSCHEMA_H
#define OSR_JSONSCHEMA_H

#include "core/strv.h"

#include <jansson.h>

/* Validates `instance` against `schema`. Each problem is appended to `errors` (may be NULL)
 * as "<path>: <problem>", with the path written like `arguments.samples` or `steps[2]`
 * starting from `root_name`. Returns the number of problems (0 = valid). */
int osr_jsonschema_validate(const json_t *schema, const json_t *instance, const char *root_name,
                            struct osr_strv *errors);

#endif
