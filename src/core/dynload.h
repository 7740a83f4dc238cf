/*
 * dynload.h - loading a shared library and its functions at run time.
 *
 * The client libraries of PostgreSQL, MariaDB and libcurl, and libmicrohttpd, pull in
 * dozens of shared objects that cost milliseconds at every process start. Commands that
 * need them load them here on first use, so `--version` or `connections list` never pay.
 * Callers declare their function pointers with __typeof__ of the library's own prototypes,
 * so a mismatch with the headers is a compile error.
 */
#ifndef OSR_DYNLOAD_H
#define OSR_DYNLOAD_H

#include "core/compat.h"

#include <pthread.h>

struct osr_dynsym {
    const char *name;
    void **slot; /* where the address goes */
};

#define OSR_DYNSYM(table, field, symbol)                                                           \
    {                                                                                              \
        symbol, (void **)&(table).field                                                            \
    }

/* Opens `soname` (once per process; later calls return the same handle) and resolves every
 * symbol. On failure sets the last error naming `package` to install, and returns
 * -OSR_ENOTFOUND. */
int osr_dynload(const char *soname, const char *package, const struct osr_dynsym *syms, size_t n);

/* A library loaded once for the whole process, whichever thread asks first: `load`
 * (osr_dynload and any set-up the library needs before use) runs under `lock` until it
 * succeeds, `loaded` remembering that; a failure is tried again at the next call. */
struct osr_dynonce {
    pthread_mutex_t lock;
    bool loaded;
};
#define OSR_DYNONCE_INIT                                                                           \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, false                                                           \
    }

/* Whether the library is loaded (load() returned 0 now or before). */
bool osr_dynload_once(struct osr_dynonce *once, int (*load)(void));

#endif
