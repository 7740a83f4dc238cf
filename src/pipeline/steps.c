/*
 * steps.c - the table of runnable components (see steps.h).
 */
#include "pipeline/steps.h"

#include "core/alloc.h"
#include "core/sha256.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

extern const struct osr_extractor_ops osr_sqlite_extractor, osr_csv_extractor, osr_pg_extractor,
    osr_mysql_extractor, osr_supabase_extractor;
extern const struct osr_processor_ops osr_sqlite_processor, osr_duckdb_processor;
extern const struct osr_writer_ops osr_sqlite_writer, osr_csv_writer, osr_pg_writer,
    osr_mysql_writer, osr_supabase_writer;

static const struct osr_extractor_ops *const extractors[] = {
    &osr_sqlite_extractor, &osr_csv_extractor, &osr_pg_extractor, &osr_mysql_extractor,
    &osr_supabase_extractor};
static const struct osr_processor_ops *const processors[] = {&osr_sqlite_processor,
                                                             &osr_duckdb_processor};
static const struct osr_writer_ops *const writers[] = {
    &osr_csv_writer, &osr_sqlite_writer, &osr_pg_writer, &osr_mysql_writer, &osr_supabase_writer};

const struct osr_extractor_ops *osr_extractor_find(const char *component)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(extractors); i++) {
        if (strcmp(extractors[i]->component, component) == 0)
            return extractors[i];
    }
    return NULL;
}

const struct osr_processor_ops *osr_processor_find(const char *component)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(processors); i++) {
        if (strcmp(processors[i]->component, component) == 0)
            return processors[i];
    }
    return NULL;
}

const struct osr_writer_ops *osr_writer_find(const char *component)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(writers); i++) {
        if (strcmp(writers[i]->component, component) == 0)
            return writers[i];
    }
    return NULL;
}

const char *osr_step_str(const struct osr_step_ctx *ctx, const char *key, const char *dflt)
{
    const char *v = json_string_value(json_object_get(ctx->cfg, key));

    if (!v)
        v = json_string_value(json_object_get(ctx->conn, key));
    return v ? v : dflt;
}

void osr_step_quote_ident(struct osr_buf *out, const char *schema, const char *name)
{
    osr_db_quote_ident(out, '"', schema, name);
}

const char *osr_step_write_mode(struct osr_step_ctx *ctx, struct osr_strv *keys)
{
    const char *mode = json_string_value(json_object_get(ctx->cfg, "write_mode"));
    json_t *pk = json_object_get(ctx->cfg, "primary_key"), *k;
    size_t i;

    if (!mode || strcmp(mode, "upsert") != 0)
        return mode ? mode : "append";
    if (!keys) {
        osr_step_fail(ctx,
                      "step '%s': write_mode upsert is not available for %s; use append, "
                      "replace or truncate",
                      ctx->step_id, ctx->component ? ctx->component : "this component");
        return NULL;
    }
    if (json_is_string(pk))
        osr_strv_push(keys, json_string_value(pk));
    json_array_foreach(pk, i, k)
    {
        if (!json_is_string(k) || !json_string_length(k)) {
            osr_step_fail(ctx, "step '%s': primary_key item %zu is not a column name", ctx->step_id,
                          i + 1);
            return NULL;
        }
        osr_strv_push(keys, json_string_value(k));
    }
    if (keys->n == 0) {
        osr_step_fail(ctx,
                      "step '%s': write_mode upsert needs primary_key (the key columns, e.g. "
                      "primary_key: [id])",
                      ctx->step_id);
        return NULL;
    }
    return mode;
}

int osr_step_fail(struct osr_step_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
    va_end(ap);
    return -1;
}

char *osr_step_df_name(const char *input_id, const struct osr_strv *taken)
{
    struct osr_buf name;
    char hex[65];

    osr_buf_init(&name, 4096);
    osr_buf_puts(&name, "df_");
    if (isdigit((unsigned char)input_id[0]))
        osr_buf_putc(&name, '_');
    for (const char *p = input_id; *p; p++)
        osr_buf_putc(&name, isalnum((unsigned char)*p) || *p == '_' ? *p : '_');
    if (taken && osr_strv_contains(taken, name.ptr)) {
        osr_sha256_hex(input_id, strlen(input_id), hex);
        osr_buf_printf(&name, "_%.8s", hex);
    }
    return osr_buf_take(&name);
}

int osr_step_keys_check(struct osr_step_ctx *ctx, const struct osr_strv *keys,
                        const struct osr_batch *schema)
{
    for (size_t k = 0; k < keys->n; k++) {
        if (!osr_strv_contains(&schema->names, keys->v[k]))
            return osr_step_fail(ctx,
                                 "step '%s': primary_key column '%s' is not among the input's "
                                 "columns",
                                 ctx->step_id, keys->v[k]);
    }
    return 0;
}

bool osr_step_gzip(const struct osr_step_ctx *ctx, const char *path)
{
    const char *comp = osr_step_str(ctx, "compression", "infer");
    size_t n = strlen(path);

    return strcmp(comp, "gzip") == 0 ||
           (strcmp(comp, "infer") == 0 && n > 3 && strcmp(path + n - 3, ".gz") == 0);
}

int osr_step_fail_db(struct osr_step_ctx *ctx, const struct osr_db_error *e)
{
    ctx->transient = e->category == OSR_DB_NETWORK || e->category == OSR_DB_TIMEOUT;
    return osr_step_fail(ctx, "step '%s': %s: %s", ctx->step_id, osr_db_category_name(e->category),
                         e->message);
}

size_t osr_step_batch_size(const struct osr_step_ctx *ctx)
{
    json_t *v = json_object_get(ctx->cfg, "batch_size");
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : 10000;

    return n < 1 ? 1 : n > 100000 ? 100000 : (size_t)n;
}

struct osr_step_watch {
    struct osr_step_ctx *ctx;
    void (*cancel)(void *arg);
    void *arg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* the step is done */
    bool done, cancelled;
};

static void *watch_main(void *arg)
{
    struct osr_step_watch *w = arg;

    pthread_mutex_lock(&w->lock);
    while (!w->done) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 20000000; /* looks every 20 ms */
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
        if (!w->done && w->ctx->stopping(w->ctx->stop_arg)) {
            w->cancelled = true;
            w->cancel(w->arg);
            break;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct osr_step_watch *osr_step_watch_start(struct osr_step_ctx *ctx, void (*cancel)(void *arg),
                                            void *arg)
{
    struct osr_step_watch *w;

    if (!ctx->stopping)
        return NULL; /* nothing to watch */
    w = osr_xcalloc(1, sizeof(*w));
    *w = (struct osr_step_watch){.ctx = ctx, .cancel = cancel, .arg = arg};
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

bool osr_step_watch_end(struct osr_step_watch *w)
{
    bool cancelled;

    if (!w)
        return false;
    pthread_mutex_lock(&w->lock);
    w->done = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    cancelled = w->cancelled;
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
    return cancelled;
}

int osr_step_watch_done(struct osr_step_watch *w, struct osr_step_ctx *ctx, int rc,
                        const char *engine)
{
    if (osr_step_watch_end(w) && rc < 0 && !strstr(ctx->err, "the run was stopped"))
        osr_step_fail(ctx, "step '%s': the run was stopped while %s ran the query", ctx->step_id,
                      engine);
    return rc;
}

char *osr_step_input_table(const struct osr_step_ctx *ctx, const char *input_id,
                           const struct osr_strv *taken)
{
    struct osr_strv names = OSR_STRV_INIT;
    char *found = NULL;
    json_t *v;
    size_t i;

    json_array_foreach(ctx->needs, i, v)
    {
        const char *id = json_string_value(v);
        char *name = id ? osr_step_df_name(id, &names) : NULL;
        if (!name)
            continue;
        osr_strv_push(&names, name);
        if (!found && strcmp(id, input_id) == 0)
            found = name;
        else
            free(name);
    }
    osr_strv_dispose(&names);
    return found ? found : osr_step_df_name(input_id, taken);
}

struct osr_db_opts osr_step_db_opts(const struct osr_step_ctx *ctx, bool read_only)
{
    return (struct osr_db_opts){.connect_timeout_s = 5,
                                .statement_timeout_s = -1,
                                .read_only = read_only,
                                .base_path = ctx->base_path,
                                .secret_values = ctx->secrets};
}

int osr_step_may_create(struct osr_step_ctx *ctx, const char *mode, const char *table)
{
    if (json_is_false(json_object_get(ctx->cfg, "create_if_missing")) &&
        strcmp(mode, "replace") != 0)
        return osr_step_fail(ctx,
                             "step '%s': table %s does not exist and create_if_missing is false",
                             ctx->step_id, table);
    return 0;
}
