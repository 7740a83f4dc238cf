/*
 * my_api.h - the MariaDB Connector/C functions Osiris uses, loaded at run time.
 */
#ifndef OSR_DB_MY_API_H
#define OSR_DB_MY_API_H

#include <mysql.h>

struct osr_my_api {
    __typeof__(mysql_server_init) *library_init;
    __typeof__(mysql_init) *init;
    __typeof__(mysql_thread_id) *thread_id;
    __typeof__(mysql_options) *options;
    __typeof__(mysql_real_connect) *real_connect;
    __typeof__(mysql_error) *error;
    __typeof__(mysql_errno) *errnum;
    __typeof__(mysql_close) *close;
    __typeof__(mysql_real_query) *real_query;
    __typeof__(mysql_store_result) *store_result;
    __typeof__(mysql_fetch_row) *fetch_row;
    __typeof__(mysql_fetch_lengths) *fetch_lengths;
    __typeof__(mysql_fetch_fields) *fetch_fields;
    __typeof__(mysql_num_fields) *num_fields;
    __typeof__(mysql_free_result) *free_result;
    __typeof__(mysql_real_escape_string) *real_escape_string;
    __typeof__(mysql_use_result) *use_result;
    __typeof__(mysql_affected_rows) *affected_rows;
    __typeof__(mysql_warning_count) *warning_count;
    __typeof__(mysql_set_local_infile_handler) *set_local_infile_handler;
    __typeof__(mariadb_cancel) *cancel;
};

const struct osr_my_api *osr_my_api_get(void);

#endif
