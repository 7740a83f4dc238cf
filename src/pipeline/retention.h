/*
 * retention.h - removing old run records (`filesystem.retention` in osiris.yaml).
 *
 * After every run that wrote records (not a dry run) the runner applies retention to the
 * pipeline it ran:
 *   run_logs_days N                the run directories of that pipeline, under every
 *                                  profile (<run_logs_dir>/<profile>/<slug>/<ts>_<run_id>/),
 *                                  last modified more than N days ago are removed;
 *                                  0 keeps them forever;
 *   aiop_keep_runs_per_pipeline N  of its AI Operation Packages (<aiop_dir>/<slug>/<run_id>/)
 *                                  the N most recently modified stay, older ones are
 *                                  removed; 0 keeps them all.
 * The run just written is never removed, whatever the clock says. Only directories named
 * as the runner names them are touched (a run directory "<YYYYMMDDTHHMMSSZ>_<run id>", a
 * package a run id holding aiop.json or run-card.md), and removal never follows a symbolic
 * link: a link is unlinked, never entered, so nothing outside those directories can go.
 * The run index is history and keeps every line; each removal appends one line
 *   {"ts","run_id","pipeline","removed":"run_logs"|"aiop","path","reason"}
 * to <index_dir>/retention.jsonl (0600, one write), so that `osiris logs` can tell a run
 * whose records retention removed from one whose records are missing.
 */
#ifndef OSR_PIPELINE_RETENTION_H
#define OSR_PIPELINE_RETENTION_H

#include "core/config.h"

#include <jansson.h>

/* Applies retention to pipeline `slug`, keeping run `keep_run_id`. Removes what it can and
 * returns 0, or the first error (the last error says which directory could not go). */
int osr_retention_apply(const struct osr_config *cfg, const char *slug, const char *keep_run_id);
/* The newest line of retention.jsonl saying that `what` ("run_logs" or "aiop") of run
 * `run_id` was removed (new reference), or NULL. */
json_t *osr_retention_find(const struct osr_config *cfg, const char *run_id, const char *what);

#endif
