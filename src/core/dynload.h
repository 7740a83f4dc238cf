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

#endif
