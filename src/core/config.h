/*
 * config.h - osiris.yaml: the workspace configuration and the base path.
 *
 * Every key the product reads has a typed field here with a default, so no caller ever
 * looks into the YAML itself. Loading checks types (errors with file:line:column), ranges
 * and enumerations, and warns about unknown keys. The base path is resolved by one
 * function, with the precedence of the workspace contract: --base-path, then OSIRIS_HOME,
 * then `filesystem.base_path` in ./osiris.yaml, then the current directory.
 */
#ifndef OSR_CONFIG_H
#define OSR_CONFIG_H

#include "core/diag.h"
#include "core/strv.h"

struct osr_config {
    char *base_path;   /* absolute */
    char *base_source; /* "--base-path", "OSIRIS_HOME", "osiris.yaml" or "cwd" */
    char *file;        /* the osiris.yaml that was read (absolute), NULL when there is none */
    char *version;

    struct {
        char *base_path; /* as written in the file (NULL when absent) */
        char *pipelines_dir, *build_dir, *aiop_dir, *run_logs_dir, *sessions_dir, *cache_dir,
            *index_dir, *mcp_logs_dir;
        bool profiles_enabled;
        struct osr_strv profile_values;
        char *profile_default;
        char *manifest_dir, *run_dir, *aiop_run_dir, *run_ts_format;
        long long manifest_short_len;
        bool artifacts_plan, artifacts_fingerprints, artifacts_run_summary;
        long long run_logs_days, aiop_keep_runs_per_pipeline, annex_keep_days;
        char *outputs_directory, *outputs_format;
    } fs;
    struct {
        struct osr_strv run_id_format;
        char *manifest_hash_algo;
    } ids;
    struct {
        char *level;
        struct osr_strv events;
        bool metrics_enabled;
        long long metrics_retention_hours;
    } logging;
    struct {
        long long sample_size, max_samples, parallel_tables, timeout_seconds, cache_ttl_hours;
        long long max_rows, max_bytes;
    } discovery;
    struct {
        long long tool_timeout_s, payload_limit_mb, cache_ttl_hours, memory_retention_days;
        char *transport, *listen;
        struct osr_strv allowed_origins;
        bool audit_enabled, telemetry_enabled, warm_worker;
    } mcp;
    struct {
        bool enabled, run_card;
        char *policy, *timeline_density, *schema_mode;
        long long max_core_bytes, metrics_topk, keep_runs;
    } aiop;
    struct {
        long long max_parallel_branches;     /* pipeline branches run side by side */
        long long retries, retry_backoff_ms; /* a branch's transient failures */
    } runtime;
};

/* Resolves the base path (see above) into *out (owned). `flag` is the --base-path value or
 * NULL. `source` (may be NULL) receives where it came from. */
int osr_config_base_path(char **out, const char **source, const char *flag);

/* Resolves the base path and loads <base>/osiris.yaml into `cfg` (defaults for everything
 * absent). Type errors and unknown keys go to `diags`; returns 0 even when diags holds
 * errors, and a negative code only when the file cannot be read or parsed (the parse
 * error is in diags too). A missing file is not an error: cfg->file stays NULL. */
int osr_config_load(struct osr_config *cfg, struct osr_diags *diags, const char *base_flag);
void osr_config_dispose(struct osr_config *cfg);

/* <base_path>/<rel> unless rel is absolute (owned). */
char *osr_config_path(const struct osr_config *cfg, const char *rel);

#endif
