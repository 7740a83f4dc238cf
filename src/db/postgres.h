/*
 * postgres.h - the PostgreSQL connector's parts that the Supabase connector reuses.
 */
#ifndef OSR_DB_POSTGRES_H
#define OSR_DB_POSTGRES_H

#include "db/db.h"

/* Opens a PostgreSQL session from the fields host/port/database/user/password/ssl* or dsn;
 * the handle reports `ops` as its connector. */
int osr_db_pg_open(osr_db **out, json_t *cfg, const struct osr_db_opts *o,
                   const struct osr_db_ops *ops, struct osr_db_error *e);
int osr_db_pg_ping(osr_db *db, struct osr_db_error *e);
int osr_db_pg_list(osr_db *db, json_t **out, struct osr_db_error *e);
int osr_db_pg_describe(osr_db *db, json_t *tables, struct osr_db_error *e);
int osr_db_pg_count(osr_db *db, json_t *table, struct osr_db_error *e);
int osr_db_pg_sample(osr_db *db, json_t *table, int n, struct osr_db_error *e);
int osr_db_pg_inspect(osr_db *db, json_t **tables, size_t n, int samples, struct osr_db_error *e);
int osr_db_pg_query(osr_db *db, const char *sql, int (*row)(json_t *, json_t *, void *),
                    void *payload, struct osr_db_error *e);
void osr_db_pg_close(osr_db *db);

/* A PostgreSQL session on a Supabase connection's Postgres endpoint (pg_dsn, or the host
 * fields), for the osr_db_pg_* functions below; closed by its ops->close (supabase.c). */
int osr_db_supabase_pg_open(osr_db **out, json_t *cfg, const struct osr_db_opts *o,
                            struct osr_db_error *e);

/* A chunk of a streamed result: nrows x ncols values in PostgreSQL's text form, with the
 * columns' names and type oids. value() gives NULL for an SQL null. */
struct osr_db_chunk {
    size_t nrows, ncols;
    bool shortest_floats; /* float texts are the shortest that read back exactly */
    const char *(*name)(const struct osr_db_chunk *c, size_t col);
    unsigned (*type)(const struct osr_db_chunk *c, size_t col);
    const char *(*value)(const struct osr_db_chunk *c, size_t row, size_t col, size_t *len);
    void *impl;
};
typedef int (*osr_db_chunk_fn)(const struct osr_db_chunk *c, void *payload);

/* One statement without result rows (BEGIN, CREATE TABLE, ...); -OSR_ECONN with `e`. */
int osr_db_pg_exec(osr_db *db, const char *sql, struct osr_db_error *e);
/* Whether table `schema`.`table` (schema NULL: the search path) exists. */
int osr_db_pg_table_exists(osr_db *db, const char *schema, const char *table, bool *exists,
                           struct osr_db_error *e);
/* `name` as a quoted identifier (owned). */
char *osr_db_pg_ident(osr_db *db, const char *name);
/* COPY ... FROM STDIN: `sql` starts it, put sends text-format data, end finishes it and
 * reports PostgreSQL's verdict on the rows (a constraint, a type). */
int osr_db_pg_copy_begin(osr_db *db, const char *sql, struct osr_db_error *e);
int osr_db_pg_copy_put(osr_db *db, const char *data, size_t len, struct osr_db_error *e);
int osr_db_pg_copy_end(osr_db *db, struct osr_db_error *e);

/* Runs `sql` (a query) in a read-only transaction, its columns from a LIMIT 0 run and its
 * rows through COPY ... TO STDOUT (text format, decoded here), and hands them to `fn`
 * `fetch_rows` at a time; the first call has no rows (it carries the columns).
 * Returns 0 at the end, 1 when `fn` returned non-zero (the stream is stopped and the
 * transaction rolled back), or -OSR_ECONN with `e` filled. */
int osr_db_pg_stream(osr_db *db, const char *sql, size_t fetch_rows, osr_db_chunk_fn fn,
                     void *payload, struct osr_db_error *e);

struct osr_db_pg_canceller;
/* A request to cancel whatever statement runs on `db`, made in the thread that uses `db`;
 * any thread may then send it (PQcancel), while the statement runs. NULL when libpq cannot
 * make one. */
struct osr_db_pg_canceller *osr_db_pg_canceller_new(osr_db *db);
void osr_db_pg_canceller_send(struct osr_db_pg_canceller *c);
void osr_db_pg_canceller_free(struct osr_db_pg_canceller *c);

#endif
