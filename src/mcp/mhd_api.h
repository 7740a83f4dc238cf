/*
 * mhd_api.h - the libmicrohttpd functions the HTTP transport uses, resolved at run time.
 *
 * The prototypes come from microhttpd.h itself (through __typeof__), so a mismatch with
 * the library's API is a compile error, yet the executable has no link-time dependency.
 */
#ifndef OSR_MCP_MHD_API_H
#define OSR_MCP_MHD_API_H

#include <microhttpd.h>

struct osr_mhd_api {
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
    __typeof__(MHD_run) *run;
    __typeof__(MHD_get_daemon_info) *get_daemon_info;
    __typeof__(MHD_get_timeout) *get_timeout;
    __typeof__(MHD_lookup_connection_value) *lookup_connection_value;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_create_response_from_callback) *create_response_from_callback;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_destroy_response) *destroy_response;
    __typeof__(MHD_suspend_connection) *suspend_connection;
    __typeof__(MHD_resume_connection) *resume_connection;
    __typeof__(MHD_get_connection_info) *get_connection_info;
};

/* Loads the library once; returns NULL (with the last error set) when it is missing. */
const struct osr_mhd_api *osr_mhd_api_get(void);

#endif
