/*
 * pii.h - removing personal data from free text before it is stored (memory capture).
 *
 * Replaced, in this order: e-mail addresses ([EMAIL]), IBANs ([IBAN]), payment card numbers
 * (13-19 digits, spaces or dashes between groups, valid Luhn checksum: [CARD]), IPv4 and
 * IPv6 addresses ([IP]) and telephone numbers (9 to 15 digits, optionally after a +, with
 * spaces, dots, dashes or parentheses between: [PHONE]), each only where it is not part of a
 * longer word or number; then what osr_redact_text
 * removes (URL and DSN passwords, `password=...` pairs).
 */
#ifndef OSR_PII_H
#define OSR_PII_H

#include "core/compat.h"

#include <jansson.h>

/* The redacted text (owned); *count (may be NULL) is increased by the replacements. */
char *osr_pii_redact(const char *text, size_t *count);
/* Redacts every string of `v` in place and masks values under secret-like keys; returns
 * the number of replacements. */
size_t osr_pii_redact_json(json_t *v);

#endif
