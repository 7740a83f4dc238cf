/*
 * values.h - turning database values into JSON for discovery samples.
 *
 * Strings longer than the cap are cut (the caller learns it through *cut), text that is
 * not valid UTF-8 and binary values become base64, and every value of a column whose name
 * is secret-like is replaced by ***MASKED***.
 */
#ifndef OSR_DB_VALUES_H
#define OSR_DB_VALUES_H

#include "core/compat.h"

#include <jansson.h>

/* Longest string value kept in a sample, in bytes. */
#define OSR_DB_VALUE_MAX 4096

/* A text value (len bytes) as JSON; invalid UTF-8 is base64 with a "base64:" prefix. */
json_t *osr_db_text_value(const char *s, size_t len, bool *cut);
/* Bytes as {"base64": "..."} (cut to the cap). */
json_t *osr_db_bytes_value(const void *p, size_t len, bool *cut);
/* Applies the secret-name rule to a finished sample row in place. */
void osr_db_mask_row(json_t *row);

#endif
