/*
 * dynload.c - dlopen/dlsym with clear errors (see dynload.h).
 */
#include "core/dynload.h"
#include "core/error.h"

#include <dlfcn.h>

int osr_dynload(const char *soname, const char *package, const struct osr_dynsym *syms, size_t n)
{
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

    if (!lib)
        return osr_error_set(-OSR_ENOTFOUND, "cannot load %s (install the Debian package %s): %s",
                             soname, package, dlerror());
    for (size_t i = 0; i < n; i++) {
        *syms[i].slot = dlsym(lib, syms[i].name);
        if (!*syms[i].slot)
            return osr_error_set(-OSR_ENOTFOUND, "%s lacks the function %s; install %s", soname,
                                 syms[i].name, package);
    }
    return 0;
}

bool osr_dynload_once(struct osr_dynonce *once, int (*load)(void))
{
    bool ok;

    pthread_mutex_lock(&once->lock);
    ok = once->loaded || load() == 0;
    once->loaded = ok;
    pthread_mutex_unlock(&once->lock);
    return ok;
}
