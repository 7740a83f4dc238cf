/*
 * filesystem.c - the filesystem "connection": a directory of CSV files under base_dir.
 *
 * The doctor checks that the directory exists and can be read; listing returns the CSV
 * files (plain or gzip) it holds. Describing and sampling CSV files comes with the CSV
 * reader of the pipeline runtime and answers "not supported yet" until then.
 */
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "db/db.h"

#include <dirent.h>
#include <unistd.h>

struct fsconn {
    struct osr_db base;
    char *dir;
};

static int fs_open(osr_db **out, json_t *cfg, const struct osr_db_opts *o, struct osr_db_error *e)
{
    const char *base = osr_db_cfg_str(cfg, "base_dir");
    struct fsconn *f;

    *out = NULL;
    if (!base)
        return osr_db_fail(e, OSR_DB_CONFIG, o, "the filesystem connection needs 'base_dir'");
    f = osr_xcalloc(1, sizeof(*f));
    f->base.ops = &osr_db_filesystem_ops;
    f->base.opts = o;
    f->dir = osr_path_absolute(base, o->base_path);
    *out = &f->base;
    return 0;
}

static int fs_ping(osr_db *db, struct osr_db_error *e)
{
    struct fsconn *f = (struct fsconn *)db;

    if (!osr_fs_is_dir(f->dir))
        return osr_db_fail(e, OSR_DB_CONFIG, db->opts, "base_dir %s is not a directory", f->dir);
    if (access(f->dir, R_OK | X_OK) != 0)
        return osr_db_fail(e, OSR_DB_PERMISSION, db->opts, "base_dir %s cannot be read", f->dir);
    return 0;
}

static bool is_csv(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".csv") == 0) ||
           (n > 7 && strcmp(name + n - 7, ".csv.gz") == 0);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
                  json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

static int fs_list(osr_db *db, json_t **out, struct osr_db_error *e)
{
    struct fsconn *f = (struct fsconn *)db;
    json_t *items[4096];
    size_t n = 0;
    struct dirent *d;
    DIR *dir;

    *out = NULL;
    if (fs_ping(db, e) < 0)
        return -OSR_ECONN;
    if (!(dir = opendir(f->dir)))
        return osr_db_fail(e, OSR_DB_PERMISSION, db->opts, "cannot read %s", f->dir);
    while ((d = readdir(dir)) && n < OSR_ARRAY_LEN(items)) {
        if (d->d_name[0] != '.' && is_csv(d->d_name))
            items[n++] =
                json_pack("{s:s, s:s, s:s}", "schema", "", "name", d->d_name, "kind", "file");
    }
    closedir(dir);
    qsort(items, n, sizeof(items[0]), cmp_name);
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*out, items[i]);
    return 0;
}

static int unsupported(osr_db *db, struct osr_db_error *e)
{
    return osr_db_fail(e, OSR_DB_CONFIG, db->opts,
                       "describing CSV files is not supported yet; list them instead");
}

static int fs_describe(osr_db *db, json_t *tables, struct osr_db_error *e)
{
    OSR_UNUSED(tables);
    return unsupported(db, e);
}

static int fs_count(osr_db *db, json_t *table, struct osr_db_error *e)
{
    OSR_UNUSED(table);
    return unsupported(db, e);
}

static int fs_sample(osr_db *db, json_t *table, int n, struct osr_db_error *e)
{
    OSR_UNUSED(table);
    OSR_UNUSED(n);
    return unsupported(db, e);
}

static int fs_query(osr_db *db, const char *sql, int (*row)(json_t *, json_t *, void *),
                    void *payload, struct osr_db_error *e)
{
    OSR_UNUSED(sql);
    OSR_UNUSED(row);
    OSR_UNUSED(payload);
    return osr_db_fail(e, OSR_DB_CONFIG, db->opts, "a directory of CSV files runs no SQL");
}

static void fs_close(osr_db *db)
{
    struct fsconn *f = (struct fsconn *)db;

    if (!f)
        return;
    free(f->dir);
    free(f);
}

const struct osr_db_ops osr_db_filesystem_ops = {
    "filesystem", fs_open, fs_ping, fs_list, fs_describe, fs_count, fs_sample, fs_query, fs_close,
};
