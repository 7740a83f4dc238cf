/*
 * supabase.c - the Supabase connector: data over its Postgres endpoint (pg_dsn, or the
 * host fields) through the PostgreSQL connector, and the REST health check
 * (GET <url>/auth/v1/health) through libcurl, loaded on first use, redirects refused.
 */
#define CURL_DISABLE_TYPECHECK 1
#include "core/alloc.h"
#include "core/dynload.h"
#include "core/error.h"
#include "db/db.h"
#include "db/postgres.h"

#include <curl/curl.h>

struct curl_api {
    __typeof__(curl_easy_init) *init;
    __typeof__(curl_easy_setopt) *setopt;
    __typeof__(curl_easy_perform) *perform;
    __typeof__(curl_easy_getinfo) *getinfo;
    __typeof__(curl_easy_cleanup) *cleanup;
    __typeof__(curl_easy_strerror) *strerror_;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
};

static struct curl_api curl;
static bool curl_loaded;

static int load_curl(void)
{
    const struct osr_dynsym syms[] = {
        OSR_DYNSYM(curl, init, "curl_easy_init"),
        OSR_DYNSYM(curl, setopt, "curl_easy_setopt"),
        OSR_DYNSYM(curl, perform, "curl_easy_perform"),
        OSR_DYNSYM(curl, getinfo, "curl_easy_getinfo"),
        OSR_DYNSYM(curl, cleanup, "curl_easy_cleanup"),
        OSR_DYNSYM(curl, strerror_, "curl_easy_strerror"),
        OSR_DYNSYM(curl, slist_append, "curl_slist_append"),
        OSR_DYNSYM(curl, slist_free_all, "curl_slist_free_all"),
    };

    if (curl_loaded)
        return 0;
    if (osr_dynload("libcurl.so.4", "libcurl4", syms, OSR_ARRAY_LEN(syms)) < 0)
        return -OSR_ENOTFOUND;
    curl_loaded = true;
    return 0;
}

struct sb {
    struct osr_db base;
    osr_db *pg; /* NULL when only the REST endpoint is configured */
    char *url, *key;
};

static size_t discard(char *p, size_t size, size_t n, void *payload)
{
    OSR_UNUSED(p);
    OSR_UNUSED(payload);
    return size * n;
}

static enum osr_db_category curl_category(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return OSR_DB_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        return OSR_DB_NETWORK;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_PEER_FAILED_VERIFICATION:
        return OSR_DB_CONFIG;
    default:
        return OSR_DB_UNKNOWN;
    }
}

static int health(struct sb *s, struct osr_db_error *e)
{
    const struct osr_db_opts *o = s->base.opts;
    char *endpoint = osr_xasprintf("%s/auth/v1/health", s->url);
    char *hdr = s->key ? osr_xasprintf("apikey: %s", s->key) : NULL;
    struct curl_slist *headers = NULL;
    long status = 0;
    CURLcode rc;
    CURL *h;
    int ret = 0;

    if (load_curl() < 0) {
        ret = osr_db_fail(e, OSR_DB_CONFIG, o, "%s", osr_error_last());
        goto done;
    }
    h = curl.init();
    if (hdr)
        headers = curl.slist_append(NULL, hdr);
    curl.setopt(h, CURLOPT_URL, endpoint);
    curl.setopt(h, CURLOPT_HTTPHEADER, headers);
    curl.setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl.setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl.setopt(h, CURLOPT_TIMEOUT, (long)(o->connect_timeout_s > 0 ? o->connect_timeout_s : 5));
    curl.setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl.setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    rc = curl.perform(h);
    if (rc == CURLE_OK)
        curl.getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl.cleanup(h);
    curl.slist_free_all(headers);
    if (rc != CURLE_OK)
        ret = osr_db_fail(e, curl_category(rc), o, "health check of %s failed: %s", endpoint,
                          curl.strerror_(rc));
    else if (status == 401 || status == 403)
        ret = osr_db_fail(e, OSR_DB_AUTH, o, "health check of %s: HTTP %ld (key refused)", endpoint,
                          status);
    else if (status != 200)
        ret = osr_db_fail(e, OSR_DB_NETWORK, o, "health check of %s: HTTP %ld", endpoint, status);
done:
    if (hdr)
        explicit_bzero(hdr, strlen(hdr));
    free(hdr);
    free(endpoint);
    return ret;
}

static const char *first_key(json_t *cfg)
{
    const char *k = osr_db_cfg_str(cfg, "service_role_key");
    if (!k)
        k = osr_db_cfg_str(cfg, "anon_key");
    return k ? k : osr_db_cfg_str(cfg, "key");
}

static json_t *pg_config(json_t *cfg)
{
    static const char *const fields[] = {"host",
                                         "port",
                                         "user",
                                         "password",
                                         "database",
                                         "sslmode",
                                         "connect_timeout",
                                         "statement_timeout"};
    json_t *pg = json_object();

    if (osr_db_cfg_str(cfg, "pg_dsn")) {
        json_object_set(pg, "dsn", json_object_get(cfg, "pg_dsn"));
    } else {
        for (size_t i = 0; i < OSR_ARRAY_LEN(fields); i++) {
            json_t *v = json_object_get(cfg, fields[i]);
            if (v)
                json_object_set(pg, fields[i], v);
        }
        if (!json_object_get(pg, "database"))
            json_object_set_new(pg, "database", json_string("postgres"));
    }
    return pg;
}

int osr_db_supabase_pg_open(osr_db **out, json_t *cfg, const struct osr_db_opts *o,
                            struct osr_db_error *e)
{
    json_t *pg;
    int rc;

    *out = NULL;
    if (!osr_db_cfg_str(cfg, "pg_dsn") && !osr_db_cfg_str(cfg, "host"))
        return osr_db_fail(e, OSR_DB_CONFIG, o,
                           "reading or writing tables on supabase needs pg_dsn (or host, user, "
                           "password) on the connection");
    pg = pg_config(cfg);
    rc = osr_db_pg_open(out, pg, o, &osr_db_postgres_ops, e);
    json_decref(pg);
    return rc;
}

static int sb_open(osr_db **out, json_t *cfg, const struct osr_db_opts *o, struct osr_db_error *e)
{
    struct sb *s = osr_xcalloc(1, sizeof(*s));
    const char *url = osr_db_cfg_str(cfg, "url"), *pid = osr_db_cfg_str(cfg, "project_id");
    int rc = 0;

    *out = NULL;
    s->base.ops = &osr_db_supabase_ops;
    s->base.opts = o;
    if (url)
        s->url = osr_xstrndup(url, strlen(url) - (url[strlen(url) - 1] == '/'));
    else if (pid)
        s->url = osr_xasprintf("https://%s.supabase.co", pid);
    s->key = first_key(cfg) ? osr_xstrdup(first_key(cfg)) : NULL;
    if (osr_db_cfg_str(cfg, "pg_dsn") || osr_db_cfg_str(cfg, "host")) {
        rc = osr_db_supabase_pg_open(&s->pg, cfg, o, e);
    } else if (!s->url) {
        rc = osr_db_fail(e, OSR_DB_CONFIG, o,
                         "a supabase connection needs url or project_id, and pg_dsn or host "
                         "fields for data");
    }
    if (rc < 0) {
        osr_db_supabase_ops.close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}

static int sb_ping(osr_db *db, struct osr_db_error *e)
{
    struct sb *s = (struct sb *)db;
    int rc = 0;

    if (s->pg)
        rc = osr_db_pg_ping(s->pg, e);
    if (rc == 0 && s->url)
        rc = health(s, e);
    return rc;
}

static int need_pg(struct sb *s, struct osr_db_error *e)
{
    if (s->pg)
        return 0;
    return osr_db_fail(e, OSR_DB_CONFIG, s->base.opts,
                       "schema discovery on supabase needs pg_dsn (or host, user, password)");
}

static int sb_list(osr_db *db, json_t **out, struct osr_db_error *e)
{
    struct sb *s = (struct sb *)db;
    *out = NULL;
    return need_pg(s, e) < 0 ? -OSR_ECONN : osr_db_pg_list(s->pg, out, e);
}

static int sb_describe(osr_db *db, json_t *tables, struct osr_db_error *e)
{
    struct sb *s = (struct sb *)db;
    return need_pg(s, e) < 0 ? -OSR_ECONN : osr_db_pg_describe(s->pg, tables, e);
}

static int sb_count(osr_db *db, json_t *table, struct osr_db_error *e)
{
    struct sb *s = (struct sb *)db;
    return need_pg(s, e) < 0 ? -OSR_ECONN : osr_db_pg_count(s->pg, table, e);
}

static int sb_sample(osr_db *db, json_t *table, int n, struct osr_db_error *e)
{
    struct sb *s = (struct sb *)db;
    return need_pg(s, e) < 0 ? -OSR_ECONN : osr_db_pg_sample(s->pg, table, n, e);
}

static int sb_inspect(osr_db *db, json_t **tables, size_t n, int samples, struct osr_db_error *e)
{
    struct sb *s = (struct sb *)db;
    return need_pg(s, e) < 0 ? -OSR_ECONN : osr_db_pg_inspect(s->pg, tables, n, samples, e);
}

static int sb_query(osr_db *db, const char *sql, int (*row)(json_t *, json_t *, void *),
                    void *payload, struct osr_db_error *e)
{
    struct sb *s = (struct sb *)db;
    return need_pg(s, e) < 0 ? -OSR_ECONN : osr_db_pg_query(s->pg, sql, row, payload, e);
}

static void sb_close(osr_db *db)
{
    struct sb *s = (struct sb *)db;

    if (!s)
        return;
    osr_db_pg_close(s->pg);
    if (s->key)
        explicit_bzero(s->key, strlen(s->key));
    free(s->key);
    free(s->url);
    free(s);
}

const struct osr_db_ops osr_db_supabase_ops = {
    .family = "supabase",
    .open = sb_open,
    .ping = sb_ping,
    .list_tables = sb_list,
    .describe = sb_describe,
    .count = sb_count,
    .sample = sb_sample,
    .query = sb_query,
    .close = sb_close,
    .inspect = sb_inspect,
};
