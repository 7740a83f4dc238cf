/*
 * mhd_api.c - libmicrohttpd resolved at run time (see mhd_api.h).
 */
#include "mcp/mhd_api.h"
#include "core/dynload.h"

static struct osr_mhd_api api;
static bool loaded;

const struct osr_mhd_api *osr_mhd_api_get(void)
{
    const struct osr_dynsym syms[] = {
        OSR_DYNSYM(api, start_daemon, "MHD_start_daemon"),
        OSR_DYNSYM(api, stop_daemon, "MHD_stop_daemon"),
        OSR_DYNSYM(api, run, "MHD_run"),
        OSR_DYNSYM(api, get_daemon_info, "MHD_get_daemon_info"),
        OSR_DYNSYM(api, get_timeout, "MHD_get_timeout"),
        OSR_DYNSYM(api, lookup_connection_value, "MHD_lookup_connection_value"),
        OSR_DYNSYM(api, create_response_from_buffer, "MHD_create_response_from_buffer"),
        OSR_DYNSYM(api, create_response_from_callback, "MHD_create_response_from_callback"),
        OSR_DYNSYM(api, add_response_header, "MHD_add_response_header"),
        OSR_DYNSYM(api, queue_response, "MHD_queue_response"),
        OSR_DYNSYM(api, destroy_response, "MHD_destroy_response"),
        OSR_DYNSYM(api, suspend_connection, "MHD_suspend_connection"),
        OSR_DYNSYM(api, resume_connection, "MHD_resume_connection"),
        OSR_DYNSYM(api, get_connection_info, "MHD_get_connection_info"),
    };

    if (!loaded &&
        osr_dynload("libmicrohttpd.so.12", "libmicrohttpd12", syms, OSR_ARRAY_LEN(syms)) < 0)
        return NULL;
    loaded = true;
    return &api;
}
