/*
 * workspace.c - the `osiris init` templates and directory layout.
 */
#include "core/workspace.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fsutil.h"

#include <errno.h>
#include <sys/stat.h>

const char *const osr_workspace_owned_files[] = {"osiris.yaml", "osiris_connections.yaml",
                                                 OSR_DEMO_DB_PATH, NULL};

struct dir_spec {
    const char *path;
    mode_t mode;
};

static const struct dir_spec dirs[] = {
    {"pipelines", 0755},
    {"pipelines/drafts", 0700}, /* what assistants wrote: private like the MCP logs */
    {"build", 0755},
    {"run_logs", 0755},
    {"aiop", 0755},
    {"data", 0755},
    {".osiris", 0700},
    {".osiris/index", 0700},
    {".osiris/mcp", 0700},
    {".osiris/mcp/logs", 0700},
    {".osiris/mcp/logs/audit", 0700},
    {".osiris/mcp/logs/telemetry", 0700},
    {".osiris/mcp/logs/cache", 0700},
    {".osiris/mcp/logs/memory", 0700},
};

static const char config_template[] =
    "# Osiris workspace configuration. Every key is optional; the values below are the\n"
    "# defaults. 'osiris validate' checks this file.\n"
    "version: \"2.0\"\n"
    "\n"
    "filesystem:\n"
    "  # Absolute path of this workspace. --base-path and OSIRIS_HOME take precedence.\n"
    "  base_path: %s\n"
    "  pipelines_dir: pipelines\n"
    "  build_dir: build\n"
    "  run_logs_dir: run_logs\n"
    "  aiop_dir: aiop\n"
    "  index_dir: .osiris/index\n"
    "  mcp_logs_dir: .osiris/mcp/logs       # relative to base_path\n"
    "  profiles:\n"
    "    enabled: true\n"
    "    values: [dev, staging, prod]\n"
    "    default: dev\n"
    "  retention:\n"
    "    run_logs_days: 7                    # older run logs are removed after a run; 0: never\n"
    "    aiop_keep_runs_per_pipeline: 200    # AI Operation Packages kept per pipeline; 0: all\n"
    "\n"
    "logging:\n"
    "  level: INFO                           # DEBUG, INFO, WARNING, ERROR\n"
    "  events: [\"*\"]\n"
    "  metrics:\n"
    "    enabled: true\n"
    "    retention_hours: 168\n"
    "\n"
    "discovery:\n"
    "  sample_size: 10                       # sample rows per table (max 100)\n"
    "  parallel_tables: 5                    # tables discovered at once\n"
    "  timeout_seconds: 30\n"
    "  cache_ttl_hours: 24\n"
    "\n"
    "mcp:\n"
    "  tool_timeout_s: 30                    # delegated tool calls are stopped after this\n"
    "  payload_limit_mb: 16                  # larger requests and responses are refused\n"
    "  cache_ttl_hours: 24\n"
    "  memory_retention_days: 30\n"
    "  warm_worker: true                     # fork delegated calls from a worker (faster)\n"
    "\n"
    "aiop:\n"
    "  enabled: true\n"
    "  policy: core\n"
    "  max_core_bytes: 300000\n"
    "\n"
    "runtime:\n"
    "  max_parallel_branches: 4              # independent pipeline branches run side by side\n"
    "  retries: 0                            # rerun a branch after a network error or timeout\n"
    "  retry_backoff_ms: 1000                # first wait before a rerun, doubled each time\n";

static const char connections_template[] =
    "# Connections Osiris can use. Secrets never go in this file: write ${VAR} and set VAR\n"
    "# in the environment or in .env (which is git-ignored). ${VAR:-default} gives a default.\n"
    "# A pipeline refers to an alias as \"@family.alias\"; \"@family\" picks the alias marked\n"
    "# default: true.\n"
    "connections:\n"
    "  sqlite:\n"
    "    demo:\n"
    "      default: true\n"
    "      path: " OSR_DEMO_DB_PATH "          # relative to the workspace\n"
    "      description: Demo shop database created by osiris init\n"
    "\n"
    "  # postgres:\n"
    "  #   main:\n"
    "  #     default: true\n"
    "  #     host: db.internal\n"
    "  #     port: 5432\n"
    "  #     database: analytics\n"
    "  #     user: osiris\n"
    "  #     password: ${PG_PASSWORD}\n"
    "  #     sslmode: verify-full\n"
    "\n"
    "  # mysql:\n"
    "  #   warehouse:\n"
    "  #     default: true\n"
    "  #     host: mysql.internal\n"
    "  #     port: 3306\n"
    "  #     database: sales\n"
    "  #     user: etl\n"
    "  #     password: ${MYSQL_PASSWORD}\n"
    "\n"
    "  # supabase:\n"
    "  #   main:\n"
    "  #     default: true\n"
    "  #     url: https://your-project.supabase.co\n"
    "  #     service_role_key: ${SUPABASE_SERVICE_ROLE_KEY}\n"
    "  #     pg_dsn: ${SUPABASE_PG_DSN}\n"
    "\n"
    "  # filesystem:\n"
    "  #   exports:\n"
    "  #     base_dir: data/exports\n";

static const char gitignore_block[] = "# Osiris workspace\n"
                                      ".env\n"
                                      "run_logs/\n"
                                      ".osiris/\n"
                                      "build/\n"
                                      "*.bak\n";

static const char env_example[] = "# Copy to .env (chmod 600) and fill in; never commit .env.\n"
                                  "# PG_PASSWORD=\n"
                                  "# MYSQL_PASSWORD=\n"
                                  "# SUPABASE_SERVICE_ROLE_KEY=\n"
                                  "# SUPABASE_PG_DSN=\n";

/* Writes `s` as a double-quoted YAML scalar. */
static void yaml_quote(struct osr_buf *b, const char *s)
{
    osr_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            osr_buf_putc(b, '\\');
        osr_buf_putc(b, *s);
    }
    osr_buf_putc(b, '"');
}

static int write_file(struct osr_init_result *res, const char *rel, const char *data, mode_t mode)
{
    char *path = osr_path_join(res->base_path, rel);
    int rc = osr_fs_write_atomic(path, data, strlen(data), mode);

    if (rc == 0)
        osr_strv_push(&res->created, rel);
    free(path);
    return rc;
}

static int check_owned(const char *base, bool force, struct osr_strv *existing)
{
    for (const char *const *f = osr_workspace_owned_files; *f; f++) {
        char *p = osr_path_join(base, *f);
        if (osr_fs_exists(p))
            osr_strv_push(existing, *f);
        free(p);
    }
    if (existing->n && !force) {
        char *list = osr_strv_join(existing, ", ");
        int rc = osr_error_set(-OSR_EEXISTS,
                               "%s already holds a workspace (%s); use --force to replace those "
                               "files (the old ones are kept as .bak)",
                               base, list);
        free(list);
        return rc;
    }
    return 0;
}

static int backup(struct osr_init_result *res, const char *rel)
{
    char *p = osr_path_join(res->base_path, rel);
    char *bak = osr_xasprintf("%s.bak", p);
    int rc = 0;

    if (osr_fs_exists(p)) {
        if (rename(p, bak) < 0)
            rc = osr_error_set_errno(-OSR_EIO, "cannot keep a backup of %s", p);
        else
            osr_strv_push(&res->replaced, rel);
    }
    free(bak);
    free(p);
    return rc;
}

static int write_gitignore(struct osr_init_result *res)
{
    char *path = osr_path_join(res->base_path, ".gitignore");
    struct osr_buf old;
    int rc = 0;

    if (osr_fs_read_file(&old, path, 1u << 20) < 0) {
        rc = write_file(res, ".gitignore", gitignore_block, 0644);
    } else if (!strstr(old.ptr, "# Osiris workspace")) {
        if (old.len && old.ptr[old.len - 1] != '\n')
            osr_buf_putc(&old, '\n');
        osr_buf_puts(&old, gitignore_block);
        rc = osr_fs_write_atomic(path, old.ptr, old.len, 0644);
        if (rc == 0)
            osr_strv_push(&res->created, ".gitignore");
        osr_buf_dispose(&old);
    } else {
        osr_buf_dispose(&old);
    }
    free(path);
    return rc;
}

static int make_dirs(struct osr_init_result *res)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(dirs); i++) {
        char *p = osr_path_join(res->base_path, dirs[i].path);
        int rc = 0;
        if (!osr_fs_is_dir(p)) {
            rc = osr_fs_mkdir_p(p, dirs[i].mode);
            if (rc == 0)
                osr_strv_push(&res->created, dirs[i].path);
        }
        if (rc == 0 && dirs[i].mode == 0700 && chmod(p, 0700) < 0)
            rc = osr_error_set_errno(-OSR_EIO, "cannot restrict %s to mode 0700", p);
        free(p);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int osr_workspace_init(struct osr_init_result *res, const char *dir, bool force)
{
    struct osr_strv existing = OSR_STRV_INIT;
    struct osr_buf cfg;
    char *env_ex;
    int rc;

    memset(res, 0, sizeof(*res));
    res->base_path = osr_path_absolute(dir, NULL);
    if (!res->base_path)
        return osr_error_set_errno(-OSR_EIO, "cannot determine the current directory");
    if ((rc = osr_fs_mkdir_p(res->base_path, 0755)) < 0)
        return rc;
    if ((rc = check_owned(res->base_path, force, &existing)) < 0)
        goto done;
    for (size_t i = 0; i < existing.n && rc == 0; i++)
        rc = backup(res, existing.v[i]);
    if (rc < 0 || (rc = make_dirs(res)) < 0)
        goto done;
    osr_buf_init(&cfg, OSR_BUF_UNLIMITED);
    {
        const char *slot = strstr(config_template, "%s");
        osr_buf_put(&cfg, config_template, (size_t)(slot - config_template));
        yaml_quote(&cfg, res->base_path);
        osr_buf_puts(&cfg, slot + 2);
    }
    rc = write_file(res, "osiris.yaml", cfg.ptr, 0644);
    osr_buf_dispose(&cfg);
    if (rc == 0)
        rc = write_file(res, "osiris_connections.yaml", connections_template, 0644);
    if (rc == 0)
        rc = write_gitignore(res);
    env_ex = osr_path_join(res->base_path, ".env.example");
    if (rc == 0 && !osr_fs_exists(env_ex))
        rc = write_file(res, ".env.example", env_example, 0644);
    free(env_ex);
done:
    osr_strv_dispose(&existing);
    return rc;
}

void osr_init_result_dispose(struct osr_init_result *res)
{
    free(res->base_path);
    osr_strv_dispose(&res->created);
    osr_strv_dispose(&res->replaced);
    memset(res, 0, sizeof(*res));
}
