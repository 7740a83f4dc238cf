/*
 * duckdb_api.h - the DuckDB C API functions Osiris uses, loaded at run time.
 *
 * DuckDB is neither linked nor needed to build: the library is opened on first use from
 * the OSIRIS_DUCKDB_LIBRARY environment variable (a path to libduckdb.so; the workspace .env
 * may set it), else as libduckdb.so on the loader path. The types below are our own
 * declarations of the few parts of DuckDB's C API we use (its 1.x ABI): opaque handles,
 * the result struct (passed by value to duckdb_fetch_chunk, so its size matters) and the
 * string and hugeint layouts of vector data. The library's version is checked before any
 * of its functions is called, and a library of another major version is refused.
 */
#ifndef OSR_DB_DUCKDB_API_H
#define OSR_DB_DUCKDB_API_H

#include "core/compat.h"

typedef uint64_t osr_duck_idx;
typedef struct osr_duck_db osr_duck_db;
typedef struct osr_duck_conn osr_duck_conn;
typedef struct osr_duck_appender osr_duck_appender;
typedef struct osr_duck_stmts osr_duck_stmts;
typedef struct osr_duck_prepared osr_duck_prepared;
typedef struct osr_duck_ltype osr_duck_ltype;
typedef struct osr_duck_chunk osr_duck_chunk;
typedef struct osr_duck_vector osr_duck_vector;

/* duckdb_state */
enum { OSR_DUCK_OK = 0, OSR_DUCK_ERROR = 1 };

/* duckdb_type: the type ids we tell apart. */
enum osr_duck_type {
    OSR_DUCK_INVALID = 0,
    OSR_DUCK_BOOLEAN = 1,
    OSR_DUCK_TINYINT = 2,
    OSR_DUCK_SMALLINT = 3,
    OSR_DUCK_INTEGER = 4,
    OSR_DUCK_BIGINT = 5,
    OSR_DUCK_UTINYINT = 6,
    OSR_DUCK_USMALLINT = 7,
    OSR_DUCK_UINTEGER = 8,
    OSR_DUCK_UBIGINT = 9,
    OSR_DUCK_FLOAT = 10,
    OSR_DUCK_DOUBLE = 11,
    OSR_DUCK_TIMESTAMP = 12,
    OSR_DUCK_DATE = 13,
    OSR_DUCK_TIME = 14,
    OSR_DUCK_INTERVAL = 15,
    OSR_DUCK_HUGEINT = 16,
    OSR_DUCK_VARCHAR = 17,
    OSR_DUCK_BLOB = 18,
    OSR_DUCK_DECIMAL = 19,
    OSR_DUCK_TIMESTAMP_S = 20,
    OSR_DUCK_TIMESTAMP_MS = 21,
    OSR_DUCK_TIMESTAMP_NS = 22,
    OSR_DUCK_ENUM = 23,
    OSR_DUCK_LIST = 24,
    OSR_DUCK_STRUCT = 25,
    OSR_DUCK_MAP = 26,
    OSR_DUCK_UUID = 27,
    OSR_DUCK_UNION = 28,
    OSR_DUCK_BIT = 29,
    OSR_DUCK_TIME_TZ = 30,
    OSR_DUCK_TIMESTAMP_TZ = 31,
    OSR_DUCK_UHUGEINT = 32,
    OSR_DUCK_ARRAY = 33,
    OSR_DUCK_ANY = 34,
    OSR_DUCK_BIGNUM = 35,
    OSR_DUCK_SQLNULL = 36,
    OSR_DUCK_TIME_NS = 39,
};

/* duckdb_result: the caller's struct, filled by a query and freed by destroy_result. */
struct osr_duck_result {
    osr_duck_idx deprecated_counts[3];
    void *deprecated_columns;
    char *deprecated_error;
    void *internal_data;
};

/* duckdb_string_t: up to 12 bytes inline, else a pointer (with a 4-byte prefix copy). */
struct osr_duck_string {
    union {
        struct {
            uint32_t len;
            char prefix[4];
            char *ptr;
        } pointer;
        struct {
            uint32_t len;
            char data[12];
        } inlined;
    } v;
};

/* duckdb_hugeint / duckdb_uhugeint: two's complement 128 bits, low half first. */
struct osr_duck_hugeint {
    uint64_t lower;
    int64_t upper;
};

struct osr_duckdb_api {
    const char *(*library_version)(void);
    int (*open)(const char *path, osr_duck_db **out);
    void (*close)(osr_duck_db **db);
    int (*connect)(osr_duck_db *db, osr_duck_conn **out);
    void (*disconnect)(osr_duck_conn **conn);
    void (*interrupt)(osr_duck_conn *conn); /* the connection's running query stops */
    int (*query)(osr_duck_conn *conn, const char *sql, struct osr_duck_result *out);
    void (*destroy_result)(struct osr_duck_result *res);
    const char *(*result_error)(struct osr_duck_result *res);
    void (*free)(void *p);
    /* Statements of a query, prepared one at a time. */
    osr_duck_idx (*extract_statements)(osr_duck_conn *conn, const char *sql, osr_duck_stmts **out);
    const char *(*extract_statements_error)(osr_duck_stmts *stmts);
    int (*prepare_extracted_statement)(osr_duck_conn *conn, osr_duck_stmts *stmts,
                                       osr_duck_idx index, osr_duck_prepared **out);
    void (*destroy_extracted)(osr_duck_stmts **stmts);
    const char *(*prepare_error)(osr_duck_prepared *p);
    int (*execute_prepared)(osr_duck_prepared *p, struct osr_duck_result *out);
    void (*destroy_prepare)(osr_duck_prepared **p);
    osr_duck_idx (*prepared_statement_column_count)(osr_duck_prepared *p);
    char *(*prepared_statement_column_name)(osr_duck_prepared *p, osr_duck_idx col); /* free */
    osr_duck_ltype *(*prepared_statement_column_logical_type)(osr_duck_prepared *p,
                                                              osr_duck_idx col);
    /* Columns of a result and their types. */
    osr_duck_idx (*column_count)(struct osr_duck_result *res);
    const char *(*column_name)(struct osr_duck_result *res, osr_duck_idx col);
    osr_duck_ltype *(*column_logical_type)(struct osr_duck_result *res, osr_duck_idx col);
    int (*get_type_id)(osr_duck_ltype *t);
    uint8_t (*decimal_width)(osr_duck_ltype *t);
    uint8_t (*decimal_scale)(osr_duck_ltype *t);
    int (*decimal_internal_type)(osr_duck_ltype *t);
    int (*enum_internal_type)(osr_duck_ltype *t);
    uint32_t (*enum_dictionary_size)(osr_duck_ltype *t);
    char *(*enum_dictionary_value)(osr_duck_ltype *t, osr_duck_idx index); /* free */
    void (*destroy_logical_type)(osr_duck_ltype **t);
    /* Reading a result chunk by chunk. */
    osr_duck_chunk *(*fetch_chunk)(struct osr_duck_result res);
    osr_duck_idx (*data_chunk_get_size)(osr_duck_chunk *c);
    osr_duck_vector *(*data_chunk_get_vector)(osr_duck_chunk *c, osr_duck_idx col);
    void (*destroy_data_chunk)(osr_duck_chunk **c);
    void *(*vector_get_data)(osr_duck_vector *v);
    uint64_t *(*vector_get_validity)(osr_duck_vector *v);
    /* Loading rows. */
    int (*appender_create)(osr_duck_conn *conn, const char *schema, const char *table,
                           osr_duck_appender **out);
    const char *(*appender_error)(osr_duck_appender *a);
    int (*appender_end_row)(osr_duck_appender *a);
    int (*appender_flush)(osr_duck_appender *a);
    int (*appender_destroy)(osr_duck_appender **a);
    int (*append_null)(osr_duck_appender *a);
    int (*append_int64)(osr_duck_appender *a, int64_t v);
    int (*append_double)(osr_duck_appender *a, double v);
    int (*append_varchar_length)(osr_duck_appender *a, const char *p, osr_duck_idx len);
    int (*append_blob)(osr_duck_appender *a, const void *p, osr_duck_idx len);
};

/* Loads DuckDB once per process. NULL with the last error set (saying what was tried and
 * how to provide the library) when it cannot be loaded or is of a version we do not speak;
 * a later call tries again. */
const struct osr_duckdb_api *osr_duckdb_api_get(void);

#endif
