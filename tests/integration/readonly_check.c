/*
 * readonly_check.c - discovery sessions refuse writes because the database engine says
 * so, not because Osiris inspects the SQL. Opens each family's connector read-only against
 * the real test servers (connection values from the OSR_PG_* / OSR_MY_* variables of
 * scripts/test-servers) and a demo SQLite file, tries to write, and checks the engine's
 * refusal; then opens them writable and checks the same statement works.
 */
#include "core/compat.h"
#include "core/fsutil.h"
#include "db/db.h"
#include "db/demo.h"

#include <stdlib.h>
#include <unistd.h>

static int passed, failed;

static void check(bool ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL: %s\n", what);
    }
}

static int count_rows(json_t *cols, json_t *vals, void *payload)
{
    OSR_UNUSED(cols);
    *(long long *)payload = json_integer_value(json_array_get(vals, 0));
    return 0;
}

static json_t *server_cfg(const char *prefix)
{
    char k[64];
    const char *fields[] = {"HOST", "PORT", "USER", "PASSWORD", "DATABASE"};
    const char *names[] = {"host", "port", "user", "password", "database"};
    json_t *cfg = json_object();

    for (size_t i = 0; i < OSR_ARRAY_LEN(fields); i++) {
        snprintf(k, sizeof(k), "OSR_%s_%s", prefix, fields[i]);
        if (getenv(k))
            json_object_set_new(cfg, names[i], json_string(getenv(k)));
    }
    return cfg;
}

static void probe(const char *family, json_t *cfg, const char *write_sql, const char *undo_sql,
                  const char *read_sql, const char *base)
{
    const struct osr_db_ops *ops = osr_db_ops_get(family);
    struct osr_db_opts ro = {5, 30, true, base, NULL, false},
                       rw = {5, 30, false, base, NULL, false};
    struct osr_db_error e = {OSR_DB_OK, ""};
    osr_db *db = NULL;
    long long n = -1;
    char what[700];

    snprintf(what, sizeof(what), "%s: read-only session opens", family);
    check(ops->open(&db, cfg, &ro, &e) == 0, what);
    if (!db)
        return;
    snprintf(what, sizeof(what), "%s: the engine refuses a write (%s)", family, e.message);
    check(ops->query(db, write_sql, NULL, NULL, &e) < 0 && e.category == OSR_DB_PERMISSION, what);
    snprintf(what, sizeof(what), "%s: reads still work", family);
    check(ops->query(db, read_sql, count_rows, &n, &e) == 0 && n > 0, what);
    ops->close(db);
    db = NULL;
    snprintf(what, sizeof(what), "%s: a writable session may write (%s)", family, e.message);
    check(ops->open(&db, cfg, &rw, &e) == 0 && ops->query(db, write_sql, NULL, NULL, &e) == 0 &&
              ops->query(db, undo_sql, NULL, NULL, &e) == 0,
          what);
    if (db)
        ops->close(db);
}

int main(void)
{
    char dir[] = "/tmp/osr-ro-XXXXXX";
    json_t *pg = server_cfg("PG"), *my = server_cfg("MY"), *sq;
    char *dbfile;

    if (!mkdtemp(dir))
        return 2;
    dbfile = osr_path_join(dir, "demo.sqlite");
    osr_demo_db_create(dbfile);
    sq = json_pack("{s:s}", "path", dbfile);
    probe("sqlite", sq, "CREATE TABLE probe(x)", "DROP TABLE probe", "SELECT count(*) FROM orders",
          dir);
    probe("postgres", pg, "CREATE TABLE public.osr_ro_probe(x int)",
          "DROP TABLE public.osr_ro_probe", "SELECT count(*) FROM scale.t001", dir);
    probe("mysql", my, "CREATE TABLE osr_ro_probe(x int)", "DROP TABLE osr_ro_probe",
          "SELECT COUNT(*) FROM products", dir);
    unlink(dbfile);
    rmdir(dir);
    free(dbfile);
    json_decref(pg);
    json_decref(my);
    json_decref(sq);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
