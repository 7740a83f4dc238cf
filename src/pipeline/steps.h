/*
 * steps.h - the components a run can execute, behind one interface.
 *
 * An extractor runs once and hands its rows, a batch at a time, to `emit` (the runner
 * passes them to every step that needs it). A writer is opened with the columns of its
 * input, takes batches, and is finished with commit (its output becomes visible whole: a
 * CSV file renamed into place, a database transaction committed) or abort (nothing of the
 * run is left: the temporary file removed, the transaction rolled back).
 */
#ifndef OSR_PIPELINE_STEPS_H
#define OSR_PIPELINE_STEPS_H

#include "db/db.h"
#include "pipeline/batch.h"

#include <jansson.h>

/* What a step needs from the run: the workspace and its resolved connection. */
struct osr_step_ctx {
    const char *base_path;
    const char *step_id;
    const char *component;
    json_t *cfg;   /* the step's compiled configuration (borrowed) */
    json_t *conn;  /* its connection's fields, secrets resolved (borrowed; may be NULL) */
    json_t *needs; /* the ids of the steps it takes rows from, in order (borrowed; may be NULL) */
    const struct osr_strv *secrets; /* the resolved secret values, for redacting messages */
    bool dry_run;                   /* check and plan, write nothing */
    bool transient; /* the failure was the network's or a timeout: trying again may help */
    /* Whether the run asks its steps to stop (a signal, another branch failed); a step that
     * can block for long between batches polls it. */
    bool (*stopping)(void *stop_arg);
    void *stop_arg;
    char err[1024]; /* what went wrong, for the run's error (no secret in it) */
};

typedef int (*osr_emit_fn)(const struct osr_batch *b, void *payload);

struct osr_extractor_ops {
    const char *component;
    /* Runs the extraction: first emits an empty batch carrying the columns, then the rows.
     * Returns 0, or -1 with ctx->err set. */
    int (*run)(struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload);
};

struct osr_writer_ops {
    const char *component;
    /* Opens the target for rows with the columns of `schema` (an empty batch). */
    int (*open)(void **state, struct osr_step_ctx *ctx, const struct osr_batch *schema);
    int (*write)(void *state, struct osr_step_ctx *ctx, const struct osr_batch *b);
    int (*commit)(void *state, struct osr_step_ctx *ctx);
    void (*abort)(void *state); /* also frees */
};

/* A processor takes the rows of one or more upstream steps, then produces rows of its own:
 * open; for each input, input_open (its columns) and input_write (its batches) -- inputs may
 * arrive interleaved, one call at a time; then run, which emits like an extractor; close
 * frees (and discards whatever the processor held). */
struct osr_processor_ops {
    const char *component;
    int (*open)(void **state, struct osr_step_ctx *ctx);
    /* Registers the input step `input_id` with the columns of `schema`; returns a slot
     * (>= 0) that input_write receives, or -1 with ctx->err set. */
    int (*input_open)(void *state, struct osr_step_ctx *ctx, const char *input_id,
                      const struct osr_batch *schema);
    int (*input_write)(void *state, struct osr_step_ctx *ctx, int slot, const struct osr_batch *b);
    int (*run)(void *state, struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload);
    void (*close)(void *state);
};

const struct osr_extractor_ops *osr_extractor_find(const char *component);
const struct osr_processor_ops *osr_processor_find(const char *component);
const struct osr_writer_ops *osr_writer_find(const char *component);

/* A table writer's write_mode (append when absent), or NULL with ctx->err set. For upsert,
 * `keys` receives the primary_key columns (a name or a list; required); a writer that cannot
 * upsert passes NULL and upsert is refused. */
const char *osr_step_write_mode(struct osr_step_ctx *ctx, struct osr_strv *keys);
/* Checks that every upsert key is a column of the input (an empty batch); -1 with ctx->err
 * set when one is not. */
int osr_step_keys_check(struct osr_step_ctx *ctx, const struct osr_strv *keys,
                        const struct osr_batch *schema);
/* Whether a file step's data is gzip: compression gzip, or infer (the default) and a path
 * ending in .gz. */
bool osr_step_gzip(const struct osr_step_ctx *ctx, const char *path);
/* The rows a batch of the step holds: its batch_size (10 000 when absent) within 1..100 000. */
size_t osr_step_batch_size(const struct osr_step_ctx *ctx);
/* A string setting of the step, else of its connection, else `dflt`. */
const char *osr_step_str(const struct osr_step_ctx *ctx, const char *key, const char *dflt);
/* Appends "name" quoted for SQL (quotes doubled), with an optional schema:
 * "schema"."name". */
void osr_step_quote_ident(struct osr_buf *out, const char *schema, const char *name);
/* The table under which a processor sees the rows of input step `input_id` (owned):
 * df_<id> with characters outside [A-Za-z0-9_] turned into "_" and "_" before a leading
 * digit; a name already in `taken` gets "_" and 8 hex digits of the id's SHA-256 appended. */
char *osr_step_df_name(const char *input_id, const struct osr_strv *taken);
/* The session options of a pipeline step: 5 s to connect, no statement timeout (the
 * connection may set one), read-only for extractors, secrets for redacting messages. */
struct osr_db_opts osr_step_db_opts(const struct osr_step_ctx *ctx, bool read_only);
/* For a writer whose table does not exist: 0 when it may create it (create_if_missing not
 * false, or write_mode replace), else -1 with ctx->err set. */
int osr_step_may_create(struct osr_step_ctx *ctx, const char *mode, const char *table);
/* Sets ctx->err to the database error `e` ("step 'ID': category: message"), notes whether
 * it is transient, and returns -1. */
int osr_step_fail_db(struct osr_step_ctx *ctx, const struct osr_db_error *e);
/* While a step blocks inside a client library (a query that sorts before its first row),
 * a watcher thread calls cancel(arg) once the run asks its steps to stop (ctx->stopping).
 * osr_step_watch_end stops the watcher and says whether it cancelled. */
struct osr_step_watch;
struct osr_step_watch *osr_step_watch_start(struct osr_step_ctx *ctx, void (*cancel)(void *arg),
                                            void *arg);
bool osr_step_watch_end(struct osr_step_watch *w);
/* osr_step_watch_end for a step that failed (rc < 0): when the watcher cancelled the
 * library's work, the step's error says the run was stopped while `engine` ran the query
 * (unless it already says the run was stopped). Returns rc. */
int osr_step_watch_done(struct osr_step_watch *w, struct osr_step_ctx *ctx, int rc,
                        const char *engine);
/* The table a processor loads input `input_id` into: osr_step_df_name, two ids that make
 * the same name told apart in the order of ctx->needs (so a pipeline names its tables
 * alike whichever input arrives first), or of `taken` when the step has no needs list. */
char *osr_step_input_table(const struct osr_step_ctx *ctx, const char *input_id,
                           const struct osr_strv *taken);
/* Sets ctx->err (printf style) and returns -1. */
int osr_step_fail(struct osr_step_ctx *ctx, const char *fmt, ...) OSR_PRINTF(2, 3);

#endif
