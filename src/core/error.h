/*
 * error.h - error codes and the last error message.
 *
 * Functions that can fail return 0 or a negative OSR_E* code and record one line of context
 * with osr_error_set(), which keeps it in a thread-local slot. Callers that add nothing
 * propagate the code; they never overwrite a lower-level message.
 */
#ifndef OSR_ERROR_H
#define OSR_ERROR_H

#include "core/compat.h"

enum osr_errcode {
    OSR_OK = 0,
    OSR_EGENERIC = 1, /* something failed; see the message */
    OSR_ENOTFOUND,    /* a file, key, alias or component does not exist */
    OSR_EINVAL,       /* invalid input */
    OSR_EEXISTS,      /* refuses to overwrite */
    OSR_EIO,          /* a system call failed */
    OSR_ELIMIT,       /* input over a size, depth or count limit */
    OSR_EPARSE,       /* malformed YAML/JSON */
    OSR_EPOLICY,      /* refused by policy (path escape, inline secret...) */
    OSR_ECONN,        /* connection or discovery failure */
    OSR_ETIMEOUT,     /* a deadline passed */
};

/* Records the message and returns `code` so callers can write `return osr_error_set(...)`. */
int osr_error_set(int code, const char *fmt, ...) OSR_PRINTF(2, 3);
/* Same, with strerror(errno) appended after ": ". */
int osr_error_set_errno(int code, const char *fmt, ...) OSR_PRINTF(2, 3);
/* The last message recorded by this thread ("" when none). Borrowed until the next set. */
const char *osr_error_last(void);
void osr_error_clear(void);

#endif
