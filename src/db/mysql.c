/*
 * mysql.c - the MySQL / MariaDB connector (MariaDB Connector/C, loaded on first use).
 *
 * Discovery sessions run SET SESSION TRANSACTION READ ONLY, so every statement of the
 * session is refused writes by the server; the statement timeout is max_statement_time
 * (MariaDB) or max_execution_time (MySQL). The catalog comes from information_schema in
 * three queries for the whole database.
 */
/* mysql.h defines macros that use strcpy: it must come before compat.h poisons it. */
#include "db/my_api.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "db/db.h"
#include "db/values.h"

#include <math.h>

struct my {
    struct osr_db base;
    const struct osr_my_api *api;
    MYSQL *conn;
    char *database;
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
    unsigned rt = (unsigned)osr_db_cfg_int(cfg, "statement_timeout", o->statement_timeout_s) + 5;
    const char *ca = osr_db_cfg_str(cfg, "ssl_ca"), *cert = osr_db_cfg_str(cfg, "ssl_cert");
    const char *key = osr_db_cfg_str(cfg, "ssl_key");

    m->api->options(m->conn, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    m->api->options(m->conn, MYSQL_OPT_READ_TIMEOUT, &rt);
    m->api->options(m->conn, MYSQL_OPT_WRITE_TIMEOUT, &rt);
    m->api->options(m->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
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
    osr_buf_putc(&b, '`');
    for (; *name; name++) {
        if (*name == '`')
            osr_buf_putc(&b, '`');
        osr_buf_putc(&b, *name);
    }
    osr_buf_putc(&b, '`');
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
