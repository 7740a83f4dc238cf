/*
 * test_connections.c - osiris_connections.yaml (core/connections.h).
 *
 * Files are written into a fresh temporary base directory per test. Covers default
 * resolution (first default: true, else an alias named "default", else an error listing
 * the aliases), reference forms for osr_connections_find and their error messages, the
 * postgresql spelling, diagnostics for unknown families and fields, wrong types and
 * missing required fields (with line:column), and resolution of ${VAR} references: port
 * kept as an integer, missing variables listed, secret values collected, and strict
 * resolution naming the variable and field without revealing any secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/connections.h"
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

#define assert_lacks(hay, needle)                                                                  \
    do {                                                                                           \
        const char *hay_ = (hay), *needle_ = (needle);                                             \
        if (hay_ && strstr(hay_, needle_))                                                         \
            fail_msg("'%s' should not be in '%s'", needle_, hay_);                                 \
    } while (0)

static const char *const test_vars[] = {
    "OSR_TC_HOST", "OSR_TC_PORT", "OSR_TC_USER", "OSR_TC_PASSWORD", "OSR_TC_ENV",
    "OSR_TC_DB",   "OSR_TC_PIN",  "OSR_TC_KEY",  "OSR_TC_TIMEOUT",
};

struct fixture {
    char dir[PATH_MAX];
    struct osr_connections conns;
    struct osr_diags diags;
    struct osr_strv refs, missing, secrets;
    json_t *resolved;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void clear_vars(void)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(test_vars); i++)
        unsetenv(test_vars[i]);
}

static int setup(void **state)
{
    struct fixture *f = osr_xcalloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/osr_test_conn.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    osr_diags_init(&f->diags);
    clear_vars();
    *state = f;
    return 0;
}

static void reset_lists(struct fixture *f)
{
    osr_strv_dispose(&f->refs);
    osr_strv_dispose(&f->missing);
    osr_strv_dispose(&f->secrets);
    json_decref(f->resolved);
    f->resolved = NULL;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char *file = osr_xasprintf("%s/osiris_connections.yaml", f->dir);

    reset_lists(f);
    osr_connections_dispose(&f->conns);
    osr_diags_dispose(&f->diags);
    clear_vars();
    unlink(file);
    free(file);
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* Writes the connections file and loads it; returns the load's return code. */
static int load_text(struct fixture *f, const char *text)
{
    char *path = osr_xasprintf("%s/osiris_connections.yaml", f->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    free(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    osr_connections_dispose(&f->conns);
    osr_diags_dispose(&f->diags);
    return osr_connections_load(&f->conns, f->dir, &f->diags);
}

static void print_diags(const struct osr_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        char *s = osr_diag_format(&d->v[i]);
        print_error("  diag: %s [%s]\n", s, d->v[i].code);
        free(s);
    }
}

static void assert_no_diags(struct fixture *f)
{
    if (f->diags.n) {
        print_diags(&f->diags);
        fail_msg("expected no diagnostics, got %zu", f->diags.n);
    }
}

static const struct osr_diag *only_diag(struct fixture *f, enum osr_severity sev, const char *code,
                                        unsigned line, unsigned col)
{
    const struct osr_diag *d;

    if (f->diags.n != 1) {
        print_diags(&f->diags);
        fail_msg("expected one diagnostic, got %zu", f->diags.n);
    }
    d = &f->diags.v[0];
    if (d->severity != sev || strcmp(d->code, code) != 0 || d->line != line || d->col != col) {
        print_diags(&f->diags);
        fail_msg("expected %s %s at %u:%u", osr_severity_name(sev), code, line, col);
    }
    assert_has(d->file, "/osiris_connections.yaml");
    return d;
}

static const struct osr_conn_alias *find_ok(struct fixture *f, const char *ref)
{
    const struct osr_conn_alias *a = NULL;
    int rc = osr_connections_find(&a, &f->conns, ref);

    if (rc != 0)
        fail_msg("find('%s') failed: %s", ref, osr_error_last());
    assert_non_null(a);
    return a;
}

static void find_fails(struct fixture *f, const char *ref, int want_rc, const char *want_text)
{
    const struct osr_conn_alias *a = (const struct osr_conn_alias *)1;

    assert_int_equal(osr_connections_find(&a, &f->conns, ref), want_rc);
    assert_null(a);
    assert_has(osr_error_last(), want_text);
}

static const char defaults_doc[] = "connections:\n"
                                   "  postgres:\n"
                                   "    main:\n"
                                   "      host: h\n"
                                   "      database: d\n"
                                   "      user: u\n"
                                   "    replica:\n"
                                   "      default: true\n"
                                   "      host: r\n"
                                   "      database: d\n"
                                   "      user: u\n"
                                   "    other:\n"
                                   "      default: true\n"
                                   "      host: o\n"
                                   "      database: d\n"
                                   "      user: u\n"
                                   "  mysql:\n"
                                   "    extra:\n"
                                   "      host: x\n"
                                   "      database: d\n"
                                   "      user: u\n"
                                   "    default:\n"
                                   "      host: m\n"
                                   "      database: d\n"
                                   "      user: u\n"
                                   "  sqlite:\n"
                                   "    a: {path: a.db}\n"
                                   "    b: {path: b.db, default: false}\n";

static void test_missing_file(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(osr_connections_load(&f->conns, f->dir, &f->diags), 0);
    assert_false(f->conns.present);
    assert_int_equal(f->conns.n, 0);
    assert_non_null(f->conns.file);
    assert_has(f->conns.file, "osiris_connections.yaml");
    assert_no_diags(f);
    find_fails(f, "@postgres.main", -OSR_ENOTFOUND, "no connections configured");
}

static void test_default_resolution(void **state)
{
    struct fixture *f = *state;
    const struct osr_conn_alias *a;

    assert_int_equal(load_text(f, defaults_doc), 0);
    assert_no_diags(f);
    assert_true(f->conns.present);
    assert_int_equal(f->conns.n, 7);
    assert_int_equal(f->conns.families.n, 3);
    assert_string_equal(f->conns.families.v[0], "postgres");
    /* The first alias with default: true wins over later ones. */
    a = find_ok(f, "@postgres");
    assert_string_equal(a->name, "replica");
    assert_string_equal(a->family, "postgres");
    assert_true(a->is_default);
    assert_false(find_ok(f, "@postgres.other")->is_default);
    assert_false(find_ok(f, "@postgres.main")->is_default);
    /* Without default: true, the alias named "default" is the default. */
    assert_string_equal(find_ok(f, "@mysql")->name, "default");
    assert_false(find_ok(f, "@mysql.extra")->is_default);
    /* Neither: an error that lists the aliases. */
    find_fails(f, "@sqlite", -OSR_ENOTFOUND, "no default connection for family 'sqlite'");
    assert_has(osr_error_last(), "a, b");
    assert_has(osr_error_last(), "@sqlite.<alias>");
}

/* Names only: aliases and defaults stay, every other value is wiped. */
static void test_load_names(void **state)
{
    struct fixture *f = *state;
    const struct osr_conn_alias *a;
    const struct osr_ynode *pw;

    assert_int_equal(load_text(f, "connections:\n"
                                  "  mysql:\n"
                                  "    main:\n"
                                  "      default: true\n"
                                  "      host: db.internal\n"
                                  "      database: d\n"
                                  "      user: u\n"
                                  "      password: literal-secret-77\n"),
                     0);
    osr_connections_dispose(&f->conns);
    assert_int_equal(osr_connections_load_names(&f->conns, f->dir, &f->diags), 0);
    a = find_ok(f, "@mysql");
    assert_string_equal(a->name, "main");
    assert_true(a->is_default);
    pw = osr_ynode_get(a->node, "password");
    assert_non_null(pw);
    assert_int_equal(pw->len, 0);
    assert_int_equal(pw->str[0], '\0');
    assert_int_equal(osr_ynode_get(a->node, "host")->len, 0);
}

static void test_find_forms(void **state)
{
    struct fixture *f = *state;
    const struct osr_conn_alias *a;

    assert_int_equal(load_text(f, defaults_doc), 0);
    a = find_ok(f, "@postgres.main");
    assert_string_equal(a->name, "main");
    assert_string_equal(osr_ynode_get(a->node, "host")->str, "h");
    assert_int_equal(a->key->line, 3);
    assert_int_equal(a->key->col, 5);
    assert_ptr_equal(find_ok(f, "postgres.main"), a);
    assert_string_equal(find_ok(f, "postgres")->name, "replica");
    assert_string_equal(find_ok(f, "@sqlite.b")->name, "b");
}

static void test_find_errors(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(load_text(f, defaults_doc), 0);
    find_fails(f, "@oracle.x", -OSR_ENOTFOUND, "family 'oracle' not found");
    assert_has(osr_error_last(), "postgres, mysql, sqlite");
    find_fails(f, "@oracle", -OSR_ENOTFOUND, "available families: postgres, mysql, sqlite");
    find_fails(f, "@postgres.nope", -OSR_ENOTFOUND, "alias 'nope' not found");
    assert_has(osr_error_last(), "main, replica, other");
    find_fails(f, "@mysql.main", -OSR_ENOTFOUND, "extra, default");
    find_fails(f, "@", -OSR_EINVAL, "invalid connection reference");
    find_fails(f, "", -OSR_EINVAL, "invalid connection reference");
    find_fails(f, "@postgres.", -OSR_EINVAL, "@family.alias");
    find_fails(f, "@.main", -OSR_EINVAL, "invalid connection reference");
}

static void test_postgresql_spelling(void **state)
{
    struct fixture *f = *state;

    assert_true(osr_connections_family_known("postgresql"));
    assert_true(osr_connections_family_known("postgres"));
    assert_true(osr_connections_family_known("supabase"));
    assert_false(osr_connections_family_known("oracle"));
    assert_false(osr_connections_family_known("Postgres"));
    assert_string_equal(osr_connections_family_canonical("postgresql"), "postgres");
    assert_string_equal(osr_connections_family_canonical("mysql"), "mysql");
    assert_string_equal(osr_connections_family_canonical("oracle"), "oracle");

    assert_int_equal(load_text(f, "connections:\n"
                                  "  postgresql:\n"
                                  "    main:\n"
                                  "      dsn: postgresql://u@h/db\n"
                                  "      default: true\n"),
                     0);
    assert_no_diags(f);
    assert_string_equal(find_ok(f, "@postgres.main")->name, "main");
    assert_string_equal(find_ok(f, "@postgresql.main")->name, "main");
    assert_string_equal(find_ok(f, "@postgres")->name, "main");
}

static void test_unknown_family(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    assert_int_equal(load_text(f, "connections:\n"
                                  "  sqlite:\n"
                                  "    local: {path: x.db}\n"
                                  "  oracle:\n"
                                  "    main: {host: h}\n"),
                     0);
    d = only_diag(f, OSR_SEV_ERROR, "CONN002", 4, 3);
    assert_has(d->message, "oracle");
    assert_non_null(d->suggest);
    assert_has(d->suggest, "postgres");
    assert_string_equal(d->path, "connections.oracle");
}

static void test_unknown_field_warns(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    assert_int_equal(load_text(f, "connections:\n"
                                  "  postgres:\n"
                                  "    main:\n"
                                  "      host: h\n"
                                  "      database: d\n"
                                  "      user: u\n"
                                  "      hots: typo\n"),
                     0);
    d = only_diag(f, OSR_SEV_WARNING, "CONN004", 7, 7);
    assert_has(d->message, "hots");
    assert_string_equal(d->path, "connections.postgres.main");
    assert_int_equal(f->diags.errors, 0);
    /* The alias is still usable. */
    find_ok(f, "@postgres.main");
}

static void test_wrong_types(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    assert_int_equal(load_text(f, "connections:\n"
                                  "  postgres:\n"
                                  "    main:\n"
                                  "      host: h\n"
                                  "      port: [1]\n"
                                  "      database: d\n"
                                  "      user: u\n"),
                     0);
    d = only_diag(f, OSR_SEV_ERROR, "CONN003", 5, 13);
    assert_has(d->message, "port");
    assert_has(d->message, "integer");
    assert_has(d->message, "sequence");

    assert_int_equal(load_text(f, "connections:\n"
                                  "  mysql:\n"
                                  "    main:\n"
                                  "      host: h\n"
                                  "      port: \"3306\"\n"
                                  "      database: d\n"
                                  "      user: u\n"
                                  "      default: yes\n"),
                     0);
    assert_int_equal(f->diags.errors, 2);
    assert_int_equal(f->diags.v[0].line, 5);
    assert_int_equal(f->diags.v[0].col, 13);
    assert_int_equal(f->diags.v[1].line, 8);
    assert_int_equal(f->diags.v[1].col, 16);
    assert_has(f->diags.v[1].message, "true or false");

    /* A reference is accepted where an integer or boolean is expected. */
    assert_int_equal(load_text(f, "connections:\n"
                                  "  mysql:\n"
                                  "    main:\n"
                                  "      host: h\n"
                                  "      port: ${OSR_TC_PORT}\n"
                                  "      database: d\n"
                                  "      user: u\n"
                                  "      password:\n"),
                     0);
    assert_no_diags(f);

    assert_int_equal(load_text(f, "connections:\n  sqlite:\n    main: just-a-string\n"), 0);
    only_diag(f, OSR_SEV_ERROR, "CONN003", 3, 11);
}

static void test_missing_required_fields(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    assert_int_equal(load_text(f, "connections:\n"
                                  "  postgres:\n"
                                  "    main:\n"
                                  "      host: h\n"
                                  "      database: d\n"),
                     0);
    d = only_diag(f, OSR_SEV_ERROR, "CONN005", 3, 5);
    assert_has(d->message, "'dsn' or 'user'");
    assert_string_equal(d->path, "connections.postgres.main");

    assert_int_equal(load_text(f, "connections:\n  sqlite:\n    main:\n      read_only: true\n"),
                     0);
    d = only_diag(f, OSR_SEV_ERROR, "CONN005", 3, 5);
    assert_has(d->message, "'path'");

    /* A dsn satisfies every postgres requirement; a null value does not count. */
    assert_int_equal(load_text(f, "connections:\n"
                                  "  postgres:\n"
                                  "    a: {dsn: \"postgresql://u@h/d\"}\n"
                                  "  mysql:\n"
                                  "    b: {unix_socket: /run/mysql.sock, database: d, user: ~}\n"),
                     0);
    d = only_diag(f, OSR_SEV_ERROR, "CONN005", 5, 5);
    assert_has(d->message, "'user'");
}

static void test_structure_errors(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(load_text(f, "postgres:\n  main: {host: h}\n"), 0);
    only_diag(f, OSR_SEV_ERROR, "CONN001", 1, 1);
    assert_int_equal(load_text(f, "connections: [a]\n"), 0);
    only_diag(f, OSR_SEV_ERROR, "CONN003", 1, 14);
    assert_int_equal(load_text(f, "connections:\n  sqlite: {a: {path: x}}\nextras: 1\n"), 0);
    only_diag(f, OSR_SEV_WARNING, "CONN006", 3, 1);
    assert_int_equal(load_text(f, ""), 0);
    assert_no_diags(f);
    assert_true(f->conns.present);
    assert_int_equal(f->conns.n, 0);
}

static void test_yaml_error(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;

    assert_true(load_text(f, "connections:\n  postgres:\n    main: {host: h\n") < 0);
    assert_int_equal(f->diags.n, 1);
    d = &f->diags.v[0];
    assert_string_equal(d->code, "CONN011");
    assert_int_equal(d->severity, OSR_SEV_ERROR);
    assert_true(d->line >= 3);
    assert_true(d->col > 0);
}

static const char resolve_doc[] = "connections:\n"
                                  "  postgres:\n"
                                  "    main:\n"
                                  "      default: true\n"
                                  "      host: ${OSR_TC_HOST}\n"
                                  "      port: ${OSR_TC_PORT}\n"
                                  "      database: app_${OSR_TC_ENV:-dev}\n"
                                  "      user: ${OSR_TC_USER}\n"
                                  "      password: ${OSR_TC_PASSWORD}\n"
                                  "      connect_timeout: 10\n"
                                  "      sslmode: require\n"
                                  "    inline:\n"
                                  "      host: h\n"
                                  "      database: d\n"
                                  "      user: u\n"
                                  "      password: inline-secret-1\n"
                                  "      statement_timeout: ${OSR_TC_TIMEOUT}\n"
                                  "    bydsn:\n"
                                  "      dsn: postgresql://app:${OSR_TC_PASSWORD}@h/db\n"
                                  "  supabase:\n"
                                  "    main:\n"
                                  "      url: https://x.supabase.co\n"
                                  "      service_role_key: ${OSR_TC_KEY}\n"
                                  "      description: uses ${OSR_TC_PIN}\n";

static bool json_matches(json_t *got, const char *want_text)
{
    json_t *want = json_loads(want_text, 0, NULL);
    bool ok = want && json_equal(got, want);
    char *g;

    if (!ok) {
        g = json_dumps(got, JSON_COMPACT);
        print_error("got:  %s\nwant: %s\n", g, want_text);
        free(g);
    }
    json_decref(want);
    return ok;
}

static void test_resolve_substitutes(void **state)
{
    struct fixture *f = *state;
    const struct osr_conn_alias *a;

    setenv("OSR_TC_HOST", "db.local", 1);
    setenv("OSR_TC_PORT", "6543", 1);
    setenv("OSR_TC_USER", "alice", 1);
    setenv("OSR_TC_PASSWORD", "pw-s3cret", 1);
    assert_int_equal(load_text(f, resolve_doc), 0);
    assert_no_diags(f);
    a = find_ok(f, "@postgres");
    assert_int_equal(osr_connections_resolve(&f->resolved, a, &f->refs, &f->missing, &f->secrets),
                     0);
    assert_true(json_matches(f->resolved,
                             "{\"host\": \"db.local\", \"port\": 6543, \"database\": \"app_dev\","
                             " \"user\": \"alice\", \"password\": \"pw-s3cret\","
                             " \"connect_timeout\": 10, \"sslmode\": \"require\"}"));
    assert_true(json_is_integer(json_object_get(f->resolved, "port")));
    assert_null(json_object_get(f->resolved, "default"));
    assert_int_equal(f->refs.n, 5);
    assert_true(osr_strv_contains(&f->refs, "OSR_TC_ENV"));
    assert_int_equal(f->missing.n, 0);
    /* Only the password is a secret value. */
    assert_int_equal(f->secrets.n, 1);
    assert_string_equal(f->secrets.v[0], "pw-s3cret");
}

static void test_resolve_port_not_numeric_stays_string(void **state)
{
    struct fixture *f = *state;

    setenv("OSR_TC_HOST", "h", 1);
    setenv("OSR_TC_PORT", "54x", 1);
    setenv("OSR_TC_USER", "u", 1);
    setenv("OSR_TC_PASSWORD", "p", 1);
    assert_int_equal(load_text(f, resolve_doc), 0);
    assert_int_equal(
        osr_connections_resolve(&f->resolved, find_ok(f, "@postgres.main"), NULL, NULL, NULL), 0);
    assert_string_equal(json_string_value(json_object_get(f->resolved, "port")), "54x");
}

static void test_resolve_missing_variables(void **state)
{
    struct fixture *f = *state;

    setenv("OSR_TC_PORT", "5432", 1);
    setenv("OSR_TC_USER", "alice", 1);
    assert_int_equal(load_text(f, resolve_doc), 0);
    assert_int_equal(osr_connections_resolve(&f->resolved, find_ok(f, "@postgres.main"), &f->refs,
                                             &f->missing, &f->secrets),
                     2);
    assert_int_equal(f->missing.n, 2);
    assert_string_equal(f->missing.v[0], "OSR_TC_HOST");
    assert_string_equal(f->missing.v[1], "OSR_TC_PASSWORD");
    assert_string_equal(json_string_value(json_object_get(f->resolved, "host")), "${OSR_TC_HOST}");
    assert_string_equal(json_string_value(json_object_get(f->resolved, "password")),
                        "${OSR_TC_PASSWORD}");
    assert_int_equal(json_integer_value(json_object_get(f->resolved, "port")), 5432);
    /* An unresolved reference is not a secret value. */
    assert_int_equal(f->secrets.n, 0);
}

static void test_resolve_collects_secret_values(void **state)
{
    struct fixture *f = *state;

    setenv("OSR_TC_KEY", "service-key-value", 1);
    setenv("OSR_TC_PIN", "pin-value", 1);
    setenv("OSR_TC_TIMEOUT", "30", 1);
    assert_int_equal(load_text(f, resolve_doc), 0);
    /* A literal password in the file is a secret value too. */
    assert_int_equal(osr_connections_resolve(&f->resolved, find_ok(f, "@postgres.inline"), NULL,
                                             NULL, &f->secrets),
                     0);
    assert_true(osr_strv_contains(&f->secrets, "inline-secret-1"));
    assert_int_equal(json_integer_value(json_object_get(f->resolved, "statement_timeout")), 30);
    reset_lists(f);
    assert_int_equal(osr_connections_resolve(&f->resolved, find_ok(f, "@supabase.main"), NULL, NULL,
                                             &f->secrets),
                     0);
    assert_true(osr_strv_contains(&f->secrets, "service-key-value"));
    assert_false(osr_strv_contains(&f->secrets, "pin-value"));
    assert_false(osr_strv_contains(&f->secrets, "https://x.supabase.co"));
    /* A secret variable inside a non-secret field (a DSN) is still collected. */
    reset_lists(f);
    setenv("OSR_TC_PASSWORD", "dsn-pw-value", 1);
    assert_int_equal(osr_connections_resolve(&f->resolved, find_ok(f, "@postgres.bydsn"), NULL,
                                             NULL, &f->secrets),
                     0);
    assert_int_equal(f->secrets.n, 1);
    assert_string_equal(f->secrets.v[0], "dsn-pw-value");
}

static void test_resolve_strict(void **state)
{
    struct fixture *f = *state;
    const struct osr_conn_alias *a;
    json_t *out = (json_t *)1;
    int rc;

    setenv("OSR_TC_PORT", "5432", 1);
    setenv("OSR_TC_USER", "alice", 1);
    setenv("OSR_TC_PASSWORD", "pw-s3cret", 1);
    assert_int_equal(load_text(f, resolve_doc), 0);
    a = find_ok(f, "@postgres.main");
    rc = osr_connections_resolve_strict(&out, a, &f->secrets);
    assert_int_equal(rc, -OSR_EINVAL);
    assert_null(out);
    assert_has(osr_error_last(), "OSR_TC_HOST");
    assert_has(osr_error_last(), "'host'");
    assert_has(osr_error_last(), "@postgres.main");
    assert_lacks(osr_error_last(), "pw-s3cret");
    assert_lacks(osr_error_last(), "alice");

    setenv("OSR_TC_HOST", "db.local", 1);
    assert_int_equal(osr_connections_resolve_strict(&f->resolved, a, NULL), 0);
    assert_non_null(f->resolved);
    assert_string_equal(json_string_value(json_object_get(f->resolved, "host")), "db.local");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_postgresql_spelling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_family, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_field_warns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_required_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_structure_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_substitutes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_port_not_numeric_stays_string, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_resolve_missing_variables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_collects_secret_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_strict, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
