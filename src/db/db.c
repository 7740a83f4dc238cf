/*
 * db.c - the family table and helpers shared by the connectors.
 */
#include "db/db.h"
#include "core/error.h"
#include "core/mask.h"

#include <stdarg.h>

static const struct osr_db_ops *const families[] = {
    &osr_db_sqlite_ops,   &osr_db_postgres_ops,   &osr_db_mysql_ops,
    &osr_db_supabase_ops, &osr_db_filesystem_ops,
};

const struct osr_db_ops *osr_db_ops_get(const char *family)
{
    if (strcmp(family, "postgresql") == 0)
        family = "postgres";
    for (size_t i = 0; i < OSR_ARRAY_LEN(families); i++) {
        if (strcmp(families[i]->family, family) == 0)
            return families[i];
    }
    return NULL;
}

const char *osr_db_category_name(enum osr_db_category c)
{
    static const char *const names[] = {"ok",     "auth",       "network", "timeout",
                                        "config", "permission", "unknown"};
    return names[c];
}

int osr_db_fail(struct osr_db_error *e, enum osr_db_category c, const struct osr_db_opts *o,
                const char *fmt, ...)
{
    char raw[1024], *clean;
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    n = strlen(raw);
    while (n && (raw[n - 1] == '\n' || raw[n - 1] == ' '))
        raw[--n] = '\0';
    clean = osr_redact_text(raw, o ? o->secret_values : NULL);
    snprintf(e->message, sizeof(e->message), "%s", clean);
    free(clean);
    e->category = c;
    return osr_error_set(-OSR_ECONN, "%s", e->message);
}

void osr_db_quote_ident(struct osr_buf *out, char quote, const char *schema, const char *name)
{
    const char *parts[2] = {schema, name};

    for (int k = 0; k < 2; k++) {
        if (!parts[k])
            continue;
        if (k == 1 && schema)
            osr_buf_putc(out, '.');
        osr_buf_putc(out, quote);
        for (const char *p = parts[k]; *p; p++) {
            if (*p == quote)
                osr_buf_putc(out, quote);
            osr_buf_putc(out, *p);
        }
        osr_buf_putc(out, quote);
    }
}

long long osr_db_cfg_int(json_t *cfg, const char *key, long long dflt)
{
    json_t *v = json_object_get(cfg, key);
    char *end;
    long long n;

    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_string(v)) {
        n = strtoll(json_string_value(v), &end, 10);
        if (*end == '\0' && end != json_string_value(v))
            return n;
    }
    return dflt;
}

const char *osr_db_cfg_str(json_t *cfg, const char *key)
{
    json_t *v = json_object_get(cfg, key);
    return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

void osr_db_primary_key_from_columns(json_t *table)
{
    json_t *cols = json_object_get(table, "columns"), *pk = json_array(), *c;
    size_t i, n = json_array_size(cols);

    for (long long pos = 1; pos <= (long long)n; pos++) {
        json_array_foreach(cols, i, c)
        {
            if (json_integer_value(json_object_get(c, "primary_key")) == pos)
                json_array_append(pk, json_object_get(c, "name"));
        }
    }
    json_object_set_new(table, "primary_key", pk);
}

void osr_db_table_error(json_t *table, const struct osr_db_error *e)
{
    if (json_object_get(table, "error"))
        return;
    json_object_set_new(table, "error",
                        json_pack("{s:s, s:s}", "category", osr_db_category_name(e->category),
                                  "message", e->message));
}
