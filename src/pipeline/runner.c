/*
 * runner.c - running a compiled pipeline (see runner.h).
 */
#include "pipeline/runner.h"
#include "core/alloc.h"
#include "core/connections.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/loop.h"
#include "core/mask.h"
#include "core/progress.h"
#include "core/yaml.h"
#include "oml/compile.h"
#include "pipeline/aiop.h"
#include "pipeline/retention.h"
#include "pipeline/steps.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct step {
    const char *id, *component;
    json_t *needs; /* the steps whose rows it takes (borrowed from the manifest) */
    json_t *cfg, *conn;
    const struct osr_extractor_ops *ex;
    const struct osr_processor_ops *pr;
    const struct osr_writer_ops *wr;
    struct osr_step_ctx ctx;
    void *state;          /* an open writer or processor */
    int *slots;           /* a processor: the slot of each of its inputs */
    pthread_mutex_t lock; /* a processor: fed by branches running side by side */
    char *resource;       /* the file it reads or writes (SQLite, CSV): one branch at a time */
    int wave;             /* a source: the round of branches it ran in (1, 2, ...) */
    const char *status;   /* "pending", "success", "failed", "skipped" */
    uint64_t rows_in, rows_out, bytes, us;
    int retries; /* times its branch ran again after a transient failure */
};

struct run {
    const struct osr_run_req *req;
    json_t *manifest;
    struct step *steps;
    size_t n;
    struct osr_connections conns;
    struct osr_strv secrets; /* resolved secret values: never in a message */
    char run_id[24], started[32];
    uint64_t t0_ms;
    FILE *events;
    json_t *timeline;
    pthread_mutex_t lock;       /* the events and the timeline */
    volatile sig_atomic_t halt; /* a step failed: branches running beside it stop too */
    struct step *first_failed;  /* the step whose failure is the run's */
};

static volatile sig_atomic_t stop_requested;

void osr_run_request_stop(void)
{
    stop_requested = 1;
}

static void utc_now(char *out, size_t n, bool compact)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    if (compact)
        strftime(out, n, "%Y%m%dT%H%M%SZ", &tm);
    else {
        char base[24];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out, n, "%.19s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
    }
}

/* One event: a line of events.jsonl (when the run has logs) and an entry of the timeline. */
static void event(struct run *R, const char *name, const char *step, json_t *data)
{
    char ts[32];
    json_t *e;

    pthread_mutex_lock(&R->lock);
    utc_now(ts, sizeof(ts), false);
    e = json_pack("{s:s, s:s, s:s?}", "ts", ts, "event", name, "step_id", step);
    if (data)
        json_object_update(e, data);
    json_decref(data);
    if (R->events) {
        char *line = json_dumps(e, JSON_COMPACT);
        if (line)
            fprintf(R->events, "%s\n", line);
        free(line);
    }
    json_array_append_new(R->timeline, e);
    pthread_mutex_unlock(&R->lock);
}

static struct step *find(struct run *R, const char *id)
{
    for (size_t i = 0; i < R->n; i++) {
        if (strcmp(R->steps[i].id, id) == 0)
            return &R->steps[i];
    }
    return NULL;
}

static int load_manifest(struct run *R, const char *path)
{
    struct osr_buf text;
    struct osr_yaml_error err;
    struct osr_ynode *root = NULL;
    int rc = osr_fs_read_file(&text, path, 16u << 20);

    if (rc < 0)
        return rc;
    if (osr_yaml_parse(&root, &err, text.ptr, text.len, NULL) < 0)
        rc = osr_error_set(-OSR_EINVAL, "%s:%u:%u: %s", path, err.line, err.col, err.message);
    else
        R->manifest = osr_ynode_to_json(root);
    osr_ynode_free(root);
    osr_buf_dispose(&text);
    if (rc == 0 &&
        (!json_is_object(R->manifest) || !json_is_array(json_object_get(R->manifest, "steps")) ||
         !json_is_string(json_object_get(R->manifest, "name"))))
        rc = osr_error_set(-OSR_EINVAL, "%s is not a manifest written by osiris compile", path);
    return rc;
}

/* The index of `src` among the inputs of `st`, or -1 when st does not take its rows. */
static int input_index(const struct step *st, const struct step *src)
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

static bool is_source(const struct step *st)
{
    return st->ex || st->pr;
}

/* Checks the wiring: writers take one source, processors any number, all before them. */
static int plan_inputs(struct run *R, struct step *st)
{
    json_t *v;
    size_t i;

    if (st->ex && json_array_size(st->needs) > 0)
        return osr_error_set(-OSR_EINVAL, "step '%s': an extractor needs no other step", st->id);
    if (st->wr && json_array_size(st->needs) != 1)
        return osr_error_set(-OSR_EINVAL,
                             "step '%s': a writer takes the rows of exactly one step "
                             "(needs: [step])",
                             st->id);
    json_array_foreach(st->needs, i, v)
    {
        struct step *in = json_is_string(v) ? find(R, json_string_value(v)) : NULL;
        if (!in || in >= st || !is_source(in))
            return osr_error_set(-OSR_EINVAL,
                                 "step '%s': its input '%s' is not an extractor or processor "
                                 "before it",
                                 st->id, json_is_string(v) ? json_string_value(v) : "?");
    }
    if (st->pr) {
        st->slots = osr_xcalloc(json_array_size(st->needs) + 1, sizeof(int));
        pthread_mutex_init(&st->lock, NULL);
    }
    return 0;
}

/* The steps, their configuration and what runs them; refuses what this version cannot. */
static int plan(struct run *R, const char *build_dir)
{
    json_t *steps = json_object_get(R->manifest, "steps"), *s;
    size_t i;
    int rc = 0;

    R->n = json_array_size(steps);
    R->steps = osr_xcalloc(R->n ? R->n : 1, sizeof(*R->steps));
    json_array_foreach(steps, i, s)
    {
        struct step *st = &R->steps[i];
        const char *cfg_rel = json_string_value(json_object_get(s, "cfg_path"));
        json_t *doc;
        char *cfg_path;
        json_error_t jerr;
        st->id = json_string_value(json_object_get(s, "id"));
        st->component = json_string_value(json_object_get(s, "component"));
        st->status = "pending";
        if (!st->id || !st->component || !cfg_rel || strncmp(cfg_rel, "cfg/", 4) != 0 ||
            !osr_name_ok(cfg_rel + 4, strlen(cfg_rel + 4), 200, true))
            return osr_error_set(-OSR_EINVAL, "step %zu of the manifest is malformed", i + 1);
        cfg_path = osr_path_join(build_dir, cfg_rel);
        doc = json_load_file(cfg_path, 0, &jerr);
        free(cfg_path);
        /* cfg/<step>.json: {"component","mode","config":{...}} */
        st->cfg = json_incref(json_object_get(doc, "config"));
        json_decref(doc);
        if (!json_is_object(st->cfg))
            return osr_error_set(-OSR_EINVAL, "%s/%s: %s", build_dir, cfg_rel,
                                 jerr.text[0] ? jerr.text : "no \"config\" object");
        st->ex = osr_extractor_find(st->component);
        st->pr = osr_processor_find(st->component);
        st->wr = osr_writer_find(st->component);
        st->needs = json_object_get(s, "needs");
        if (!st->ex && !st->pr && !st->wr)
            return osr_error_set(-OSR_EINVAL, "step '%s': %s cannot run in this version", st->id,
                                 st->component);
        if ((rc = plan_inputs(R, st)) < 0)
            return rc;
    }
    return rc;
}

/* Resolves a step's connection and notes the file it uses; a failure is the step's. */
static int connect_step(struct run *R, struct step *st)
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

struct flow {
    struct run *R;
    struct step *from;
    struct step *failed;
    bool opened;
    uint64_t fed_us; /* time spent in the steps it feeds */
};

/* Opens or feeds one consumer `c` (input `k` of it) with batch `b`. */
static int feed(struct flow *f, struct step *c, int k, const struct osr_batch *b)
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
        c->bytes += b->bytes;
    } else if (c->wr) {
        event(f->R, "step_start", c->id, NULL);
        rc = c->wr->open(&c->state, &c->ctx, b);
    } else {
        if (!c->state) {
            event(f->R, "step_start", c->id, NULL);
            rc = c->pr->open(&c->state, &c->ctx);
        }
        if (rc == 0)
            rc = (c->slots[k] = c->pr->input_open(c->state, &c->ctx, f->from->id, b)) < 0 ? -1 : 0;
    }
    c->us += osr_now_us() - t0;
    f->fed_us += osr_now_us() - t0;
    if (c->pr)
        pthread_mutex_unlock(&c->lock);
    return rc;
}

static int emit(const struct osr_batch *b, void *payload)
{
    struct flow *f = payload;

    if (stop_requested || f->R->halt)
        return osr_step_fail(&f->from->ctx, "step '%s': the run was stopped (%s) after %llu rows",
                             f->from->id, stop_requested ? "a signal" : "another step failed",
                             (unsigned long long)f->from->rows_out);
    for (size_t i = 0; i < f->R->n; i++) {
        struct step *c = &f->R->steps[i];
        int k = input_index(c, f->from);
        if (k >= 0 && feed(f, c, k, b) < 0) {
            f->failed = c;
            return -1;
        }
    }
    if (f->opened) {
        f->from->rows_out += b->nrows;
        f->from->bytes += b->bytes;
    }
    f->opened = true;
    return 0;
}

/* Records a step's end: its event, and a progress report (steps done of all) for the MCP
 * client that started the run. */
static void finish_step(struct run *R, struct step *st, bool ok)
{
    char msg[160];
    size_t done_steps = 0;

    st->status = ok ? "success" : "failed";
    if (ok)
        event(R, "step_complete", st->id,
              json_pack("{s:I, s:I, s:I, s:I, s:i}", "rows_in", (json_int_t)st->rows_in, "rows_out",
                        (json_int_t)st->rows_out, "bytes", (json_int_t)st->bytes, "duration_ms",
                        (json_int_t)(st->us / 1000), "retries", st->retries));
    else {
        char *text = osr_redact_text(st->ctx.err, &R->secrets);
        snprintf(st->ctx.err, sizeof(st->ctx.err), "%s", text);
        free(text);
        event(R, "step_error", st->id, json_pack("{s:s}", "error", st->ctx.err));
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
    struct step *s = f->from;
    int rc = 0;

    if (s->ex) {
        event(f->R, "step_start", s->id, json_pack("{s:i}", "wave", s->wave));
        return s->ex->run(&s->ctx, emit, f);
    }
    if (!s->state) { /* a processor without inputs */
        event(f->R, "step_start", s->id, NULL);
        rc = s->pr->open(&s->state, &s->ctx);
    }
    event(f->R, "step_run", s->id, json_pack("{s:i}", "wave", s->wave));
    if (rc == 0)
        rc = s->pr->run(s->state, &s->ctx, emit, f);
    s->pr->close(s->state);
    s->state = NULL;
    return rc;
}

/* Runs source `src` into the steps that take its rows; returns the failed step or NULL.
 * Writers are committed when the source succeeded, else aborted; processors it fed keep
 * their inputs until they run themselves. */
static struct step *run_flow(struct run *R, struct step *src)
{
    struct flow f = {R, src, NULL, false, 0};
    uint64_t t0 = osr_now_us();
    int rc = run_source(&f);

    for (size_t i = 0; i < R->n; i++) {
        struct step *w = &R->steps[i];
        if (!w->wr || input_index(w, src) < 0)
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
            if (w->state)
                w->wr->abort(w->state);
            w->state = NULL;
            if (w == f.failed)
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
    struct run *R;
    struct step *src, *failed;
    pthread_t thread;
};

/* Whether the branch from `src` may run again after `failed` failed: a network error or a
 * timeout, nothing of it committed, no processor holding its rows, the run going on. */
static bool may_retry(struct run *R, const struct step *src, const struct step *failed)
{
    if (!failed->ctx.transient || src->retries >= R->req->cfg->runtime.retries || stop_requested ||
        R->halt)
        return false;
    for (size_t i = 0; i < R->n; i++) {
        const struct step *c = &R->steps[i];
        if (input_index(c, src) >= 0 && (c->pr || strcmp(c->status, "success") == 0))
            return false;
    }
    return true;
}

/* Puts the branch from `src` back to before it ran, counting the retry. */
static void reset_branch(struct run *R, struct step *src)
{
    src->retries++;
    for (size_t i = 0; i < R->n; i++) {
        struct step *st = &R->steps[i];
        if (st != src && input_index(st, src) < 0)
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
    struct run *R = b->R;

    while ((b->failed = run_flow(R, b->src)) && may_retry(R, b->src, b->failed)) {
        long long wait_ms = R->req->cfg->runtime.retry_backoff_ms << b->src->retries;
        event(R, "step_retry", b->src->id,
              json_pack("{s:i, s:I, s:s}", "attempt", b->src->retries + 2, "wait_ms",
                        (json_int_t)wait_ms, "after", b->failed->ctx.err));
        for (; wait_ms > 0 && !stop_requested && !R->halt; wait_ms -= 20)
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

static bool ready(struct run *R, const struct step *st)
{
    json_t *v;
    size_t i;

    if (!is_source(st) || strcmp(st->status, "pending") != 0)
        return false;
    json_array_foreach(st->needs, i, v)
    {
        if (strcmp(find(R, json_string_value(v))->status, "success") != 0)
            return false;
    }
    return true;
}

/* Whether a step of the branch from `src` uses a file a step of `taken` uses. */
static bool shares_file(struct run *R, const struct step *src, const struct osr_strv *taken)
{
    for (size_t i = 0; i < R->n; i++) {
        const struct step *st = &R->steps[i];
        if ((st == src || (st->wr && input_index(st, src) >= 0)) && st->resource &&
            osr_strv_contains(taken, st->resource))
            return true;
    }
    return false;
}

static void take_files(struct run *R, const struct step *src, struct osr_strv *taken)
{
    for (size_t i = 0; i < R->n; i++) {
        const struct step *st = &R->steps[i];
        if ((st == src || (st->wr && input_index(st, src) >= 0)) && st->resource)
            osr_strv_push(taken, st->resource);
    }
}

/* Resolves the connections of a branch: its source and its writers. */
static struct step *connect_branch(struct run *R, struct step *src)
{
    if (connect_step(R, src) < 0)
        return src;
    for (size_t i = 0; i < R->n; i++) {
        struct step *w = &R->steps[i];
        if (w->wr && input_index(w, src) >= 0 && connect_step(R, w) < 0)
            return w;
    }
    return NULL;
}

/* Picks the branches to run next (at most `max`); returns how many, or sets *failed. */
static size_t pick_wave(struct run *R, struct branch *wave, size_t max, struct step **failed)
{
    struct osr_strv taken = OSR_STRV_INIT;
    size_t n = 0;
    int round = 1;

    for (size_t i = 0; i < R->n; i++)
        round = R->steps[i].wave >= round ? R->steps[i].wave + 1 : round;

    for (size_t i = 0; i < R->n && n < max && !*failed; i++) {
        struct step *st = &R->steps[i];
        if (!ready(R, st))
            continue;
        if (stop_requested) { /* between branches: this one fails without starting */
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
static struct step *run_wave(struct run *R, struct branch *wave, size_t n)
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

static struct step *run_steps(struct run *R)
{
    size_t max = (size_t)R->req->cfg->runtime.max_parallel_branches;
    struct branch *wave = osr_xcalloc(max, sizeof(*wave));
    struct step *failed = NULL;
    size_t n;

    while (!failed && (n = pick_wave(R, wave, max, &failed)) > 0)
        failed = run_wave(R, wave, n);
    free(wave);
    return failed;
}

/* ---- the records a run leaves ---- */

static char *dir_of_run(struct run *R, const char *slug, const char *ts)
{
    const struct osr_config *cfg = R->req->cfg;
    const char *profile =
        json_string_value(json_object_get(json_object_get(R->manifest, "meta"), "profile"));
    char *root = osr_config_path(cfg, cfg->fs.run_logs_dir);
    char *rel = osr_xasprintf("%s/%s/%s_%s", profile ? profile : "default", slug, ts, R->run_id);
    char *dir = osr_path_join(root, rel);

    free(root);
    free(rel);
    return dir;
}

static void write_json_file(const char *dir, const char *name, json_t *doc, size_t flags)
{
    char *path = osr_path_join(dir, name), *text = json_dumps(doc, flags);

    if (text)
        osr_fs_write_atomic(path, text, strlen(text), 0600);
    free(text);
    free(path);
}

/* Appends `rec` (stolen) to the run index, under an exclusive lock. */
static int append_index(const struct osr_config *cfg, json_t *rec)
{
    char *dir = osr_config_path(cfg, cfg->fs.index_dir), *path = osr_path_join(dir, "runs.jsonl");
    char *line = json_dumps(rec, JSON_COMPACT);
    int fd = -1, rc = -1;

    if (line && osr_fs_mkdir_p(dir, 0700) == 0 &&
        (fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) >= 0 &&
        flock(fd, LOCK_EX) == 0) {
        size_t n = strlen(line);
        off_t end = lseek(fd, 0, SEEK_END);
        char last = '\n';
        /* A torn last line (a run killed while appending) must not swallow this one. */
        if (end > 0 && pread(fd, &last, 1, end - 1) == 1 && last != '\n')
            osr_fs_write_all(fd, "\n", 1);
        line[n] = '\n';
        rc = osr_fs_write_all(fd, line, n + 1);
    }
    if (fd >= 0)
        close(fd);
    free(line);
    free(path);
    free(dir);
    json_decref(rec);
    return rc;
}

static char *relative(const char *base, const char *path)
{
    size_t n = strlen(base);

    if (strncmp(path, base, n) == 0 && path[n] == '/')
        return osr_xstrdup(path + n + 1);
    return osr_xstrdup(path);
}

int osr_run(json_t **out, const struct osr_run_req *r)
{
    struct run R = {.req = r,
                    .secrets = OSR_STRV_INIT,
                    .timeline = json_array(),
                    .lock = PTHREAD_MUTEX_INITIALIZER};
    const struct osr_config *cfg = r->cfg;
    char *build_dir = osr_path_dirname(r->manifest_path), *slug = NULL, *run_dir = NULL;
    char ts[32], finished[32];
    struct osr_diags ignored;
    struct step *failed = NULL;
    unsigned char rnd[6];
    json_t *steps_json = json_array(), *meta;
    uint64_t rows = 0;
    int rc;

    *out = NULL;
    osr_diags_init(&ignored);
    if ((rc = load_manifest(&R, r->manifest_path)) < 0 || (rc = plan(&R, build_dir)) < 0)
        goto done;
    meta = json_object_get(R.manifest, "meta");
    slug = osr_slugify(json_string_value(json_object_get(R.manifest, "name")));
    osr_connections_load(&R.conns, cfg->base_path, &ignored);
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        memset(rnd, 0, sizeof(rnd));
    snprintf(R.run_id, sizeof(R.run_id), "run-%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
             rnd[3], rnd[4], rnd[5]);
    utc_now(ts, sizeof(ts), true);
    utc_now(R.started, sizeof(R.started), false);
    R.t0_ms = osr_now_ms();
    for (size_t i = 0; i < R.n; i++)
        R.steps[i].ctx = (struct osr_step_ctx){.base_path = cfg->base_path,
                                               .step_id = R.steps[i].id,
                                               .component = R.steps[i].component,
                                               .cfg = R.steps[i].cfg,
                                               .secrets = &R.secrets,
                                               .dry_run = r->dry_run};
    if (!r->dry_run) {
        run_dir = dir_of_run(&R, slug, ts);
        if (osr_fs_mkdir_p(run_dir, 0700) < 0) {
            rc = osr_error_set(-OSR_EIO, "cannot create the run directory %s", run_dir);
            goto done;
        }
        {
            char *events = osr_path_join(run_dir, "events.jsonl");
            int fd = open(events, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            R.events = fd >= 0 ? fdopen(fd, "w") : NULL;
            free(events);
        }
        write_json_file(run_dir, "manifest.json", R.manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
    }
    event(&R, "run_start", NULL,
          json_pack("{s:s, s:s, s:O?, s:b}", "run_id", R.run_id, "pipeline", slug, "manifest_hash",
                    json_object_get(meta, "manifest_hash"), "dry_run", r->dry_run));
    failed = run_steps(&R);
    for (size_t i = 0; i < R.n; i++) {
        struct step *st = &R.steps[i];
        if (strcmp(st->status, "pending") == 0)
            st->status = "skipped";
        if (st->wr && strcmp(st->status, "success") == 0)
            rows += st->rows_in;
        json_array_append_new(
            steps_json,
            json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:i, s:s?}", "id", st->id, "component",
                      st->component, "status", st->status, "rows_in", (json_int_t)st->rows_in,
                      "rows_out", (json_int_t)st->rows_out, "bytes", (json_int_t)st->bytes,
                      "duration_ms", (json_int_t)(st->us / 1000), "retries", st->retries, "error",
                      strcmp(st->status, "failed") == 0 ? st->ctx.err : NULL));
    }
    utc_now(finished, sizeof(finished), false);
    event(&R, failed ? "run_error" : "run_complete", NULL,
          json_pack("{s:s, s:I}", "status", failed ? "failed" : "success", "duration_ms",
                    (json_int_t)(osr_now_ms() - R.t0_ms)));
    *out = json_pack("{s:s, s:s, s:s, s:s?, s:O?, s:b, s:s, s:s, s:I, s:I, s:o}", "status",
                     failed ? "failed" : "success", "run_id", R.run_id, "pipeline", slug, "profile",
                     json_string_value(json_object_get(meta, "profile")), "manifest_hash",
                     json_object_get(meta, "manifest_hash"), "dry_run", r->dry_run, "started_at",
                     R.started, "finished_at", finished, "duration_ms",
                     (json_int_t)(osr_now_ms() - R.t0_ms), "rows", (json_int_t)rows, "steps",
                     steps_json);
    steps_json = NULL;
    if (failed)
        json_object_set_new(
            *out, "error", json_pack("{s:s, s:s}", "step", failed->id, "message", failed->ctx.err));
    if (run_dir) {
        json_t *metrics = json_object_get(*out, "steps"), *m;
        size_t i;
        char *path = osr_path_join(run_dir, "metrics.jsonl");
        int mfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        FILE *mf = mfd >= 0 ? fdopen(mfd, "w") : NULL;
        if (mfd >= 0 && !mf)
            close(mfd);
        json_array_foreach(metrics, i, m)
        {
            char *line = json_dumps(m, JSON_COMPACT);
            if (mf && line)
                fprintf(mf, "%s\n", line);
            free(line);
        }
        if (mf)
            fclose(mf);
        free(path);
        if (R.events) {
            fclose(R.events);
            R.events = NULL;
        }
        {
            char *aiop_dir = NULL, *rel_run = relative(cfg->base_path, run_dir), *rel_aiop;
            osr_aiop_write(&aiop_dir, cfg, *out, R.manifest, R.timeline);
            rel_aiop = aiop_dir ? relative(cfg->base_path, aiop_dir) : NULL;
            json_object_set_new(*out, "run_dir", json_string(run_dir));
            json_object_set_new(*out, "aiop_dir", aiop_dir ? json_string(aiop_dir) : json_null());
            append_index(cfg, json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:O, s:O, s:O?, s:s, "
                                        "s:s?}",
                                        "run_id", R.run_id, "pipeline", slug, "profile",
                                        json_string_value(json_object_get(meta, "profile")),
                                        "status", failed ? "failed" : "success", "started_at",
                                        R.started, "finished_at", finished, "duration_ms",
                                        json_object_get(*out, "duration_ms"), "rows",
                                        json_object_get(*out, "rows"), "manifest_hash",
                                        json_object_get(meta, "manifest_hash"), "run_dir", rel_run,
                                        "aiop_dir", rel_aiop));
            free(rel_run);
            free(rel_aiop);
            free(aiop_dir);
        }
        osr_retention_apply(cfg, slug, R.run_id); /* best effort: never fails the run */
    }
    rc = 0;
done:
    if (R.events)
        fclose(R.events);
    for (size_t i = 0; i < R.n; i++) {
        struct step *st = &R.steps[i];
        if (st->state && st->wr)
            st->wr->abort(st->state);
        if (st->state && st->pr)
            st->pr->close(st->state);
        if (st->slots)
            pthread_mutex_destroy(&st->lock);
        free(st->slots);
        free(st->resource);
        json_decref(st->cfg);
        json_decref(st->conn);
    }
    free(R.steps);
    for (size_t i = 0; i < R.secrets.n; i++)
        explicit_bzero(R.secrets.v[i], strlen(R.secrets.v[i]));
    osr_strv_dispose(&R.secrets);
    osr_connections_dispose(&R.conns);
    json_decref(R.manifest);
    json_decref(R.timeline);
    json_decref(steps_json);
    osr_diags_dispose(&ignored);
    free(build_dir);
    free(slug);
    free(run_dir);
    return rc;
}
