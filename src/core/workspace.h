/*
 * workspace.h - creating a workspace (`osiris init`).
 *
 * A workspace is the directory tree of the filesystem contract: osiris.yaml,
 * osiris_connections.yaml, pipelines/, build/, run_logs/, aiop/, data/ and .osiris/ (whose
 * log directories are 0700). Files are written atomically. Existing configuration is never
 * replaced without `force`, and with `force` the old files are kept as *.bak.
 */
#ifndef OSR_WORKSPACE_H
#define OSR_WORKSPACE_H

#include "core/strv.h"

struct osr_init_result {
    char *base_path;          /* absolute */
    struct osr_strv created;  /* paths relative to base_path, in creation order */
    struct osr_strv replaced; /* files that existed and were replaced (backed up as .bak) */
};

/* Relative path of the demo SQLite database inside a workspace. */
#define OSR_DEMO_DB_PATH "data/demo.sqlite"

/* The files `init` writes that it refuses to replace without force. */
extern const char *const osr_workspace_owned_files[];

/* Creates or refreshes a workspace in `dir`. Fails with -OSR_EEXISTS (nothing written)
 * when configuration files exist and `force` is false. The demo database is not created
 * here (that is the db layer's job); its path is reserved by the check above. */
int osr_workspace_init(struct osr_init_result *res, const char *dir, bool force);
void osr_init_result_dispose(struct osr_init_result *res);

#endif
