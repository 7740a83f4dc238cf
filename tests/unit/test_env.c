/*
 * test_env.c - the .env loader and ${VAR} substitution (core/env.h).
 *
 * .env files are written into a fresh temporary directory per test: accepted line forms
 * (export, quotes and escapes, inline comments), warnings with line numbers for bad lines,
 * the permission warning, and the precedence rules (the environment wins over files, the
 * first file wins over later ones). osr_env_subst is checked for ${VAR}, ${VAR:-default},
 * unresolved references, and text that only looks like a reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/env.h"
#include "core/alloc.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#define assert_has(hay, needle)                                                                    \
    do {                                                                                           \
        const char *hay_ = (hay), *needle_ = (needle);                                             \
        if (!hay_ || !strstr(hay_, needle_))                                                       \
            fail_msg("'%s' not found in '%s'", needle_, hay_ ? hay_ : "(null)");                   \
    } while (0)

/* Every variable a test may set; cleared before and after each test. */
static const char *const test_vars[] = {
    "OSR_TE_PLAIN", "OSR_TE_EXPORTED", "OSR_TE_SQ",        "OSR_TE_DQ",     "OSR_TE_INLINE",
    "OSR_TE_HASH",  "OSR_TE_SPACED",   "OSR_TE_EMPTY",     "OSR_TE_TABBED", "OSR_TE_CRLF",
    "OSR_TE_GOOD1", "OSR_TE_GOOD2",    "OSR_TE_UNTERM",    "OSR_TE_KEEP",   "OSR_TE_BOTH",
    "OSR_TE_FIRST", "OSR_TE_SECOND",   "OSR_TE_HASHSTART", "OSR_TE_MODE",   "OSR_TE_A",
    "OSR_TE_B",     "OSR_TE_C",        "OSR_TE_UNSET",     "OSR_TE_EMPTYV",
};

struct fixture {
    char dir[64];
    struct osr_diags diags;
    struct osr_strv paths; /* owned by the fixture so a failing test leaks nothing */
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

    snprintf(f->dir, sizeof(f->dir), "/tmp/osr_test_env.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    osr_diags_init(&f->diags);
    clear_vars();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    clear_vars();
    osr_diags_dispose(&f->diags);
    osr_strv_dispose(&f->paths);
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* A path under the fixture's directory (owned by the fixture). */
static const char *fx_path(struct fixture *f, const char *rel)
{
    char *path = osr_xasprintf("%s/%s", f->dir, rel);

    osr_strv_push(&f->paths, path);
    free(path);
    return f->paths.v[f->paths.n - 1];
}

/* Writes <dir>/rel with `text` and exactly `mode`; returns the path. */
static const char *write_file(struct fixture *f, const char *rel, const char *text, mode_t mode)
{
    const char *path = fx_path(f, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
    return path;
}

static void assert_env(const char *name, const char *want)
{
    const char *got = getenv(name);

    if (!got)
        fail_msg("%s is not set, expected '%s'", name, want);
    if (strcmp(got, want) != 0)
        fail_msg("%s is '%s', expected '%s'", name, got, want);
}

static void test_line_forms(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, ".env",
                                  "# a comment line\n"
                                  "\n"
                                  "   \n"
                                  "   # indented comment\n"
                                  "OSR_TE_PLAIN=value\n"
                                  "export OSR_TE_EXPORTED=exp\n"
                                  "OSR_TE_SQ='single $HOME \\n # kept'\n"
                                  "OSR_TE_DQ=\"a\\nb\\tc \\\"q\\\" \\\\ d\" # after the quote\n"
                                  "OSR_TE_INLINE=abc # trailing comment\n"
                                  "OSR_TE_HASH=abc#def\n"
                                  "OSR_TE_SPACED = spaced value   \n"
                                  "OSR_TE_TABBED=\tx\t# tab comment\n"
                                  "OSR_TE_EMPTY=\n"
                                  "OSR_TE_CRLF=dos\r\n",
                                  0600);

    assert_int_equal(osr_env_load_file(path, &f->diags), 10);
    assert_int_equal(f->diags.n, 0);
    assert_env("OSR_TE_PLAIN", "value");
    assert_env("OSR_TE_EXPORTED", "exp");
    assert_env("OSR_TE_SQ", "single $HOME \\n # kept");
    assert_env("OSR_TE_DQ", "a\nb\tc \"q\" \\ d");
    assert_env("OSR_TE_INLINE", "abc");
    assert_env("OSR_TE_HASH", "abc#def");
    assert_env("OSR_TE_SPACED", "spaced value");
    assert_env("OSR_TE_TABBED", "x");
    assert_env("OSR_TE_EMPTY", "");
    assert_env("OSR_TE_CRLF", "dos");
}

static void test_value_starting_with_hash(void **state)
{
    struct fixture *f = *state;
    /* Only " #" starts a comment; a value that begins with '#' is a value (a password
     * such as #s3cret must not silently become empty). */
    const char *path = write_file(f, ".env", "OSR_TE_HASHSTART=#s3cret\n", 0600);

    assert_int_equal(osr_env_load_file(path, &f->diags), 1);
    assert_env("OSR_TE_HASHSTART", "#s3cret");
}

static void test_bad_lines_warn_with_line_numbers(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, ".env",
                                  "OSR_TE_GOOD1=1\n"
                                  "this line has no equals sign\n"
                                  "1BAD=x\n"
                                  "OSR_TE_UNTERM=\"abc\n"
                                  "=novalue\n"
                                  "OSR_TE_GOOD2=2\n",
                                  0600);
    const struct osr_diags *d = &f->diags;

    assert_int_equal(osr_env_load_file(path, &f->diags), 2);
    assert_env("OSR_TE_GOOD1", "1");
    assert_env("OSR_TE_GOOD2", "2");
    assert_null(getenv("OSR_TE_UNTERM"));
    assert_int_equal(d->n, 4);
    assert_int_equal(d->errors, 0);
    assert_int_equal(d->warnings, 4);
    assert_string_equal(d->v[0].code, "ENV001");
    assert_int_equal(d->v[0].line, 2);
    assert_string_equal(d->v[1].code, "ENV002");
    assert_int_equal(d->v[1].line, 3);
    assert_has(d->v[1].message, "1BAD");
    assert_string_equal(d->v[2].code, "ENV003");
    assert_int_equal(d->v[2].line, 4);
    assert_has(d->v[2].message, "OSR_TE_UNTERM");
    assert_string_equal(d->v[3].code, "ENV002");
    assert_int_equal(d->v[3].line, 5);
    for (size_t i = 0; i < d->n; i++) {
        assert_int_equal(d->v[i].severity, OSR_SEV_WARNING);
        assert_string_equal(d->v[i].file, path);
    }
}

static void test_existing_variable_not_overwritten(void **state)
{
    struct fixture *f = *state;
    const char *path = write_file(f, ".env", "OSR_TE_KEEP=from-file\nOSR_TE_A=a\n", 0600);

    setenv("OSR_TE_KEEP", "from-environment", 1);
    assert_int_equal(osr_env_load_file(path, &f->diags), 1);
    assert_env("OSR_TE_KEEP", "from-environment");
    assert_env("OSR_TE_A", "a");
    /* An exported empty value also wins. */
    setenv("OSR_TE_B", "", 1);
    path = write_file(f, "second.env", "OSR_TE_B=file\n", 0600);
    assert_int_equal(osr_env_load_file(path, &f->diags), 0);
    assert_env("OSR_TE_B", "");
}

static void test_first_file_wins(void **state)
{
    struct fixture *f = *state;
    const char *first = write_file(f, "first.env", "OSR_TE_BOTH=first\nOSR_TE_FIRST=1\n", 0600);
    const char *second = write_file(f, "second.env", "OSR_TE_BOTH=second\nOSR_TE_SECOND=2\n", 0600);

    assert_int_equal(osr_env_load_file(first, &f->diags), 2);
    assert_int_equal(osr_env_load_file(second, &f->diags), 1);
    assert_env("OSR_TE_BOTH", "first");
    assert_env("OSR_TE_FIRST", "1");
    assert_env("OSR_TE_SECOND", "2");
    assert_int_equal(f->diags.n, 0);
}

static void test_workspace_order(void **state)
{
    struct fixture *f = *state;
    const char *base = fx_path(f, "base"), *work = fx_path(f, "work");
    char old[4096];
    int rc;

    assert_non_null(getcwd(old, sizeof(old)));
    assert_int_equal(mkdir(base, 0700), 0);
    assert_int_equal(mkdir(work, 0700), 0);
    write_file(f, "base/.env", "OSR_TE_BOTH=base\nOSR_TE_A=base\n", 0600);
    write_file(f, "work/.env", "OSR_TE_BOTH=cwd\nOSR_TE_B=cwd\n", 0600);
    assert_int_equal(chdir(work), 0);
    rc = osr_env_load_workspace(base, &f->diags);
    assert_int_equal(chdir(old), 0);
    assert_int_equal(rc, 3);
    assert_env("OSR_TE_BOTH", "base");
    assert_env("OSR_TE_A", "base");
    assert_env("OSR_TE_B", "cwd");
}

static void test_file_mode_warning(void **state)
{
    struct fixture *f = *state;
    const char *open_file = write_file(f, "open.env", "OSR_TE_MODE=1\n", 0644);
    const char *private_file = write_file(f, "private.env", "OSR_TE_A=1\n", 0600);

    assert_int_equal(osr_env_load_file(private_file, &f->diags), 1);
    assert_int_equal(f->diags.n, 0);
    assert_int_equal(osr_env_load_file(open_file, &f->diags), 1);
    assert_int_equal(f->diags.n, 1);
    assert_int_equal(f->diags.v[0].severity, OSR_SEV_WARNING);
    assert_string_equal(f->diags.v[0].code, "ENV010");
    assert_string_equal(f->diags.v[0].file, open_file);
    assert_has(f->diags.v[0].message, "644");
    assert_non_null(f->diags.v[0].suggest);
    assert_has(f->diags.v[0].suggest, "chmod 600");
    /* The variables are still loaded. */
    assert_env("OSR_TE_MODE", "1");
}

static void test_missing_file_is_not_an_error(void **state)
{
    struct fixture *f = *state;
    const char *path = fx_path(f, "does-not-exist.env");

    assert_int_equal(osr_env_load_file(path, &f->diags), 0);
    assert_int_equal(f->diags.n, 0);
}

static void test_unreadable_path_is_an_error(void **state)
{
    struct fixture *f = *state;

    /* A directory where the file should be cannot be read. */
    assert_true(osr_env_load_file(f->dir, &f->diags) < 0);
}

static void test_name_valid(void **state)
{
    (void)state;
    assert_true(osr_env_name_valid("A", 1));
    assert_true(osr_env_name_valid("_x9", 3));
    assert_true(osr_env_name_valid("PG_PASSWORD", 11));
    assert_true(osr_env_name_valid("AB-CD", 2)); /* only the first n bytes count */
    assert_false(osr_env_name_valid("", 0));
    assert_false(osr_env_name_valid("9A", 2));
    assert_false(osr_env_name_valid("A-B", 3));
    assert_false(osr_env_name_valid("params.x", 8));
    assert_false(osr_env_name_valid("A B", 3));
}

static void subst(const char *in, const char *want, int want_rc, struct osr_strv *refs,
                  struct osr_strv *missing)
{
    char *out = NULL;
    int rc = osr_env_subst(&out, in, refs, missing);
    char got[256];

    assert_non_null(out);
    snprintf(got, sizeof(got), "%s", out);
    free(out);
    if (strcmp(got, want) != 0)
        fail_msg("subst('%s') gave '%s', expected '%s'", in, got, want);
    assert_int_equal(rc, want_rc);
}

static void test_subst_set_variable(void **state)
{
    struct osr_strv refs = OSR_STRV_INIT, missing = OSR_STRV_INIT;

    (void)state;
    setenv("OSR_TE_A", "alpha", 1);
    subst("${OSR_TE_A}", "alpha", 0, &refs, &missing);
    subst("x-${OSR_TE_A}-y", "x-alpha-y", 0, &refs, &missing);
    assert_int_equal(refs.n, 1);
    assert_string_equal(refs.v[0], "OSR_TE_A");
    assert_int_equal(missing.n, 0);
    /* Set to "" is set: the empty value is used. */
    setenv("OSR_TE_EMPTYV", "", 1);
    subst("[${OSR_TE_EMPTYV}]", "[]", 0, &refs, &missing);
    assert_int_equal(missing.n, 0);
    osr_strv_dispose(&refs);
    osr_strv_dispose(&missing);
}

static void test_subst_default(void **state)
{
    struct osr_strv refs = OSR_STRV_INIT, missing = OSR_STRV_INIT;

    (void)state;
    subst("${OSR_TE_UNSET:-fallback}", "fallback", 0, &refs, &missing);
    setenv("OSR_TE_EMPTYV", "", 1);
    subst("${OSR_TE_EMPTYV:-fallback}", "fallback", 0, &refs, &missing);
    setenv("OSR_TE_A", "set", 1);
    subst("${OSR_TE_A:-fallback}", "set", 0, &refs, &missing);
    subst("${OSR_TE_UNSET:-}", "", 0, &refs, &missing);
    subst("${OSR_TE_UNSET:-a:b-c d}", "a:b-c d", 0, &refs, &missing);
    assert_int_equal(missing.n, 0);
    assert_int_equal(refs.n, 3);
    assert_true(osr_strv_contains(&refs, "OSR_TE_UNSET"));
    assert_true(osr_strv_contains(&refs, "OSR_TE_EMPTYV"));
    assert_true(osr_strv_contains(&refs, "OSR_TE_A"));
    osr_strv_dispose(&refs);
    osr_strv_dispose(&missing);
}

static void test_subst_unset_left_as_written(void **state)
{
    struct osr_strv refs = OSR_STRV_INIT, missing = OSR_STRV_INIT;

    (void)state;
    subst("pw=${OSR_TE_UNSET}", "pw=${OSR_TE_UNSET}", 1, &refs, &missing);
    subst("${OSR_TE_UNSET}${OSR_TE_UNSET}", "${OSR_TE_UNSET}${OSR_TE_UNSET}", 2, &refs, &missing);
    assert_int_equal(missing.n, 1);
    assert_string_equal(missing.v[0], "OSR_TE_UNSET");
    assert_int_equal(refs.n, 1);
    /* The lists are optional. */
    subst("${OSR_TE_UNSET}", "${OSR_TE_UNSET}", 1, NULL, NULL);
    osr_strv_dispose(&refs);
    osr_strv_dispose(&missing);
}

static void test_subst_multiple_refs(void **state)
{
    struct osr_strv refs = OSR_STRV_INIT, missing = OSR_STRV_INIT;

    (void)state;
    setenv("OSR_TE_A", "alice", 1);
    setenv("OSR_TE_B", "db.example", 1);
    subst("postgres://${OSR_TE_A}:${OSR_TE_C}@${OSR_TE_B}:${OSR_TE_UNSET:-5432}/app",
          "postgres://alice:${OSR_TE_C}@db.example:5432/app", 1, &refs, &missing);
    assert_int_equal(refs.n, 4);
    assert_string_equal(refs.v[0], "OSR_TE_A");
    assert_string_equal(refs.v[1], "OSR_TE_C");
    assert_string_equal(refs.v[2], "OSR_TE_B");
    assert_string_equal(refs.v[3], "OSR_TE_UNSET");
    assert_int_equal(missing.n, 1);
    assert_string_equal(missing.v[0], "OSR_TE_C");
    osr_strv_dispose(&refs);
    osr_strv_dispose(&missing);
}

static void test_subst_leaves_non_references(void **state)
{
    struct osr_strv refs = OSR_STRV_INIT, missing = OSR_STRV_INIT;

    (void)state;
    setenv("OSR_TE_A", "alpha", 1);
    subst("${params.x}", "${params.x}", 0, &refs, &missing);
    subst("a ${params.limit} b ${OSR_TE_A}", "a ${params.limit} b alpha", 0, &refs, &missing);
    subst("unterminated ${OSR_TE_A", "unterminated ${OSR_TE_A", 0, &refs, &missing);
    subst("${", "${", 0, &refs, &missing);
    subst("$", "$", 0, &refs, &missing);
    subst("$OSR_TE_A and $ {OSR_TE_A}", "$OSR_TE_A and $ {OSR_TE_A}", 0, &refs, &missing);
    subst("${}", "${}", 0, &refs, &missing);
    subst("${9BAD}", "${9BAD}", 0, &refs, &missing);
    subst("", "", 0, &refs, &missing);
    assert_int_equal(refs.n, 1);
    assert_string_equal(refs.v[0], "OSR_TE_A");
    assert_int_equal(missing.n, 0);
    osr_strv_dispose(&refs);
    osr_strv_dispose(&missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_starting_with_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lines_warn_with_line_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_variable_not_overwritten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_file_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workspace_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_mode_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file_is_not_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_path_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subst_set_variable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subst_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subst_unset_left_as_written, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subst_multiple_refs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subst_leaves_non_references, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
