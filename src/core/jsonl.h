/*
 * jsonl.h - reading a file of JSON lines (the run index, run events, retention records).
 *
 * Lines that are not a JSON object are skipped: a record torn by a process killed while
 * appending hides that record only, never the ones after it.
 */
#ifndef OSR_CORE_JSONL_H
#define OSR_CORE_JSONL_H

#include "core/compat.h"

#include <jansson.h>

/* The objects of `path` in file order, as a new array in *out (empty when the file does not
 * exist). Returns 0, or -OSR_EIO (with *out empty) when it exists but cannot be read. */
int osr_jsonl_load(json_t **out, const char *path);

#endif
