/*
 * my_api.c - libmariadb resolved at run time (see my_api.h).
 */
/* mysql.h must come before compat.h (see mysql.c). */
#include "db/my_api.h"

#include "core/dynload.h"
#include "core/error.h"

static struct osr_my_api api;
static struct osr_dynonce once = OSR_DYNONCE_INIT; /* steps of a run in threads */

/* mysql_init initialises the library on first use, which is not thread-safe: done here,
 * once, under the lock. */
static int load(void)
{
    const struct osr_dynsym syms[] = {
        OSR_DYNSYM(api, library_init, "mysql_server_init"),
        OSR_DYNSYM(api, init, "mysql_init"),
        OSR_DYNSYM(api, thread_id, "mysql_thread_id"),
        OSR_DYNSYM(api, options, "mysql_options"),
        OSR_DYNSYM(api, real_connect, "mysql_real_connect"),
        OSR_DYNSYM(api, error, "mysql_error"),
        OSR_DYNSYM(api, errnum, "mysql_errno"),
        OSR_DYNSYM(api, close, "mysql_close"),
        OSR_DYNSYM(api, real_query, "mysql_real_query"),
        OSR_DYNSYM(api, store_result, "mysql_store_result"),
        OSR_DYNSYM(api, fetch_row, "mysql_fetch_row"),
        OSR_DYNSYM(api, fetch_lengths, "mysql_fetch_lengths"),
        OSR_DYNSYM(api, fetch_fields, "mysql_fetch_fields"),
        OSR_DYNSYM(api, num_fields, "mysql_num_fields"),
        OSR_DYNSYM(api, free_result, "mysql_free_result"),
        OSR_DYNSYM(api, real_escape_string, "mysql_real_escape_string"),
        OSR_DYNSYM(api, use_result, "mysql_use_result"),
        OSR_DYNSYM(api, affected_rows, "mysql_affected_rows"),
        OSR_DYNSYM(api, warning_count, "mysql_warning_count"),
        OSR_DYNSYM(api, set_local_infile_handler, "mysql_set_local_infile_handler"),
        OSR_DYNSYM(api, cancel, "mariadb_cancel"),
    };

    int rc = osr_dynload("libmariadb.so.3", "libmariadb3", syms, OSR_ARRAY_LEN(syms));

    if (rc == 0 && api.library_init(0, NULL, NULL) != 0)
        rc = osr_error_set(-OSR_ENOTFOUND, "libmariadb could not initialise itself");
    return rc;
}

const struct osr_my_api *osr_my_api_get(void)
{
    return osr_dynload_once(&once, load) ? &api : NULL;
}
