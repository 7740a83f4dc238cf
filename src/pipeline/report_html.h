/*
 * report_html.h - the HTML report of one run.
 *
 * osr_report_html_format turns the records a run left (its line of the run index,
 * manifest.json, metrics.jsonl and events.jsonl) into one HTML page that needs nothing
 * else: inline CSS and inline SVG, no script, no font, no image and no reference to any
 * other file or address, with a Content-Security-Policy that forbids loading anything, so
 * the page looks the same mailed, archived or opened offline. Every text taken from the
 * records is HTML-escaped. The page holds the run header, the DAG of the steps (columns by
 * dependency depth, edges for `needs`, coloured by status), a timeline bar per step placed
 * from its step_start and step_complete/step_error events relative to the run start, a
 * table of rows, bytes, duration and throughput, and the errors. Records may be partial
 * (a failed run, skipped steps that never started, a missing file): what is absent is
 * shown as absent. The function is pure: the same records give the same bytes.
 */
#ifndef OSR_PIPELINE_REPORT_HTML_H
#define OSR_PIPELINE_REPORT_HTML_H

#include "core/buf.h"

#include <jansson.h>

/* The records of one run, all borrowed. */
struct osr_report_run {
    json_t *record;   /* the index line: run_id, pipeline, profile, status, started_at,
                         finished_at, duration_ms, rows, manifest_hash */
    json_t *manifest; /* manifest.json (name, steps[]: id, component, needs), or NULL */
    json_t *metrics;  /* metrics.jsonl as an array: id, component, status, rows_in,
                         rows_out, bytes, duration_ms, error; or NULL */
    json_t *events;   /* events.jsonl as an array (ts, event, step_id, ...), or NULL */
};

/* Appends the page to `out`, initialised by the caller, whose maximum bounds the page.
 * Returns 0, or -OSR_ELIMIT when the page would pass out->max (the buffer is then
 * failed, see buf.h). */
int osr_report_html_format(struct osr_buf *out, const struct osr_report_run *run);

#endif
