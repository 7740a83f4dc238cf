/*
 * discovery.h - schema discovery with a fingerprinted cache.
 *
 * Lists the tables of a connection, describes them from the catalog, counts their rows and
 * samples a few, all in a read-only session. Results are cached under
 * <mcp_logs_dir>/cache/disc_<id>/{overview,tables,samples}.json, where the id hashes the
 * connection reference, the component, the sample count, the table filter and the
 * connection's non-secret fields, so changing any of them misses the cache. Entries expire
 * after the TTL; corrupt entries are discarded and rebuilt; files are written atomically
 * with mode 0600 in 0700 directories.
 */
#ifndef OSR_DB_DISCOVERY_H
#define OSR_DB_DISCOVERY_H

#include "core/connections.h"
#include "db/db.h"

struct osr_discovery_req {
    const struct osr_conn_alias *alias;
    const char *base_path;
    const char *cache_root;  /* <base>/<mcp_logs_dir>/cache */
    int samples;             /* 0..100 */
    const char *tables_glob; /* NULL: all */
    bool refresh;
    long long ttl_hours;
    size_t max_bytes; /* cap on sample data in the result */
    int parallel;     /* sessions used at once on server databases */
};

/* Runs discovery (or answers from the cache). On a connection failure returns -OSR_ECONN
 * with `e` filled; per-table failures are reported inside the result ("partial"). */
int osr_discovery_run(json_t **out, const struct osr_discovery_req *r, struct osr_db_error *e);
/* Removes every cache entry of the connection `ref` ("@family.alias"). */
void osr_discovery_invalidate(const char *cache_root, const char *ref);

#endif
