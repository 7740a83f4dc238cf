/*
 * base64.h - standard base64 (RFC 4648, with padding).
 */
#ifndef OSR_BASE64_H
#define OSR_BASE64_H

#include "core/compat.h"

/* Encodes n bytes (owned result). */
char *osr_base64_encode(const void *data, size_t n);

#endif
