/*
 * runner.c - running a compiled pipeline (see runner.h).
 */
#include "pipeline/runner.h"
#include "core/alloc.h"
#include "core/connections.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/loop.h"
#include "core/yaml.h"
#include "oml/compile.h"
#include "pipeline/aiop.h"
#include "pipeline/retention.h"
#include "pipeline/run_state.h"
#include "pipeline/steps.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

void osr_run_request_stop(void)
{
    stop_requested = 1;
}

bool osr_run_stopping(void)
{
    return stop_requested;
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
void osr_run_event(struct osr_run_state *R, const char *name, const char *step, json_t *data)
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

struct osr_run_step *osr_run_find(struct osr_run_state *R, const char *id)
{
    for (size_t i = 0; i < R->n; i++) {
        if (strcmp(R->steps[i].id, id) == 0)
            return &R->steps[i];
    }
    return NULL;
}

static int load_manifest(struct osr_run_state *R, const char *path)
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

/* Checks the wiring: writers take one source, processors any number, all before them. */
static int plan_inputs(struct osr_run_state *R, struct osr_run_step *st)
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
        struct osr_run_step *in = json_is_string(v) ? osr_run_find(R, json_string_value(v)) : NULL;
        if (!in || in >= st || !osr_run_is_source(in))
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
static int plan(struct osr_run_state *R, const char *build_dir)
{
    json_t *steps = json_object_get(R->manifest, "steps"), *s;
    size_t i;
    int rc = 0;

    R->n = json_array_size(steps);
    R->steps = osr_xcalloc(R->n ? R->n : 1, sizeof(*R->steps));
    json_array_foreach(steps, i, s)
    {
        struct osr_run_step *st = &R->steps[i];
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

/* ---- the records a run leaves ---- */

static char *dir_of_run(struct osr_run_state *R, const char *slug, const char *ts)
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

/* artifacts/<step>/cleaned_config.json: what each step ran with (its connection as the
 * reference the pipeline names: the resolved fields, secrets among them, are never
 * written). */
static void write_step_configs(struct osr_run_state *R, const char *run_dir)
{
    for (size_t i = 0; i < R->n; i++) {
        char *rel = osr_xasprintf("artifacts/%s", R->steps[i].id);
        char *dir = osr_path_join(run_dir, rel);
        if (osr_fs_mkdir_p(dir, 0700) == 0)
            write_json_file(dir, "cleaned_config.json", R->steps[i].cfg,
                            JSON_INDENT(2) | JSON_SORT_KEYS);
        free(dir);
        free(rel);
    }
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

/* A fresh run id: "run-" and 12 hex digits; the start times. */
static void start_clock(struct osr_run_state *R, char *ts, size_t n)
{
    unsigned char rnd[6];

    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        memset(rnd, 0, sizeof(rnd));
    snprintf(R->run_id, sizeof(R->run_id), "run-%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
             rnd[3], rnd[4], rnd[5]);
    utc_now(ts, n, true);
    utc_now(R->started, sizeof(R->started), false);
    R->t0_ms = osr_now_ms();
}

static bool run_stopping(void *arg)
{
    const struct osr_run_state *R = arg;

    return osr_run_stopping() || R->halt;
}

static void init_contexts(struct osr_run_state *R)
{
    for (size_t i = 0; i < R->n; i++)
        R->steps[i].ctx = (struct osr_step_ctx){.base_path = R->req->cfg->base_path,
                                                .step_id = R->steps[i].id,
                                                .component = R->steps[i].component,
                                                .cfg = R->steps[i].cfg,
                                                .needs = R->steps[i].needs,
                                                .secrets = &R->secrets,
                                                .dry_run = R->req->dry_run,
                                                .stopping = run_stopping,
                                                .stop_arg = R};
}

/* The run directory with events.jsonl open, the manifest and the steps' configurations. */
static int open_records(struct osr_run_state *R, const char *run_dir)
{
    char *events;
    int fd;

    if (osr_fs_mkdir_p(run_dir, 0700) < 0)
        return osr_error_set(-OSR_EIO, "cannot create the run directory %s", run_dir);
    events = osr_path_join(run_dir, "events.jsonl");
    fd = open(events, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    R->events = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !R->events)
        close(fd);
    free(events);
    write_json_file(run_dir, "manifest.json", R->manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
    write_step_configs(R, run_dir);
    return 0;
}

/* Each step's record (pending ones were skipped); *rows: what the writers took. */
static json_t *steps_summary(struct osr_run_state *R, uint64_t *rows)
{
    json_t *steps = json_array();

    *rows = 0;
    for (size_t i = 0; i < R->n; i++) {
        struct osr_run_step *st = &R->steps[i];
        if (strcmp(st->status, "pending") == 0)
            st->status = "skipped";
        if (st->wr && strcmp(st->status, "success") == 0)
            *rows += st->rows_in;
        json_array_append_new(
            steps,
            json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:i, s:s?}", "id", st->id, "component",
                      st->component, "status", st->status, "rows_in", (json_int_t)st->rows_in,
                      "rows_out", (json_int_t)st->rows_out, "bytes", (json_int_t)st->bytes,
                      "duration_ms", (json_int_t)(st->us / 1000), "retries", st->retries, "error",
                      strcmp(st->status, "failed") == 0 ? st->ctx.err : NULL));
    }
    return steps;
}

/* The run's summary (what `osiris run --json` prints), after its last event. */
static json_t *summary(struct osr_run_state *R, const char *slug, struct osr_run_step *failed)
{
    json_t *meta = json_object_get(R->manifest, "meta"), *out, *steps;
    char finished[32];
    uint64_t rows;

    steps = steps_summary(R, &rows);
    utc_now(finished, sizeof(finished), false);
    osr_run_event(R, failed ? "run_error" : "run_complete", NULL,
                  json_pack("{s:s, s:I}", "status", failed ? "failed" : "success", "duration_ms",
                            (json_int_t)(osr_now_ms() - R->t0_ms)));
    out =
        json_pack("{s:s, s:s, s:s, s:s?, s:O?, s:b, s:s, s:s, s:I, s:I, s:o}", "status",
                  failed ? "failed" : "success", "run_id", R->run_id, "pipeline", slug, "profile",
                  json_string_value(json_object_get(meta, "profile")), "manifest_hash",
                  json_object_get(meta, "manifest_hash"), "dry_run", R->req->dry_run, "started_at",
                  R->started, "finished_at", finished, "duration_ms",
                  (json_int_t)(osr_now_ms() - R->t0_ms), "rows", (json_int_t)rows, "steps", steps);
    if (failed)
        json_object_set_new(
            out, "error", json_pack("{s:s, s:s}", "step", failed->id, "message", failed->ctx.err));
    return out;
}

static void write_metrics(const char *run_dir, json_t *steps)
{
    char *path = osr_path_join(run_dir, "metrics.jsonl");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    json_t *m;
    size_t i;

    if (fd >= 0 && !f)
        close(fd);
    json_array_foreach(steps, i, m)
    {
        char *line = json_dumps(m, JSON_COMPACT);
        if (f && line)
            fprintf(f, "%s\n", line);
        free(line);
    }
    if (f)
        fclose(f);
    free(path);
}

/* After the run: metrics, the AIOP package, the index line, retention; paths into `out`. */
static void write_records(struct osr_run_state *R, json_t *out, const char *run_dir,
                          const char *slug)
{
    const struct osr_config *cfg = R->req->cfg;
    json_t *meta = json_object_get(R->manifest, "meta");
    char *aiop_dir = NULL, *rel_run = relative(cfg->base_path, run_dir), *rel_aiop;

    write_metrics(run_dir, json_object_get(out, "steps"));
    if (R->events) {
        fclose(R->events);
        R->events = NULL;
    }
    osr_aiop_write(&aiop_dir, cfg, out, R->manifest, R->timeline);
    rel_aiop = aiop_dir ? relative(cfg->base_path, aiop_dir) : NULL;
    json_object_set_new(out, "run_dir", json_string(run_dir));
    json_object_set_new(out, "aiop_dir", aiop_dir ? json_string(aiop_dir) : json_null());
    append_index(cfg, json_pack("{s:s, s:s, s:s?, s:O, s:s, s:O, s:O, s:O, s:O?, s:s, s:s?}",
                                "run_id", R->run_id, "pipeline", slug, "profile",
                                json_string_value(json_object_get(meta, "profile")), "status",
                                json_object_get(out, "status"), "started_at", R->started,
                                "finished_at", json_object_get(out, "finished_at"), "duration_ms",
                                json_object_get(out, "duration_ms"), "rows",
                                json_object_get(out, "rows"), "manifest_hash",
                                json_object_get(meta, "manifest_hash"), "run_dir", rel_run,
                                "aiop_dir", rel_aiop));
    osr_retention_apply(cfg, slug, R->run_id); /* best effort: never fails the run */
    free(rel_run);
    free(rel_aiop);
    free(aiop_dir);
}

static void dispose_run(struct osr_run_state *R)
{
    if (R->events)
        fclose(R->events);
    for (size_t i = 0; i < R->n; i++) {
        struct osr_run_step *st = &R->steps[i];
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
    free(R->steps);
    for (size_t i = 0; i < R->secrets.n; i++)
        explicit_bzero(R->secrets.v[i], strlen(R->secrets.v[i]));
    osr_strv_dispose(&R->secrets);
    osr_connections_dispose(&R->conns);
    json_decref(R->manifest);
    json_decref(R->timeline);
}

int osr_run(json_t **out, const struct osr_run_req *r)
{
    struct osr_run_state R = {.req = r,
                              .secrets = OSR_STRV_INIT,
                              .timeline = json_array(),
                              .lock = PTHREAD_MUTEX_INITIALIZER};
    char *build_dir = osr_path_dirname(r->manifest_path), *slug = NULL, *run_dir = NULL;
    struct osr_diags ignored;
    char ts[32];
    int rc;

    *out = NULL;
    osr_diags_init(&ignored);
    if ((rc = load_manifest(&R, r->manifest_path)) < 0 || (rc = plan(&R, build_dir)) < 0)
        goto done;
    slug = osr_slugify(json_string_value(json_object_get(R.manifest, "name")));
    osr_connections_load(&R.conns, r->cfg->base_path, &ignored);
    start_clock(&R, ts, sizeof(ts));
    init_contexts(&R);
    if (!r->dry_run && (rc = open_records(&R, run_dir = dir_of_run(&R, slug, ts))) < 0)
        goto done;
    osr_run_event(&R, "run_start", NULL,
                  json_pack("{s:s, s:s, s:O?, s:b}", "run_id", R.run_id, "pipeline", slug,
                            "manifest_hash",
                            json_object_get(json_object_get(R.manifest, "meta"), "manifest_hash"),
                            "dry_run", r->dry_run));
    *out = summary(&R, slug, osr_run_branches(&R));
    if (run_dir)
        write_records(&R, *out, run_dir, slug);
done:
    dispose_run(&R);
    osr_diags_dispose(&ignored);
    free(build_dir);
    free(slug);
    free(run_dir);
    return rc;
}
