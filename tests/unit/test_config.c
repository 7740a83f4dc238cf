/*
 * test_config.c - osiris.yaml loading and the base path (core/config.h).
 *
 * Each test runs in a fresh temporary directory that is the current directory (the cwd,
 * OSIRIS_HOME and HOME are restored afterwards). Covers defaults without a file, values
 * read from a file, type, range and enumeration errors with file:line:column and path,
 * unknown keys as warnings, the profile rule, the base-path precedence (--base-path >
 * OSIRIS_HOME > filesystem.base_path > cwd) with ~ and relative paths, and YAML errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/config.h"
#include "core/error.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define assert_has(hay, needle)                                                                    \
    do {                                                                                           \
        const char *hay_ = (hay), *needle_ = (needle);                                             \
        if (!hay_ || !strstr(hay_, needle_))                                                       \
            fail_msg("'%s' not found in '%s'", needle_, hay_ ? hay_ : "(null)");                   \
    } while (0)

struct fixture {
    char dir[PATH_MAX]; /* the temporary directory, as getcwd reports it */
    char old_cwd[PATH_MAX];
    char *old_home, *old_osiris_home;
    struct osr_config cfg;
    struct osr_diags diags;
    struct osr_strv paths; /* owned here so a failing test leaks nothing */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *getenv_dup(const char *name)
{
    const char *v = getenv(name);
    return v ? osr_xstrdup(v) : NULL;
}

static void restore_env(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

static int setup(void **state)
{
    struct fixture *f = osr_xcalloc(1, sizeof(*f));
    char tmpl[] = "/tmp/osr_test_config.XXXXXX";

    if (!getcwd(f->old_cwd, sizeof(f->old_cwd)) || !mkdtemp(tmpl) || chdir(tmpl) != 0 ||
        !getcwd(f->dir, sizeof(f->dir)))
        return -1;
    f->old_home = getenv_dup("HOME");
    f->old_osiris_home = getenv_dup("OSIRIS_HOME");
    unsetenv("OSIRIS_HOME");
    osr_diags_init(&f->diags);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    osr_config_dispose(&f->cfg);
    osr_diags_dispose(&f->diags);
    osr_strv_dispose(&f->paths);
    restore_env("HOME", f->old_home);
    restore_env("OSIRIS_HOME", f->old_osiris_home);
    free(f->old_home);
    free(f->old_osiris_home);
    if (chdir(f->old_cwd) != 0)
        return -1;
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* The absolute path of `rel` inside the temporary directory (owned by the fixture). */
static const char *fx_path(struct fixture *f, const char *rel)
{
    char *p = osr_xasprintf("%s/%s", f->dir, rel);

    osr_strv_push(&f->paths, p);
    free(p);
    return f->paths.v[f->paths.n - 1];
}

static void make_dir(struct fixture *f, const char *rel)
{
    assert_int_equal(mkdir(fx_path(f, rel), 0700), 0);
}

static void write_file(struct fixture *f, const char *rel, const char *text)
{
    int fd = open(fx_path(f, rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Loads ./osiris.yaml (or what the flag points at) into the fixture. */
static int load(struct fixture *f, const char *flag)
{
    osr_config_dispose(&f->cfg);
    osr_diags_dispose(&f->diags);
    return osr_config_load(&f->cfg, &f->diags, flag);
}

static void print_diags(const struct osr_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        char *s = osr_diag_format(&d->v[i]);
        print_error("  diag: %s [%s] path=%s\n", s, d->v[i].code,
                    d->v[i].path ? d->v[i].path : "-");
        free(s);
    }
}

/* The only diagnostic, checked for severity, code, position and path. */
static const struct osr_diag *only_diag(struct fixture *f, enum osr_severity sev, const char *code,
                                        unsigned line, unsigned col, const char *path)
{
    const struct osr_diag *d;

    if (f->diags.n != 1) {
        print_diags(&f->diags);
        fail_msg("expected one diagnostic, got %zu", f->diags.n);
    }
    d = &f->diags.v[0];
    if (d->severity != sev || strcmp(d->code, code) != 0 || d->line != line || d->col != col ||
        !d->path || strcmp(d->path, path) != 0) {
        print_diags(&f->diags);
        fail_msg("expected %s %s at %u:%u path %s", osr_severity_name(sev), code, line, col, path);
    }
    assert_string_equal(d->file, fx_path(f, "osiris.yaml"));
    return d;
}

static void test_defaults_without_file(void **state)
{
    struct fixture *f = *state;
    const struct osr_config *c = &f->cfg;

    assert_int_equal(load(f, NULL), 0);
    assert_int_equal(f->diags.n, 0);
    assert_null(c->file);
    assert_string_equal(c->base_path, f->dir);
    assert_string_equal(c->base_source, "cwd");
    assert_string_equal(c->version, "2.0");
    assert_null(c->fs.base_path);
    assert_string_equal(c->fs.pipelines_dir, "pipelines");
    assert_string_equal(c->fs.build_dir, "build");
    assert_string_equal(c->fs.sessions_dir, ".osiris/sessions");
    assert_true(c->fs.profiles_enabled);
    assert_string_equal(c->fs.profile_default, "dev");
    assert_int_equal(c->fs.profile_values.n, 6);
    assert_string_equal(c->fs.profile_values.v[0], "dev");
    assert_int_equal(c->fs.manifest_short_len, 7);
    assert_int_equal(c->fs.run_logs_days, 7);
    assert_int_equal(c->ids.run_id_format.n, 1);
    assert_string_equal(c->ids.run_id_format.v[0], "iso_ulid");
    assert_string_equal(c->logging.level, "INFO");
    assert_int_equal(c->logging.events.n, 1);
    assert_string_equal(c->logging.events.v[0], "*");
    assert_int_equal(c->discovery.sample_size, 10);
    assert_int_equal(c->discovery.max_bytes, 8 << 20);
    assert_string_equal(c->mcp.transport, "stdio");
    assert_string_equal(c->mcp.listen, "127.0.0.1:8765");
    assert_int_equal(c->mcp.allowed_origins.n, 0);
    assert_true(c->mcp.audit_enabled);
    assert_string_equal(c->aiop.policy, "core");
    assert_int_equal(c->aiop.max_core_bytes, 300000);
}

static void test_values_read(void **state)
{
    struct fixture *f = *state;
    const struct osr_config *c = &f->cfg;

    write_file(f, "osiris.yaml",
               "version: 2.0\n"
               "filesystem:\n"
               "  pipelines_dir: flows\n"
               "  profiles:\n"
               "    enabled: true\n"
               "    values: [dev, prod]\n"
               "    default: prod\n"
               "  retention:\n"
               "    run_logs_days: 30\n"
               "  naming:\n"
               "    manifest_short_len: 0o17\n"
               "ids:\n"
               "  run_id_format: [incremental, ulid]\n"
               "logging:\n"
               "  level: DEBUG\n"
               "  events: [run_start, run_end]\n"
               "  metrics:\n"
               "    enabled: false\n"
               "discovery:\n"
               "  sample_size: 0\n"
               "mcp:\n"
               "  transport: http\n"
               "  allowed_origins: [\"http://localhost:3000\"]\n"
               "aiop:\n"
               "  policy: annex\n"
               "llm:\n"
               "  provider: anything\n");
    assert_int_equal(load(f, NULL), 0);
    if (f->diags.n)
        print_diags(&f->diags);
    assert_int_equal(f->diags.n, 0);
    assert_string_equal(c->file, fx_path(f, "osiris.yaml"));
    assert_string_equal(c->base_source, "cwd");
    assert_string_equal(c->version, "2.0");
    assert_string_equal(c->fs.pipelines_dir, "flows");
    assert_string_equal(c->fs.build_dir, "build");
    assert_int_equal(c->fs.profile_values.n, 2);
    assert_string_equal(c->fs.profile_values.v[1], "prod");
    assert_string_equal(c->fs.profile_default, "prod");
    assert_int_equal(c->fs.run_logs_days, 30);
    assert_int_equal(c->fs.manifest_short_len, 15);
    assert_int_equal(c->ids.run_id_format.n, 2);
    assert_string_equal(c->ids.run_id_format.v[0], "incremental");
    assert_string_equal(c->logging.level, "DEBUG");
    assert_int_equal(c->logging.events.n, 2);
    assert_false(c->logging.metrics_enabled);
    assert_int_equal(c->discovery.sample_size, 0);
    assert_string_equal(c->mcp.transport, "http");
    assert_int_equal(c->mcp.allowed_origins.n, 1);
    assert_string_equal(c->mcp.allowed_origins.v[0], "http://localhost:3000");
    assert_string_equal(c->aiop.policy, "annex");
}

static void test_run_id_format_as_string(void **state)
{
    struct fixture *f = *state;

    write_file(f, "osiris.yaml", "ids:\n  run_id_format: ulid\n");
    assert_int_equal(load(f, NULL), 0);
    assert_int_equal(f->diags.n, 0);
    assert_int_equal(f->cfg.ids.run_id_format.n, 1);
    assert_string_equal(f->cfg.ids.run_id_format.v[0], "ulid");
}

static void test_wrong_type(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    write_file(f, "osiris.yaml", "discovery:\n  sample_size: ten\n");
    assert_int_equal(load(f, NULL), 0);
    d = only_diag(f, OSR_SEV_ERROR, "CFG002", 2, 16, "discovery.sample_size");
    assert_has(d->message, "integer");
    assert_has(d->message, "string");
    assert_int_equal(f->cfg.discovery.sample_size, 10);

    write_file(f, "osiris.yaml", "filesystem:\n  profiles:\n    enabled: \"yes\"\n");
    assert_int_equal(load(f, NULL), 0);
    only_diag(f, OSR_SEV_ERROR, "CFG002", 3, 14, "filesystem.profiles.enabled");

    write_file(f, "osiris.yaml", "mcp:\n  listen: [a, b]\n");
    assert_int_equal(load(f, NULL), 0);
    only_diag(f, OSR_SEV_ERROR, "CFG002", 2, 11, "mcp.listen");
    assert_string_equal(f->cfg.mcp.listen, "127.0.0.1:8765");

    write_file(f, "osiris.yaml", "logging: verbose\n");
    assert_int_equal(load(f, NULL), 0);
    only_diag(f, OSR_SEV_ERROR, "CFG002", 1, 10, "logging");

    write_file(f, "osiris.yaml", "discovery:\n  timeout_seconds: 1.5\n");
    assert_int_equal(load(f, NULL), 0);
    only_diag(f, OSR_SEV_ERROR, "CFG002", 2, 20, "discovery.timeout_seconds");
}

static void test_out_of_range(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    write_file(f, "osiris.yaml", "discovery:\n  parallel_tables: 0\n");
    assert_int_equal(load(f, NULL), 0);
    d = only_diag(f, OSR_SEV_ERROR, "CFG004", 2, 20, "discovery.parallel_tables");
    assert_has(d->message, "between 1 and 64");
    assert_int_equal(f->cfg.discovery.parallel_tables, 5);

    write_file(f, "osiris.yaml", "\nmcp:\n    payload_limit_mb: 4096\n");
    assert_int_equal(load(f, NULL), 0);
    only_diag(f, OSR_SEV_ERROR, "CFG004", 3, 23, "mcp.payload_limit_mb");
    assert_int_equal(f->cfg.mcp.payload_limit_mb, 16);

    write_file(f, "osiris.yaml", "discovery:\n  parallel_tables: 64\n");
    assert_int_equal(load(f, NULL), 0);
    assert_int_equal(f->diags.n, 0);
    assert_int_equal(f->cfg.discovery.parallel_tables, 64);
}

static void test_bad_enum(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    write_file(f, "osiris.yaml", "logging:\n  level: LOUD\n");
    assert_int_equal(load(f, NULL), 0);
    d = only_diag(f, OSR_SEV_ERROR, "CFG003", 2, 10, "logging.level");
    assert_has(d->message, "LOUD");
    assert_non_null(d->suggest);
    assert_has(d->suggest, "DEBUG");
    assert_has(d->suggest, "CRITICAL");
    assert_string_equal(f->cfg.logging.level, "INFO");

    write_file(f, "osiris.yaml", "ids:\n  run_id_format: [ulid, guid]\n");
    assert_int_equal(load(f, NULL), 0);
    only_diag(f, OSR_SEV_ERROR, "CFG003", 2, 25, "ids.run_id_format");
}

static void test_unknown_keys_warn(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    write_file(f, "osiris.yaml", "filesystem:\n  pipeline_dir: x\n");
    assert_int_equal(load(f, NULL), 0);
    d = only_diag(f, OSR_SEV_WARNING, "CFG001", 2, 3, "filesystem.pipeline_dir");
    assert_has(d->message, "pipelines_dir");
    assert_int_equal(f->diags.errors, 0);

    write_file(f, "osiris.yaml", "bogus: 1\nlogging:\n  metrics:\n    every: 5\n");
    assert_int_equal(load(f, NULL), 0);
    assert_int_equal(f->diags.n, 2);
    assert_int_equal(f->diags.warnings, 2);
    assert_string_equal(f->diags.v[0].path, "bogus");
    assert_int_equal(f->diags.v[0].line, 1);
    assert_string_equal(f->diags.v[1].path, "logging.metrics.every");
    assert_int_equal(f->diags.v[1].line, 4);
    assert_int_equal(f->diags.v[1].col, 5);
    assert_has(f->diags.v[1].message, "retention_hours");
}

static void test_profile_default_must_be_listed(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    write_file(f, "osiris.yaml",
               "filesystem:\n  profiles:\n    values: [dev, prod]\n    default: staging\n");
    assert_int_equal(load(f, NULL), 0);
    d = only_diag(f, OSR_SEV_ERROR, "CFG005", 4, 14, "filesystem.profiles.default");
    assert_has(d->message, "staging");

    write_file(f, "osiris.yaml", "filesystem:\n  profiles:\n    values: []\n");
    assert_int_equal(load(f, NULL), 0);
    assert_int_equal(f->diags.errors, 1);
    assert_string_equal(f->diags.v[0].code, "CFG005");

    write_file(f, "osiris.yaml",
               "filesystem:\n  profiles:\n    enabled: false\n    default: staging\n");
    assert_int_equal(load(f, NULL), 0);
    assert_int_equal(f->diags.n, 0);
}

static void check_base(const char *flag, const char *want, const char *want_source)
{
    const char *source = NULL;
    char *base = NULL;
    char got[PATH_MAX];

    assert_int_equal(osr_config_base_path(&base, &source, flag), 0);
    assert_non_null(base);
    snprintf(got, sizeof(got), "%s", base);
    free(base);
    if (strcmp(got, want) != 0)
        fail_msg("base path '%s', expected '%s'", got, want);
    assert_non_null(source);
    assert_string_equal(source, want_source);
}

static void test_base_path_precedence(void **state)
{
    struct fixture *f = *state;

    make_dir(f, "flagdir");
    make_dir(f, "homedir");
    make_dir(f, "filedir");
    write_file(f, "osiris.yaml", "filesystem:\n  base_path: filedir\n");
    setenv("OSIRIS_HOME", fx_path(f, "homedir"), 1);
    check_base("flagdir", fx_path(f, "flagdir"), "--base-path");
    check_base(fx_path(f, "flagdir"), fx_path(f, "flagdir"), "--base-path");
    check_base(NULL, fx_path(f, "homedir"), "OSIRIS_HOME");
    check_base("", fx_path(f, "homedir"), "OSIRIS_HOME");
    setenv("OSIRIS_HOME", "homedir", 1); /* relative to the cwd */
    check_base(NULL, fx_path(f, "homedir"), "OSIRIS_HOME");
    setenv("OSIRIS_HOME", "", 1);
    check_base(NULL, fx_path(f, "filedir"), "osiris.yaml");
    unsetenv("OSIRIS_HOME");
    check_base(NULL, fx_path(f, "filedir"), "osiris.yaml");
    assert_int_equal(unlink(fx_path(f, "osiris.yaml")), 0);
    check_base(NULL, f->dir, "cwd");
}

static void test_base_path_from_load(void **state)
{
    struct fixture *f = *state;

    make_dir(f, "flagdir");
    write_file(f, "flagdir/osiris.yaml", "logging:\n  level: ERROR\n");
    write_file(f, "osiris.yaml", "logging:\n  level: DEBUG\n");
    assert_int_equal(load(f, "flagdir"), 0);
    assert_string_equal(f->cfg.base_path, fx_path(f, "flagdir"));
    assert_string_equal(f->cfg.base_source, "--base-path");
    assert_string_equal(f->cfg.file, fx_path(f, "flagdir/osiris.yaml"));
    assert_string_equal(f->cfg.logging.level, "ERROR");
    /* A base path without osiris.yaml: defaults, no file. */
    make_dir(f, "empty");
    assert_int_equal(load(f, "empty"), 0);
    assert_null(f->cfg.file);
    assert_string_equal(f->cfg.logging.level, "INFO");
    assert_int_equal(f->diags.n, 0);
}

static void test_base_path_tilde(void **state)
{
    struct fixture *f = *state;

    make_dir(f, "home");
    setenv("HOME", fx_path(f, "home"), 1);
    write_file(f, "osiris.yaml", "filesystem:\n  base_path: ~/ws\n");
    check_base(NULL, fx_path(f, "home/ws"), "osiris.yaml");
    write_file(f, "osiris.yaml", "filesystem:\n  base_path: \"~\"\n");
    check_base(NULL, fx_path(f, "home"), "osiris.yaml");
    /* ~user is not expanded: it is a relative path. */
    write_file(f, "osiris.yaml", "filesystem:\n  base_path: ~other\n");
    check_base(NULL, fx_path(f, "~other"), "osiris.yaml");
}

static void test_relative_base_path(void **state)
{
    struct fixture *f = *state;

    write_file(f, "osiris.yaml", "filesystem:\n  base_path: ./a/../b\n");
    check_base(NULL, fx_path(f, "b"), "osiris.yaml");
    write_file(f, "osiris.yaml", "filesystem:\n  base_path: /var/../opt/./osiris/\n");
    check_base(NULL, "/opt/osiris", "osiris.yaml");
    write_file(f, "osiris.yaml", "filesystem:\n  base_path: \"\"\n");
    check_base(NULL, f->dir, "cwd");
}

static void test_declared_base_without_own_config(void **state)
{
    struct fixture *f = *state;

    make_dir(f, "ws");
    write_file(f, "osiris.yaml", "filesystem:\n  base_path: ws\nlogging:\n  level: DEBUG\n");
    assert_int_equal(load(f, NULL), 0);
    assert_string_equal(f->cfg.base_path, fx_path(f, "ws"));
    assert_string_equal(f->cfg.base_source, "osiris.yaml");
    /* ws has no osiris.yaml of its own, so ./osiris.yaml is the configuration. */
    assert_string_equal(f->cfg.file, fx_path(f, "osiris.yaml"));
    assert_string_equal(f->cfg.logging.level, "DEBUG");
    assert_string_equal(f->cfg.fs.base_path, "ws");

    write_file(f, "ws/osiris.yaml", "logging:\n  level: WARNING\n");
    assert_int_equal(load(f, NULL), 0);
    assert_string_equal(f->cfg.file, fx_path(f, "ws/osiris.yaml"));
    assert_string_equal(f->cfg.logging.level, "WARNING");
}

static void test_unparsable_yaml(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    write_file(f, "osiris.yaml", "logging:\n  level: INFO\n  events: [a, b\n");
    assert_true(load(f, NULL) < 0);
    assert_int_equal(f->diags.errors, 1);
    d = &f->diags.v[0];
    assert_string_equal(d->code, "CFG011");
    assert_string_equal(d->file, fx_path(f, "osiris.yaml"));
    assert_true(d->line >= 3);
    assert_true(d->col > 0);
    assert_string_equal(f->cfg.base_source, "cwd");
    assert_string_equal(f->cfg.logging.level, "INFO");

    write_file(f, "osiris.yaml", "a: 1\na: 2\n");
    assert_int_equal(load(f, NULL), -OSR_EPARSE);
    assert_int_equal(f->diags.n, 1);
    assert_int_equal(f->diags.v[0].line, 2);
    assert_int_equal(f->diags.v[0].col, 1);
    assert_has(f->diags.v[0].message, "duplicate key");
}

static void test_unparsable_yaml_at_flag_base(void **state)
{
    struct fixture *f = *state;

    make_dir(f, "ws");
    write_file(f, "ws/osiris.yaml", "filesystem:\n\tbuild_dir: out\n");
    assert_true(load(f, "ws") < 0);
    assert_int_equal(f->diags.errors, 1);
    assert_string_equal(f->diags.v[0].code, "CFG011");
    assert_string_equal(f->diags.v[0].file, fx_path(f, "ws/osiris.yaml"));
    assert_int_equal(f->diags.v[0].line, 2);
    assert_int_equal(f->diags.v[0].col, 1);
    assert_has(f->diags.v[0].message, "tabs");
    assert_string_equal(f->cfg.file, fx_path(f, "ws/osiris.yaml"));
}

static void test_root_must_be_mapping(void **state)
{
    struct fixture *f = *state;

    write_file(f, "osiris.yaml", "- a\n- b\n");
    assert_true(load(f, NULL) < 0);
    assert_int_equal(f->diags.errors, 1);
    assert_string_equal(f->diags.v[0].code, "CFG012");
    assert_int_equal(f->diags.v[0].line, 1);
    /* An empty file is fine. */
    write_file(f, "osiris.yaml", "# nothing yet\n");
    assert_int_equal(load(f, NULL), 0);
    assert_int_equal(f->diags.n, 0);
}

static void test_config_path(void **state)
{
    struct fixture *f = *state;
    char *p;

    assert_int_equal(load(f, NULL), 0);
    p = osr_config_path(&f->cfg, "pipelines");
    osr_strv_push(&f->paths, p);
    free(p);
    assert_string_equal(f->paths.v[f->paths.n - 1], fx_path(f, "pipelines"));
    p = osr_config_path(&f->cfg, "/abs/dir");
    osr_strv_push(&f->paths, p);
    free(p);
    assert_string_equal(f->paths.v[f->paths.n - 1], "/abs/dir");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_without_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_id_format_as_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_enum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys_warn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_default_must_be_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_base_path_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_base_path_from_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_base_path_tilde, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_base_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_declared_base_without_own_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unparsable_yaml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unparsable_yaml_at_flag_base, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_must_be_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_path, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
