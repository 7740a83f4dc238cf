/*
 * doctor.c - connection health checks (see doctor.h).
 *
 * "healthy" means the client library connected and the check query answered; every other
 * outcome is "unhealthy" with the category of the failure, except families Osiris has no
 * connector for, which are "skipped".
 */
#include "db/doctor.h"
#include "core/error.h"
#include "core/loop.h"
#include "db/db.h"

#include <math.h>

static json_t *verdict(const char *status, double ms, const char *category, const char *message)
{
    return json_pack("{s:s, s:f, s:s, s:s}", "status", status, "latency_ms",
                     round(ms * 100.0) / 100.0, "category", category, "message", message);
}

json_t *osr_doctor_check(const struct osr_conn_alias *a, const char *base_path)
{
    const struct osr_db_ops *ops = osr_db_ops_get(a->family);
    struct osr_strv secrets = OSR_STRV_INIT;
    struct osr_db_error err = {OSR_DB_OK, ""};
    struct osr_db_opts opts = {5, 30, true, base_path, &secrets, false};
    uint64_t t0 = osr_now_us();
    json_t *cfg = NULL, *out;
    osr_db *db = NULL;

    if (!ops) {
        out = json_pack("{s:s, s:n, s:s, s:s}", "status", "skipped", "latency_ms", "category",
                        "config", "message", "no connector for this family");
        goto done;
    }
    if (osr_connections_resolve_strict(&cfg, a, &secrets) < 0) {
        out = verdict("unhealthy", 0, "config", osr_error_last());
        goto done;
    }
    opts.connect_timeout_s = (int)osr_db_cfg_int(cfg, "connect_timeout", 5);
    opts.statement_timeout_s = (int)osr_db_cfg_int(cfg, "statement_timeout", 30);
    if (ops->open(&db, cfg, &opts, &err) == 0 && ops->ping(db, &err) == 0)
        out = verdict("healthy", (double)(osr_now_us() - t0) / 1000.0, "ok", "connected");
    else
        out = verdict("unhealthy", (double)(osr_now_us() - t0) / 1000.0,
                      osr_db_category_name(err.category), err.message);
    if (db)
        ops->close(db);
done:
    json_decref(cfg);
    for (size_t i = 0; i < secrets.n; i++)
        explicit_bzero(secrets.v[i], strlen(secrets.v[i]));
    osr_strv_dispose(&secrets);
    return out;
}
