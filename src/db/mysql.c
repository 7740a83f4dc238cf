/*
 * mysql.c - the MySQL / MariaDB connector (MariaDB Connector/C, loaded on first use).
 *
 * Discovery sessions run SET SESSION TRANSACTION READ ONLY, so every statement of the
 * session is refused writes by the server; the statement timeout is max_statement_time
 * (MariaDB) or max_execution_time (MySQL). The catalog comes from information_schema in
 * three queries for the whole database.
 *
 * Pipeline steps (mysql.h) stream query results unbuffered and load rows with LOAD DATA
 * LOCAL INFILE through this file's handler, which never opens a file: a server that asks
 * for one outside a load gets a refusal.
 */
/* mysql.h defines macros that use strcpy: it must come before compat.h poisons it. */
#include "db/my_api.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "db/db.h"
#include "db/mysql.h"
#include "db/values.h"

#include <math.h>

struct my {
    struct osr_db base;
    const struct osr_my_api *api;
    MYSQL *conn;
    char *database;
    osr_db_my_feed_fn feed; /* the running load's rows, NULL outside osr_db_my_load */
    void *feed_payload;
    bool feed_failed;
};

static enum osr_db_category categorize(unsigned code, const char *msg)
{
    switch (code) {
    case 1045: /* access denied (password) */
    case 1698:
    case 1251:
        return OSR_DB_AUTH;
    case 1044: /* access denied to database */
    case 1142:
    case 1143:
    case 1227:
    case 1792: /* a write in a READ ONLY transaction */
        return OSR_DB_PERMISSION;
    case 1049: /* unknown database */
    case 2026: /* TLS */
    case 2059:
        return OSR_DB_CONFIG;
    case 1969: /* max_statement_time */
    case 3024: /* max_execution_time */
        return OSR_DB_TIMEOUT;
    case 2002:
    case 2003:
    case 2005:
    case 2006:
    case 2013:
        return strstr(msg, "timed out") || strstr(msg, "(110)") || strstr(msg, "timeout")
                   ? OSR_DB_TIMEOUT
                   : OSR_DB_NETWORK;
    default:
        return OSR_DB_UNKNOWN;
    }
}

static int my_fail(struct my *m, struct osr_db_error *e, const char *what)
{
    const char *msg = m->api->error(m->conn);
    return osr_db_fail(e, categorize(m->api->errnum(m->conn), msg), m->base.opts, "%s: %s", what,
                       msg);
}

static int query(struct my *m, const char *sql, MYSQL_RES **res, struct osr_db_error *e,
                 const char *what)
{
    if (m->api->real_query(m->conn, sql, strlen(sql)) != 0)
        return my_fail(m, e, what);
    *res = m->api->store_result(m->conn);
    if (!*res && m->api->errnum(m->conn))
        return my_fail(m, e, what);
    return 0;
}

static void set_timeouts(struct my *m, long long stt)
{
    char sql[96];
    MYSQL_RES *res = NULL;
    struct osr_db_error ignored;

    if (stt < 0)
        stt = 0; /* no limit (pipeline runs) */
    /* MariaDB first; MySQL ignores max_statement_time and has max_execution_time (ms). */
    snprintf(sql, sizeof(sql), "SET SESSION max_statement_time = %lld", stt);
    if (query(m, sql, &res, &ignored, "timeout") < 0) {
        snprintf(sql, sizeof(sql), "SET SESSION max_execution_time = %lld", stt * 1000);
        query(m, sql, &res, &ignored, "timeout");
    }
    if (res)
        m->api->free_result(res);
}

static void apply_options(struct my *m, json_t *cfg, const struct osr_db_opts *o)
{
    unsigned ct = (unsigned)osr_db_cfg_int(cfg, "connect_timeout", o->connect_timeout_s);
    long long stt = osr_db_cfg_int(cfg, "statement_timeout", o->statement_timeout_s);
    unsigned rt = stt < 0 ? 0 : (unsigned)stt + 5; /* 0: wait as long as a statement runs */
    unsigned infile = o->local_infile;
    const char *ca = osr_db_cfg_str(cfg, "ssl_ca"), *cert = osr_db_cfg_str(cfg, "ssl_cert");
    const char *key = osr_db_cfg_str(cfg, "ssl_key");

    m->api->options(m->conn, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    m->api->options(m->conn, MYSQL_OPT_READ_TIMEOUT, &rt);
    m->api->options(m->conn, MYSQL_OPT_WRITE_TIMEOUT, &rt);
    m->api->options(m->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    m->api->options(m->conn, MYSQL_OPT_LOCAL_INFILE, &infile);
    if (ca)
        m->api->options(m->conn, MYSQL_OPT_SSL_CA, ca);
    if (cert)
        m->api->options(m->conn, MYSQL_OPT_SSL_CERT, cert);
    if (key)
        m->api->options(m->conn, MYSQL_OPT_SSL_KEY, key);
    if (ca || cert) {
        my_bool yes = 1;
        m->api->options(m->conn, MYSQL_OPT_SSL_ENFORCE, &yes);
    }
}

/* LOCAL INFILE: the server names a file; the rows of the running load are sent instead,
 * and outside a load nothing is. */
static int infile_init(void **ptr, const char *name, void *userdata)
{
    struct my *m = userdata;

    OSR_UNUSED(name);
    *ptr = m;
    return m->feed ? 0 : 1;
}

static int infile_read(void *ptr, char *buf, unsigned int len)
{
    struct my *m = ptr;
    long n = m->feed(buf, len, m->feed_payload);

    if (n < 0)
        m->feed_failed = true;
    return (int)n;
}

static void infile_end(void *ptr)
{
    OSR_UNUSED(ptr);
}

static int infile_error(void *ptr, char *msg, unsigned int len)
{
    struct my *m = ptr;

    snprintf(msg, len, "%s",
             m->feed ? "the rows could not be sent" : "the server asked for a local file");
    return 2000; /* CR_UNKNOWN_ERROR */
}

static int my_open(osr_db **out, json_t *cfg, const struct osr_db_opts *o, struct osr_db_error *e)
{
    const struct osr_my_api *api = osr_my_api_get();
    struct my *m;
    MYSQL_RES *res = NULL;
    long long port = osr_db_cfg_int(cfg, "port", 3306);

    *out = NULL;
    if (!api)
        return osr_db_fail(e, OSR_DB_CONFIG, o, "%s", osr_error_last());
    m = osr_xcalloc(1, sizeof(*m));
    m->base.ops = &osr_db_mysql_ops;
    m->base.opts = o;
    m->api = api;
    m->conn = api->init(NULL);
    api->set_local_infile_handler(m->conn, infile_init, infile_read, infile_end, infile_error, m);
    apply_options(m, cfg, o);
    if (!api->real_connect(m->conn, osr_db_cfg_str(cfg, "host"), osr_db_cfg_str(cfg, "user"),
                           osr_db_cfg_str(cfg, "password"), osr_db_cfg_str(cfg, "database"),
                           (unsigned)port, osr_db_cfg_str(cfg, "unix_socket"), 0)) {
        int rc = my_fail(m, e, "cannot connect");
        api->close(m->conn);
        free(m);
        return rc;
    }
    m->database =
        osr_xstrdup(osr_db_cfg_str(cfg, "database") ? osr_db_cfg_str(cfg, "database") : "");
    set_timeouts(m, osr_db_cfg_int(cfg, "statement_timeout", o->statement_timeout_s));
    if (o->read_only && query(m, "SET SESSION TRANSACTION READ ONLY", &res, e,
                              "cannot make the session read-only") < 0) {
        int rc = -OSR_ECONN;
        api->close(m->conn);
        free(m->database);
        free(m);
        return rc;
    }
    *out = &m->base;
    return 0;
}

static int my_ping(osr_db *db, struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    MYSQL_RES *res = NULL;
    int rc = query(m, "SELECT 1", &res, e, "the check query failed");

    if (res)
        m->api->free_result(res);
    return rc;
}

/* The database filter: the connection's database, or every non-system one. */
static char *schema_filter(struct my *m, const char *column)
{
    char esc[512];

    if (!*m->database)
        return osr_xasprintf("%s NOT IN ('mysql', 'information_schema', 'performance_schema', "
                             "'sys')",
                             column);
    m->api->real_escape_string(m->conn, esc, m->database,
                               strlen(m->database) < 200 ? strlen(m->database) : 200);
    return osr_xasprintf("%s = '%s'", column, esc);
}

static json_t *cell(MYSQL_ROW row, unsigned long *len, int i)
{
    return row[i] ? json_stringn(row[i], len[i]) : json_null();
}

static int my_list(osr_db *db, json_t **out, struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    char *filter = schema_filter(m, "table_schema");
    char *sql = osr_xasprintf("SELECT table_schema, table_name, table_type FROM "
                              "information_schema.tables WHERE %s ORDER BY 1, 2",
                              filter);
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    int rc = query(m, sql, &res, e, "cannot list tables");

    free(filter);
    free(sql);
    *out = json_array();
    if (rc < 0)
        return rc;
    while ((row = m->api->fetch_row(res))) {
        unsigned long *len = m->api->fetch_lengths(res);
        json_array_append_new(*out, json_pack("{s:o, s:o, s:s}", "schema", cell(row, len, 0),
                                              "name", cell(row, len, 1), "kind",
                                              row[2] && strstr(row[2], "VIEW") ? "view" : "table"));
    }
    m->api->free_result(res);
    return 0;
}

static json_t *find_table(json_t *tables, const char *schema, const char *name)
{
    size_t i;
    json_t *t;

    json_array_foreach(tables, i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "schema")), schema) == 0 &&
            strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
            return t;
    }
    return NULL;
}

static int describe_columns(struct my *m, json_t *tables, struct osr_db_error *e)
{
    char *filter = schema_filter(m, "c.table_schema");
    char *sql = osr_xasprintf(
        "SELECT c.table_schema, c.table_name, c.column_name, c.column_type, c.is_nullable, "
        "c.column_default, k.ordinal_position FROM information_schema.columns c LEFT JOIN "
        "information_schema.key_column_usage k ON k.table_schema = c.table_schema AND "
        "k.table_name = c.table_name AND k.column_name = c.column_name AND k.constraint_name = "
        "'PRIMARY' WHERE %s ORDER BY c.table_schema, c.table_name, c.ordinal_position",
        filter);
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    json_t *t = NULL;
    int rc = query(m, sql, &res, e, "cannot read columns");

    free(filter);
    free(sql);
    if (rc < 0)
        return rc;
    while ((row = m->api->fetch_row(res))) {
        unsigned long *len = m->api->fetch_lengths(res);
        if (!row[0] || !row[1])
            continue;
        if (!t || strcmp(json_string_value(json_object_get(t, "schema")), row[0]) != 0 ||
            strcmp(json_string_value(json_object_get(t, "name")), row[1]) != 0)
            t = find_table(tables, row[0], row[1]);
        if (!t)
            continue;
        json_array_append_new(
            json_object_get(t, "columns"),
            json_pack("{s:o, s:o, s:b, s:o, s:o}", "name", cell(row, len, 2), "type",
                      cell(row, len, 3), "nullable", row[4] && strcmp(row[4], "YES") == 0,
                      "default", cell(row, len, 5), "primary_key",
                      row[6] ? json_integer(strtoll(row[6], NULL, 10)) : json_null()));
    }
    m->api->free_result(res);
    return 0;
}

static int describe_fks(struct my *m, json_t *tables, struct osr_db_error *e)
{
    char *filter = schema_filter(m, "table_schema");
    char *sql = osr_xasprintf(
        "SELECT table_schema, table_name, constraint_name, column_name, "
        "referenced_table_schema, referenced_table_name, referenced_column_name FROM "
        "information_schema.key_column_usage WHERE referenced_table_name IS NOT NULL AND %s "
        "ORDER BY table_schema, table_name, constraint_name, ordinal_position",
        filter);
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    json_t *fk = NULL;
    char last[512] = "";
    int rc = query(m, sql, &res, e, "cannot read foreign keys");

    free(filter);
    free(sql);
    if (rc < 0)
        return rc;
    while ((row = m->api->fetch_row(res))) {
        unsigned long *len = m->api->fetch_lengths(res);
        json_t *t = row[0] && row[1] ? find_table(tables, row[0], row[1]) : NULL;
        char key[512];
        if (!t)
            continue;
        snprintf(key, sizeof(key), "%s.%s.%s", row[0], row[1], row[2] ? row[2] : "");
        if (strcmp(key, last) != 0) {
            snprintf(last, sizeof(last), "%s", key);
            fk = json_pack("{s:[], s:{s:o, s:o, s:[]}}", "columns", "references", "schema",
                           cell(row, len, 4), "table", cell(row, len, 5), "columns");
            json_array_append_new(json_object_get(t, "foreign_keys"), fk);
        }
        json_array_append_new(json_object_get(fk, "columns"), cell(row, len, 3));
        json_array_append_new(json_object_get(json_object_get(fk, "references"), "columns"),
                              cell(row, len, 6));
    }
    m->api->free_result(res);
    return 0;
}

static int my_describe(osr_db *db, json_t *tables, struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    size_t i;
    json_t *t;
    int rc;

    json_array_foreach(tables, i, t)
    {
        json_object_set_new(t, "columns", json_array());
        json_object_set_new(t, "primary_key", json_array());
        json_object_set_new(t, "foreign_keys", json_array());
    }
    if ((rc = describe_columns(m, tables, e)) < 0)
        return rc;
    json_array_foreach(tables, i, t) osr_db_primary_key_from_columns(t);
    return describe_fks(m, tables, e);
}

static char *quote(const char *name)
{
    struct osr_buf b;

    osr_buf_init(&b, OSR_BUF_UNLIMITED);
    osr_db_my_ident(&b, NULL, name);
    return osr_buf_take(&b);
}

static char *qualified(json_t *table)
{
    char *s = quote(json_string_value(json_object_get(table, "schema")));
    char *n = quote(json_string_value(json_object_get(table, "name")));
    char *full = osr_xasprintf("%s.%s", s, n);

    free(s);
    free(n);
    return full;
}

static int my_count(osr_db *db, json_t *table, struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    char *full = qualified(table), *sql = osr_xasprintf("SELECT COUNT(*) FROM %s", full);
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    int rc = query(m, sql, &res, e, "cannot count rows");

    free(full);
    free(sql);
    if (rc < 0)
        return rc;
    row = m->api->fetch_row(res);
    json_object_set_new(table, "row_count",
                        json_integer(row && row[0] ? strtoll(row[0], NULL, 10) : 0));
    json_object_set_new(table, "row_count_exact", json_true());
    m->api->free_result(res);
    return 0;
}

static json_t *my_value(MYSQL_FIELD *f, const char *v, unsigned long len, bool *cut)
{
    json_error_t jerr;
    json_t *j;

    if (!v)
        return json_null();
    switch (f->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
        return json_integer(strtoll(v, NULL, 10));
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        return isfinite(strtod(v, NULL)) ? json_real(strtod(v, NULL)) : json_string(v);
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        return strlen(v) > 16 ? json_string(v) : json_real(strtod(v, NULL));
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP: {
        char buf[64];
        snprintf(buf, sizeof(buf), "%s", v);
        if (strlen(buf) > 10 && buf[10] == ' ')
            buf[10] = 'T';
        return json_string(buf);
    }
    case MYSQL_TYPE_BIT:
        return osr_db_bytes_value(v, len, cut);
    case MYSQL_TYPE_JSON:
        if (len <= OSR_DB_VALUE_MAX && (j = json_loadb(v, len, JSON_DECODE_ANY, &jerr)))
            return j;
        return osr_db_text_value(v, len, cut);
    default:
        if (f->charsetnr == 63 && (f->flags & BINARY_FLAG) && f->type != MYSQL_TYPE_ENUM &&
            f->type != MYSQL_TYPE_SET && f->type != MYSQL_TYPE_DATE && f->type != MYSQL_TYPE_TIME)
            return osr_db_bytes_value(v, len, cut);
        return osr_db_text_value(v, len, cut);
    }
}

static int my_sample(osr_db *db, json_t *table, int n, struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    char *full = qualified(table);
    json_t *pk = json_object_get(table, "primary_key"), *c, *rows;
    struct osr_buf sql;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    bool cut = false;
    size_t i;
    int rc;

    osr_buf_init(&sql, OSR_BUF_UNLIMITED);
    osr_buf_printf(&sql, "SELECT * FROM %s", full);
    json_array_foreach(pk, i, c)
    {
        char *q = quote(json_string_value(c));
        osr_buf_printf(&sql, "%s%s", i ? ", " : " ORDER BY ", q);
        free(q);
    }
    osr_buf_printf(&sql, " LIMIT %d", n);
    free(full);
    rc = query(m, sql.ptr, &res, e, "cannot sample rows");
    osr_buf_dispose(&sql);
    if (rc < 0)
        return rc;
    rows = json_array();
    while ((row = m->api->fetch_row(res))) {
        unsigned long *len = m->api->fetch_lengths(res);
        MYSQL_FIELD *f = m->api->fetch_fields(res);
        json_t *obj = json_object();
        for (unsigned k = 0; k < m->api->num_fields(res); k++)
            json_object_set_new(obj, f[k].name, my_value(&f[k], row[k], len[k], &cut));
        osr_db_mask_row(obj);
        json_array_append_new(rows, obj);
    }
    m->api->free_result(res);
    json_object_set_new(table, "samples", rows);
    if (cut)
        json_object_set_new(table, "samples_truncated", json_true());
    return 0;
}

static int my_query(osr_db *db, const char *sql, int (*row)(json_t *, json_t *, void *),
                    void *payload, struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    MYSQL_RES *res = NULL;
    MYSQL_ROW r;
    json_t *cols = json_array();
    bool cut = false;
    int rc = query(m, sql, &res, e, "query failed");

    if (rc < 0 || !res) {
        json_decref(cols);
        return rc;
    }
    for (unsigned k = 0; k < m->api->num_fields(res); k++)
        json_array_append_new(cols, json_string(m->api->fetch_fields(res)[k].name));
    while (row && (r = m->api->fetch_row(res))) {
        unsigned long *len = m->api->fetch_lengths(res);
        MYSQL_FIELD *f = m->api->fetch_fields(res);
        json_t *vals = json_array();
        int stop;
        for (unsigned k = 0; k < m->api->num_fields(res); k++)
            json_array_append_new(vals, my_value(&f[k], r[k], len[k], &cut));
        stop = row(cols, vals, payload);
        json_decref(vals);
        if (stop)
            break;
    }
    m->api->free_result(res);
    json_decref(cols);
    return 0;
}

static void my_close(osr_db *db)
{
    struct my *m = (struct my *)db;

    if (!m)
        return;
    m->api->close(m->conn);
    free(m->database);
    free(m);
}

/* ---- for pipeline steps (mysql.h) ---- */

/* Portable type names (what a writer of another family understands) per wire type. */
static const struct {
    enum enum_field_types type;
    const char *decl, *unsigned_decl;
    enum osr_db_my_kind kind;
} wire_types[] = {
    {MYSQL_TYPE_TINY, "SMALLINT", "SMALLINT", OSR_DB_MY_INT},
    {MYSQL_TYPE_YEAR, "SMALLINT", "SMALLINT", OSR_DB_MY_INT},
    {MYSQL_TYPE_SHORT, "SMALLINT", "INTEGER", OSR_DB_MY_INT},
    {MYSQL_TYPE_INT24, "INTEGER", "INTEGER", OSR_DB_MY_INT},
    {MYSQL_TYPE_LONG, "INTEGER", "BIGINT", OSR_DB_MY_INT},
    {MYSQL_TYPE_LONGLONG, "BIGINT", "NUMERIC(20)", OSR_DB_MY_INT},
    {MYSQL_TYPE_FLOAT, "REAL", "REAL", OSR_DB_MY_REAL},
    {MYSQL_TYPE_DOUBLE, "DOUBLE PRECISION", "DOUBLE PRECISION", OSR_DB_MY_REAL},
    {MYSQL_TYPE_DATE, "DATE", "DATE", OSR_DB_MY_TEXT},
    {MYSQL_TYPE_TIME, "TIME", "TIME", OSR_DB_MY_TEXT},
    {MYSQL_TYPE_DATETIME, "TIMESTAMP", "TIMESTAMP", OSR_DB_MY_DATETIME},
    {MYSQL_TYPE_TIMESTAMP, "TIMESTAMP", "TIMESTAMP", OSR_DB_MY_DATETIME},
    {MYSQL_TYPE_BIT, "BLOB", "BLOB", OSR_DB_MY_BLOB},
    {MYSQL_TYPE_GEOMETRY, "BLOB", "BLOB", OSR_DB_MY_BLOB},
    {MYSQL_TYPE_JSON, "JSON", "JSON", OSR_DB_MY_TEXT},
    {MYSQL_TYPE_NULL, "TEXT", "TEXT", OSR_DB_MY_TEXT},
};

static void describe_field(const MYSQL_FIELD *f, struct osr_db_my_col *c)
{
    bool uns = f->flags & UNSIGNED_FLAG;

    c->name = f->name;
    for (size_t i = 0; i < OSR_ARRAY_LEN(wire_types); i++) {
        if (wire_types[i].type == f->type) {
            snprintf(c->decl, sizeof(c->decl), "%s",
                     uns ? wire_types[i].unsigned_decl : wire_types[i].decl);
            c->kind = wire_types[i].kind;
            return;
        }
    }
    if (f->type == MYSQL_TYPE_DECIMAL || f->type == MYSQL_TYPE_NEWDECIMAL) {
        /* the display length counts the sign and the decimal point */
        unsigned long prec = f->length - (f->decimals > 0) - !uns;
        snprintf(c->decl, sizeof(c->decl), "NUMERIC(%lu,%u)", prec, f->decimals);
        c->kind = OSR_DB_MY_TEXT;
        return;
    }
    c->kind = f->charsetnr == 63 ? OSR_DB_MY_BLOB : OSR_DB_MY_TEXT; /* 63: binary */
    snprintf(c->decl, sizeof(c->decl), "%s", c->kind == OSR_DB_MY_BLOB ? "BLOB" : "TEXT");
}

int osr_db_my_exec(osr_db *db, const char *sql, struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    MYSQL_RES *res = NULL;
    int rc = query(m, sql, &res, e, "the statement failed");

    if (res)
        m->api->free_result(res);
    return rc;
}

int osr_db_my_rows(osr_db *db, const char *sql,
                   int (*row)(char **values, const unsigned long *lens, void *payload),
                   void *payload, struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    MYSQL_RES *res = NULL;
    MYSQL_ROW r;
    int rc = query(m, sql, &res, e, "the query failed");

    if (rc < 0 || !res)
        return rc;
    while ((r = m->api->fetch_row(res)) && row(r, m->api->fetch_lengths(res), payload) == 0)
        ;
    m->api->free_result(res);
    return 0;
}

int osr_db_my_stream(osr_db *db, const char *sql, const struct osr_db_my_reader *r,
                     struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    struct osr_db_my_col *cols;
    MYSQL_RES *res;
    MYSQL_ROW row;
    unsigned n;
    int rc;

    /* A slow consumer (a writer) may keep the server waiting longer than its default. */
    if ((rc = osr_db_my_exec(db, "SET SESSION time_zone = '+00:00', net_write_timeout = 3600", e)) <
            0 ||
        (rc = osr_db_my_exec(db, "START TRANSACTION WITH CONSISTENT SNAPSHOT", e)) < 0)
        return rc;
    if (m->api->real_query(m->conn, sql, strlen(sql)) != 0)
        return my_fail(m, e, "the query failed");
    if (!(res = m->api->use_result(m->conn)))
        return m->api->errnum(m->conn)
                   ? my_fail(m, e, "the query failed")
                   : osr_db_fail(e, OSR_DB_CONFIG, m->base.opts, "the statement returns no rows");
    n = m->api->num_fields(res);
    cols = osr_xcalloc(n ? n : 1, sizeof(*cols));
    for (unsigned k = 0; k < n; k++)
        describe_field(&m->api->fetch_fields(res)[k], &cols[k]);
    rc = r->columns(cols, n, r->payload) != 0;
    while (rc == 0 && (row = m->api->fetch_row(res)))
        rc = r->row(row, m->api->fetch_lengths(res), r->payload) != 0;
    if (rc == 0 && m->api->errnum(m->conn))
        rc = my_fail(m, e, "reading failed");
    if (rc == 1) /* freeing an unbuffered result would read the rest of it */
        m->api->cancel(m->conn);
    m->api->free_result(res);
    free(cols);
    return rc == 0 ? osr_db_my_exec(db, "COMMIT", e) : rc;
}

/* The first warning of the last statement as the error. */
static int first_warning(struct my *m, struct osr_db_error *e)
{
    unsigned count = m->api->warning_count(m->conn);
    struct osr_db_error ignored;
    MYSQL_RES *res = NULL;
    MYSQL_ROW w = NULL;
    int rc;

    if (query(m, "SHOW WARNINGS LIMIT 1", &res, &ignored, "warnings") == 0 && res)
        w = m->api->fetch_row(res);
    if (w && w[1] && w[2])
        rc = osr_db_fail(e, categorize((unsigned)strtoul(w[1], NULL, 10), w[2]), m->base.opts,
                         "the rows were refused: %s (%u warning%s)", w[2], count,
                         count == 1 ? "" : "s");
    else
        rc = osr_db_fail(e, OSR_DB_UNKNOWN, m->base.opts, "the rows were refused (%u warnings)",
                         count);
    if (res)
        m->api->free_result(res);
    return rc;
}

int osr_db_my_load(osr_db *db, const char *sql, osr_db_my_feed_fn feed, void *payload,
                   uint64_t *rows, struct osr_db_error *e)
{
    struct my *m = (struct my *)db;
    int rc;

    m->feed = feed;
    m->feed_payload = payload;
    m->feed_failed = false;
    rc = m->api->real_query(m->conn, sql, strlen(sql));
    m->feed = NULL;
    if (rc != 0)
        return my_fail(m, e, "loading rows failed");
    if (m->feed_failed)
        return osr_db_fail(e, OSR_DB_UNKNOWN, m->base.opts, "the rows could not be sent");
    *rows = m->api->affected_rows(m->conn);
    return m->api->warning_count(m->conn) > 0 ? first_warning(m, e) : 0;
}

void osr_db_my_ident(struct osr_buf *out, const char *schema, const char *name)
{
    osr_db_quote_ident(out, '`', schema, name);
}

void osr_db_my_literal(struct osr_buf *out, const char *p, size_t len)
{
    osr_buf_putc(out, '\'');
    for (size_t i = 0; i < len; i++) {
        const char *esc = p[i] == '\\'   ? "\\\\"
                          : p[i] == '\'' ? "\\'"
                          : p[i] == '\0' ? "\\0"
                          : p[i] == '\n' ? "\\n"
                          : p[i] == '\r' ? "\\r"
                          : p[i] == 26   ? "\\Z"
                                         : NULL;
        if (esc)
            osr_buf_puts(out, esc);
        else
            osr_buf_putc(out, p[i]);
    }
    osr_buf_putc(out, '\'');
}

const struct osr_db_ops osr_db_mysql_ops = {
    .family = "mysql",
    .open = my_open,
    .ping = my_ping,
    .list_tables = my_list,
    .describe = my_describe,
    .count = my_count,
    .sample = my_sample,
    .query = my_query,
    .close = my_close,
};

struct osr_db_my_canceller {
    json_t *cfg;
    const struct osr_db_opts *opts;
    unsigned long thread_id;
};

struct osr_db_my_canceller *osr_db_my_canceller_new(osr_db *db, json_t *cfg)
{
    struct my *m = (struct my *)db;
    struct osr_db_my_canceller *c = osr_xcalloc(1, sizeof(*c));

    *c = (struct osr_db_my_canceller){cfg, m->base.opts, m->api->thread_id(m->conn)};
    return c;
}

void osr_db_my_canceller_send(struct osr_db_my_canceller *c)
{
    struct osr_db_opts opts = *c->opts;
    struct osr_db_error e;
    osr_db *db = NULL;
    char sql[48];

    opts.read_only = false; /* KILL is refused in a read-only transaction on some servers */
    if (my_open(&db, c->cfg, &opts, &e) < 0)
        return; /* the statement then stops at its next row */
    snprintf(sql, sizeof(sql), "KILL QUERY %lu", c->thread_id);
    osr_db_my_exec(db, sql, &e);
    my_close(db);
}

void osr_db_my_canceller_free(struct osr_db_my_canceller *c)
{
    free(c);
}
