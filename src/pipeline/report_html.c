/*
 * report_html.c - the HTML report of one run (see report_html.h).
 *
 * The steps come from the manifest (its order and `needs`), joined by id with their line
 * of metrics.jsonl and their events; without a manifest the metrics give the list. The
 * DAG puts a step one column right of the deepest step it needs; the timeline scales the
 * run's span (run_start to run_complete/run_error, or the last step event) to a fixed
 * width, so a step shorter than a pixel still gets a visible bar.
 */
#include "pipeline/report_html.h"
#include "core/alloc.h"
#include "core/error.h"

#include <time.h>

/* The DAG: boxes, gaps and the longest labels shown in a box (the full text is in its
 * tooltip). */
#define BOX_W 176
#define BOX_H 48
#define COL_GAP 56
#define ROW_GAP 16
#define PAD 12
#define ID_CHARS 20
#define COMPONENT_CHARS 26
/* The timeline: the label column, the bars' full width and a row's height. */
#define LABEL_W 180
#define BAR_W 740
#define LANE_H 26
#define AXIS_H 28

struct node {
    const char *id, *component, *status, *error;
    json_t *needs;        /* borrowed: ids of the steps it needs */
    json_t *metrics;      /* borrowed: its line of metrics.jsonl, or NULL */
    long long start, end; /* ms since the run start; -1 when unknown */
    size_t depth, row;
};

struct report {
    struct osr_buf *b;
    const struct osr_report_run *run;
    struct node *nodes;
    size_t n;
    json_t *pos;        /* step id -> index in nodes */
    long long t0, span; /* the run start (epoch ms, -1 unknown) and its length in ms */
    size_t cols, rows;  /* the DAG's grid */
};

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
    "background:#f6f7f9;color:#1f2328}"
    "main{max-width:1180px;margin:0 auto;padding:24px}"
    "h1{font-size:22px;margin:0 0 4px;word-break:break-word}"
    "h2{font-size:16px;margin:28px 0 10px}"
    "section{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:16px;"
    "overflow-x:auto}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:12px 0 0}"
    "dt{color:#59636e}dd{margin:0;word-break:break-all}"
    ".badge{display:inline-block;padding:1px 10px;border-radius:10px;font-weight:600;"
    "font-size:12px;text-transform:uppercase;border:1px solid}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{padding:6px 10px;border-bottom:1px solid #eaeef2;text-align:left;"
    "white-space:nowrap}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    "pre{white-space:pre-wrap;word-break:break-word;background:#fff5f5;"
    "border-left:3px solid #d93025;padding:8px 12px;margin:6px 0 0}"
    "ul.errors{list-style:none;padding:0;margin:0}ul.errors li{margin:0 0 14px}"
    "svg text{font-family:inherit}"
    ".dag text.id{font-size:13px;font-weight:600;fill:#1f2328}"
    ".dag text.comp{font-size:11px;fill:#59636e}"
    ".edge{fill:none;stroke:#8c959f;stroke-width:1.5}"
    ".axis{stroke:#d0d7de}.axis-label{font-size:11px;fill:#59636e}"
    ".lane{font-size:12px;fill:#1f2328}.note{font-size:11px;fill:#59636e;font-style:italic}"
    ".success rect,rect.success{fill:#e6f4ea;stroke:#1e8e3e}"
    ".failed rect,rect.failed{fill:#fce8e6;stroke:#d93025}"
    ".skipped rect,rect.skipped{fill:#f1f3f4;stroke:#80868b;stroke-dasharray:4 3}"
    ".other rect,rect.other{fill:#fef7e0;stroke:#e37400}"
    ".bar.success{fill:#1e8e3e}.bar.failed{fill:#d93025}.bar.other{fill:#e37400}"
    ".badge.success{color:#1e8e3e;background:#e6f4ea}"
    ".badge.failed{color:#d93025;background:#fce8e6}"
    ".badge.skipped{color:#59636e;background:#f1f3f4}"
    ".badge.other{color:#b06000;background:#fef7e0}"
    "footer{color:#59636e;font-size:12px;margin:24px 0}";

/* ---- text ---- */

static void put_esc_n(struct osr_buf *b, const char *s, size_t max_chars)
{
    size_t chars = 0;

    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if ((*p & 0xC0) != 0x80 && chars++ == max_chars) {
            osr_buf_puts(b, "\xE2\x80\xA6"); /* an ellipsis */
            return;
        }
        switch (*p) {
        case '&':
            osr_buf_puts(b, "&amp;");
            break;
        case '<':
            osr_buf_puts(b, "&lt;");
            break;
        case '>':
            osr_buf_puts(b, "&gt;");
            break;
        case '"':
            osr_buf_puts(b, "&quot;");
            break;
        case '\'':
            osr_buf_puts(b, "&#39;");
            break;
        default:
            if (*p < 0x20 && *p != '\n' && *p != '\t')
                osr_buf_puts(b, "&#xFFFD;"); /* control characters are not HTML text */
            else
                osr_buf_putc(b, (char)*p);
        }
    }
}

static void put_esc(struct osr_buf *b, const char *s)
{
    put_esc_n(b, s, SIZE_MAX);
}

/* 1234567 as "1,234,567". */
static void put_count(struct osr_buf *b, long long v)
{
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%lld", v < 0 ? -v : v);

    if (v < 0)
        osr_buf_putc(b, '-');
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            osr_buf_putc(b, ',');
        osr_buf_putc(b, digits[i]);
    }
}

static void put_duration(struct osr_buf *b, long long ms)
{
    if (ms < 1000)
        osr_buf_printf(b, "%lld ms", ms);
    else if (ms < 60000)
        osr_buf_printf(b, "%.2f s", (double)ms / 1000.0);
    else
        osr_buf_printf(b, "%lld min %.1f s", ms / 60000, (double)(ms % 60000) / 1000.0);
}

static void put_bytes(struct osr_buf *b, long long v)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double x = (double)v;
    size_t u = 0;

    if (v < 1024) {
        osr_buf_printf(b, "%lld B", v);
        return;
    }
    for (x /= 1024.0; x >= 1024.0 && u + 1 < OSR_ARRAY_LEN(units); u++)
        x /= 1024.0;
    osr_buf_printf(b, "%.1f %s", x, units[u]);
}

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static long long num(json_t *obj, const char *key)
{
    return (long long)json_integer_value(json_object_get(obj, key));
}

/* The CSS class of a status: one of four colours. */
static const char *status_class(const char *status)
{
    static const char *const known[] = {"success", "failed", "skipped"};

    for (size_t i = 0; status && i < OSR_ARRAY_LEN(known); i++) {
        if (strcmp(status, known[i]) == 0)
            return known[i];
    }
    return "other";
}

/* "2026-01-31T12:00:00.250Z" (the runner's timestamps) as epoch milliseconds, or -1. */
static long long parse_ts(const char *s)
{
    struct tm tm = {0};
    int ms = 0, used = 0;

    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6)
        return -1;
    if (s[used] == '.' && sscanf(s + used, ".%3d", &ms) != 1)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm) * 1000 + ms;
}

/* ---- the steps and their events ---- */

static void add_node(struct report *R, json_t *step, json_t *metrics)
{
    struct node *nd = &R->nodes[R->n];

    nd->id = str(step, "id");
    if (!nd->id || json_object_get(R->pos, nd->id))
        return; /* no id, or a second step with it: the first one stands */
    nd->component = str(step, "component") ?: str(metrics, "component");
    nd->needs = json_object_get(step, "needs");
    nd->metrics = metrics;
    nd->status = str(metrics, "status") ?: "not run";
    nd->error = str(metrics, "error");
    nd->start = nd->end = -1;
    json_object_set_new(R->pos, nd->id, json_integer((json_int_t)R->n++));
}

static struct node *node_of(struct report *R, const char *id)
{
    json_t *i = id ? json_object_get(R->pos, id) : NULL;

    return i ? &R->nodes[json_integer_value(i)] : NULL;
}

static void collect_nodes(struct report *R)
{
    json_t *steps = json_object_get(R->run->manifest, "steps"), *by_id = json_object(), *m, *s;
    size_t i;

    json_array_foreach(R->run->metrics, i, m)
    {
        if (str(m, "id") && !json_object_get(by_id, str(m, "id")))
            json_object_set(by_id, str(m, "id"), m);
    }
    if (!json_is_array(steps))
        steps = R->run->metrics;
    R->nodes = osr_xcalloc(json_array_size(steps) + 1, sizeof(*R->nodes));
    json_array_foreach(steps, i, s)
    {
        add_node(R, s, str(s, "id") ? json_object_get(by_id, str(s, "id")) : NULL);
    }
    json_decref(by_id);
}

static void apply_event(struct report *R, json_t *e, long long *last)
{
    const char *name = str(e, "event");
    long long t = parse_ts(str(e, "ts"));
    struct node *nd = node_of(R, str(e, "step_id"));

    if (!name || t < 0)
        return;
    if (strcmp(name, "run_start") == 0 && R->t0 < 0)
        R->t0 = t;
    if (t > *last)
        *last = t;
    if (!nd)
        return;
    if (strcmp(name, "step_start") == 0 && nd->start < 0)
        nd->start = t;
    else if (strcmp(name, "step_complete") == 0 || strcmp(name, "step_error") == 0)
        nd->end = t;
    if (strcmp(name, "step_error") == 0 && !nd->error)
        nd->error = str(e, "error");
}

/* Epoch times to times since `t0` (clamped, so that 0 <= start <= end when known). */
static void make_relative(struct node *nd, long long t0)
{
    if (t0 < 0 || nd->start < 0) {
        nd->start = nd->end = -1;
        return;
    }
    nd->start = nd->start > t0 ? nd->start - t0 : 0;
    if (nd->end >= 0)
        nd->end = nd->end - t0 > nd->start ? nd->end - t0 : nd->start;
}

/* Step times from the events, made relative to the run start. */
static void apply_events(struct report *R)
{
    long long last = -1;
    json_t *e;
    size_t i;

    R->t0 = -1;
    json_array_foreach(R->run->events, i, e)
    {
        apply_event(R, e, &last);
    }
    if (R->t0 < 0)
        R->t0 = parse_ts(str(R->run->record, "started_at"));
    for (i = 0; i < R->n; i++)
        make_relative(&R->nodes[i], R->t0);
    R->span = R->t0 >= 0 && last > R->t0 ? last - R->t0 : 1;
    if (num(R->run->record, "duration_ms") > R->span)
        R->span = num(R->run->record, "duration_ms");
}

/* Depth: one more than the deepest step needed (unknown ids ignored). Relaxed at most n
 * times, so a cycle in a hand-edited manifest ends too. */
static void layout(struct report *R)
{
    size_t *per_col = osr_xcalloc(R->n + 1, sizeof(*per_col));
    bool changed = true;

    for (size_t pass = 0; changed && pass < R->n; pass++) {
        changed = false;
        for (size_t i = 0; i < R->n; i++) {
            json_t *need;
            size_t k;
            json_array_foreach(R->nodes[i].needs, k, need)
            {
                struct node *up = node_of(R, json_string_value(need));
                if (up && up != &R->nodes[i] && up->depth + 1 > R->nodes[i].depth &&
                    up->depth + 1 < R->n) {
                    R->nodes[i].depth = up->depth + 1;
                    changed = true;
                }
            }
        }
    }
    R->cols = R->rows = 0;
    for (size_t i = 0; i < R->n; i++) {
        struct node *nd = &R->nodes[i];
        nd->row = per_col[nd->depth]++;
        R->cols = nd->depth + 1 > R->cols ? nd->depth + 1 : R->cols;
        R->rows = per_col[nd->depth] > R->rows ? per_col[nd->depth] : R->rows;
    }
    free(per_col);
}

/* ---- the page ---- */

static void put_head(struct report *R)
{
    struct osr_buf *b = R->b;

    osr_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                    "style-src 'unsafe-inline'\">\n<meta name=\"viewport\" "
                    "content=\"width=device-width, initial-scale=1\">\n<title>");
    put_esc(b, str(R->run->record, "run_id"));
    osr_buf_puts(b, " \xE2\x80\x94 ");
    put_esc(b, str(R->run->manifest, "name") ?: str(R->run->record, "pipeline"));
    osr_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", style);
}

static void put_field(struct osr_buf *b, const char *label, const char *value)
{
    osr_buf_printf(b, "<dt>%s</dt><dd>", label);
    put_esc(b, value ? value : "\xE2\x80\x94");
    osr_buf_puts(b, "</dd>\n");
}

static void put_step_counts(struct report *R)
{
    size_t ok = 0, failed = 0, skipped = 0;

    for (size_t i = 0; i < R->n; i++) {
        const char *c = status_class(R->nodes[i].status);
        ok += strcmp(c, "success") == 0;
        failed += strcmp(c, "failed") == 0;
        skipped += strcmp(c, "skipped") == 0;
    }
    osr_buf_printf(R->b, "<dt>Steps</dt><dd>%zu: %zu succeeded, %zu failed, %zu skipped%s</dd>\n",
                   R->n, ok, failed, skipped,
                   ok + failed + skipped < R->n ? ", others not run" : "");
}

static void put_header(struct report *R)
{
    json_t *rec = R->run->record;
    const char *status = str(rec, "status");
    struct osr_buf *b = R->b;

    osr_buf_puts(b, "<header>\n<h1>");
    put_esc(b, str(R->run->manifest, "name") ?: str(rec, "pipeline"));
    osr_buf_printf(b, " <span class=\"badge %s\" id=\"run-status\">", status_class(status));
    put_esc(b, status ? status : "unknown");
    osr_buf_puts(b, "</span></h1>\n<dl>\n");
    put_field(b, "Pipeline", str(rec, "pipeline"));
    put_field(b, "Run id", str(rec, "run_id"));
    put_field(b, "Profile", str(rec, "profile"));
    put_field(b, "Status", status);
    put_field(b, "Started", str(rec, "started_at"));
    put_field(b, "Finished", str(rec, "finished_at"));
    osr_buf_puts(b, "<dt>Duration</dt><dd>");
    put_duration(b, num(rec, "duration_ms"));
    osr_buf_puts(b, "</dd>\n<dt>Rows written</dt><dd>");
    put_count(b, num(rec, "rows"));
    osr_buf_puts(b, "</dd>\n");
    put_step_counts(R);
    put_field(b, "Manifest", str(rec, "manifest_hash"));
    osr_buf_puts(b, "</dl>\n</header>\n");
}

static long long box_x(const struct node *nd)
{
    return PAD + (long long)nd->depth * (BOX_W + COL_GAP);
}

static long long box_y(const struct node *nd)
{
    return PAD + (long long)nd->row * (BOX_H + ROW_GAP);
}

static void put_edges(struct report *R)
{
    for (size_t i = 0; i < R->n; i++) {
        struct node *to = &R->nodes[i];
        json_t *need;
        size_t k;
        json_array_foreach(to->needs, k, need)
        {
            struct node *from = node_of(R, json_string_value(need));
            long long x1, y1, x2, y2;
            if (!from || from == to)
                continue;
            x1 = box_x(from) + BOX_W, y1 = box_y(from) + BOX_H / 2;
            x2 = box_x(to) - 2, y2 = box_y(to) + BOX_H / 2;
            osr_buf_printf(R->b,
                           "<path class=\"edge\" marker-end=\"url(#arrow)\" d=\"M%lld %lld "
                           "C%lld %lld %lld %lld %lld %lld\"/>\n",
                           x1, y1, x1 + COL_GAP / 2, y1, x2 - COL_GAP / 2, y2, x2, y2);
        }
    }
}

static void put_box(struct osr_buf *b, const struct node *nd)
{
    long long x = box_x(nd), y = box_y(nd);

    osr_buf_printf(b, "<g class=\"step %s\" data-step=\"", status_class(nd->status));
    put_esc(b, nd->id);
    osr_buf_puts(b, "\"><title>");
    put_esc(b, nd->id);
    osr_buf_puts(b, " (");
    put_esc(b, nd->component);
    osr_buf_puts(b, "): ");
    put_esc(b, nd->status);
    osr_buf_printf(b,
                   "</title><rect x=\"%lld\" y=\"%lld\" width=\"%d\" height=\"%d\" rx=\"6\" "
                   "stroke-width=\"1.5\"/><text class=\"id\" x=\"%lld\" y=\"%lld\">",
                   x, y, BOX_W, BOX_H, x + 10, y + 20);
    put_esc_n(b, nd->id, ID_CHARS);
    osr_buf_printf(b, "</text><text class=\"comp\" x=\"%lld\" y=\"%lld\">", x + 10, y + 37);
    put_esc_n(b, nd->component, COMPONENT_CHARS);
    osr_buf_puts(b, "</text></g>\n");
}

static void put_dag(struct report *R)
{
    long long w = 2 * PAD + (long long)R->cols * BOX_W + (long long)(R->cols - 1) * COL_GAP;
    long long h = 2 * PAD + (long long)R->rows * BOX_H + (long long)(R->rows - 1) * ROW_GAP;

    osr_buf_puts(R->b, "<h2>Steps</h2>\n<section>\n");
    if (R->n == 0) {
        osr_buf_puts(R->b, "<p>The run recorded no step.</p>\n</section>\n");
        return;
    }
    osr_buf_printf(R->b,
                   "<svg class=\"dag\" id=\"dag\" width=\"%lld\" height=\"%lld\" "
                   "viewBox=\"0 0 %lld %lld\" role=\"img\" aria-label=\"Steps and their "
                   "dependencies\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" "
                   "refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
                   "orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" "
                   "fill=\"#8c959f\"/></marker></defs>\n",
                   w, h, w, h);
    put_edges(R);
    for (size_t i = 0; i < R->n; i++)
        put_box(R->b, &R->nodes[i]);
    osr_buf_puts(R->b, "</svg>\n</section>\n");
}

static void put_axis(struct report *R)
{
    for (int q = 0; q <= 4; q++) {
        long long x = LABEL_W + (long long)BAR_W * q / 4;
        osr_buf_printf(R->b,
                       "<line class=\"axis\" x1=\"%lld\" y1=\"%d\" x2=\"%lld\" y2=\"%zu\"/>"
                       "<text class=\"axis-label\" x=\"%lld\" y=\"14\" text-anchor=\"%s\">",
                       x, AXIS_H - 8, x, AXIS_H + R->n * LANE_H, x,
                       q == 0   ? "start"
                       : q == 4 ? "end"
                                : "middle");
        if (R->span < 40) /* a quarter of a short run is a fraction of a millisecond */
            osr_buf_printf(R->b, "%.1f ms", (double)R->span * q / 4.0);
        else
            put_duration(R->b, R->span * q / 4);
        osr_buf_puts(R->b, "</text>\n");
    }
}

static void put_lane(struct report *R, const struct node *nd, size_t i)
{
    long long y = AXIS_H + (long long)i * LANE_H, x, w, end;

    osr_buf_printf(R->b, "<text class=\"lane\" x=\"0\" y=\"%lld\">", y + 17);
    put_esc_n(R->b, nd->id, ID_CHARS + 2);
    osr_buf_puts(R->b, "</text>");
    if (nd->start < 0) {
        osr_buf_printf(R->b, "<text class=\"note\" x=\"%d\" y=\"%lld\">", LABEL_W + 6, y + 17);
        put_esc(R->b, strcmp(nd->status, "skipped") == 0 ? "skipped: never started"
                                                         : "no start recorded");
        osr_buf_puts(R->b, "</text>\n");
        return;
    }
    end = nd->end >= nd->start ? nd->end : R->span;
    x = LABEL_W + nd->start * BAR_W / R->span;
    w = (end - nd->start) * BAR_W / R->span;
    osr_buf_printf(R->b, "<rect class=\"bar %s\" data-step=\"", status_class(nd->status));
    put_esc(R->b, nd->id);
    osr_buf_printf(R->b, "\" x=\"%lld\" y=\"%lld\" width=\"%lld\" height=\"%d\" rx=\"3\"><title>",
                   x, y + 5, w < 3 ? 3 : w, LANE_H - 10);
    put_esc(R->b, nd->id);
    osr_buf_printf(R->b, ": %lld ms to %lld ms</title></rect>\n", nd->start, end);
}

static void put_timeline(struct report *R)
{
    long long h = AXIS_H + (long long)R->n * LANE_H + 4;

    osr_buf_puts(R->b, "<h2>Timeline</h2>\n<section>\n");
    if (R->n == 0) {
        osr_buf_puts(R->b, "<p>No step to place.</p>\n</section>\n");
        return;
    }
    osr_buf_printf(R->b,
                   "<svg class=\"timeline\" id=\"timeline\" width=\"%d\" height=\"%lld\" "
                   "viewBox=\"0 0 %d %lld\" role=\"img\" aria-label=\"When each step ran, "
                   "from the start of the run\">\n",
                   LABEL_W + BAR_W + 8, h, LABEL_W + BAR_W + 8, h);
    put_axis(R);
    for (size_t i = 0; i < R->n; i++)
        put_lane(R, &R->nodes[i], i);
    osr_buf_puts(R->b, "</svg>\n</section>\n");
}

static void put_num_cell(struct osr_buf *b, json_t *metrics, const char *key)
{
    osr_buf_puts(b, "<td class=\"num\">");
    if (json_is_integer(json_object_get(metrics, key)))
        put_count(b, num(metrics, key));
    else
        osr_buf_puts(b, "\xE2\x80\x94");
    osr_buf_puts(b, "</td>");
}

/* Rows per second over the step's own time: the larger of rows in and rows out. */
static void put_throughput(struct osr_buf *b, const struct node *nd)
{
    long long in = num(nd->metrics, "rows_in"), out = num(nd->metrics, "rows_out");
    long long rows = in > out ? in : out, ms = num(nd->metrics, "duration_ms");

    osr_buf_puts(b, "<td class=\"num\">");
    if (!nd->metrics || rows == 0)
        osr_buf_puts(b, "\xE2\x80\x94");
    else if (ms <= 0) { /* under a millisecond */
        osr_buf_puts(b, "&gt; ");
        put_count(b, rows * 1000);
        osr_buf_puts(b, " rows/s");
    } else {
        put_count(b, rows * 1000 / ms);
        osr_buf_puts(b, " rows/s");
    }
    osr_buf_puts(b, "</td>");
}

static void put_row(struct osr_buf *b, const struct node *nd)
{
    osr_buf_puts(b, "<tr data-step=\"");
    put_esc(b, nd->id);
    osr_buf_puts(b, "\"><td>");
    put_esc(b, nd->id);
    osr_buf_puts(b, "</td><td>");
    put_esc(b, nd->component);
    osr_buf_printf(b, "</td><td><span class=\"badge %s\">", status_class(nd->status));
    put_esc(b, nd->status);
    osr_buf_puts(b, "</span></td>");
    put_num_cell(b, nd->metrics, "rows_in");
    put_num_cell(b, nd->metrics, "rows_out");
    osr_buf_puts(b, "<td class=\"num\">");
    if (nd->metrics)
        put_bytes(b, num(nd->metrics, "bytes"));
    osr_buf_puts(b, "</td><td class=\"num\">");
    if (nd->metrics)
        put_duration(b, num(nd->metrics, "duration_ms"));
    osr_buf_puts(b, "</td>");
    put_throughput(b, nd);
    osr_buf_puts(b, "</tr>\n");
}

static void put_table(struct report *R)
{
    osr_buf_puts(R->b, "<h2>Metrics</h2>\n<section>\n<table id=\"metrics\">\n<thead><tr>"
                       "<th>Step</th><th>Component</th><th>Status</th><th class=\"num\">Rows "
                       "in</th><th class=\"num\">Rows out</th><th class=\"num\">Bytes</th>"
                       "<th class=\"num\">Duration</th><th class=\"num\">Throughput</th>"
                       "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < R->n; i++)
        put_row(R->b, &R->nodes[i]);
    osr_buf_puts(R->b, "</tbody>\n</table>\n</section>\n");
}

static void put_errors(struct report *R)
{
    size_t count = 0;

    osr_buf_puts(R->b, "<h2>Errors</h2>\n<section id=\"errors\">\n");
    for (size_t i = 0; i < R->n; i++) {
        const struct node *nd = &R->nodes[i];
        if (!nd->error)
            continue;
        osr_buf_puts(R->b, count++ ? "<li><b>" : "<ul class=\"errors\">\n<li><b>");
        put_esc(R->b, nd->id);
        osr_buf_puts(R->b, "</b> (");
        put_esc(R->b, nd->component);
        osr_buf_puts(R->b, ")<pre>");
        put_esc(R->b, nd->error);
        osr_buf_puts(R->b, "</pre></li>\n");
    }
    osr_buf_puts(R->b, count ? "</ul>\n" : "<p>No step reported an error.</p>\n");
    osr_buf_puts(R->b, "</section>\n");
}

int osr_report_html_format(struct osr_buf *out, const struct osr_report_run *run)
{
    struct report R = {.b = out, .run = run, .pos = json_object()};

    collect_nodes(&R);
    apply_events(&R);
    layout(&R);
    put_head(&R);
    put_header(&R);
    put_dag(&R);
    put_timeline(&R);
    put_table(&R);
    put_errors(&R);
    osr_buf_puts(out, "<footer>Osiris run report, made from the run's events.jsonl, "
                      "metrics.jsonl and manifest.json.</footer>\n</main>\n</body>\n</html>\n");
    free(R.nodes);
    json_decref(R.pos);
    return osr_buf_failed(out) ? -OSR_ELIMIT : 0;
}
