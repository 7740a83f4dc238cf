/*
 * aiop.c - the AI Operation Package (see aiop.h).
 */
#include "pipeline/aiop.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fsutil.h"

#include <stdio.h>

#define KEEP_EVENTS 20
#define KEEP_ERRORS 10

static json_t *dag(json_t *manifest)
{
    json_t *nodes = json_array(), *edges = json_array(), *s, *n;
    size_t i, k;

    json_array_foreach(json_object_get(manifest, "steps"), i, s)
    {
        json_array_append_new(nodes, json_pack("{s:O, s:O}", "id", json_object_get(s, "id"),
                                               "component", json_object_get(s, "component")));
        json_array_foreach(json_object_get(s, "needs"), k, n)
        {
            json_array_append_new(edges, json_pack("{s:O, s:O, s:s}", "from", n, "to",
                                                   json_object_get(s, "id"), "relation", "needs"));
        }
    }
    return json_pack("{s:o, s:o}", "nodes", nodes, "edges", edges);
}

/* A step of the summary: a sentence of the narrative, or a row of the run card's table. */
static void put_step(struct osr_buf *b, json_t *st, bool table_row)
{
    const char *id = json_string_value(json_object_get(st, "id"));
    const char *component = json_string_value(json_object_get(st, "component"));
    const char *status = json_string_value(json_object_get(st, "status"));
    long long in = (long long)json_integer_value(json_object_get(st, "rows_in"));
    long long out = (long long)json_integer_value(json_object_get(st, "rows_out"));
    long long ms = (long long)json_integer_value(json_object_get(st, "duration_ms"));

    if (table_row)
        osr_buf_printf(b, "| %s | %s | %s | %lld | %lld | %lld |\n", id, component, status, in, out,
                       ms);
    else
        osr_buf_printf(b, "Step %s (%s): %s; %lld rows in, %lld rows out, %lld ms.", id, component,
                       status, in, out, ms);
}

/* What happened, in sentences that cite the evidence (events by index, steps by id). */
static json_t *narrative(json_t *summary)
{
    json_t *paras = json_array(), *st;
    const char *status = json_string_value(json_object_get(summary, "status"));
    json_t *err = json_object_get(summary, "error");
    struct osr_buf b;
    size_t i;

    osr_buf_init(&b, 1u << 20);
    osr_buf_printf(&b, "Run %s of pipeline %s (profile %s) %s in %lld ms, %lld rows written.",
                   json_string_value(json_object_get(summary, "run_id")),
                   json_string_value(json_object_get(summary, "pipeline")),
                   json_string_value(json_object_get(summary, "profile"))
                       ? json_string_value(json_object_get(summary, "profile"))
                       : "none",
                   strcmp(status, "success") == 0 ? "succeeded" : "failed",
                   (long long)json_integer_value(json_object_get(summary, "duration_ms")),
                   (long long)json_integer_value(json_object_get(summary, "rows")));
    json_array_append_new(paras, json_string(b.ptr));
    json_array_foreach(json_object_get(summary, "steps"), i, st)
    {
        osr_buf_clear(&b);
        put_step(&b, st, false);
        json_array_append_new(paras, json_string(b.ptr));
    }
    if (err) {
        osr_buf_clear(&b);
        osr_buf_printf(&b, "The run stopped at step %s: %s",
                       json_string_value(json_object_get(err, "step")),
                       json_string_value(json_object_get(err, "message")));
        json_array_append_new(paras, json_string(b.ptr));
    }
    osr_buf_dispose(&b);
    /* The summary is the first paragraph, always there. */
    return json_pack("{s:O, s:o}", "summary", json_array_get(paras, 0), "paragraphs", paras);
}

static size_t size_of(json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    size_t n = text ? strlen(text) : 0;

    free(text);
    return n;
}

/* Keeps the package under `max` bytes as aiop.h says. */
static void shrink(json_t *doc, size_t max)
{
    json_t *ev = json_object_get(doc, "evidence"), *tl = json_object_get(ev, "timeline");
    json_t *errs = json_object_get(ev, "errors"), *meta = json_object_get(doc, "metadata");
    size_t n = json_array_size(tl);

    if (size_of(doc) <= max)
        return;
    json_object_set_new(meta, "truncated", json_true());
    if (n > 2 * KEEP_EVENTS) {
        json_t *kept = json_array();
        for (size_t i = 0; i < n; i++) {
            if (i < KEEP_EVENTS || i >= n - KEEP_EVENTS)
                json_array_append(kept, json_array_get(tl, i));
        }
        json_object_set_new(ev, "timeline", kept);
        json_object_set_new(ev, "timeline_dropped",
                            json_integer((json_int_t)(n - 2 * KEEP_EVENTS)));
    }
    while (size_of(doc) > max && json_array_size(errs) > KEEP_ERRORS)
        json_array_remove(errs, json_array_size(errs) - 1);
}

static char *run_card(json_t *summary)
{
    struct osr_buf b;
    json_t *st;
    size_t i;
    bool ok = strcmp(json_string_value(json_object_get(summary, "status")), "success") == 0;
    char *out;

    osr_buf_init(&b, 4u << 20);
    osr_buf_printf(&b, "## %s: %s\n\n", json_string_value(json_object_get(summary, "pipeline")),
                   ok ? "success" : "FAILED");
    osr_buf_printf(&b,
                   "- run: %s\n- profile: %s\n- started: %s\n- duration: %lld ms\n- rows "
                   "written: %lld\n\n",
                   json_string_value(json_object_get(summary, "run_id")),
                   json_string_value(json_object_get(summary, "profile"))
                       ? json_string_value(json_object_get(summary, "profile"))
                       : "none",
                   json_string_value(json_object_get(summary, "started_at")),
                   (long long)json_integer_value(json_object_get(summary, "duration_ms")),
                   (long long)json_integer_value(json_object_get(summary, "rows")));
    osr_buf_puts(&b, "| step | component | status | rows in | rows out | ms |\n"
                     "|---|---|---|---|---|---|\n");
    json_array_foreach(json_object_get(summary, "steps"), i, st)
    {
        put_step(&b, st, true);
    }
    if (json_object_get(summary, "error"))
        osr_buf_printf(
            &b, "\nError at step %s: %s\n",
            json_string_value(json_object_get(json_object_get(summary, "error"), "step")),
            json_string_value(json_object_get(json_object_get(summary, "error"), "message")));
    out = osr_xstrdup(b.ptr);
    osr_buf_dispose(&b);
    return out;
}

void osr_aiop_write(char **dir, const struct osr_config *cfg, json_t *summary, json_t *manifest,
                    json_t *timeline)
{
    char *root = osr_config_path(cfg, cfg->fs.aiop_dir), *rel, *path, *text, *card;
    json_t *errors = json_array(), *e, *steps = json_object(), *st, *doc;
    size_t i;

    *dir = NULL;
    json_array_foreach(timeline, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "event")), "step_error") == 0)
            json_array_append(errors, e);
    }
    json_array_foreach(json_object_get(summary, "steps"), i, st)
    {
        json_object_set(steps, json_string_value(json_object_get(st, "id")), st);
    }
    doc = json_pack(
        "{s:s, s:{s:O, s:O, s:O?, s:O, s:O, s:O, s:O, s:O}, s:{s:O, s:O?}, s:{s:O, s:{s:o, "
        "s:O}, s:o}, s:{s:o}, s:o, s:{s:s, s:b, s:I}}",
        "@context", "osiris://aiop/v1", "run", "run_id", json_object_get(summary, "run_id"),
        "pipeline", json_object_get(summary, "pipeline"), "profile",
        json_object_get(summary, "profile"), "status", json_object_get(summary, "status"),
        "started_at", json_object_get(summary, "started_at"), "finished_at",
        json_object_get(summary, "finished_at"), "duration_ms",
        json_object_get(summary, "duration_ms"), "rows", json_object_get(summary, "rows"),
        "pipeline", "name", json_object_get(manifest, "name"), "manifest_hash",
        json_object_get(json_object_get(manifest, "meta"), "manifest_hash"), "evidence", "timeline",
        timeline, "metrics", "steps", steps, "total_rows", json_object_get(summary, "rows"),
        "errors", errors, "semantic", "dag", dag(manifest), "narrative", narrative(summary),
        "metadata", "aiop_format", "1.0", "truncated", 0, "max_core_bytes",
        (json_int_t)cfg->aiop.max_core_bytes);
    if (!doc)
        goto done;
    shrink(doc, (size_t)cfg->aiop.max_core_bytes);
    json_object_set_new(json_object_get(doc, "metadata"), "size_bytes",
                        json_integer((json_int_t)size_of(doc)));
    rel = osr_xasprintf("%s/%s", json_string_value(json_object_get(summary, "pipeline")),
                        json_string_value(json_object_get(summary, "run_id")));
    *dir = osr_path_join(root, rel);
    free(rel);
    if (osr_fs_mkdir_p(*dir, 0700) < 0) {
        free(*dir);
        *dir = NULL;
    } else {
        path = osr_path_join(*dir, "aiop.json");
        text = json_dumps(doc, JSON_INDENT(2));
        if (!text || osr_fs_write_atomic(path, text, strlen(text), 0600) < 0) {
            free(*dir);
            *dir = NULL;
        }
        free(text);
        free(path);
        if (*dir) {
            card = run_card(summary);
            path = osr_path_join(*dir, "run-card.md");
            osr_fs_write_atomic(path, card, strlen(card), 0600);
            free(path);
            free(card);
        }
    }
    json_decref(doc);
done:
    free(root);
}
