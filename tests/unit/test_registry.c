/*
 * test_registry.c - component specs (core/registry.h).
 *
 * Loads the real components directory of the source tree ($OSR_TEST_SOURCE_DIR/components)
 * and checks that every spec validates, lookups, roles and secret names. Then writes broken
 * specs into a temporary components directory, one per kind of mistake, and checks that
 * each is reported as an error with its file and line and left out while the good spec
 * beside it still loads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/registry.h"

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
    char dir[64];
    struct osr_registry reg;
    struct osr_diags diags;
    struct osr_strv names;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = osr_xcalloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/osr_test_registry.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    osr_diags_init(&f->diags);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    osr_registry_dispose(&f->reg);
    osr_diags_dispose(&f->diags);
    osr_strv_dispose(&f->names);
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void print_diags(const struct osr_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        char *s = osr_diag_format(&d->v[i]);
        print_error("  diag: %s [%s]\n", s, d->v[i].code);
        free(s);
    }
}

static int load_real(struct fixture *f, const char *prefix)
{
    const char *src = getenv("OSR_TEST_SOURCE_DIR");
    char root[PATH_MAX];

    assert_non_null(src);
    snprintf(root, sizeof(root), "%s/components", src);
    osr_registry_dispose(&f->reg);
    osr_diags_dispose(&f->diags);
    return osr_registry_load(&f->reg, root, prefix, &f->diags);
}

static void test_real_components_load(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(load_real(f, NULL), 0);
    if (f->diags.n)
        print_diags(&f->diags);
    assert_int_equal(f->diags.n, 0);
    assert_int_equal(f->reg.broken, 0);
    assert_int_equal(f->reg.n, 12);
    /* Sorted by name. */
    for (size_t i = 1; i < f->reg.n; i++)
        assert_true(strcmp(f->reg.v[i - 1].name, f->reg.v[i].name) < 0);
    for (size_t i = 0; i < f->reg.n; i++) {
        const struct osr_component *c = &f->reg.v[i];
        assert_true(json_is_object(c->spec));
        assert_string_equal(json_string_value(json_object_get(c->spec, "name")), c->name);
        assert_has(c->file, "/spec.yaml");
        assert_true(c->modes.n > 0);
    }
}

static void test_real_components_find_and_roles(void **state)
{
    struct fixture *f = *state;
    const struct osr_component *c;

    assert_int_equal(load_real(f, NULL), 0);
    c = osr_registry_find(&f->reg, "postgres.extractor");
    assert_non_null(c);
    assert_string_equal(c->name, "postgres.extractor");
    assert_has(c->file, "components/postgres.extractor/spec.yaml");
    assert_true(osr_strv_contains(&c->modes, "extract"));
    assert_true(osr_strv_contains(&c->secret_pointers, "/password"));
    assert_string_equal(osr_component_role(c), "extractor");
    assert_string_equal(osr_component_role(osr_registry_find(&f->reg, "postgres.writer")),
                        "writer");
    assert_string_equal(osr_component_role(osr_registry_find(&f->reg, "duckdb.processor")),
                        "processor");
    assert_string_equal(osr_component_role(osr_registry_find(&f->reg, "filesystem.csv_extractor")),
                        "extractor");
    assert_null(osr_registry_find(&f->reg, "postgres"));
    assert_null(osr_registry_find(&f->reg, "nope.extractor"));
}

static void test_real_components_secret_names(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(load_real(f, NULL), 0);
    osr_registry_secret_names(&f->reg, "postgres", &f->names);
    assert_true(osr_strv_contains(&f->names, "password"));
    assert_true(osr_strv_contains(&f->names, "dsn"));
    assert_false(osr_strv_contains(&f->names, "host"));
    /* Unique, though both postgres components list the same pointers. */
    for (size_t i = 0; i < f->names.n; i++) {
        for (size_t k = i + 1; k < f->names.n; k++)
            assert_string_not_equal(f->names.v[i], f->names.v[k]);
    }
    osr_strv_dispose(&f->names);
    osr_registry_secret_names(&f->reg, "supabase", &f->names);
    assert_true(osr_strv_contains(&f->names, "service_role_key"));
    assert_true(osr_strv_contains(&f->names, "anon_key"));
    osr_strv_dispose(&f->names);
    osr_registry_secret_names(&f->reg, "post", &f->names);
    assert_int_equal(f->names.n, 0);
}

static void test_real_components_prefix(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(load_real(f, "postgres"), 0);
    assert_int_equal(f->reg.n, 2);
    assert_int_equal(f->diags.n, 0);
    assert_non_null(osr_registry_find(&f->reg, "postgres.writer"));
    assert_null(osr_registry_find(&f->reg, "mysql.writer"));
}

/* Writes <dir>/components/<name>/spec.yaml. */
static void write_spec(struct fixture *f, const char *name, const char *text)
{
    char *dir = osr_xasprintf("%s/components/%s", f->dir, name);
    char *path = osr_xasprintf("%s/spec.yaml", dir);
    int fd;

    assert_int_equal(mkdir(dir, 0700), 0);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    free(dir);
    free(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

#define SCHEMA                                                                                     \
    "configSchema:\n"                                                                              \
    "  type: object\n"                                                                             \
    "  properties:\n"                                                                              \
    "    path: {type: string}\n"                                                                   \
    "    password: {type: string}\n"                                                               \
    "  required: [path]\n"

static const char good_spec[] = "name: good.one\n"
                                "version: \"1.0.0\"\n"
                                "modes: [extract, discover]\n"
                                "capabilities:\n"
                                "  discover: true\n" SCHEMA "secrets: [/password]\n"
                                "examples:\n"
                                "  - config: {path: a.csv, password: x}\n";

struct broken_case {
    const char *name;
    const char *text;
    const char *code;
    unsigned line, col;
    const char *message; /* a part of the expected message */
};

static const struct broken_case broken_cases[] = {
    {"missing.key",
     "name: missing.key\n"
     "version: \"1.0.0\"\n"
     "modes: [extract]\n"
     "capabilities: {discover: false}\n",
     "SPEC001", 1, 1, "'configSchema' is missing"},
    {"bad.mode",
     "name: bad.mode\n"
     "version: \"1.0.0\"\n"
     "modes:\n"
     "  - extract\n"
     "  - fly\n"
     "capabilities: {}\n" SCHEMA,
     "SPEC001", 5, 5, "unknown mode 'fly'"},
    {"wrong.name",
     "name: other.name\n"
     "version: \"1.0.0\"\n"
     "modes: [write]\n"
     "capabilities: {}\n" SCHEMA,
     "SPEC001", 1, 7, "does not match its directory 'wrong.name'"},
    {"bad.pointer",
     "name: bad.pointer\n"
     "version: \"1.0.0\"\n"
     "modes: [write]\n"
     "capabilities: {}\n" SCHEMA "secrets:\n"
     "  - password\n",
     "SPEC001", 12, 5, "'password' is not a JSON pointer"},
    {"dangling.pointer",
     "name: dangling.pointer\n"
     "version: \"1.0.0\"\n"
     "modes: [write]\n"
     "capabilities: {}\n" SCHEMA "x-secret: [/token]\n",
     "SPEC001", 11, 12, "names no configSchema property"},
    {"bad.example",
     "name: bad.example\n"
     "version: \"1.0.0\"\n"
     "modes: [extract]\n"
     "capabilities: {}\n" SCHEMA "examples:\n"
     "  - config:\n"
     "      path: a.csv\n"
     "      nope: 1\n",
     "SPEC001", 14, 7, "unknown field 'nope'"},
    {"bad.version",
     "name: bad.version\n"
     "version: 1.0\n"
     "modes: [extract]\n"
     "capabilities: {}\n" SCHEMA,
     "SPEC001", 2, 10, "version must be a string"},
    {"bad.syntax",
     "name: bad.syntax\n"
     "version: \"1.0.0\"\n"
     "modes: [extract\n"
     "capabilities: {}\n",
     "SPEC011", 0, 0, ""},
};

static const struct osr_diag *diag_for(const struct osr_diags *d, const char *name)
{
    char *suffix = osr_xasprintf("/components/%s/spec.yaml", name);
    const struct osr_diag *found = NULL;
    size_t count = 0, sl = strlen(suffix);

    for (size_t i = 0; i < d->n; i++) {
        const char *file = d->v[i].file;
        size_t fl = file ? strlen(file) : 0;
        if (fl >= sl && strcmp(file + fl - sl, suffix) == 0) {
            found = found ? found : &d->v[i];
            count++;
        }
    }
    free(suffix);
    if (count != 1) {
        print_diags(d);
        fail_msg("expected one diagnostic for %s, got %zu", name, count);
    }
    return found;
}

static void test_broken_specs_reported(void **state)
{
    struct fixture *f = *state;
    char root[PATH_MAX], nospec[PATH_MAX];
    int rc;

    snprintf(root, sizeof(root), "%s/components", f->dir);
    assert_int_equal(mkdir(root, 0700), 0);
    write_spec(f, "good.one", good_spec);
    for (size_t i = 0; i < OSR_ARRAY_LEN(broken_cases); i++)
        write_spec(f, broken_cases[i].name, broken_cases[i].text);
    /* Directories without a spec and hidden ones are not components. */
    write_spec(f, ".hidden", "not: [valid\n");
    snprintf(nospec, sizeof(nospec), "%s/components/no.spec", f->dir);
    assert_int_equal(mkdir(nospec, 0700), 0);
    rc = osr_registry_load(&f->reg, root, NULL, &f->diags);
    assert_int_equal(rc, 0);
    assert_int_equal(f->reg.n, 1);
    assert_string_equal(f->reg.v[0].name, "good.one");
    assert_int_equal(f->reg.broken, OSR_ARRAY_LEN(broken_cases));
    assert_int_equal(f->diags.errors, OSR_ARRAY_LEN(broken_cases));
    for (size_t i = 0; i < OSR_ARRAY_LEN(broken_cases); i++) {
        const struct broken_case *c = &broken_cases[i];
        const struct osr_diag *d = diag_for(&f->diags, c->name);

        if (d->severity != OSR_SEV_ERROR || strcmp(d->code, c->code) != 0)
            fail_msg("%s: got %s %s", c->name, osr_severity_name(d->severity), d->code);
        if (c->line && (d->line != c->line || d->col != c->col))
            fail_msg("%s: at %u:%u, expected %u:%u (%s)", c->name, d->line, d->col, c->line, c->col,
                     d->message);
        if (!c->line && d->line == 0)
            fail_msg("%s: the syntax error has no line", c->name);
        assert_has(d->message, c->message);
        assert_null(osr_registry_find(&f->reg, c->name));
    }
}

static void test_syntax_error_position(void **state)
{
    struct fixture *f = *state;
    const struct osr_diag *d;
    char root[PATH_MAX];
    int rc;

    snprintf(root, sizeof(root), "%s/components", f->dir);
    assert_int_equal(mkdir(root, 0700), 0);
    write_spec(f, "tabbed.one", "name: tabbed.one\nmodes:\n\t- extract\n");
    rc = osr_registry_load(&f->reg, root, NULL, &f->diags);
    assert_int_equal(rc, 0);
    d = diag_for(&f->diags, "tabbed.one");
    assert_string_equal(d->code, "SPEC011");
    assert_int_equal(d->line, 3);
    assert_int_equal(d->col, 1);
    assert_has(d->message, "tabs");
    assert_int_equal(f->reg.n, 0);
    assert_int_equal(f->reg.broken, 1);
}

static void test_missing_root(void **state)
{
    struct fixture *f = *state;
    char root[PATH_MAX];
    int rc;

    snprintf(root, sizeof(root), "%s/no-such-dir", f->dir);
    rc = osr_registry_load(&f->reg, root, NULL, &f->diags);
    assert_int_equal(rc, -OSR_ENOTFOUND);
    assert_has(osr_error_last(), "no-such-dir");
    assert_int_equal(f->reg.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_components_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_components_find_and_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_components_secret_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_components_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_specs_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_root, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
