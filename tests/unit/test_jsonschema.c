/*
 * test_jsonschema.c - the JSON Schema validator (core/jsonschema.h).
 *
 * Two parts. Targeted cases check each supported keyword and the error line it produces,
 * path included ("arguments.samples: must be <= 100"). Then the official JSON Schema Test
 * Suite runs for the keyword files the validator claims to support. The suite is read at
 * run time from OSR_JSON_SCHEMA_SUITE_DIR, by default the draft 2020-12 copy that Debian's
 * libtest-json-schema-acceptance-perl installs. A test group is excluded only when its
 * schema uses a keyword the validator does not implement (found by walking the schema, not
 * by a list of descriptions); every case of every other group must agree with the suite.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/jsonschema.h"

#include <unistd.h>

#define SUITE_DIR_ENV "OSR_JSON_SCHEMA_SUITE_DIR"
#define SUITE_DIR_DEFAULT                                                                          \
    "/usr/share/perl5/auto/share/dist/Test-JSON-Schema-Acceptance/tests/draft2020-12"
#define SUITE_PACKAGE "libtest-json-schema-acceptance-perl"

static json_t *load(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);

    if (!v)
        fail_msg("bad JSON in test: %s: %s", text, err.text);
    return v;
}

/* Validates and returns the problems joined with "; " (owned) and their count. */
static char *validate(const char *schema_text, const char *instance_text, int *count)
{
    json_t *schema = load(schema_text), *instance = load(instance_text);
    struct osr_strv errors = OSR_STRV_INIT;
    char *joined;

    *count = osr_jsonschema_validate(schema, instance, "arguments", &errors);
    joined = osr_strv_join(&errors, "; ");
    assert_int_equal(errors.n, *count); /* below MAX_ERRORS every problem has a line */
    osr_strv_dispose(&errors);
    json_decref(schema);
    json_decref(instance);
    return joined;
}

static void expect_valid_at(const char *schema, const char *instance, int line)
{
    int n;
    char *errors = validate(schema, instance, &n);

    if (n != 0) {
        char copy[512];
        snprintf(copy, sizeof(copy), "%s", errors);
        free(errors);
        fail_msg("line %d: %s should accept %s, got: %s", line, schema, instance, copy);
    }
    free(errors);
}

/* Expects exactly `count` problems, one of which contains `needle`. */
static void expect_invalid_at(const char *schema, const char *instance, int count,
                              const char *needle, int line)
{
    int n;
    char *errors = validate(schema, instance, &n);
    bool ok = n == count && strstr(errors, needle) != NULL;

    if (!ok) {
        char copy[512];
        snprintf(copy, sizeof(copy), "%s", errors);
        free(errors);
        fail_msg("line %d: %s on %s: %d problem(s) '%s', expected %d containing '%s'", line, schema,
                 instance, n, copy, count, needle);
    }
    free(errors);
}

#define expect_valid(s, i) expect_valid_at((s), (i), __LINE__)
#define expect_invalid(s, i, n, needle) expect_invalid_at((s), (i), (n), (needle), __LINE__)

/* ---- targeted cases ---- */

static void test_type(void **state)
{
    (void)state;
    expect_valid("{\"type\":\"integer\"}", "1");
    expect_valid("{\"type\":\"integer\"}", "1.0");
    expect_valid("{\"type\":\"integer\"}", "-0.0");
    expect_invalid("{\"type\":\"integer\"}", "1.5", 1, "arguments: must be integer, not number");
    expect_invalid("{\"type\":\"integer\"}", "\"1\"", 1, "arguments: must be integer, not string");
    expect_valid("{\"type\":\"number\"}", "1");
    expect_valid("{\"type\":\"number\"}", "2.5");
    expect_invalid("{\"type\":\"number\"}", "true", 1, "arguments: must be number, not boolean");
    expect_valid("{\"type\":\"string\"}", "\"\"");
    expect_valid("{\"type\":\"boolean\"}", "false");
    expect_invalid("{\"type\":\"boolean\"}", "0", 1, "must be boolean, not integer");
    expect_valid("{\"type\":\"null\"}", "null");
    expect_invalid("{\"type\":\"null\"}", "false", 1, "must be null, not boolean");
    expect_invalid("{\"type\":\"object\"}", "[]", 1, "arguments: must be object, not array");
    expect_invalid("{\"type\":\"array\"}", "{}", 1, "arguments: must be array, not object");
    expect_valid("{\"type\":[\"string\",\"null\"]}", "null");
    expect_valid("{\"type\":[\"integer\",\"string\"]}", "3.0");
    expect_invalid("{\"type\":[\"string\",\"null\"]}", "1", 1,
                   "arguments: has type integer, which is not allowed here");
}

static void test_type_failure_stops_other_checks(void **state)
{
    (void)state;
    /* A value of the wrong type gets one clear line, not a cascade. */
    expect_invalid("{\"type\":\"string\",\"minLength\":3,\"enum\":[\"abc\"]}", "7", 1,
                   "must be string, not integer");
}

static void test_enum_and_const(void **state)
{
    (void)state;
    expect_valid("{\"enum\":[\"csv\",\"json\",1]}", "\"json\"");
    expect_valid("{\"enum\":[\"csv\",\"json\",1]}", "1.0");
    expect_invalid("{\"enum\":[\"csv\",\"json\",1]}", "\"xml\"", 1,
                   "arguments: must be one of [\"csv\",\"json\",1]");
    expect_invalid("{\"enum\":[0]}", "false", 1, "must be one of [0]");
    expect_invalid("{\"enum\":[null]}", "0", 1, "must be one of [null]");
    expect_valid("{\"enum\":[{\"a\":[1,2]}]}", "{\"a\":[1.0,2]}");
    expect_valid("{\"const\":{\"a\":[1,2]}}", "{\"a\":[1,2.0]}");
    expect_invalid("{\"const\":{\"a\":[1,2]}}", "{\"a\":[1]}", 1,
                   "arguments: must equal the fixed value");
    expect_invalid("{\"const\":{\"a\":1}}", "{\"a\":1,\"b\":2}", 1, "must equal the fixed value");
    expect_invalid("{\"const\":true}", "1", 1, "must equal the fixed value");
    expect_valid("{\"const\":null}", "null");
}

static void test_properties_and_required(void **state)
{
    static const char *schema =
        "{\"type\":\"object\",\"required\":[\"name\",\"source\"],\"properties\":{"
        "\"name\":{\"type\":\"string\"},"
        "\"source\":{\"type\":\"object\",\"required\":[\"port\"],"
        "\"properties\":{\"port\":{\"type\":\"integer\"}}}}}";

    (void)state;
    expect_valid(schema, "{\"name\":\"a\",\"source\":{\"port\":5432},\"other\":1}");
    expect_invalid(schema, "{\"source\":{\"port\":1}}", 1, "arguments: 'name' is required");
    expect_invalid(schema, "{\"name\":\"a\",\"source\":{\"port\":\"x\"}}", 1,
                   "arguments.source.port: must be integer, not string");
    expect_invalid(schema, "{\"name\":\"a\",\"source\":{}}", 1,
                   "arguments.source: 'port' is required");
    expect_invalid(schema, "{\"name\":1}", 2, "arguments.name: must be string, not integer");
    expect_invalid(schema, "{\"name\":1}", 2, "'source' is required");
    /* required only speaks about objects. */
    expect_valid("{\"required\":[\"a\"]}", "[]");
    expect_valid("{\"required\":[\"a\"]}", "\"a\"");
}

static void test_additional_properties(void **state)
{
    static const char *closed = "{\"properties\":{\"a\":{}},\"additionalProperties\":false}";
    static const char *typed =
        "{\"properties\":{\"a\":{}},\"additionalProperties\":{\"type\":\"integer\"}}";

    (void)state;
    expect_valid(closed, "{\"a\":[1]}");
    expect_invalid(closed, "{\"a\":1,\"extra\":2}", 1, "arguments: unknown property 'extra'");
    expect_invalid(closed, "{\"x\":1,\"y\":2}", 2, "unknown property 'y'");
    expect_valid(typed, "{\"a\":\"s\",\"n\":3}");
    expect_invalid(typed, "{\"a\":\"s\",\"n\":\"3\"}", 1,
                   "arguments.n: must be integer, not string");
    expect_valid("{\"additionalProperties\":true}", "{\"x\":1}");
    expect_invalid("{\"properties\":{\"x\":false}}", "{\"x\":1}", 1,
                   "arguments.x: no value is allowed here");
}

static void test_items(void **state)
{
    static const char *schema = "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}";

    (void)state;
    expect_valid(schema, "[]");
    expect_valid(schema, "[\"a\",\"b\"]");
    expect_invalid(schema, "[\"a\",\"b\",3]", 1, "arguments[2]: must be string, not integer");
    expect_invalid("{\"properties\":{\"steps\":{\"items\":{\"required\":[\"id\"]}}}}",
                   "{\"steps\":[{\"id\":1},{}]}", 1, "arguments.steps[1]: 'id' is required");
    expect_invalid("{\"items\":false}", "[1]", 1, "arguments[0]: no value is allowed here");
    expect_valid("{\"items\":false}", "[]");
    expect_valid("{\"items\":{\"type\":\"string\"}}", "{\"0\":1}");
}

static void test_array_counts_and_uniqueness(void **state)
{
    (void)state;
    expect_valid("{\"minItems\":1,\"maxItems\":2}", "[1]");
    expect_invalid("{\"minItems\":1}", "[]", 1, "arguments: must have at least 1 items");
    expect_invalid("{\"maxItems\":2}", "[1,2,3]", 1, "arguments: must have at most 2 items");
    expect_valid("{\"uniqueItems\":true}", "[1,\"1\",true,[1],{\"a\":1},null]");
    expect_invalid("{\"uniqueItems\":true}", "[1,2,1.0]", 1, "arguments: items 0 and 2 are equal");
    expect_invalid("{\"uniqueItems\":true}", "[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1}]", 1,
                   "items 0 and 1 are equal");
    expect_valid("{\"uniqueItems\":true}", "[0,false]");
    expect_valid("{\"uniqueItems\":false}", "[1,1]");
}

static void test_string_lengths_count_code_points(void **state)
{
    (void)state;
    expect_valid("{\"maxLength\":1}", "\"\xc3\xa9\"");         /* é: 2 bytes, 1 point */
    expect_valid("{\"maxLength\":1}", "\"\\u00e9\"");          /* the same, escaped */
    expect_valid("{\"maxLength\":1}", "\"\xf0\x9f\x98\x80\""); /* an emoji: 4 bytes */
    expect_valid("{\"maxLength\":1}", "\"\\ud83d\\ude00\"");   /* the same, as a pair */
    expect_invalid("{\"minLength\":2}", "\"\xc3\xa9\"", 1,
                   "arguments: must be at least 2 characters long");
    expect_valid("{\"minLength\":2,\"maxLength\":2}", "\"\xe6\x97\xa5\xe6\x9c\xac\"");
    expect_invalid("{\"maxLength\":3}", "\"abcd\"", 1, "arguments: must be at most 3 characters");
    expect_valid("{\"minLength\":0}", "\"\"");
    expect_valid("{\"minLength\":5}", "5"); /* only strings have a length */
}

static void test_pattern(void **state)
{
    /* The pattern every connection reference in our component specs uses. */
    static const char *conn = "{\"pattern\":\"^@[A-Za-z0-9_-]+(\\\\.[A-Za-z0-9_-]+)?$\"}";

    (void)state;
    expect_valid(conn, "\"@local\"");
    expect_valid(conn, "\"@pg.main_db\"");
    expect_invalid(conn, "\"@pg.\"", 1, "arguments: does not match the pattern");
    expect_invalid(conn, "\"local\"", 1, "does not match the pattern ^@[A-Za-z0-9_-]+");
    expect_invalid(conn, "\"@a.b.c\"", 1, "does not match");
    /* Not anchored unless the pattern says so. */
    expect_valid("{\"pattern\":\"b+\"}", "\"abbc\"");
    expect_valid("{\"pattern\":\"^https?://\"}", "\"https://x\"");
    expect_invalid("{\"pattern\":\"^https?://\"}", "\"ftp://x\"", 1, "does not match");
    expect_valid("{\"pattern\":\"^[0-9]{4}-[0-9]{2}$\"}", "\"2024-05\"");
    expect_invalid("{\"pattern\":\"^(a|b)*$\"}", "\"abc\"", 1, "does not match");
    expect_valid("{\"pattern\":\"^x\"}", "12"); /* only strings are matched */
}

static void test_pattern_sees_code_points(void **state)
{
    (void)state;
    /* Patterns match characters, as minLength and maxLength count them (JSON Schema asks
     * for ECMA 262 with Unicode semantics): "." is one code point, and a quantifier applies
     * to a whole non-ASCII character, not to its last byte. */
    expect_valid("{\"pattern\":\"^.{1,3}$\"}", "\"h\xc3\xa9\xc3\xa9\"");
    expect_valid("{\"pattern\":\"^.$\"}", "\"\xe2\x82\xac\"");
    expect_valid("{\"pattern\":\"^\xc3\xa9+$\"}", "\"\xc3\xa9\xc3\xa9\"");
}

static void test_numbers(void **state)
{
    static const char *samples = "{\"properties\":{\"samples\":"
                                 "{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}}}";

    (void)state;
    expect_valid(samples, "{\"samples\":100}");
    expect_valid(samples, "{\"samples\":1}");
    expect_invalid(samples, "{\"samples\":101}", 1, "arguments.samples: must be <= 100");
    expect_invalid(samples, "{\"samples\":0}", 1, "arguments.samples: must be >= 1");
    expect_valid("{\"exclusiveMinimum\":0}", "0.001");
    expect_invalid("{\"exclusiveMinimum\":0}", "0", 1, "arguments: must be > 0");
    expect_valid("{\"exclusiveMaximum\":1.5}", "1.4");
    expect_invalid("{\"exclusiveMaximum\":1.5}", "1.5", 1, "arguments: must be < 1.5");
    expect_invalid("{\"minimum\":2,\"exclusiveMaximum\":1}", "1", 2, "must be >= 2");
    expect_valid("{\"maximum\":3}", "\"9\""); /* only numbers are compared */
}

static void test_multiple_of(void **state)
{
    (void)state;
    expect_valid("{\"multipleOf\":2}", "10");
    expect_invalid("{\"multipleOf\":2}", "7", 1, "arguments: must be a multiple of 2");
    expect_valid("{\"multipleOf\":0.01}", "19.99");
    expect_valid("{\"multipleOf\":0.1}", "0.3");
    expect_invalid("{\"multipleOf\":0.01}", "19.999", 1, "must be a multiple of 0.01");
    expect_valid("{\"multipleOf\":1.5}", "4.5");
    expect_invalid("{\"multipleOf\":0.123456789}", "1e308", 1, "must be a multiple of");
}

static void test_combinators(void **state)
{
    static const char *all = "{\"allOf\":[{\"properties\":{\"a\":{\"type\":\"string\"}}},"
                             "{\"required\":[\"b\"]}]}";
    static const char *any = "{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":10}]}";
    static const char *one = "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}";

    (void)state;
    expect_valid(all, "{\"a\":\"x\",\"b\":0}");
    expect_invalid(all, "{\"a\":1}", 2, "arguments.a: must be string, not integer");
    expect_invalid(all, "{\"a\":1}", 2, "arguments: 'b' is required");
    expect_valid(any, "\"x\"");
    expect_valid(any, "12");
    expect_invalid(any, "3", 1, "arguments: matches none of the allowed forms");
    expect_valid(one, "1");   /* integer only */
    expect_valid(one, "2.5"); /* minimum only */
    expect_invalid(one, "3", 1, "arguments: must match exactly one of the allowed forms");
    expect_invalid(one, "1.5", 1, "must match exactly one");
    expect_valid("{\"not\":{\"type\":\"null\"}}", "0");
    expect_invalid("{\"not\":{\"type\":\"null\"}}", "null", 1,
                   "arguments: matches a form that is not allowed");
    expect_invalid("{\"not\":true}", "1", 1, "matches a form that is not allowed");
    expect_valid("{\"not\":false}", "1");
    /* The errors of the alternatives stay inside anyOf: one line, not one per branch. */
    expect_invalid("{\"properties\":{\"x\":{\"anyOf\":[{\"type\":\"string\"},"
                   "{\"type\":\"boolean\"}]}}}",
                   "{\"x\":1}", 1, "arguments.x: matches none of the allowed forms");
}

static void test_refs(void **state)
{
    static const char *defs = "{\"$defs\":{\"port\":{\"type\":\"integer\",\"maximum\":65535}},"
                              "\"properties\":{\"port\":{\"$ref\":\"#/$defs/port\"},"
                              "\"ports\":{\"items\":{\"$ref\":\"#/$defs/port\"}}}}";
    static const char *tree = "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\"},"
                              "\"child\":{\"$ref\":\"#\"}}}";

    (void)state;
    expect_valid(defs, "{\"port\":80,\"ports\":[1,2]}");
    expect_invalid(defs, "{\"port\":70000}", 1, "arguments.port: must be <= 65535");
    expect_invalid(defs, "{\"ports\":[1,\"x\"]}", 1,
                   "arguments.ports[1]: must be integer, not string");
    expect_invalid("{\"definitions\":{\"s\":{\"type\":\"string\"}},\"$ref\":\"#/definitions/s\"}",
                   "1", 1, "arguments: must be string, not integer");
    expect_valid(tree, "{\"v\":1,\"child\":{\"v\":2,\"child\":{\"v\":3}}}");
    expect_invalid(tree, "{\"v\":1,\"child\":{\"child\":{\"v\":\"3\"}}}", 1,
                   "arguments.child.child.v: must be integer, not string");
    expect_invalid(tree, "{\"child\":{\"child\":[]}}", 1,
                   "arguments.child.child: must be object, not array");
}

static void test_ref_json_pointer_escapes(void **state)
{
    /* RFC 6901: "~1" stands for '/' and "~0" for '~' in a reference's segments. */
    static const char *schema = "{\"$defs\":{\"a/b\":{\"type\":\"integer\"},"
                                "\"c~d\":{\"type\":\"string\"}},"
                                "\"properties\":{\"x\":{\"$ref\":\"#/$defs/a~1b\"},"
                                "\"y\":{\"$ref\":\"#/$defs/c~0d\"}}}";

    (void)state;
    expect_valid(schema, "{\"x\":1,\"y\":\"s\"}");
    expect_invalid(schema, "{\"x\":\"1\"}", 1, "arguments.x: must be integer, not string");
    expect_invalid(schema, "{\"y\":2}", 1, "arguments.y: must be string, not integer");
}

static void test_ref_loop_terminates(void **state)
{
    static const char *loop = "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},"
                              "\"b\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}";

    (void)state;
    expect_invalid(loop, "1", 1, "arguments: schema nesting is too deep");
}

static void test_boolean_schemas(void **state)
{
    (void)state;
    expect_valid("true", "{\"anything\":[1]}");
    expect_valid("{}", "null");
    expect_invalid("false", "null", 1, "arguments: no value is allowed here");
}

static void test_unknown_keywords_ignored(void **state)
{
    (void)state;
    expect_valid("{\"format\":\"email\",\"x-osiris\":{\"type\":\"null\"},\"title\":\"T\"}",
                 "\"not an email\"");
}

static void test_root_name_and_null_errors(void **state)
{
    json_t *schema = load("{\"properties\":{\"a\":{\"type\":\"string\"}}}");
    json_t *bad = load("{\"a\":1}");
    struct osr_strv errors = OSR_STRV_INIT;

    (void)state;
    assert_int_equal(osr_jsonschema_validate(schema, bad, NULL, &errors), 1);
    assert_int_equal(errors.n, 1);
    assert_string_equal(errors.v[0], "$.a: must be string, not integer");
    osr_strv_dispose(&errors);
    assert_int_equal(osr_jsonschema_validate(schema, bad, "steps[2]", &errors), 1);
    assert_string_equal(errors.v[0], "steps[2].a: must be string, not integer");
    osr_strv_dispose(&errors);
    /* Without a list the count still comes back. */
    assert_int_equal(osr_jsonschema_validate(schema, bad, "x", NULL), 1);
    json_decref(schema);
    json_decref(bad);
}

static void test_error_lines_capped(void **state)
{
    json_t *schema = load("{\"items\":{\"type\":\"string\"}}");
    json_t *arr = json_array();
    struct osr_strv errors = OSR_STRV_INIT;

    (void)state;
    for (int i = 0; i < 200; i++)
        json_array_append_new(arr, json_integer(i));
    /* Every problem is counted, but a hostile instance cannot make the list grow without
     * bound. */
    assert_int_equal(osr_jsonschema_validate(schema, arr, "arguments", &errors), 200);
    assert_true(errors.n > 0 && errors.n <= 50);
    assert_string_equal(errors.v[0], "arguments[0]: must be string, not integer");
    osr_strv_dispose(&errors);
    json_decref(schema);
    json_decref(arr);
}

/* ---- the official test suite ---- */

static const char *const suite_files[] = {
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "pattern",
    "boolean_schema",
};

/* Keywords the validator does not implement: a group whose schema uses one is excluded. */
static const char *const unsupported[] = {
    "prefixItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "propertyNames",
    "patternProperties",
    "contains",
    "minContains",
    "maxContains",
    "if",
    "then",
    "else",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "$anchor",
    "$id",
    "format",
    "minProperties",
    "maxProperties",
    "additionalItems",
    "dependencies",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
};

/* Keywords whose value is a schema, a list of schemas, or a map of names to schemas. */
static const char *const schema_valued[] = {"items", "additionalProperties", "not"};
static const char *const schema_lists[] = {"allOf", "anyOf", "oneOf"};
static const char *const schema_maps[] = {"properties", "$defs", "definitions"};

/* Returns the list's own copy of `s` (static storage), or NULL. */
static const char *in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, list[i]) == 0)
            return list[i];
    }
    return NULL;
}

#define IN(s, list) in_list((s), (list), OSR_ARRAY_LEN(list))

/* An ECMA 262 escape that POSIX ERE lacks or reads differently (\d, \w, \p{...}...). */
static bool ecma_only_pattern(const char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && p[1] && strchr("dDwWsSbBpPuxcfnrtv0123456789k", p[1]))
            return true;
        if (*p == '\\' && p[1])
            p++;
    }
    return false;
}

/* Returns why `schema` cannot be run (a static string) or NULL when it can. */
static const char *exclusion(const json_t *schema)
{
    const char *key, *why;
    json_t *v, *sub;
    size_t i;

    if (!json_is_object(schema))
        return NULL;
    json_object_foreach((json_t *)schema, key, v)
    {
        why = NULL;
        if (IN(key, unsupported)) {
            return IN(key, unsupported);
        } else if (strcmp(key, "$ref") == 0 && json_is_string(v)) {
            const char *ref = json_string_value(v);
            if (strcmp(ref, "#") != 0 && strncmp(ref, "#/", 2) != 0)
                return "non-local $ref";
        } else if (strcmp(key, "pattern") == 0 && json_is_string(v)) {
            if (ecma_only_pattern(json_string_value(v)))
                return "ECMA 262 escape in pattern";
        } else if (strcmp(key, "items") == 0 && json_is_array(v)) {
            return "items as an array";
        } else if (IN(key, schema_valued)) {
            why = exclusion(v);
        } else if (IN(key, schema_lists) && json_is_array(v)) {
            json_array_foreach(v, i, sub)
            {
                if ((why = exclusion(sub)) != NULL)
                    break;
            }
        } else if (IN(key, schema_maps) && json_is_object(v)) {
            const char *name;
            json_object_foreach(v, name, sub)
            {
                if ((why = exclusion(sub)) != NULL)
                    break;
            }
        }
        if (why)
            return why;
    }
    return NULL;
}

struct suite_stats {
    int groups_run, groups_excluded, cases_run, cases_excluded, mismatches;
    int excluded_by[OSR_ARRAY_LEN(unsupported) + 3];
    const char *reasons[OSR_ARRAY_LEN(unsupported) + 3];
    size_t nreasons;
};

static void count_exclusion(struct suite_stats *st, const char *why, size_t ncases)
{
    size_t i;

    st->groups_excluded++;
    st->cases_excluded += (int)ncases;
    for (i = 0; i < st->nreasons; i++) {
        if (strcmp(st->reasons[i], why) == 0)
            break;
    }
    if (i == st->nreasons)
        st->reasons[st->nreasons++] = why;
    st->excluded_by[i]++;
}

static void run_case(struct suite_stats *st, const char *file, const json_t *group,
                     const json_t *tcase)
{
    const json_t *schema = json_object_get(group, "schema");
    json_t *data = json_object_get(tcase, "data");
    bool want = json_is_true(json_object_get(tcase, "valid"));
    struct osr_strv errors = OSR_STRV_INIT;
    bool got = osr_jsonschema_validate(schema, data, "$", &errors) == 0;

    st->cases_run++;
    if (got != want) {
        char *joined = osr_strv_join(&errors, "; ");
        char *inst = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
        st->mismatches++;
        printf("MISMATCH %s.json: group \"%s\", case \"%s\": instance %s should be %s, "
               "validator said %s%s%s\n",
               file, json_string_value(json_object_get(group, "description")),
               json_string_value(json_object_get(tcase, "description")), inst ? inst : "?",
               want ? "valid" : "invalid", got ? "valid" : "invalid", got ? "" : ": ", joined);
        free(inst);
        free(joined);
    }
    osr_strv_dispose(&errors);
}

/* Runs one keyword file; returns how many of its groups ran. */
static int run_file(struct suite_stats *st, const char *dir, const char *name)
{
    char path[4096];
    json_error_t err;
    json_t *groups, *group, *tcase;
    size_t g, c;
    int before = st->groups_run;

    snprintf(path, sizeof(path), "%s/%s.json", dir, name);
    groups = json_load_file(path, JSON_ALLOW_NUL, &err);
    if (!json_is_array(groups))
        fail_msg("cannot load %s: %s", path, err.text);
    json_array_foreach(groups, g, group)
    {
        json_t *cases = json_object_get(group, "tests");
        const char *why = exclusion(json_object_get(group, "schema"));
        assert_true(json_is_array(cases));
        if (why) {
            printf("excluded %s.json: group \"%s\" (%zu cases): uses %s\n", name,
                   json_string_value(json_object_get(group, "description")), json_array_size(cases),
                   why);
            count_exclusion(st, why, json_array_size(cases));
            continue;
        }
        st->groups_run++;
        json_array_foreach(cases, c, tcase) run_case(st, name, group, tcase);
    }
    json_decref(groups);
    return st->groups_run - before;
}

static void test_official_suite(void **state)
{
    const char *dir = getenv(SUITE_DIR_ENV);
    struct suite_stats st;
    char probe[4096];

    (void)state;
    memset(&st, 0, sizeof(st));
    if (!dir || !*dir)
        dir = SUITE_DIR_DEFAULT;
    snprintf(probe, sizeof(probe), "%s/type.json", dir);
    if (access(probe, R_OK) != 0)
        fail_msg("JSON Schema Test Suite not found in %s: install the Debian package %s "
                 "(or point %s at a draft's tests directory)",
                 dir, SUITE_PACKAGE, SUITE_DIR_ENV);
    printf("JSON Schema Test Suite: %s\n", dir);
    for (size_t i = 0; i < OSR_ARRAY_LEN(suite_files); i++) {
        /* Guards against a suite that silently shrinks to nothing. */
        if (run_file(&st, dir, suite_files[i]) == 0)
            fail_msg("no test group of %s.json could run", suite_files[i]);
    }
    printf("suite: %zu files, %d groups run (%d cases), %d groups excluded (%d cases), "
           "%d mismatches\n",
           OSR_ARRAY_LEN(suite_files), st.groups_run, st.cases_run, st.groups_excluded,
           st.cases_excluded, st.mismatches);
    for (size_t i = 0; i < st.nreasons; i++)
        printf("  excluded for %s: %d group(s)\n", st.reasons[i], st.excluded_by[i]);
    assert_true(st.cases_run >= 200);
    if (st.mismatches)
        fail_msg("%d suite case(s) disagree with the validator (listed above)", st.mismatches);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_type_failure_stops_other_checks),
        cmocka_unit_test(test_enum_and_const),
        cmocka_unit_test(test_properties_and_required),
        cmocka_unit_test(test_additional_properties),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_array_counts_and_uniqueness),
        cmocka_unit_test(test_string_lengths_count_code_points),
        cmocka_unit_test(test_pattern),
        cmocka_unit_test(test_pattern_sees_code_points),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_multiple_of),
        cmocka_unit_test(test_combinators),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_ref_json_pointer_escapes),
        cmocka_unit_test(test_ref_loop_terminates),
        cmocka_unit_test(test_boolean_schemas),
        cmocka_unit_test(test_unknown_keywords_ignored),
        cmocka_unit_test(test_root_name_and_null_errors),
        cmocka_unit_test(test_error_lines_capped),
        cmocka_unit_test(test_official_suite),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
