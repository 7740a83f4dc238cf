/*
 * postgres.c - the PostgreSQL connector (libpq, loaded on first use).
 *
 * Sessions opened for discovery set default_transaction_read_only, so the server itself
 * refuses writes; every session gets the statement timeout, ISO dates and UTC. The catalog
 * is read with three queries for the whole database (tables, columns, foreign keys), each
 * answering in JSON built by the server, instead of one round trip per table or column.
 * Supabase uses this connector too, over its Postgres endpoint.
 */
#include "db/postgres.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "db/pq_api.h"
#include "db/values.h"

#include <ctype.h>
#include <math.h>

struct pg {
    struct osr_db base;
    const struct osr_pq_api *pq;
    PGconn *conn;
};

static enum osr_db_category categorize(const char *msg)
{
    static const struct {
        const char *needle;
        enum osr_db_category c;
    } rules[] = {
        {"password authentication failed", OSR_DB_AUTH},
        {"no password supplied", OSR_DB_AUTH},
        {"authentication failed", OSR_DB_AUTH},
        {"no pg_hba.conf entry", OSR_DB_AUTH},
        {"timeout expired", OSR_DB_TIMEOUT},
        {"statement timeout", OSR_DB_TIMEOUT},
        {"canceling statement", OSR_DB_TIMEOUT},
        {"permission denied", OSR_DB_PERMISSION},
        {"read-only transaction", OSR_DB_PERMISSION},
        {"does not exist", OSR_DB_CONFIG},
        {"invalid connection option", OSR_DB_CONFIG},
        {"invalid sslmode", OSR_DB_CONFIG},
        {"invalid integer value", OSR_DB_CONFIG},
        {"missing \"=\"", OSR_DB_CONFIG},
        {"could not translate host name", OSR_DB_NETWORK},
        {"Connection refused", OSR_DB_NETWORK},
        {"could not connect", OSR_DB_NETWORK},
        {"No route to host", OSR_DB_NETWORK},
        {"server closed the connection", OSR_DB_NETWORK},
        {"no connection to the server", OSR_DB_NETWORK},
        {"connection not open", OSR_DB_NETWORK},
        {"terminating connection", OSR_DB_NETWORK},
        {"could not receive data", OSR_DB_NETWORK},
        {"could not send data", OSR_DB_NETWORK},
        {"connection to server", OSR_DB_NETWORK},
        {"SSL", OSR_DB_CONFIG},
    };

    for (size_t i = 0; i < OSR_ARRAY_LEN(rules); i++) {
        if (strstr(msg, rules[i].needle))
            return rules[i].c;
    }
    return OSR_DB_UNKNOWN;
}

static int pg_fail(struct pg *p, struct osr_db_error *e, const char *what, const char *msg)
{
    return osr_db_fail(e, categorize(msg), p->base.opts, "%s: %s", what, msg);
}

struct kv {
    const char *keys[24];
    const char *vals[24];
    size_t n;
};

static void kv_add(struct kv *kv, const char *k, const char *v)
{
    if (v && kv->n < OSR_ARRAY_LEN(kv->keys) - 1) {
        kv->keys[kv->n] = k;
        kv->vals[kv->n] = v;
        kv->n++;
    }
}

static void int_field(json_t *cfg, const char *key, char *buf, size_t n, struct kv *kv,
                      const char *kw)
{
    long long v = osr_db_cfg_int(cfg, key, -1);
    if (v >= 0) {
        snprintf(buf, n, "%lld", v);
        kv_add(kv, kw, buf);
    }
}

static PGconn *connect_with(const struct osr_pq_api *pq, json_t *cfg, const struct osr_db_opts *o)
{
    char port[24], timeout[24], options[192];
    struct kv kv = {{0}, {0}, 0};
    const char *dsn = osr_db_cfg_str(cfg, "dsn");
    long long ct = osr_db_cfg_int(cfg, "connect_timeout", o->connect_timeout_s);
    long long stt = osr_db_cfg_int(cfg, "statement_timeout", o->statement_timeout_s);

    /* A dsn first, so the individual fields and our session options refine it. */
    if (dsn)
        kv_add(&kv, "dbname", dsn);
    kv_add(&kv, "host", osr_db_cfg_str(cfg, "host"));
    int_field(cfg, "port", port, sizeof(port), &kv, "port");
    if (!dsn)
        kv_add(&kv, "dbname", osr_db_cfg_str(cfg, "database"));
    kv_add(&kv, "user", osr_db_cfg_str(cfg, "user"));
    kv_add(&kv, "password", osr_db_cfg_str(cfg, "password"));
    kv_add(&kv, "sslmode", osr_db_cfg_str(cfg, "sslmode"));
    kv_add(&kv, "sslrootcert", osr_db_cfg_str(cfg, "sslrootcert"));
    kv_add(&kv, "sslcert", osr_db_cfg_str(cfg, "sslcert"));
    kv_add(&kv, "sslkey", osr_db_cfg_str(cfg, "sslkey"));
    snprintf(timeout, sizeof(timeout), "%lld", ct > 0 ? ct : 5);
    kv_add(&kv, "connect_timeout", timeout);
    snprintf(options, sizeof(options),
             "-c statement_timeout=%lld -c DateStyle=ISO -c TimeZone=UTC "
             "-c client_encoding=UTF8%s",
             (stt > 0   ? stt
              : stt < 0 ? 0
                        : 30) *
                 1000, /* < 0: no limit (runs) */
             o->read_only ? " -c default_transaction_read_only=on" : "");
    kv_add(&kv, "options", options);
    kv_add(&kv, "application_name", "osiris");
    kv.keys[kv.n] = NULL;
    kv.vals[kv.n] = NULL;
    return pq->connectdbParams(kv.keys, kv.vals, dsn ? 1 : 0);
}

int osr_db_pg_open(osr_db **out, json_t *cfg, const struct osr_db_opts *o,
                   const struct osr_db_ops *ops, struct osr_db_error *e)
{
    const struct osr_pq_api *pq = osr_pq_api_get();
    struct pg *p;

    *out = NULL;
    if (!pq)
        return osr_db_fail(e, OSR_DB_CONFIG, o, "%s", osr_error_last());
    p = osr_xcalloc(1, sizeof(*p));
    p->base.ops = ops;
    p->base.opts = o;
    p->pq = pq;
    p->conn = connect_with(pq, cfg, o);
    if (!p->conn || pq->status(p->conn) != CONNECTION_OK) {
        int rc =
            pg_fail(p, e, "cannot connect", p->conn ? pq->errorMessage(p->conn) : "out of memory");
        pq->finish(p->conn);
        free(p);
        return rc;
    }
    *out = &p->base;
    return 0;
}

static int pg_open(osr_db **out, json_t *cfg, const struct osr_db_opts *o, struct osr_db_error *e)
{
    return osr_db_pg_open(out, cfg, o, &osr_db_postgres_ops, e);
}

/* Runs one statement; on failure fills e and returns NULL. */
static PGresult *run(struct pg *p, const char *sql, int nparams, const char *const *params,
                     struct osr_db_error *e, const char *what)
{
    PGresult *r = p->pq->execParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = p->pq->resultStatus(r);

    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    pg_fail(p, e, what, r ? p->pq->resultErrorMessage(r) : p->pq->errorMessage(p->conn));
    p->pq->clear(r);
    return NULL;
}

int osr_db_pg_ping(osr_db *db, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    PGresult *r = run(p, "SELECT 1", 0, NULL, e, "the check query failed");

    if (!r)
        return -OSR_ECONN;
    p->pq->clear(r);
    return 0;
}

/* The first cell of a one-row result parsed as JSON (new reference), or NULL. */
static json_t *json_query(struct pg *p, const char *sql, int nparams, const char *const *params,
                          struct osr_db_error *e, const char *what)
{
    PGresult *r = run(p, sql, nparams, params, e, what);
    json_error_t jerr;
    json_t *j = NULL;

    if (!r)
        return NULL;
    if (p->pq->ntuples(r) == 1 && !p->pq->getisnull(r, 0, 0))
        j = json_loads(p->pq->getvalue(r, 0, 0), JSON_DECODE_ANY, &jerr);
    else
        j = json_array();
    p->pq->clear(r);
    if (!j)
        osr_db_fail(e, OSR_DB_UNKNOWN, p->base.opts, "%s: unreadable catalog answer", what);
    return j;
}

#define USER_SCHEMAS                                                                               \
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "  \
    "AND n.nspname NOT LIKE 'pg\\_temp\\_%' "

static int pg_list(osr_db *db, json_t **out, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;

    *out =
        json_query(p,
                   "SELECT coalesce(json_agg(json_build_object('schema', n.nspname, 'name', "
                   "c.relname, 'kind', CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE "
                   "'table' END, 'estimate', c.reltuples::bigint) ORDER BY n.nspname, "
                   "c.relname), '[]') FROM pg_class c JOIN pg_namespace n ON n.oid = "
                   "c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND " USER_SCHEMAS,
                   0, NULL, e, "cannot list tables");
    /* The planner's estimate is kept aside for counting and not shown. */
    if (*out) {
        size_t i;
        json_t *t;
        json_array_foreach(*out, i, t)
        {
            json_object_set(t, "__estimate", json_object_get(t, "estimate"));
            json_object_del(t, "estimate");
        }
    }
    return *out ? 0 : -OSR_ECONN;
}

/* Catalog queries of describe take the wanted tables as $1, a JSON array of [schema, name]
 * pairs, so that describing a few tables of a large database reads only their rows. */
#define WANTED                                                                                     \
    "(n.nspname, c.relname) IN (SELECT x->>0, x->>1 FROM json_array_elements($1::json) x)"

/* One plain row per column (cheaper to read than one JSON document): schema, table, name,
 * type, nullable, default, position in the primary key. */
static const char columns_sql[] =
    "WITH pk AS (SELECT i.indrelid AS rel, k.num, k.ord FROM pg_index i, unnest(i.indkey) WITH "
    "ORDINALITY k(num, ord) WHERE i.indisprimary) "
    "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
    "a.attnotnull, pg_get_expr(d.adbin, d.adrelid), pk.ord FROM pg_attribute a JOIN pg_class c "
    "ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attrdef d "
    "ON d.adrelid = a.attrelid AND d.adnum = a.attnum LEFT JOIN pk ON pk.rel = c.oid AND pk.num "
    "= a.attnum WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', "
    "'f') AND " WANTED " ORDER BY n.nspname, c.relname, a.attnum";

static const char fks_sql[] =
    "SELECT coalesce(json_agg(json_build_object('schema', n.nspname, 'table', c.relname, "
    "'columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH "
    "ORDINALITY k(num, ord) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = "
    "k.num), 'references', json_build_object('schema', fn.nspname, 'table', fc.relname, "
    "'columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH "
    "ORDINALITY k(num, ord) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = "
    "k.num))) ORDER BY n.nspname, c.relname, con.conname), '[]') FROM pg_constraint con JOIN "
    "pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN "
    "pg_class fc ON fc.oid = con.confrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace "
    "WHERE con.contype = 'f' AND " WANTED;

/* Index of the table objects by "schema\x1fname" for joining catalog rows to them. */
static json_t *table_index(json_t *tables)
{
    json_t *idx = json_object(), *t;
    size_t i;

    json_array_foreach(tables, i, t)
    {
        char *key = osr_xasprintf("%s\x1f%s", json_string_value(json_object_get(t, "schema")),
                                  json_string_value(json_object_get(t, "name")));
        json_object_set_new(t, "columns", json_array());
        json_object_set_new(t, "primary_key", json_array());
        json_object_set_new(t, "foreign_keys", json_array());
        json_object_set(idx, key, t);
        free(key);
    }
    return idx;
}

static json_t *lookup(json_t *idx, json_t *row)
{
    char *key = osr_xasprintf("%s\x1f%s", json_string_value(json_object_get(row, "schema")),
                              json_string_value(json_object_get(row, "table")));
    json_t *t = json_object_get(idx, key);

    free(key);
    return t;
}

/* The wanted-tables parameter of the describe queries (see WANTED). */
static char *wanted_param(json_t *tables)
{
    json_t *pairs = json_array(), *t;
    size_t i;
    char *s;

    json_array_foreach(tables, i, t)
    {
        json_array_append_new(
            pairs, json_pack("[OO]", json_object_get(t, "schema"), json_object_get(t, "name")));
    }
    s = json_dumps(pairs, JSON_COMPACT);
    json_decref(pairs);
    return s;
}

static json_t *text_or_null(struct pg *p, PGresult *r, int row, int col)
{
    return p->pq->getisnull(r, row, col) ? json_null() : json_string(p->pq->getvalue(r, row, col));
}

/* Appends each column row of r to its table. */
static void add_columns(struct pg *p, json_t *idx, PGresult *r)
{
    for (int i = 0; i < p->pq->ntuples(r); i++) {
        char *key = osr_xasprintf("%s\x1f%s", p->pq->getvalue(r, i, 0), p->pq->getvalue(r, i, 1));
        json_t *t = json_object_get(idx, key);

        free(key);
        if (!t)
            continue;
        json_array_append_new(
            json_object_get(t, "columns"),
            json_pack("{s:s, s:s, s:b, s:o, s:o}", "name", p->pq->getvalue(r, i, 2), "type",
                      p->pq->getvalue(r, i, 3), "nullable", p->pq->getvalue(r, i, 4)[0] != 't',
                      "default", text_or_null(p, r, i, 5), "primary_key",
                      p->pq->getisnull(r, i, 6) ? json_null()
                                                : json_integer(atoll(p->pq->getvalue(r, i, 6)))));
    }
}

int osr_db_pg_describe(osr_db *db, json_t *tables, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    json_t *idx = table_index(tables), *fks = NULL, *row, *t;
    char *wanted = wanted_param(tables);
    const char *params[1] = {wanted};
    PGresult *cols = run(p, columns_sql, 1, params, e, "cannot read columns");
    size_t i;

    if (cols)
        fks = json_query(p, fks_sql, 1, params, e, "cannot read foreign keys");
    free(wanted);
    if (!cols || !fks) {
        p->pq->clear(cols);
        json_decref(idx);
        return -OSR_ECONN;
    }
    add_columns(p, idx, cols);
    p->pq->clear(cols);
    json_array_foreach(fks, i, row)
    {
        if (!(t = lookup(idx, row)))
            continue;
        json_object_del(row, "schema");
        json_object_del(row, "table");
        json_array_append(json_object_get(t, "foreign_keys"), row);
    }
    json_array_foreach(tables, i, t) osr_db_primary_key_from_columns(t);
    json_decref(fks);
    json_decref(idx);
    return 0;
}

#define EXACT_COUNT_LIMIT 200000

static char *qualified(struct pg *p, json_t *table)
{
    const char *schema = json_string_value(json_object_get(table, "schema"));
    const char *name = json_string_value(json_object_get(table, "name"));
    char *qs = p->pq->escapeIdentifier(p->conn, schema, strlen(schema));
    char *qn = p->pq->escapeIdentifier(p->conn, name, strlen(name));
    char *full = osr_xasprintf("%s.%s", qs ? qs : "\"\"", qn ? qn : "\"\"");

    p->pq->freemem(qs);
    p->pq->freemem(qn);
    return full;
}

/* Tables the statistics say are large get the estimate; the others an exact count. */

static void set_count(json_t *table, long long n, bool exact)
{
    json_object_set_new(table, "row_count", json_integer(n));
    json_object_set_new(table, "row_count_exact", json_boolean(exact));
}

/* Tables the statistics say are large get the estimate; the others an exact count. */
static bool use_estimate(json_t *table)
{
    json_t *est = json_object_get(table, "__estimate");

    if (json_integer_value(est) > EXACT_COUNT_LIMIT) {
        set_count(table, json_integer_value(est), false);
        return true;
    }
    return false;
}

int osr_db_pg_count(osr_db *db, json_t *table, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    char *full, *sql;
    PGresult *r;

    if (use_estimate(table))
        return 0;
    full = qualified(p, table);
    sql = osr_xasprintf("SELECT count(*) FROM %s", full);
    free(full);
    r = run(p, sql, 0, NULL, e, "cannot count rows");
    free(sql);
    if (!r)
        return -OSR_ECONN;
    set_count(table, strtoll(p->pq->getvalue(r, 0, 0), NULL, 10), true);
    p->pq->clear(r);
    return 0;
}

/* A timestamp in ISO 8601: the space becomes 'T' and a +00 zone becomes 'Z'. */
static json_t *iso_time(const char *v)
{
    char buf[64];
    size_t n;

    snprintf(buf, sizeof(buf), "%s", v);
    if ((n = strlen(buf)) > 10 && buf[10] == ' ')
        buf[10] = 'T';
    if (n > 3 && strcmp(buf + n - 3, "+00") == 0)
        snprintf(buf + n - 3, sizeof(buf) - (n - 3), "Z");
    return json_string(buf);
}

static json_t *numeric(const char *v)
{
    size_t digits = 0;
    for (const char *s = v; *s; s++)
        digits += (*s >= '0' && *s <= '9');
    /* Past 15 significant digits a double would change the value: keep the text. */
    if (digits > 15 || strchr(v, 'N') || strchr(v, 'I'))
        return json_string(v);
    return json_real(strtod(v, NULL));
}

static json_t *pg_value(struct pg *p, PGresult *r, int row, int col, bool *cut)
{
    const char *v = p->pq->getvalue(r, row, col);
    size_t len = (size_t)p->pq->getlength(r, row, col);
    json_error_t jerr;
    json_t *j;

    if (p->pq->getisnull(r, row, col))
        return json_null();
    switch (p->pq->ftype(r, col)) {
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: /* int4 */
        return json_integer(strtoll(v, NULL, 10));
    case 700: /* float4 */
    case 701: /* float8 */
        return isfinite(strtod(v, NULL)) ? json_real(strtod(v, NULL)) : json_string(v);
    case 1700:
        return numeric(v);
    case 16: /* bool */
        return json_boolean(v[0] == 't');
    case 17: { /* bytea, text form \x... */
        size_t n;
        unsigned char *bytes = p->pq->unescapeBytea((const unsigned char *)v, &n);
        j = osr_db_bytes_value(bytes, n, cut);
        p->pq->freemem(bytes);
        return j;
    }
    case 1114: /* timestamp */
    case 1184: /* timestamptz */
        return iso_time(v);
    case 114:  /* json */
    case 3802: /* jsonb */
        if (len <= OSR_DB_VALUE_MAX && (j = json_loadb(v, len, JSON_DECODE_ANY, &jerr)))
            return j;
        return osr_db_text_value(v, len, cut);
    default:
        return osr_db_text_value(v, len, cut);
    }
}

static char *order_by(struct pg *p, json_t *table)
{
    json_t *pk = json_object_get(table, "primary_key"), *c;
    struct osr_buf b;
    size_t i;

    osr_buf_init(&b, OSR_BUF_UNLIMITED);
    json_array_foreach(pk, i, c)
    {
        const char *name = json_string_value(c);
        char *q = p->pq->escapeIdentifier(p->conn, name, strlen(name));
        osr_buf_printf(&b, "%s%s", i ? ", " : " ORDER BY ", q ? q : "\"\"");
        p->pq->freemem(q);
    }
    return osr_buf_take(&b);
}

/* With `with_count`, a window count over the whole table rides along as the last column
 * (window functions see every row before LIMIT), so one statement samples and counts. */
static char *sample_sql(struct pg *p, json_t *table, int n, bool with_count)
{
    char *full = qualified(p, table), *order = order_by(p, table);
    char *sql =
        osr_xasprintf("SELECT *%s FROM %s%s LIMIT %d",
                      with_count ? ", count(*) OVER () AS osr_total_rows" : "", full, order, n);

    free(full);
    free(order);
    return sql;
}

/* Turns a sample result into the table's "samples" (and its count, when the result
 * carries one in its last column). */
static void take_samples(struct pg *p, json_t *table, PGresult *r, bool with_count)
{
    json_t *rows = json_array();
    int ncols = p->pq->nfields(r) - (with_count ? 1 : 0);
    bool cut = false;

    if (with_count)
        set_count(table, p->pq->ntuples(r) ? strtoll(p->pq->getvalue(r, 0, ncols), NULL, 10) : 0,
                  true);
    for (int row = 0; row < p->pq->ntuples(r); row++) {
        json_t *obj = json_object();
        for (int col = 0; col < ncols; col++)
            json_object_set_new(obj, p->pq->fname(r, col), pg_value(p, r, row, col, &cut));
        osr_db_mask_row(obj);
        json_array_append_new(rows, obj);
    }
    json_object_set_new(table, "samples", rows);
    if (cut)
        json_object_set_new(table, "samples_truncated", json_true());
}

int osr_db_pg_sample(osr_db *db, json_t *table, int n, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    char *sql = sample_sql(p, table, n, false);
    PGresult *r = run(p, sql, 0, NULL, e, "cannot sample rows");

    free(sql);
    if (!r)
        return -OSR_ECONN;
    take_samples(p, table, r, false);
    p->pq->clear(r);
    return 0;
}

static void table_failed(json_t *t, struct pg *p, const char *what, const char *msg)
{
    struct osr_db_error e = {OSR_DB_OK, ""};

    pg_fail(p, &e, what, msg);
    osr_db_table_error(t, &e); /* keeps the table's first failure */
}

/* One query counts every small table: SELECT 0, count(*) FROM a UNION ALL SELECT 1, ... */
static void batch_counts(struct pg *p, json_t **tables, size_t n)
{
    struct osr_buf sql;
    bool any = false;
    PGresult *r;

    osr_buf_init(&sql, OSR_BUF_UNLIMITED);
    for (size_t i = 0; i < n; i++) {
        char *full;
        if (use_estimate(tables[i]))
            continue;
        full = qualified(p, tables[i]);
        osr_buf_printf(&sql, "%sSELECT %zu, count(*) FROM %s", any ? " UNION ALL " : "", i, full);
        free(full);
        any = true;
    }
    if (any) {
        r = p->pq->execParams(p->conn, sql.ptr, 0, NULL, NULL, NULL, NULL, 0);
        if (p->pq->resultStatus(r) == PGRES_TUPLES_OK) {
            for (int row = 0; row < p->pq->ntuples(r); row++) {
                size_t i = (size_t)strtoull(p->pq->getvalue(r, row, 0), NULL, 10);
                if (i < n)
                    set_count(tables[i], strtoll(p->pq->getvalue(r, row, 1), NULL, 10), true);
            }
        }
        p->pq->clear(r);
    }
    osr_buf_dispose(&sql);
    /* Anything the batch could not count (one bad table fails the whole statement) is
     * counted on its own, so the failure lands on the right table. */
    for (size_t i = 0; i < n; i++) {
        struct osr_db_error e = {OSR_DB_OK, ""};
        if (!json_object_get(tables[i], "row_count") &&
            osr_db_pg_count(&p->base, tables[i], &e) < 0)
            osr_db_table_error(tables[i], &e);
    }
}

/* Every sample query is sent before the first answer is read (libpq pipeline mode), so
 * the round trips overlap instead of adding up. */
/*
 * One pipeline over tables[0..n): every table's statement is sent, then the results read in
 * order. After a failing statement the server skips the rest of the pipeline; those tables
 * are moved to the front of the array for another round, and their number returned.
 */
static size_t pipeline_round(struct pg *p, json_t **tables, size_t n, int samples)
{
    size_t sent = 0, again = 0;

    for (size_t i = 0; i < n; i++) {
        char *sql = sample_sql(p, tables[i], samples, !use_estimate(tables[i]));
        /* The flush request makes the server send each result as soon as it is ready, so
         * what was read before a failure mid-pipeline is kept. */
        if (p->pq->sendQueryParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 0) == 1 &&
            p->pq->sendFlushRequest(p->conn) == 1)
            sent++;
        free(sql);
        if (sent != i + 1)
            break;
    }
    p->pq->pipelineSync(p->conn);
    for (size_t i = 0; i < sent; i++) {
        PGresult *r = p->pq->getResult(p->conn);
        ExecStatusType st = p->pq->resultStatus(r);
        if (st == PGRES_TUPLES_OK)
            take_samples(p, tables[i], r, !json_object_get(tables[i], "row_count"));
        else if (st == PGRES_PIPELINE_ABORTED)
            tables[again++] = tables[i];
        else
            table_failed(tables[i], p, "cannot sample rows",
                         r ? p->pq->resultErrorMessage(r) : p->pq->errorMessage(p->conn));
        p->pq->clear(r);
        /* Each statement's results end with a NULL. */
        while ((r = p->pq->getResult(p->conn)) != NULL) {
            bool sync = p->pq->resultStatus(r) == PGRES_PIPELINE_SYNC;
            p->pq->clear(r);
            if (sync)
                break;
        }
    }
    for (PGresult *r; (r = p->pq->getResult(p->conn)) != NULL;)
        p->pq->clear(r);
    for (size_t i = sent; i < n; i++)
        table_failed(tables[i], p, "cannot sample rows", p->pq->errorMessage(p->conn));
    return again;
}

static void batch_samples(struct pg *p, json_t **tables, size_t n, int samples)
{
    if (p->pq->enterPipelineMode(p->conn) != 1) {
        for (size_t i = 0; i < n; i++) {
            struct osr_db_error e = {OSR_DB_OK, ""};
            if (osr_db_pg_count(&p->base, tables[i], &e) < 0 ||
                osr_db_pg_sample(&p->base, tables[i], samples, &e) < 0)
                table_failed(tables[i], p, "cannot sample rows", e.message);
        }
        return;
    }
    /* Each round settles at least the table whose statement failed. */
    for (size_t left = n; left > 0;) {
        size_t again = pipeline_round(p, tables, left, samples);
        if (again >= left)
            break;
        left = again;
    }
    p->pq->exitPipelineMode(p->conn);
}

int osr_db_pg_inspect(osr_db *db, json_t **tables, size_t n, int samples, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;

    OSR_UNUSED(e);
    if (samples > 0)
        batch_samples(p, tables, n, samples); /* counts ride along with the samples */
    else
        batch_counts(p, tables, n);
    return 0;
}

int osr_db_pg_query(osr_db *db, const char *sql, int (*row)(json_t *, json_t *, void *),
                    void *payload, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    PGresult *r = run(p, sql, 0, NULL, e, "query failed");
    json_t *cols = json_array();
    bool cut = false;

    if (!r) {
        json_decref(cols);
        return -OSR_ECONN;
    }
    for (int c = 0; c < p->pq->nfields(r); c++)
        json_array_append_new(cols, json_string(p->pq->fname(r, c)));
    for (int i = 0; row && i < p->pq->ntuples(r); i++) {
        json_t *vals = json_array();
        int stop;
        for (int c = 0; c < p->pq->nfields(r); c++)
            json_array_append_new(vals, pg_value(p, r, i, c, &cut));
        stop = row(cols, vals, payload);
        json_decref(vals);
        if (stop)
            break;
    }
    p->pq->clear(r);
    json_decref(cols);
    return 0;
}

/* Rows of COPY ... TO STDOUT decoded from the text format: values in one arena, each
 * NUL-terminated, found by offset (SIZE_MAX: null). */
struct copy_rows {
    struct pg *p;
    PGresult *desc; /* the columns (a LIMIT 0 run of the query) */
    struct osr_buf vals;
    size_t *off, *len;
    size_t nrows, cap, ncols;
    bool shortest; /* PostgreSQL 12 or later with extra_float_digits 1 */
};

static const char *copy_name(const struct osr_db_chunk *c, size_t col)
{
    const struct copy_rows *cr = c->impl;
    return cr->p->pq->fname(cr->desc, (int)col);
}

static unsigned copy_type(const struct osr_db_chunk *c, size_t col)
{
    const struct copy_rows *cr = c->impl;
    return (unsigned)cr->p->pq->ftype(cr->desc, (int)col);
}

static const char *copy_value(const struct osr_db_chunk *c, size_t row, size_t col, size_t *len)
{
    const struct copy_rows *cr = c->impl;
    size_t i = row * cr->ncols + col;

    if (cr->off[i] == SIZE_MAX)
        return NULL;
    *len = cr->len[i];
    return cr->vals.ptr + cr->off[i];
}

static int octal_or_hex(const char *p, size_t n, size_t *used)
{
    int v = 0;
    size_t k = 0;

    if (p[0] == 'x') {
        for (k = 1; k < 3 && k < n && isxdigit((unsigned char)p[k]); k++)
            v = v * 16 + (isdigit((unsigned char)p[k]) ? p[k] - '0' : (p[k] | 0x20) - 'a' + 10);
    } else {
        for (k = 0; k < 3 && k < n && p[k] >= '0' && p[k] <= '7'; k++)
            v = v * 8 + (p[k] - '0');
    }
    *used = k;
    return v;
}

/* One line of COPY's text format into the next row; false when it has the wrong number of
 * fields. */
static bool copy_row(struct copy_rows *cr, const char *line, size_t n)
{
    size_t col = 0, base = cr->nrows * cr->ncols;

    if (n && line[n - 1] == '\n')
        n--;
    for (size_t i = 0; i <= n; col++) {
        const char *tab = memchr(line + i, '\t', n - i);
        size_t end = tab ? (size_t)(tab - line) : n, start = cr->vals.len;
        if (col >= cr->ncols)
            return false;
        if (end - i == 2 && line[i] == '\\' && line[i + 1] == 'N') {
            cr->off[base + col] = SIZE_MAX;
        } else if (!memchr(line + i, '\\', end - i)) { /* nothing escaped: one copy */
            osr_buf_put(&cr->vals, line + i, end - i);
            osr_buf_putc(&cr->vals, '\0');
            cr->off[base + col] = start;
            cr->len[base + col] = end - i;
        } else {
            for (size_t k = i; k < end; k++) {
                char ch = line[k];
                if (ch == '\\' && k + 1 < end) {
                    static const char from[] = "bfnrtv", to[] = "\b\f\n\r\t\v";
                    const char *m = strchr(from, line[k + 1]);
                    size_t used;
                    k++;
                    if (m && *m)
                        ch = to[m - from];
                    else if (line[k] == 'x' || (line[k] >= '0' && line[k] <= '7')) {
                        ch = (char)octal_or_hex(line + k, end - k, &used);
                        k += used - 1;
                    } else
                        ch = line[k];
                }
                osr_buf_putc(&cr->vals, ch);
            }
            osr_buf_putc(&cr->vals, '\0');
            cr->off[base + col] = start;
            cr->len[base + col] = cr->vals.len - start - 1;
        }
        i = end + 1;
    }
    if (col != cr->ncols)
        return false;
    cr->nrows++;
    return true;
}

/* Hands the decoded rows to fn and starts a new chunk; returns fn's answer. */
static int copy_flush(struct copy_rows *cr, osr_db_chunk_fn fn, void *payload)
{
    struct osr_db_chunk c = {cr->nrows,  cr->ncols, cr->shortest, copy_name, copy_type,
                             copy_value, cr};
    int rc = fn(&c, payload);

    cr->nrows = 0;
    osr_buf_clear(&cr->vals);
    return rc;
}

int osr_db_pg_stream(osr_db *db, const char *sql, size_t fetch_rows, osr_db_chunk_fn fn,
                     void *payload, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    struct copy_rows cr = {.p = p, .cap = fetch_rows ? fetch_rows : 1};
    char *stmt = NULL, *line = NULL;
    PGresult *r;
    int rc = 0, n;

    if (!(r = run(p, "BEGIN READ ONLY", 0, NULL, e, "cannot start a transaction")))
        return -OSR_ECONN;
    p->pq->clear(r);
    /* From version 12 on, extra_float_digits 1 prints every float as the shortest text that
     * reads back exactly: writers may then copy that text instead of formatting again. */
    if (p->pq->serverVersion(p->conn) >= 120000 &&
        (r = run(p, "SET LOCAL extra_float_digits = 1", 0, NULL, e, "cannot set up the session"))) {
        p->pq->clear(r);
        cr.shortest = true;
    }
    /* The columns first (the query planned, no row read), then every row through COPY. */
    stmt = osr_xasprintf("SELECT * FROM (%s) AS osiris_q LIMIT 0", sql);
    cr.desc = run(p, stmt, 0, NULL, e, "the query failed");
    free(stmt);
    if (!cr.desc) {
        rc = -OSR_ECONN;
        goto done;
    }
    cr.ncols = (size_t)p->pq->nfields(cr.desc);
    cr.off = osr_xcalloc(cr.cap * (cr.ncols ? cr.ncols : 1), sizeof(*cr.off));
    cr.len = osr_xcalloc(cr.cap * (cr.ncols ? cr.ncols : 1), sizeof(*cr.len));
    osr_buf_init(&cr.vals, 1u << 30);
    stmt = osr_xasprintf("COPY (%s) TO STDOUT", sql);
    r = p->pq->exec(p->conn, stmt);
    free(stmt);
    if (p->pq->resultStatus(r) != PGRES_COPY_OUT) {
        rc = pg_fail(p, e, "the query failed",
                     r ? p->pq->resultErrorMessage(r) : p->pq->errorMessage(p->conn));
        p->pq->clear(r);
        goto done;
    }
    p->pq->clear(r);
    if (fn(&(struct osr_db_chunk){0, cr.ncols, cr.shortest, copy_name, copy_type, copy_value, &cr},
           payload) != 0)
        rc = 1; /* the columns; the caller may stop here (a dry run) */
    while (rc == 0 && (n = p->pq->getCopyData(p->conn, &line, 0)) > 0) {
        bool ok = copy_row(&cr, line, (size_t)n);
        p->pq->freemem(line);
        line = NULL;
        if (!ok || osr_buf_failed(&cr.vals)) {
            rc = osr_db_fail(e, OSR_DB_UNKNOWN, p->base.opts,
                             "reading failed: a row PostgreSQL sent could not be read");
            break;
        }
        if (cr.nrows == cr.cap && copy_flush(&cr, fn, payload) != 0)
            rc = 1;
    }
    if (rc == 0 && n == -2)
        rc = pg_fail(p, e, "reading failed", p->pq->errorMessage(p->conn));
    if (rc != 0) { /* stop the copy: the connection's next use needs it ended */
        while ((n = p->pq->getCopyData(p->conn, &line, 0)) > 0) {
            p->pq->freemem(line);
            line = NULL;
        }
    }
    while ((r = p->pq->getResult(p->conn))) {
        if (rc == 0 && p->pq->resultStatus(r) != PGRES_COMMAND_OK)
            rc = pg_fail(p, e, "reading failed", p->pq->resultErrorMessage(r));
        p->pq->clear(r);
    }
    if (rc == 0 && cr.nrows && copy_flush(&cr, fn, payload) != 0)
        rc = 1;
done:
    if ((r = p->pq->exec(p->conn, rc == 0 ? "COMMIT" : "ROLLBACK")))
        p->pq->clear(r);
    p->pq->clear(cr.desc);
    osr_buf_dispose(&cr.vals);
    free(cr.off);
    free(cr.len);
    return rc;
}

int osr_db_pg_exec(osr_db *db, const char *sql, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    PGresult *r = run(p, sql, 0, NULL, e, "the statement failed");

    if (!r)
        return -OSR_ECONN;
    p->pq->clear(r);
    return 0;
}

int osr_db_pg_table_exists(osr_db *db, const char *schema, const char *table, bool *exists,
                           struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    const char *params[2] = {schema, table};
    PGresult *r = run(p,
                      schema ? "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2"
                             : "SELECT 1 FROM pg_tables WHERE tablename = $2 AND schemaname = "
                               "ANY (current_schemas(false)) AND $1::text IS NULL",
                      2, params, e, "cannot look the table up");

    if (!r)
        return -OSR_ECONN;
    *exists = p->pq->ntuples(r) > 0;
    p->pq->clear(r);
    return 0;
}

char *osr_db_pg_ident(osr_db *db, const char *name)
{
    struct pg *p = (struct pg *)db;
    char *q = p->pq->escapeIdentifier(p->conn, name, strlen(name)), *out;

    out = osr_xstrdup(q ? q : "\"?\"");
    if (q)
        p->pq->freemem(q);
    return out;
}

int osr_db_pg_copy_begin(osr_db *db, const char *sql, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    PGresult *r = p->pq->exec(p->conn, sql);
    ExecStatusType st = p->pq->resultStatus(r);

    if (st == PGRES_COPY_IN) {
        p->pq->clear(r);
        return 0;
    }
    pg_fail(p, e, "cannot start COPY",
            r ? p->pq->resultErrorMessage(r) : p->pq->errorMessage(p->conn));
    p->pq->clear(r);
    return -OSR_ECONN;
}

int osr_db_pg_copy_put(osr_db *db, const char *data, size_t len, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;

    if (p->pq->putCopyData(p->conn, data, (int)len) == 1)
        return 0;
    return pg_fail(p, e, "sending rows failed", p->pq->errorMessage(p->conn));
}

int osr_db_pg_copy_end(osr_db *db, struct osr_db_error *e)
{
    struct pg *p = (struct pg *)db;
    PGresult *r;
    int rc = 0;

    if (p->pq->putCopyEnd(p->conn, NULL) != 1)
        return pg_fail(p, e, "ending COPY failed", p->pq->errorMessage(p->conn));
    while ((r = p->pq->getResult(p->conn))) {
        if (p->pq->resultStatus(r) != PGRES_COMMAND_OK && rc == 0)
            rc = pg_fail(p, e, "the rows were refused", p->pq->resultErrorMessage(r));
        p->pq->clear(r);
    }
    return rc;
}

void osr_db_pg_close(osr_db *db)
{
    struct pg *p = (struct pg *)db;

    if (!p)
        return;
    p->pq->finish(p->conn);
    free(p);
}

const struct osr_db_ops osr_db_postgres_ops = {
    .family = "postgres",
    .open = pg_open,
    .ping = osr_db_pg_ping,
    .list_tables = pg_list,
    .describe = osr_db_pg_describe,
    .count = osr_db_pg_count,
    .sample = osr_db_pg_sample,
    .query = osr_db_pg_query,
    .close = osr_db_pg_close,
    .inspect = osr_db_pg_inspect,
};

int osr_db_pg_list(osr_db *db, json_t **out, struct osr_db_error *e)
{
    return pg_list(db, out, e);
}

struct osr_db_pg_canceller {
    const struct osr_pq_api *pq;
    PGcancel *cancel;
};

struct osr_db_pg_canceller *osr_db_pg_canceller_new(osr_db *db)
{
    struct pg *p = (struct pg *)db;
    PGcancel *cancel = p->pq->getCancel(p->conn);
    struct osr_db_pg_canceller *c;

    if (!cancel)
        return NULL;
    c = osr_xcalloc(1, sizeof(*c));
    *c = (struct osr_db_pg_canceller){p->pq, cancel};
    return c;
}

void osr_db_pg_canceller_send(struct osr_db_pg_canceller *c)
{
    char why[256];

    if (c)
        c->pq->cancel(c->cancel, why, (int)sizeof(why)); /* the statement fails with 57014 */
}

void osr_db_pg_canceller_free(struct osr_db_pg_canceller *c)
{
    if (!c)
        return;
    c->pq->freeCancel(c->cancel);
    free(c);
}
