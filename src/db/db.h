/*
 * db.h - the connector interface: one small vtable, one file per database family.
 *
 * A connector is opened with a resolved connection (the alias's fields with ${VAR}
 * substituted) and timeouts, and answers the questions discovery and the doctor ask:
 * ping, list tables, describe them from the catalog in one round trip, count and sample
 * rows. Sessions opened for discovery are read-only by construction: the engine itself
 * refuses writes (PostgreSQL default_transaction_read_only, MariaDB START TRANSACTION
 * READ ONLY, SQLite SQLITE_OPEN_READONLY and PRAGMA query_only).
 *
 * Every failure carries a category and a message that has been through the redaction of
 * mask.h with the connection's secret values, so it can be shown as it is.
 */
#ifndef OSR_DB_H
#define OSR_DB_H

#include "core/buf.h"
#include "core/strv.h"

#include <jansson.h>

typedef struct osr_db osr_db;

enum osr_db_category {
    OSR_DB_OK,
    OSR_DB_AUTH,
    OSR_DB_NETWORK,
    OSR_DB_TIMEOUT,
    OSR_DB_CONFIG,
    OSR_DB_PERMISSION,
    OSR_DB_UNKNOWN,
};

struct osr_db_error {
    enum osr_db_category category;
    char message[512];
};

struct osr_db_opts {
    int connect_timeout_s;   /* default 5 */
    int statement_timeout_s; /* default 30; negative: no limit (pipeline runs) */
    bool read_only;
    const char *base_path;                /* relative sqlite paths and CSV dirs */
    const struct osr_strv *secret_values; /* for redacting messages */
    bool local_infile; /* MariaDB: offer LOAD DATA LOCAL INFILE (fed by osr_db_my_load only) */
};

struct osr_db_ops {
    const char *family;
    int (*open)(osr_db **out, json_t *cfg, const struct osr_db_opts *o, struct osr_db_error *e);
    int (*ping)(osr_db *db, struct osr_db_error *e);
    /* [{"schema","name","kind":"table"|"view"}] in a stable order (new reference). */
    int (*list_tables)(osr_db *db, json_t **out, struct osr_db_error *e);
    /* Adds "columns", "primary_key" and "foreign_keys" to each table object of `tables`. */
    int (*describe)(osr_db *db, json_t *tables, struct osr_db_error *e);
    /* Adds "row_count" and "row_count_exact" to a table object. */
    int (*count)(osr_db *db, json_t *table, struct osr_db_error *e);
    /* Adds "samples": up to n rows as objects, ordered by primary key when there is one. */
    int (*sample)(osr_db *db, json_t *table, int n, struct osr_db_error *e);
    /* Optional: counts and samples many tables at once (fewer round trips). Each table
     * object gets what count and sample would add, or an "error" object. NULL when the
     * connector has no batch path. */
    int (*inspect)(osr_db *db, json_t **tables, size_t n, int samples, struct osr_db_error *e);
    /* Runs one statement and hands its rows to `row` (columns: array of names; values:
     * array of typed JSON values, both borrowed for the call). A non-zero return from
     * `row` stops the query. NULL `row` runs a statement that returns nothing. */
    int (*query)(osr_db *db, const char *sql,
                 int (*row)(json_t *columns, json_t *values, void *payload), void *payload,
                 struct osr_db_error *e);
    void (*close)(osr_db *db);
};

/* The connector of a family (postgresql is postgres), or NULL. */
const struct osr_db_ops *osr_db_ops_get(const char *family);
const char *osr_db_category_name(enum osr_db_category c);
/* Fills `e` with a redacted message. Returns -OSR_ECONN for use in return statements. */
int osr_db_fail(struct osr_db_error *e, enum osr_db_category c, const struct osr_db_opts *o,
                const char *fmt, ...) OSR_PRINTF(4, 5);
/* Integer field of a resolved config, or `dflt`. */
long long osr_db_cfg_int(json_t *cfg, const char *key, long long dflt);
/* Appends `name` between `quote` characters (each inside doubled), after `schema` and a
 * dot when schema is not NULL: "schema"."name" for SQL, `schema`.`name` for MariaDB. */
void osr_db_quote_ident(struct osr_buf *out, char quote, const char *schema, const char *name);
/* String field of a resolved config (borrowed), or NULL. */
const char *osr_db_cfg_str(json_t *cfg, const char *key);

/* Sets a table's "primary_key" to its key columns in key order, from the "primary_key"
 * positions of its "columns". */
void osr_db_primary_key_from_columns(json_t *table);

/* Records a failure on a table as {"error":{"category","message"}}; the first failure of a
 * table is the one kept. */
void osr_db_table_error(json_t *table, const struct osr_db_error *e);

/* Each connector's handle begins with this header. */
struct osr_db {
    const struct osr_db_ops *ops;
    const struct osr_db_opts *opts;
};

extern const struct osr_db_ops osr_db_sqlite_ops;
extern const struct osr_db_ops osr_db_postgres_ops;
extern const struct osr_db_ops osr_db_mysql_ops;
extern const struct osr_db_ops osr_db_supabase_ops;
extern const struct osr_db_ops osr_db_filesystem_ops;

#endif
