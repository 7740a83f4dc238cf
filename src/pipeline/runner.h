/*
 * runner.h - running a compiled pipeline.
 *
 * osr_run reads a build's manifest.yaml and cfg/<step>.json, checks that every step can
 * run here, resolves the connections (secrets are read in this process, as `osiris run`
 * is the command that moves data), and executes the steps by their dependencies, streaming
 * rows from each source (an extractor, or a processor once all its inputs are in) to the
 * writers and processors that take them, a batch at a time. Sources whose inputs are done
 * run side by side in rounds ("waves", at most runtime.max_parallel_branches at once),
 * except those whose branches use the same file (SQLite, CSV), which run one after the
 * other. The first failing step stops the run (branches beside it stop at their next
 * batch): writers not committed are aborted (no partial file, the transaction rolled
 * back). Every run, failed ones too, leaves
 *   <run_logs_dir>/<profile>/<slug>/<ts>_<run_id>/  events.jsonl metrics.jsonl manifest.yaml
 *   <index_dir>/runs.jsonl                          one line (pipeline/run_index.h)
 *   <aiop_dir>/<slug>/<run_id>/                     aiop.json run-card.md (pipeline/aiop.h)
 * A dry run connects, prepares every statement and opens every target, then writes
 * nothing (and leaves no logs).
 */
#ifndef OSR_PIPELINE_RUNNER_H
#define OSR_PIPELINE_RUNNER_H

#include "core/config.h"

#include <jansson.h>

struct osr_run_req {
    const char *manifest_path; /* absolute */
    const struct osr_config *cfg;
    bool dry_run;
};

/* Runs the pipeline. Returns 0 when it ran (*out: the summary, "status" "success" or
 * "failed"; a step that cannot connect is a failed run); -OSR_EINVAL when the build cannot
 * run here (a malformed manifest, a component this version cannot execute, a step's
 * inputs it cannot wire); another negative code when the build or the run directories
 * cannot be read or written. The last error says why. */
int osr_run(json_t **out, const struct osr_run_req *r);
/* Asks the run in progress to stop at its next batch: the current step fails ("stopped"),
 * writers are aborted and the run is recorded as failed. Async-signal-safe: `osiris run`
 * calls it on SIGTERM and SIGINT (the MCP server cancels a pipeline_run with SIGTERM). */
void osr_run_request_stop(void);

#endif
