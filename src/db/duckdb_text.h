/*
 * duckdb_text.h - DuckDB values that have no cell type of their own, as DuckDB prints them.
 *
 * Each function appends the text DuckDB's CAST(... AS VARCHAR) gives for a value as it is
 * stored in a result chunk (dates, times and timestamps as counts since the epoch or
 * midnight, intervals as three fields, UUIDs and 128-bit integers as two 64-bit halves),
 * so a value reads the same in an Osiris batch as in DuckDB. Timestamps with time zone
 * are printed in UTC, as the processor sets DuckDB's TimeZone.
 */
#ifndef OSR_DB_DUCKDB_TEXT_H
#define OSR_DB_DUCKDB_TEXT_H

#include "core/buf.h"

__extension__ typedef __int128 osr_i128;
__extension__ typedef unsigned __int128 osr_u128;

/* Days since 1970-01-01: YYYY-MM-DD, "(BC)" after years before 1, or (-)infinity. */
void osr_duckdb_put_date(struct osr_buf *out, int32_t days);
/* A time of day in units of 10^-digits seconds: HH:MM:SS[.fraction without trailing 0s]. */
void osr_duckdb_put_time(struct osr_buf *out, int64_t v, int digits);
/* A TIME WITH TIME ZONE's 64 bits: the time, then +HH[:MM[:SS]]. */
void osr_duckdb_put_time_tz(struct osr_buf *out, uint64_t bits);
/* A timestamp in units of 10^-digits seconds since the epoch; `utc` adds "+00". */
void osr_duckdb_put_timestamp(struct osr_buf *out, int64_t v, int digits, bool utc);
/* An interval: "1 year 2 months 3 days 04:05:06.5", "00:00:00" when empty. */
void osr_duckdb_put_interval(struct osr_buf *out, int32_t months, int32_t days, int64_t micros);
/* A UUID stored as a hugeint (its top bit flipped): 8-4-4-4-12 lowercase hex. */
void osr_duckdb_put_uuid(struct osr_buf *out, uint64_t lower, int64_t upper);
/* An exact decimal `v` * 10^-scale (a plain integer when scale is 0). */
void osr_duckdb_put_decimal(struct osr_buf *out, osr_i128 v, unsigned scale);
void osr_duckdb_put_u128(struct osr_buf *out, osr_u128 v);

#endif
