/*
 * alloc.h - allocation that never returns NULL.
 *
 * An allocation failure aborts the process with a message on stderr: the CLI and the server
 * cannot do anything useful without memory, and aborting keeps thousands of untested NULL
 * paths out of the code. Sizes that come from input must be checked against an explicit
 * ceiling before they reach these functions.
 */
#ifndef OSR_ALLOC_H
#define OSR_ALLOC_H

#include "core/compat.h"

void *osr_xmalloc(size_t n);
void *osr_xcalloc(size_t count, size_t size);
void *osr_xrealloc(void *p, size_t n);
/* Grows an array of `size`-byte elements to hold at least `need`; updates *cap. */
void *osr_xgrow(void *p, size_t *cap, size_t need, size_t size);
char *osr_xstrdup(const char *s);
char *osr_xstrndup(const char *s, size_t n);
/* printf into a new string (owned by the caller). */
char *osr_xasprintf(const char *fmt, ...) OSR_PRINTF(1, 2);

#endif
