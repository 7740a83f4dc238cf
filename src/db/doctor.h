/*
 * doctor.h - a real health check of one connection alias.
 */
#ifndef OSR_DB_DOCTOR_H
#define OSR_DB_DOCTOR_H

#include "core/connections.h"

/* Resolves the alias, connects with its timeouts, runs the family's check query (and the
 * REST health check for supabase) and returns {"status","latency_ms","category","message"}
 * (new reference). The message is redacted. */
json_t *osr_doctor_check(const struct osr_conn_alias *a, const char *base_path);

#endif
