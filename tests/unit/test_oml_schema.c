/*
 * test_oml_schema.c - the OML JSON Schema (resources/oml/v0.1.0.json) and the validator
 * agree: every use case of the catalogue and every pipeline of tests/oml/valid passes both,
 * and documents that break the structural rules fail both.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/fsutil.h"
#include "core/jsonschema.h"
#include "core/registry.h"
#include "oml/oml.h"

static json_t *schema;
static struct osr_registry reg;

static char *src_path(const char *rel)
{
    const char *root = getenv("OSR_TEST_SOURCE_DIR");
    return osr_path_join(root ? root : ".", rel);
}

static int setup(void **state)
{
    char *p = src_path("resources/oml/v0.1.0.json"), *comps = src_path("components");
    json_error_t err;
    struct osr_diags d;

    (void)state;
    schema = json_load_file(p, 0, &err);
    osr_diags_init(&d);
    osr_registry_load(&reg, comps, NULL, &d);
    osr_diags_dispose(&d);
    free(p);
    free(comps);
    return schema && reg.n ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(schema);
    osr_registry_dispose(&reg);
    return 0;
}

/* The document as JSON (NULL when it does not parse). */
static json_t *as_json(const char *text)
{
    struct osr_yaml_error err;
    struct osr_ynode *root = NULL;
    json_t *j = NULL;

    if (osr_yaml_parse(&root, &err, text, strlen(text), &osr_oml_limits) == 0)
        j = osr_ynode_to_json(root);
    osr_ynode_free(root);
    return j;
}

static bool validator_ok(const char *text)
{
    struct osr_oml_ctx ctx = {&reg, NULL, "t.yaml"};
    json_t *res = osr_oml_check_text(text, strlen(text), &ctx, false);
    bool ok = json_is_true(json_object_get(res, "valid"));

    json_decref(res);
    return ok;
}

static void test_catalogue(void **state)
{
    char *p = src_path("resources/usecases/catalog.yaml");
    struct osr_buf text;
    struct osr_yaml_error err;
    struct osr_ynode *cat = NULL;
    const struct osr_ynode *ucs;
    size_t checked = 0;

    (void)state;
    assert_int_equal(osr_fs_read_file(&text, p, 1u << 20), 0);
    assert_int_equal(osr_yaml_parse(&cat, &err, text.ptr, text.len, NULL), 0);
    ucs = osr_ynode_get(cat, "usecases");
    assert_non_null(ucs);
    for (size_t i = 0; i < ucs->n; i++) {
        const struct osr_ynode *oml = osr_ynode_get(ucs->items[i], "oml");
        struct osr_strv errors = OSR_STRV_INIT;
        json_t *doc = as_json(oml->str);
        assert_non_null(doc);
        if (osr_jsonschema_validate(schema, doc, "$", &errors))
            fail_msg("use case %zu fails the schema: %s", i, errors.v[0]);
        assert_true(validator_ok(oml->str));
        osr_strv_dispose(&errors);
        json_decref(doc);
        checked++;
    }
    assert_true(checked >= 6);
    osr_ynode_free(cat);
    osr_buf_dispose(&text);
    free(p);
}

static void test_corpus_valid(void **state)
{
    char *dir = src_path("tests/oml/valid");
    DIR *d = opendir(dir);
    struct dirent *ent;
    size_t checked = 0;

    (void)state;
    assert_non_null(d);
    while ((ent = readdir(d))) {
        char *p;
        struct osr_buf text;
        struct osr_strv errors = OSR_STRV_INIT;
        json_t *doc;
        size_t n = strlen(ent->d_name);
        if (n < 6 || strcmp(ent->d_name + n - 5, ".yaml") != 0)
            continue;
        p = osr_path_join(dir, ent->d_name);
        assert_int_equal(osr_fs_read_file(&text, p, 4u << 20), 0);
        doc = as_json(text.ptr);
        if (!doc)
            fail_msg("%s does not parse", ent->d_name);
        if (osr_jsonschema_validate(schema, doc, "$", &errors))
            fail_msg("%s fails the schema: %s", ent->d_name, errors.v[0]);
        if (!validator_ok(text.ptr))
            fail_msg("%s fails the validator", ent->d_name);
        osr_strv_dispose(&errors);
        json_decref(doc);
        osr_buf_dispose(&text);
        free(p);
        checked++;
    }
    closedir(d);
    free(dir);
    assert_true(checked >= 10);
}

static void test_both_reject(void **state)
{
    static const char *const bad[] = {
        "name: x\nsteps: [{id: a, component: sqlite.extractor, mode: read, config: {table: t}}]\n",
        "oml_version: \"0.1.0\"\nname: x\nsteps: []\n",
        "oml_version: \"0.1.0\"\nname: x\nsteps: [{id: a, component: sqlite.extractor}]\n",
        "oml_version: \"0.1.0\"\nname: x\nsteps:\n  - {id: a, component: sqlite.extractor, mode: "
        "fetch, config: {table: t}}\n",
        "oml_version: \"0.1.0\"\nname: x\nversion: 2\nsteps:\n  - {id: a, component: "
        "sqlite.extractor, mode: read, config: {table: t}}\n",
        "oml_version: \"0.2.0\"\nname: x\nsteps:\n  - {id: a, component: sqlite.extractor, mode: "
        "read, config: {connection: \"mysql\", table: t}}\n",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *doc = as_json(bad[i]);
        assert_non_null(doc);
        if (osr_jsonschema_validate(schema, doc, "$", NULL) == 0)
            fail_msg("bad document %zu passes the schema", i);
        json_decref(doc);
    }
    /* The validator errors on the structural ones (the version mismatch is a warning). */
    for (size_t i = 0; i < 5; i++)
        assert_false(validator_ok(bad[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_corpus_valid),
        cmocka_unit_test(test_both_reject),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
