/*
 * branches.c - moving the rows of a run (see run_state.h and runner.h): a branch is a
 * source (an extractor, or a processor whose inputs are all in) with the writers it feeds;
 * rows stream from the source to every step that takes them, a batch at a time; ready
 * branches run side by side in waves, and run again after a transient failure.
 */
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/loop.h"
#include "core/mask.h"
#include "core/progress.h"
#include "pipeline/run_state.h"

#include <unistd.h>

/* The index of `src` among the inputs of `st`, or -1 when st does not take its rows. */
int osr_run_input_index(const struct osr_run_step *st, const struct osr_run_step *src)
{
    json_t *v;
    size_t i;

    if (!st->wr && !st->pr)
        return -1;
    json_array_foreach(st->needs, i, v)
    {
        if (strcmp(json_string_value(v), src->id) == 0)
            return (int)i;
    }
    return -1;
}

bool osr_run_is_source(const struct osr_run_step *st)
{
    return st->ex || st->pr;
}

/* Resolves a step's connection and notes the file it uses; a failure is the step's. */
static int connect_step(struct osr_run_state *R, struct osr_run_step *st)
{
    const char *ref = json_string_value(json_object_get(st->cfg, "connection"));
    const struct osr_conn_alias *a;
    const char *path;

    if (ref && !st->conn &&
        (!R->conns.present || osr_connections_find(&a, &R->conns, ref) < 0 ||
         osr_connections_resolve_strict(&st->conn, a, &R->secrets) < 0))
        return osr_step_fail(&st->ctx, "step '%s': connection %s: %s", st->id, ref,
                             osr_error_last());
    st->ctx.conn = st->conn;
    path = osr_step_str(&st->ctx, "path", NULL);
    if (path && !st->resource && !st->pr)
        st->resource = osr_path_absolute(path, R->req->cfg->base_path);
    return 0;
}

/* ---- streaming from a source (extractor or processor) to the steps that take its rows ---- */

/* A local branch's data batches reach the steps it feeds in a thread of their own: emit
 * copies a batch into the slot and goes back to reading while the consumers write the one
 * before, so reading and writing overlap on two cores. One batch waits at most; the schema
 * (the first, empty batch) is fed in the source's thread, before the relay starts. */
struct relay {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct osr_batch slot; /* the batch waiting for the consumers */
    uint64_t slot_size;    /* its osr_batch_size */
    bool wanted;           /* every step of the branch is local (see branch_is_local) */
    bool started, full, closing;
};

struct flow {
    struct osr_run_state *R;
    struct osr_run_step *from;
    struct osr_run_step *failed; /* under relay.lock once the relay runs */
    bool opened;
    uint64_t fed_us; /* time the source's thread spent on the steps it feeds, or waiting */
    struct relay relay;
};

/* Opens or feeds one consumer `c` (input `k` of it) with batch `b`. */
static int feed(struct flow *f, struct osr_run_step *c, int k, const struct osr_batch *b,
                uint64_t size)
{
    uint64_t t0;
    int rc = 0;

    if (c->pr)
        pthread_mutex_lock(&c->lock);
    t0 = osr_now_us();
    if (f->opened) {
        rc = c->wr ? c->wr->write(c->state, &c->ctx, b)
                   : c->pr->input_write(c->state, &c->ctx, c->slots[k], b);
        c->rows_in += b->nrows;
        c->bytes += size;
    } else if (c->wr) {
        osr_run_event(f->R, "step_start", c->id, NULL);
        rc = c->wr->open(&c->state, &c->ctx, b);
    } else {
        if (!c->state) {
            osr_run_event(f->R, "step_start", c->id, NULL);
            rc = c->pr->open(&c->state, &c->ctx);
        }
        if (rc == 0)
            rc = (c->slots[k] = c->pr->input_open(c->state, &c->ctx, f->from->id, b)) < 0 ? -1 : 0;
    }
    c->us += osr_now_us() - t0;
    if (c->pr)
        pthread_mutex_unlock(&c->lock);
    return rc;
}

/* Feeds batch `b` to every step that takes the source's rows; the failing one, or NULL. */
static struct osr_run_step *feed_all(struct flow *f, const struct osr_batch *b, uint64_t size)
{
    for (size_t i = 0; i < f->R->n; i++) {
        struct osr_run_step *c = &f->R->steps[i];
        int k = osr_run_input_index(c, f->from);
        if (k >= 0 && feed(f, c, k, b, size) < 0)
            return c;
    }
    return NULL;
}

static void *relay_main(void *arg)
{
    struct flow *f = arg;
    struct relay *r = &f->relay;
    struct osr_run_step *failed = NULL;

    pthread_mutex_lock(&r->lock);
    while (!failed) {
        while (!r->full && !r->closing)
            pthread_cond_wait(&r->cond, &r->lock);
        if (!r->full)
            break; /* closing, and nothing left */
        pthread_mutex_unlock(&r->lock);
        failed = feed_all(f, &r->slot, r->slot_size);
        pthread_mutex_lock(&r->lock);
        if (failed && !f->failed)
            f->failed = failed;
        r->full = false;
        pthread_cond_broadcast(&r->cond);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* Hands data batch `b` to the relay (started on the first); -1 when a consumer failed. */
static int relay_put(struct flow *f, const struct osr_batch *b, uint64_t size)
{
    struct relay *r = &f->relay;
    uint64_t t0 = osr_now_us();
    int rc = 0;

    if (!r->started) {
        pthread_mutex_init(&r->lock, NULL);
        pthread_cond_init(&r->cond, NULL);
        osr_batch_init(&r->slot, b->cap, b->arena.max);
        if (pthread_create(&r->thread, NULL, relay_main, f) != 0) {
            struct osr_run_step *failed = feed_all(f, b, size); /* no thread: feed here */
            f->failed = failed ? failed : f->failed;
            return failed ? -1 : 0;
        }
        r->started = true;
    }
    pthread_mutex_lock(&r->lock);
    while (r->full && !f->failed)
        pthread_cond_wait(&r->cond, &r->lock);
    if (f->failed)
        rc = -1;
    else {
        osr_batch_copy(&r->slot, b);
        r->slot_size = size;
        r->full = true;
        pthread_cond_broadcast(&r->cond);
    }
    pthread_mutex_unlock(&r->lock);
    f->fed_us += osr_now_us() - t0;
    return rc;
}

/* Waits until the consumers have taken every batch, and stops the relay. */
static void relay_finish(struct flow *f)
{
    struct relay *r = &f->relay;
    uint64_t t0 = osr_now_us();

    if (!r->started && r->slot.arena.max == 0)
        return;
    if (r->started) {
        pthread_mutex_lock(&r->lock);
        r->closing = true;
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->thread, NULL);
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
    }
    osr_batch_dispose(&r->slot);
    f->fed_us += osr_now_us() - t0;
}

static int emit(const struct osr_batch *b, void *payload)
{
    struct flow *f = payload;
    uint64_t t0 = osr_now_us(), size;

    if (osr_run_stopping() || f->R->halt)
        return osr_step_fail(&f->from->ctx, "step '%s': the run was stopped (%s) after %llu rows",
                             f->from->id, osr_run_stopping() ? "a signal" : "another step failed",
                             (unsigned long long)f->from->rows_out);
    size = osr_batch_size(b); /* once per batch, for the source and every step it feeds */
    if (!f->opened || !f->relay.wanted) { /* the columns (writers open), or a server branch */
        if ((f->failed = feed_all(f, b, size)) != NULL)
            return -1;
        f->fed_us += osr_now_us() - t0;
    } else if (relay_put(f, b, size) < 0) {
        return -1;
    }
    if (f->opened) {
        f->from->rows_out += b->nrows;
        f->from->bytes += size;
    }
    f->opened = true;
    return 0;
}

/* Records a step's end: its event, and a progress report (steps done of all) for the MCP
 * client that started the run. */
static void finish_step(struct osr_run_state *R, struct osr_run_step *st, bool ok)
{
    char msg[160];
    size_t done_steps = 0;

    st->status = ok ? "success" : "failed";
    if (ok)
        osr_run_event(R, "step_complete", st->id,
                      json_pack("{s:I, s:I, s:I, s:I, s:i}", "rows_in", (json_int_t)st->rows_in,
                                "rows_out", (json_int_t)st->rows_out, "bytes",
                                (json_int_t)st->bytes, "duration_ms", (json_int_t)(st->us / 1000),
                                "retries", st->retries));
    else {
        char *text = osr_redact_text(st->ctx.err, &R->secrets);
        snprintf(st->ctx.err, sizeof(st->ctx.err), "%s", text);
        free(text);
        osr_run_event(R, "step_error", st->id, json_pack("{s:s}", "error", st->ctx.err));
    }
    pthread_mutex_lock(&R->lock); /* reports rise: counted and written under one lock */
    for (size_t k = 0; k < R->n; k++)
        done_steps += strcmp(R->steps[k].status, "pending") != 0;
    snprintf(msg, sizeof(msg), "%s: %llu rows%s", st->id,
             (unsigned long long)(st->wr ? st->rows_in : st->rows_out), ok ? "" : " (failed)");
    osr_progress((double)done_steps, (double)R->n, msg);
    pthread_mutex_unlock(&R->lock);
}

/* Runs the source itself: an extractor, or a processor over the inputs it was fed. */
static int run_source(struct flow *f)
{
    struct osr_run_step *s = f->from;
    int rc = 0;

    if (s->ex) {
        osr_run_event(f->R, "step_start", s->id, json_pack("{s:i}", "wave", s->wave));
        return s->ex->run(&s->ctx, emit, f);
    }
    if (!s->state) { /* a processor without inputs */
        osr_run_event(f->R, "step_start", s->id, NULL);
        rc = s->pr->open(&s->state, &s->ctx);
    }
    osr_run_event(f->R, "step_run", s->id, json_pack("{s:i}", "wave", s->wave));
    if (rc == 0)
        rc = s->pr->run(s->state, &s->ctx, emit, f);
    s->pr->close(s->state);
    s->state = NULL;
    return rc;
}

/* Whether every step of the branch from `src` works on local files (SQLite, CSV,
 * processors): then the relay overlaps reading and writing. A branch with a database server
 * in it shares the machine with the server, which needs the cores itself (on 2 cores the
 * relay's copy made CSV -> PostgreSQL 12 % slower, SQLite -> CSV + SQLite 16 % faster). */
static bool branch_is_local(struct osr_run_state *R, const struct osr_run_step *src)
{
    static const char *const servers[] = {"postgres.", "mysql.", "supabase."};

    for (size_t i = 0; i < R->n; i++) {
        const struct osr_run_step *st = &R->steps[i];
        if (st != src && osr_run_input_index(st, src) < 0)
            continue;
        for (size_t k = 0; k < OSR_ARRAY_LEN(servers); k++) {
            if (strncmp(st->component, servers[k], strlen(servers[k])) == 0)
                return false;
        }
    }
    return true;
}

/* Runs source `src` into the steps that take its rows; returns the failed step or NULL.
 * Writers are committed when the source succeeded, else aborted; processors it fed keep
 * their inputs until they run themselves. */
static struct osr_run_step *run_flow(struct osr_run_state *R, struct osr_run_step *src)
{
    struct flow f = {R, src, NULL, false, 0, {.wanted = branch_is_local(R, src)}};
    uint64_t t0 = osr_now_us();
    int rc = run_source(&f);

    relay_finish(&f);
    if (rc == 0 && f.failed) /* a consumer failed on the last batches */
        rc = -1;

    for (size_t i = 0; i < R->n; i++) {
        struct osr_run_step *w = &R->steps[i];
        if (!w->wr || osr_run_input_index(w, src) < 0)
            continue;
        if (rc == 0) {
            uint64_t c0 = osr_now_us();
            int crc = w->wr->commit(w->state, &w->ctx); /* frees the writer */
            w->state = NULL;
            w->us += osr_now_us() - c0;
            f.fed_us += osr_now_us() - c0;
            finish_step(R, w, crc == 0);
            if (crc < 0 && !f.failed)
                f.failed = w;
        } else {
            bool opened = w->state != NULL;
            if (opened)
                w->wr->abort(w->state);
            w->state = NULL;
            if (w != f.failed && opened) /* it took rows, then gave them back */
                osr_step_fail(&w->ctx, "step '%s': rolled back, nothing written: step '%s' failed",
                              w->id, f.failed ? f.failed->id : src->id);
            if (w == f.failed || opened)
                finish_step(R, w, false);
        }
    }
    if (f.failed && f.failed->pr && f.failed != src)
        finish_step(R, f.failed, false);
    src->us += osr_now_us() - t0 - f.fed_us;
    if (rc < 0 && !f.failed)
        f.failed = src;
    finish_step(R, src, f.failed != src);
    return f.failed;
}

/* ---- scheduling: sources whose inputs are done run side by side, unless they share a file */

struct branch {
    struct osr_run_state *R;
    struct osr_run_step *src, *failed;
    pthread_t thread;
};

/* Whether the branch from `src` may run again after `failed` failed: a network error or a
 * timeout, nothing of it committed, no processor holding its rows, the run going on. */
static bool may_retry(struct osr_run_state *R, const struct osr_run_step *src,
                      const struct osr_run_step *failed)
{
    if (!failed->ctx.transient || src->retries >= R->req->cfg->runtime.retries ||
        osr_run_stopping() || R->halt)
        return false;
    for (size_t i = 0; i < R->n; i++) {
        const struct osr_run_step *c = &R->steps[i];
        if (osr_run_input_index(c, src) >= 0 && (c->pr || strcmp(c->status, "success") == 0))
            return false;
    }
    return true;
}

/* Puts the branch from `src` back to before it ran, counting the retry. */
static void reset_branch(struct osr_run_state *R, struct osr_run_step *src)
{
    src->retries++;
    for (size_t i = 0; i < R->n; i++) {
        struct osr_run_step *st = &R->steps[i];
        if (st != src && osr_run_input_index(st, src) < 0)
            continue;
        st->status = "pending";
        st->rows_in = st->rows_out = st->bytes = st->us = 0;
        st->retries = src->retries;
        st->ctx.transient = false;
    }
}

/* Runs a branch, again after a transient failure (runtime.retries, waiting
 * runtime.retry_backoff_ms, doubled each time); its final failure stops the run. */
static void *branch_main(void *arg)
{
    struct branch *b = arg;
    struct osr_run_state *R = b->R;

    while ((b->failed = run_flow(R, b->src)) && may_retry(R, b->src, b->failed)) {
        long long wait_ms = R->req->cfg->runtime.retry_backoff_ms << b->src->retries;
        osr_run_event(R, "step_retry", b->src->id,
                      json_pack("{s:i, s:I, s:s}", "attempt", b->src->retries + 2, "wait_ms",
                                (json_int_t)wait_ms, "after", b->failed->ctx.err));
        for (; wait_ms > 0 && !osr_run_stopping() && !R->halt; wait_ms -= 20)
            usleep(wait_ms < 20 ? (useconds_t)wait_ms * 1000 : 20000);
        reset_branch(R, b->src);
    }
    if (b->failed) {
        pthread_mutex_lock(&R->lock);
        if (!R->first_failed)
            R->first_failed = b->failed;
        R->halt = 1;
        pthread_mutex_unlock(&R->lock);
    }
    return NULL;
}

static bool ready(struct osr_run_state *R, const struct osr_run_step *st)
{
    json_t *v;
    size_t i;

    if (!osr_run_is_source(st) || strcmp(st->status, "pending") != 0)
        return false;
    json_array_foreach(st->needs, i, v)
    {
        if (strcmp(osr_run_find(R, json_string_value(v))->status, "success") != 0)
            return false;
    }
    return true;
}

/* Whether a step of the branch from `src` uses a file a step of `taken` uses. */
static bool shares_file(struct osr_run_state *R, const struct osr_run_step *src,
                        const struct osr_strv *taken)
{
    for (size_t i = 0; i < R->n; i++) {
        const struct osr_run_step *st = &R->steps[i];
        if ((st == src || (st->wr && osr_run_input_index(st, src) >= 0)) && st->resource &&
            osr_strv_contains(taken, st->resource))
            return true;
    }
    return false;
}

static void take_files(struct osr_run_state *R, const struct osr_run_step *src,
                       struct osr_strv *taken)
{
    for (size_t i = 0; i < R->n; i++) {
        const struct osr_run_step *st = &R->steps[i];
        if ((st == src || (st->wr && osr_run_input_index(st, src) >= 0)) && st->resource)
            osr_strv_push(taken, st->resource);
    }
}

/* Resolves the connections of a branch: its source and its writers. */
static struct osr_run_step *connect_branch(struct osr_run_state *R, struct osr_run_step *src)
{
    if (connect_step(R, src) < 0)
        return src;
    for (size_t i = 0; i < R->n; i++) {
        struct osr_run_step *w = &R->steps[i];
        if (w->wr && osr_run_input_index(w, src) >= 0 && connect_step(R, w) < 0)
            return w;
    }
    return NULL;
}

/* Picks the branches to run next (at most `max`); returns how many, or sets *failed. */
static size_t pick_wave(struct osr_run_state *R, struct branch *wave, size_t max,
                        struct osr_run_step **failed)
{
    struct osr_strv taken = OSR_STRV_INIT;
    size_t n = 0;
    int round = 1;

    for (size_t i = 0; i < R->n; i++)
        round = R->steps[i].wave >= round ? R->steps[i].wave + 1 : round;

    for (size_t i = 0; i < R->n && n < max && !*failed; i++) {
        struct osr_run_step *st = &R->steps[i];
        if (!ready(R, st))
            continue;
        if (osr_run_stopping()) { /* between branches: this one fails without starting */
            osr_step_fail(&st->ctx, "step '%s': the run was stopped (a signal)", st->id);
            *failed = st;
        } else if ((*failed = connect_branch(R, st)) == NULL && !shares_file(R, st, &taken)) {
            take_files(R, st, &taken);
            st->wave = round;
            wave[n++] = (struct branch){.R = R, .src = st};
        }
    }
    if (*failed) {
        finish_step(R, *failed, false);
        R->first_failed = *failed;
    }
    osr_strv_dispose(&taken);
    return *failed ? 0 : n;
}

/* Runs a wave: one branch in this thread, more side by side in threads of their own. */
static struct osr_run_step *run_wave(struct osr_run_state *R, struct branch *wave, size_t n)
{
    size_t started = 0;

    for (size_t i = 1; i < n; i++) {
        if (pthread_create(&wave[i].thread, NULL, branch_main, &wave[i]) != 0)
            break;
        started = i;
    }
    branch_main(&wave[0]);
    for (size_t i = 1; i <= started; i++)
        pthread_join(wave[i].thread, NULL);
    for (size_t i = started + 1; i < n; i++) /* no thread to be had: run them here */
        branch_main(&wave[i]);
    return R->first_failed;
}

struct osr_run_step *osr_run_branches(struct osr_run_state *R)
{
    size_t max = (size_t)R->req->cfg->runtime.max_parallel_branches;
    struct branch *wave = osr_xcalloc(max, sizeof(*wave));
    struct osr_run_step *failed = NULL;
    size_t n;

    while (!failed && (n = pick_wave(R, wave, max, &failed)) > 0)
        failed = run_wave(R, wave, n);
    free(wave);
    return failed;
}
