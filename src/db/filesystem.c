/*
 * filesystem.c - the filesystem "connection": a directory of CSV files under base_dir.
 *
 * The doctor checks that the directory exists and can be read; listing returns the CSV
 * files it holds. Describing reads the header and the first rows to name and type the
 * columns (integer, number, boolean or text) and notes ragged rows as warnings with their
 * line; counting and sampling stream the file, so its size does not matter. Compressed
 * files are listed but not read yet.
 */
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "db/csv.h"
#include "db/db.h"
#include "db/values.h"

#include <errno.h>

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

#define CSV_FIELD_MAX (1u << 20)
#define TYPE_SCAN_ROWS 1000
#define MAX_WARNINGS 10

static char *file_path(struct fsconn *f, json_t *table)
{
    return osr_path_join(f->dir, json_string_value(json_object_get(table, "name")));
}

static int open_csv(struct fsconn *f, json_t *table, struct osr_csv *c, struct osr_db_error *e)
{
    const char *name = json_string_value(json_object_get(table, "name"));
    char *path;
    int rc;

    path = file_path(f, table);
    rc = osr_csv_open(c, path, strlen(name) > 3 && strcmp(name + strlen(name) - 3, ".gz") == 0, ',',
                      '"', CSV_FIELD_MAX);
    free(path);
    if (rc < 0)
        return osr_db_fail(e, OSR_DB_PERMISSION, f->base.opts, "%s", osr_error_last());
    return 0;
}

enum ctype { T_EMPTY, T_INT, T_NUM, T_BOOL, T_TEXT };

static enum ctype value_type(const char *v)
{
    char *end;

    if (!*v)
        return T_EMPTY;
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
        return T_BOOL;
    errno = 0;
    strtoll(v, &end, 10);
    if (*end == '\0' && errno == 0)
        return T_INT;
    strtod(v, &end);
    return *end == '\0' ? T_NUM : T_TEXT;
}

static enum ctype widen(enum ctype a, enum ctype b)
{
    if (a == T_EMPTY)
        return b;
    if (b == T_EMPTY || a == b)
        return a;
    if ((a == T_INT && b == T_NUM) || (a == T_NUM && b == T_INT))
        return T_NUM;
    return T_TEXT;
}

static const char *type_name(enum ctype t)
{
    static const char *const names[] = {"text", "integer", "number", "boolean", "text"};
    return names[t];
}

static void warn_ragged(json_t *table, unsigned long line, size_t got, size_t want)
{
    json_t *w = json_object_get(table, "warnings");
    char msg[160];

    if (!w)
        json_object_set_new(table, "warnings", w = json_array());
    if (json_array_size(w) >= MAX_WARNINGS)
        return;
    snprintf(msg, sizeof(msg), "row has %zu fields; the header has %zu", got, want);
    json_array_append_new(w, json_pack("{s:I, s:s}", "line", (json_int_t)line, "message", msg));
}

/* Reads the header and up to TYPE_SCAN_ROWS rows to name and type the columns. */
static int describe_one(struct fsconn *f, json_t *t, struct osr_db_error *e)
{
    struct osr_csv c;
    enum ctype types[1024] = {T_EMPTY};
    bool nulls[1024] = {false};
    json_t *cols = json_array();
    size_t ncol, rows = 0;
    int rc;

    if (open_csv(f, t, &c, e) < 0) {
        json_decref(cols);
        return -OSR_ECONN;
    }
    rc = osr_csv_next(&c);
    ncol = c.fields.n < 1024 ? c.fields.n : 1024;
    for (size_t i = 0; rc > 0 && i < ncol; i++)
        json_array_append_new(cols, json_string(c.fields.v[i]));
    while (rc > 0 && rows < TYPE_SCAN_ROWS && (rc = osr_csv_next(&c)) > 0) {
        rows++;
        if (c.fields.n != ncol)
            warn_ragged(t, c.line, c.fields.n, ncol);
        for (size_t i = 0; i < ncol && i < c.fields.n; i++) {
            types[i] = widen(types[i], value_type(c.fields.v[i]));
            nulls[i] = nulls[i] || !*c.fields.v[i];
        }
    }
    if (rc < 0) {
        osr_db_fail(e, OSR_DB_CONFIG, f->base.opts, "%s", c.error);
        osr_csv_close(&c);
        json_decref(cols);
        return -OSR_ECONN;
    }
    osr_csv_close(&c);
    for (size_t i = 0; i < json_array_size(cols); i++) {
        json_t *name = json_incref(json_array_get(cols, i));
        json_array_set_new(cols, i,
                           json_pack("{s:o, s:s, s:b, s:n, s:n}", "name", name, "type",
                                     type_name(types[i]), "nullable", nulls[i], "default",
                                     "primary_key"));
    }
    json_object_set_new(t, "columns", cols);
    json_object_set_new(t, "primary_key", json_array());
    json_object_set_new(t, "foreign_keys", json_array());
    return 0;
}

static int fs_describe(osr_db *db, json_t *tables, struct osr_db_error *e)
{
    struct fsconn *f = (struct fsconn *)db;
    size_t i;
    json_t *t;

    /* A file that cannot be read is reported on that file; the others are described. */
    json_array_foreach(tables, i, t)
    {
        struct osr_db_error te = {OSR_DB_OK, ""};
        if (describe_one(f, t, &te) < 0) {
            json_object_set_new(t, "columns", json_array());
            json_object_set_new(t, "primary_key", json_array());
            json_object_set_new(t, "foreign_keys", json_array());
            json_object_set_new(t, "error",
                                json_pack("{s:s, s:s}", "category",
                                          osr_db_category_name(te.category), "message",
                                          te.message));
        }
    }
    OSR_UNUSED(e);
    return 0;
}

static int fs_count(osr_db *db, json_t *table, struct osr_db_error *e)
{
    struct fsconn *f = (struct fsconn *)db;
    struct osr_csv c;
    long long rows = -1;
    int rc;

    if (json_object_get(table, "error"))
        return osr_db_fail(
            e,
            json_string_value(json_object_get(json_object_get(table, "error"), "category"))[0] ==
                    'p'
                ? OSR_DB_PERMISSION
                : OSR_DB_CONFIG,
            db->opts, "%s",
            json_string_value(json_object_get(json_object_get(table, "error"), "message")));
    if (open_csv(f, table, &c, e) < 0)
        return -OSR_ECONN;
    while ((rc = osr_csv_next(&c)) > 0)
        rows++;
    if (rc < 0) {
        rc = osr_db_fail(e, OSR_DB_CONFIG, db->opts, "%s", c.error);
        osr_csv_close(&c);
        return rc;
    }
    osr_csv_close(&c);
    json_object_set_new(table, "row_count", json_integer(rows < 0 ? 0 : rows));
    json_object_set_new(table, "row_count_exact", json_true());
    return 0;
}

static json_t *typed(const char *v, const char *type, bool *cut)
{
    if (!*v)
        return json_null();
    if (strcmp(type, "integer") == 0)
        return json_integer(strtoll(v, NULL, 10));
    if (strcmp(type, "number") == 0)
        return json_real(strtod(v, NULL));
    if (strcmp(type, "boolean") == 0)
        return json_boolean(strcmp(v, "true") == 0);
    return osr_db_text_value(v, strlen(v), cut);
}

static int fs_sample(osr_db *db, json_t *table, int n, struct osr_db_error *e)
{
    struct fsconn *f = (struct fsconn *)db;
    json_t *cols = json_object_get(table, "columns"), *rows = json_array();
    struct osr_csv c;
    bool cut = false;
    int rc;

    if (open_csv(f, table, &c, e) < 0) {
        json_decref(rows);
        return -OSR_ECONN;
    }
    rc = osr_csv_next(&c); /* the header */
    while (rc > 0 && (int)json_array_size(rows) < n && (rc = osr_csv_next(&c)) > 0) {
        json_t *obj = json_object();
        for (size_t i = 0; i < json_array_size(cols); i++) {
            json_t *col = json_array_get(cols, i);
            const char *name = json_string_value(json_object_get(col, "name"));
            const char *v = i < c.fields.n ? c.fields.v[i] : "";
            json_object_set_new(obj, name,
                                typed(v, json_string_value(json_object_get(col, "type")), &cut));
        }
        osr_db_mask_row(obj);
        json_array_append_new(rows, obj);
    }
    osr_csv_close(&c);
    json_object_set_new(table, "samples", rows);
    if (cut)
        json_object_set_new(table, "samples_truncated", json_true());
    if (rc < 0)
        return osr_db_fail(e, OSR_DB_CONFIG, db->opts, "%s", c.error);
    return 0;
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
    .family = "filesystem",
    .open = fs_open,
    .ping = fs_ping,
    .list_tables = fs_list,
    .describe = fs_describe,
    .count = fs_count,
    .sample = fs_sample,
    .query = fs_query,
    .close = fs_close,
};
