/*
 * aiop.h - the AI Operation Package of a run.
 *
 * After every run (failed ones too) the runner writes <aiop_dir>/<slug>/<run_id>/:
 *   aiop.json    {"@context","run","pipeline","evidence":{"timeline","metrics","errors"},
 *                 "semantic":{"dag"},"narrative":{"summary","paragraphs"},"metadata"}
 *   run-card.md  the same in a page a person reads
 * aiop.json stays under aiop.max_core_bytes (300 000): when larger, the timeline keeps its
 * first and last 20 events (timeline_dropped counts the rest), then errors beyond the
 * first 10 go, and metadata.truncated says so.
 */
#ifndef OSR_PIPELINE_AIOP_H
#define OSR_PIPELINE_AIOP_H

#include "core/config.h"

#include <jansson.h>

/* Writes the package of the run `summary` (osr_run's) for `manifest`, with its events;
 * *dir (owned) is its directory, or NULL when it could not be written. */
void osr_aiop_write(char **dir, const struct osr_config *cfg, json_t *summary, json_t *manifest,
                    json_t *timeline);

#endif
