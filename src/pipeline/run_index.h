/*
 * run_index.h - the index of runs and their AI Operation Packages.
 *
 * Every run, failed ones too, appends one JSON line to <index_dir>/runs.jsonl:
 *   {"run_id","pipeline","profile","status","started_at","finished_at","duration_ms","rows",
 *    "manifest_hash","run_dir","aiop_dir"}
 * with run_dir and aiop_dir relative to the workspace. The package of a run is
 * <aiop_dir>/aiop.json, with its Markdown summary in <aiop_dir>/run-card.md.
 * Readers skip lines that are not such objects, so a torn last line (a run killed while
 * appending) hides one run, never the index.
 */
#ifndef OSR_PIPELINE_RUN_INDEX_H
#define OSR_PIPELINE_RUN_INDEX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct osr_run_filter {
    const char *pipeline; /* NULL: any */
    const char *profile;  /* NULL: any */
    size_t limit;         /* the most runs returned; 0: no limit */
    bool any;             /* also runs without a package (their aiop_path is null) */
};

/* Runs of the index at `index_file`, newest first, that match `f` and whose AIOP package
 * exists inside `base` (the workspace). Each gets "aiop_path" and "run_card_path" (absolute;
 * the card may be null). `*truncated` tells whether the limit cut the list. A missing index
 * is an empty list. Returns 0, or a negative OSR error when the index cannot be read. */
int osr_run_index_list(json_t **runs, bool *truncated, const char *index_file, const char *base,
                       const struct osr_run_filter *f);
/* The newest index record of run `run_id` with its package (as osr_run_index_list), or
 * NULL. */
json_t *osr_run_index_find(const char *index_file, const char *base, const char *run_id);
/* A run id as the index writes them: 1 to 128 letters, digits, '_', '-' and '.', not
 * starting with '.'. */
bool osr_run_id_ok(const char *run_id);

#endif
