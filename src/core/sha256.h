/*
 * sha256.h - SHA-256 (FIPS 180-4), for fingerprints, cache ids and the audit hash chain.
 *
 * Our own small implementation: it keeps libcrypto (and its start-up cost) out of the
 * commands that only need a digest, and it is checked against the standard test vectors.
 */
#ifndef OSR_SHA256_H
#define OSR_SHA256_H

#include "core/compat.h"

struct osr_sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char block[64];
    size_t used;
};

void osr_sha256_init(struct osr_sha256 *c);
void osr_sha256_update(struct osr_sha256 *c, const void *data, size_t n);
void osr_sha256_final(struct osr_sha256 *c, unsigned char out[32]);
/* Hex digest of data (65 bytes with the NUL). */
void osr_sha256_hex(const void *data, size_t n, char out[65]);

#endif
