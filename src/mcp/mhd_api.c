/*
 * mhd_api.c - dlopen of libmicrohttpd (see mhd_api.h).
 */
#include "mcp/mhd_api.h"
#include "core/error.h"

#include <dlfcn.h>
#include <stdio.h>

static struct osr_mhd_api api;
static bool loaded;

#define RESOLVE(field, name)                                                                       \
    do {                                                                                           \
        *(void **)(&api.field) = dlsym(lib, name);                                                 \
        if (!api.field) {                                                                          \
            osr_error_set(-OSR_ENOTFOUND, "libmicrohttpd lacks %s", name);                         \
            return NULL;                                                                           \
        }                                                                                          \
    } while (0)

const struct osr_mhd_api *osr_mhd_api_get(void)
{
    void *lib;

    if (loaded)
        return &api;
    lib = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        osr_error_set(-OSR_ENOTFOUND,
                      "cannot load libmicrohttpd.so.12 (install the libmicrohttpd12 package): %s",
                      dlerror());
        return NULL;
    }
    RESOLVE(start_daemon, "MHD_start_daemon");
    RESOLVE(stop_daemon, "MHD_stop_daemon");
    RESOLVE(run, "MHD_run");
    RESOLVE(get_daemon_info, "MHD_get_daemon_info");
    RESOLVE(get_timeout, "MHD_get_timeout");
    RESOLVE(lookup_connection_value, "MHD_lookup_connection_value");
    RESOLVE(create_response_from_buffer, "MHD_create_response_from_buffer");
    RESOLVE(create_response_from_callback, "MHD_create_response_from_callback");
    RESOLVE(add_response_header, "MHD_add_response_header");
    RESOLVE(queue_response, "MHD_queue_response");
    RESOLVE(destroy_response, "MHD_destroy_response");
    RESOLVE(suspend_connection, "MHD_suspend_connection");
    RESOLVE(resume_connection, "MHD_resume_connection");
    loaded = true;
    return &api;
}
