/*
 * duckdb_api.c - DuckDB resolved at run time (see duckdb_api.h).
 *
 * The library is not a system package, so a failure says what was tried and how to point
 * Osiris at a libduckdb.so instead of naming a package to install.
 */
#include "db/duckdb_api.h"
#include "core/dynload.h"
#include "core/error.h"

#include <dlfcn.h>

#define DEFAULT_SONAME "libduckdb.so"
#define ABI_MAJOR 1 /* the C API the declarations in duckdb_api.h follow */

_Static_assert(sizeof(struct osr_duck_result) == 48, "duckdb_result is 48 bytes");
_Static_assert(sizeof(struct osr_duck_string) == 16, "duckdb_string_t is 16 bytes");

static struct osr_duckdb_api api;
static struct osr_dynonce once = OSR_DYNONCE_INIT; /* steps of a run in threads */

static int unavailable(const char *what, const char *why)
{
    return osr_error_set(-OSR_ENOTFOUND,
                         "engine not available: cannot load DuckDB from %s (%s); set "
                         "OSIRIS_DUCKDB_LIBRARY to the path of a libduckdb.so of DuckDB %d.x",
                         what, why, ABI_MAJOR);
}

/* Refuses a library whose major version is not the one our declarations follow. */
static int check_version(const char *what, const char *(*version)(void))
{
    const char *v = version();
    char *end = NULL;
    long major = v ? strtol(v + (*v == 'v'), &end, 10) : -1;

    if (!v || end == v + (*v == 'v') || major != ABI_MAJOR) {
        char why[96];
        snprintf(why, sizeof(why), "it is version %s, and Osiris speaks the C API of %d.x",
                 v ? v : "(unknown)", ABI_MAJOR);
        return unavailable(what, why);
    }
    return 0;
}

static int load(void)
{
    const char *env = getenv("OSIRIS_DUCKDB_LIBRARY");
    const char *path = env && *env ? env : DEFAULT_SONAME;
    char what[512];
    const struct osr_dynsym syms[] = {
        OSR_DYNSYM(api, open, "duckdb_open"),
        OSR_DYNSYM(api, close, "duckdb_close"),
        OSR_DYNSYM(api, connect, "duckdb_connect"),
        OSR_DYNSYM(api, disconnect, "duckdb_disconnect"),
        OSR_DYNSYM(api, interrupt, "duckdb_interrupt"),
        OSR_DYNSYM(api, query, "duckdb_query"),
        OSR_DYNSYM(api, destroy_result, "duckdb_destroy_result"),
        OSR_DYNSYM(api, result_error, "duckdb_result_error"),
        OSR_DYNSYM(api, free, "duckdb_free"),
        OSR_DYNSYM(api, extract_statements, "duckdb_extract_statements"),
        OSR_DYNSYM(api, extract_statements_error, "duckdb_extract_statements_error"),
        OSR_DYNSYM(api, prepare_extracted_statement, "duckdb_prepare_extracted_statement"),
        OSR_DYNSYM(api, destroy_extracted, "duckdb_destroy_extracted"),
        OSR_DYNSYM(api, prepare_error, "duckdb_prepare_error"),
        OSR_DYNSYM(api, execute_prepared, "duckdb_execute_prepared"),
        OSR_DYNSYM(api, destroy_prepare, "duckdb_destroy_prepare"),
        OSR_DYNSYM(api, prepared_statement_column_count, "duckdb_prepared_statement_column_count"),
        OSR_DYNSYM(api, prepared_statement_column_name, "duckdb_prepared_statement_column_name"),
        OSR_DYNSYM(api, prepared_statement_column_logical_type,
                   "duckdb_prepared_statement_column_logical_type"),
        OSR_DYNSYM(api, column_count, "duckdb_column_count"),
        OSR_DYNSYM(api, column_name, "duckdb_column_name"),
        OSR_DYNSYM(api, column_logical_type, "duckdb_column_logical_type"),
        OSR_DYNSYM(api, get_type_id, "duckdb_get_type_id"),
        OSR_DYNSYM(api, decimal_width, "duckdb_decimal_width"),
        OSR_DYNSYM(api, decimal_scale, "duckdb_decimal_scale"),
        OSR_DYNSYM(api, decimal_internal_type, "duckdb_decimal_internal_type"),
        OSR_DYNSYM(api, enum_internal_type, "duckdb_enum_internal_type"),
        OSR_DYNSYM(api, enum_dictionary_size, "duckdb_enum_dictionary_size"),
        OSR_DYNSYM(api, enum_dictionary_value, "duckdb_enum_dictionary_value"),
        OSR_DYNSYM(api, destroy_logical_type, "duckdb_destroy_logical_type"),
        OSR_DYNSYM(api, fetch_chunk, "duckdb_fetch_chunk"),
        OSR_DYNSYM(api, data_chunk_get_size, "duckdb_data_chunk_get_size"),
        OSR_DYNSYM(api, data_chunk_get_vector, "duckdb_data_chunk_get_vector"),
        OSR_DYNSYM(api, destroy_data_chunk, "duckdb_destroy_data_chunk"),
        OSR_DYNSYM(api, vector_get_data, "duckdb_vector_get_data"),
        OSR_DYNSYM(api, vector_get_validity, "duckdb_vector_get_validity"),
        OSR_DYNSYM(api, appender_create, "duckdb_appender_create"),
        OSR_DYNSYM(api, appender_error, "duckdb_appender_error"),
        OSR_DYNSYM(api, appender_end_row, "duckdb_appender_end_row"),
        OSR_DYNSYM(api, appender_flush, "duckdb_appender_flush"),
        OSR_DYNSYM(api, appender_destroy, "duckdb_appender_destroy"),
        OSR_DYNSYM(api, append_null, "duckdb_append_null"),
        OSR_DYNSYM(api, append_int64, "duckdb_append_int64"),
        OSR_DYNSYM(api, append_double, "duckdb_append_double"),
        OSR_DYNSYM(api, append_varchar_length, "duckdb_append_varchar_length"),
        OSR_DYNSYM(api, append_blob, "duckdb_append_blob"),
    };
    void *lib;

    if (env && *env)
        snprintf(what, sizeof(what), "%s (OSIRIS_DUCKDB_LIBRARY)", env);
    else
        snprintf(what, sizeof(what), "%s on the loader path (OSIRIS_DUCKDB_LIBRARY is not set)",
                 DEFAULT_SONAME);
    if (!(lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
        return unavailable(what, dlerror());
    *(void **)&api.library_version = dlsym(lib, "duckdb_library_version");
    if (!api.library_version) {
        dlclose(lib);
        return unavailable(what, "it has no duckdb_library_version, so it is not DuckDB");
    }
    if (check_version(what, api.library_version) < 0)
        goto refuse;
    for (size_t i = 0; i < OSR_ARRAY_LEN(syms); i++) {
        if (!(*syms[i].slot = dlsym(lib, syms[i].name))) {
            char why[160];
            snprintf(why, sizeof(why), "it lacks the function %s", syms[i].name);
            unavailable(what, why);
            goto refuse;
        }
    }
    return 0;
refuse:
    dlclose(lib);
    memset(&api, 0, sizeof(api));
    return -OSR_ENOTFOUND;
}

const struct osr_duckdb_api *osr_duckdb_api_get(void)
{
    return osr_dynload_once(&once, load) ? &api : NULL;
}
