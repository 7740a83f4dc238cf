/*
 * test_mask.c - the masking module (core/mask.h).
 *
 * Covers the secret-name rule (a table of names that must and must not be secret), DSN and
 * libpq conninfo masking, JSON masking (nested maps and lists, extra names from specs,
 * unresolved ${VAR} kept as written), masking by JSON pointer, and free-text redaction
 * (name=value and name: value pairs, bearer tokens, URL userinfo, known secret values).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/mask.h"

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

static void check_redact(const char *in, const struct osr_strv *secrets, const char *want);

static const char *const secret_names[] = {
    "password",         "PASSWORD", "db_password", "api_key",      "apiKey",       "API-KEY",
    "service_role_key", "anon_key", "token",       "access_token", "refreshToken", "client_secret",
    "ssl_key",          "sslkey",   "private_key", "credentials",  "auth",         "Authorization",
    "passwd",           "pwd",      "secret",      "key",          "MYSQL_PWD",    "x.api.key",
};

static const char *const plain_names[] = {
    "primary_key",
    "primary_keys",
    "upsert_keys",
    "sort_key",
    "partition_key",
    "foreign_keys",
    "unique_key",
    "merge_keys",
    "primaryKey",
    "host",
    "port",
    "user",
    "username",
    "database",
    "max_tokens",
    "auth_type",
    "auth_method",
    "token_count",
    "key_column",
    "secret_name",
    "password_env",
    "description",
    "table",
    "keyword",
    "monkey",
    "sslmode",
    "schema",
    "",
    "_",
    "token_url",
};

static void test_secret_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(secret_names); i++) {
        if (!osr_mask_is_secret_name(secret_names[i]))
            fail_msg("'%s' should be secret", secret_names[i]);
    }
}

static void test_plain_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(plain_names); i++) {
        if (osr_mask_is_secret_name(plain_names[i]))
            fail_msg("'%s' should not be secret", plain_names[i]);
    }
}

static void test_libpq_secret_names(void **state)
{
    (void)state;
    /* PGPASSWORD is the variable libpq reads the password from, and sslpassword the
     * conninfo keyword for the client key's passphrase: both hold secrets. */
    check_redact("PGPASSWORD=hunter2 psql -h db", NULL, "PGPASSWORD=" OSR_MASKED " psql -h db");
    assert_true(osr_mask_is_secret_name("PGPASSWORD"));
    assert_true(osr_mask_is_secret_name("sslpassword"));
}

struct dsn_case {
    const char *in, *out;
};

static const struct dsn_case dsn_cases[] = {
    {"postgres://u:p@h/db", "postgres://u:" OSR_MASKED "@h/db"},
    {"postgresql://u:p@h:5432/db?sslmode=require",
     "postgresql://u:" OSR_MASKED "@h:5432/db?sslmode=require"},
    {"mysql://u:p%40x@h", "mysql://u:" OSR_MASKED "@h"},
    {"mysql://u:p@x@h/db", "mysql://u:" OSR_MASKED "@h/db"},
    {"a postgres://u1:p1@h1/db and mysql://u2:p2@h2/x end",
     "a postgres://u1:" OSR_MASKED "@h1/db and mysql://u2:" OSR_MASKED "@h2/x end"},
    {"https://example.com/a then postgres://u:p@h/db",
     "https://example.com/a then postgres://u:" OSR_MASKED "@h/db"},
    {"host=h password=secret dbname=x", "host=h password=" OSR_MASKED " dbname=x"},
    {"host=h password='quoted secret' dbname=x", "host=h password=" OSR_MASKED " dbname=x"},
    {"password='it\\'s' host=h", "password=" OSR_MASKED " host=h"},
    {"password=first", "password=" OSR_MASKED},
    {"postgres://h/db?user=u&password=secret&sslmode=require",
     "postgres://h/db?user=u&password=" OSR_MASKED "&sslmode=require"},
    {"postgres://h/db?password=secret", "postgres://h/db?password=" OSR_MASKED},
};

static const char *const dsn_unchanged[] = {
    "postgres://u@h/db",      "postgres://h:5432/db", "https://example.com/path?q=1",
    "host=h user=u dbname=x", "no url here",          "",
};

static void check_dsn(const char *in, const char *want, bool want_changed)
{
    bool changed = !want_changed;
    char *out = osr_mask_dsn(in, &changed);
    char got[512];

    snprintf(got, sizeof(got), "%s", out);
    free(out);
    if (strcmp(got, want) != 0)
        fail_msg("mask_dsn('%s') gave '%s', expected '%s'", in, got, want);
    if (changed != want_changed)
        fail_msg("mask_dsn('%s'): changed is %d", in, changed);
}

static void test_dsn_masking(void **state)
{
    char *out;

    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(dsn_cases); i++)
        check_dsn(dsn_cases[i].in, dsn_cases[i].out, true);
    for (size_t i = 0; i < OSR_ARRAY_LEN(dsn_unchanged); i++)
        check_dsn(dsn_unchanged[i], dsn_unchanged[i], false);
    /* changed may be NULL. */
    out = osr_mask_dsn("postgres://u:p@h/db", NULL);
    assert_string_equal(out, "postgres://u:" OSR_MASKED "@h/db");
    free(out);
}

static void test_dsn_password_with_uri_delimiters(void **state)
{
    (void)state;
    /* libpq takes everything up to the '@' as user:password, so a password holding '#'
     * or '?' connects fine and must still be masked. */
    check_dsn("postgres://u:p#ss@h/db", "postgres://u:" OSR_MASKED "@h/db", true);
    check_dsn("postgresql://app:Pa?ss#1@db:5432/x", "postgresql://app:" OSR_MASKED "@db:5432/x",
              true);
}

static void test_conninfo_spaces_around_equals(void **state)
{
    (void)state;
    /* libpq: "Spaces around the equal sign are optional". */
    check_dsn("host=h password = secret dbname=x", "host=h password = " OSR_MASKED " dbname=x",
              true);
}

static json_t *load(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    if (!j)
        fail_msg("bad JSON in test: %s", err.text);
    return j;
}

/* Compares and prints both sides on a mismatch; the caller frees `got` before asserting so
 * a failing test leaks nothing. */
static bool json_matches(json_t *got, const char *want_text)
{
    json_t *want = load(want_text);
    bool ok = json_equal(got, want);
    char *g, *w;

    if (!ok) {
        g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
        w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
        print_error("got:  %s\nwant: %s\n", g, w);
        free(g);
        free(w);
    }
    json_decref(want);
    return ok;
}

static void test_mask_json_nested(void **state)
{
    bool ok;
    json_t *j = load("{\"host\": \"h\", \"password\": \"pw\", \"port\": 5432,"
                     " \"primary_key\": \"id\", \"token\": 12345, \"api_key\": null,"
                     " \"nested\": {\"api_key\": \"k\", \"user\": \"u\","
                     "   \"list\": [{\"access_token\": \"t\"}, \"postgres://u:p@h/db\", 7]},"
                     " \"credentials\": {\"user\": \"u\", \"client_secret\": \"cs\"},"
                     " \"dsn\": \"host=h password=x\", \"enabled\": true}");

    (void)state;
    osr_mask_json(j, NULL);
    ok = json_matches(j, "{\"host\": \"h\", \"password\": \"***MASKED***\", \"port\": 5432,"
                         " \"primary_key\": \"id\", \"token\": \"***MASKED***\", \"api_key\": null,"
                         " \"nested\": {\"api_key\": \"***MASKED***\", \"user\": \"u\","
                         "   \"list\": [{\"access_token\": \"***MASKED***\"},"
                         "              \"postgres://u:***MASKED***@h/db\", 7]},"
                         " \"credentials\": {\"user\": \"u\", \"client_secret\": \"***MASKED***\"},"
                         " \"dsn\": \"host=h password=***MASKED***\", \"enabled\": true}");
    json_decref(j);
    assert_true(ok);
}

static void test_mask_json_extra_names_and_refs(void **state)
{
    bool ok;
    struct osr_strv extra = OSR_STRV_INIT;
    json_t *j = load("{\"pin\": \"1234\", \"deep\": {\"pin\": 99}, \"code\": \"c\","
                     " \"password\": \"${DB_PASSWORD}\", \"token\": \"${A}${B}\","
                     " \"api_key\": \"prefix-${KEY}\", \"pins\": [\"${PIN}\"]}");

    (void)state;
    osr_strv_push(&extra, "pin");
    osr_mask_json(j, &extra);
    /* A whole unresolved reference holds no secret and stays as written. */
    ok = json_matches(j, "{\"pin\": \"***MASKED***\", \"deep\": {\"pin\": \"***MASKED***\"},"
                         " \"code\": \"c\", \"password\": \"${DB_PASSWORD}\","
                         " \"token\": \"***MASKED***\", \"api_key\": \"***MASKED***\","
                         " \"pins\": [\"${PIN}\"]}");
    osr_strv_dispose(&extra);
    json_decref(j);
    assert_true(ok);
}

static void test_mask_json_top_level_values(void **state)
{
    bool ok;
    json_t *s = json_string("postgres://u:p@h/db");
    json_t *arr = load("[\"mysql://a:b@c\", {\"password\": \"x\"}]");

    (void)state;
    osr_mask_json(s, NULL);
    assert_string_equal(json_string_value(s), "postgres://u:" OSR_MASKED "@h/db");
    osr_mask_json(arr, NULL);
    ok = json_matches(arr, "[\"mysql://a:***MASKED***@c\", {\"password\": \"***MASKED***\"}]");
    json_decref(s);
    json_decref(arr);
    assert_true(ok);
}

static void test_mask_json_secret_dsn_field(void **state)
{
    struct osr_strv extra = OSR_STRV_INIT;
    json_t *j = load("{\"dsn\": \"postgres://u:p@h/db\","
                     " \"pg_dsn\": \"host=h password=x dbname=d\","
                     " \"other\": {\"dsn\": \"opaque-value\"}}");
    bool ok;

    (void)state;
    osr_strv_push(&extra, "dsn");
    osr_strv_push(&extra, "pg_dsn");
    osr_mask_json(j, &extra);
    /* A DSN named as secret keeps its host and database; an opaque one is masked whole. */
    ok = json_matches(j, "{\"dsn\": \"postgres://u:***MASKED***@h/db\","
                         " \"pg_dsn\": \"host=h password=***MASKED*** dbname=d\","
                         " \"other\": {\"dsn\": \"***MASKED***\"}}");
    osr_strv_dispose(&extra);
    json_decref(j);
    assert_true(ok);
}

static void check_secret_dsn_hidden(const char *dsn, const char *secret)
{
    struct osr_strv extra = OSR_STRV_INIT;
    json_t *j = json_pack("{s:s}", "dsn", dsn);
    char *dumped;
    bool leaked;

    osr_strv_push(&extra, "dsn");
    osr_mask_json(j, &extra);
    dumped = json_dumps(j, JSON_COMPACT);
    leaked = strstr(dumped, secret) != NULL;
    if (leaked)
        print_error("secret '%s' left in %s\n", secret, dumped);
    free(dumped);
    json_decref(j);
    osr_strv_dispose(&extra);
    assert_false(leaked);
}

static void test_mask_json_secret_dsn_unparsed_shapes(void **state)
{
    (void)state;
    /* A field named as secret must not show its secret, whatever the DSN looks like: a
     * shape the DSN masker does not understand has to be masked whole. */
    check_secret_dsn_hidden("Server=h;Database=d;User Id=u;Password=s3cret;", "s3cret");
    check_secret_dsn_hidden("host=h password = s3cret dbname=d", "s3cret");
    check_secret_dsn_hidden("postgresql://app:s3#cret@db/x", "cret");
}

static void test_mask_pointer(void **state)
{
    bool ok;
    json_t *j = load("{\"a\": {\"b\": \"s\", \"c\": \"keep\"}, \"dsn\": \"d\","
                     " \"ref\": \"${PW}\", \"none\": null, \"port\": 5432}");

    (void)state;
    osr_mask_pointer(j, "/a/b");
    osr_mask_pointer(j, "/dsn");
    osr_mask_pointer(j, "/ref");
    osr_mask_pointer(j, "/none");
    osr_mask_pointer(j, "/port");
    osr_mask_pointer(j, "/missing/x");
    osr_mask_pointer(j, "/a/b/c");
    osr_mask_pointer(j, "not-a-pointer");
    osr_mask_pointer(j, "");
    osr_mask_pointer(j, "/");
    ok = json_matches(j, "{\"a\": {\"b\": \"***MASKED***\", \"c\": \"keep\"},"
                         " \"dsn\": \"***MASKED***\", \"ref\": \"${PW}\", \"none\": null,"
                         " \"port\": \"***MASKED***\"}");
    json_decref(j);
    assert_true(ok);
}

static void test_mask_pointer_array_index(void **state)
{
    bool ok;
    json_t *j = load("{\"a\": {\"b\": [\"s3cret\", \"x\"]}}");

    (void)state;
    /* mask.h documents "/a/b/0" as an example pointer. */
    osr_mask_pointer(j, "/a/b/0");
    ok = json_matches(j, "{\"a\": {\"b\": [\"***MASKED***\", \"x\"]}}");
    json_decref(j);
    assert_true(ok);
}

static void check_redact(const char *in, const struct osr_strv *secrets, const char *want)
{
    char *out = osr_redact_text(in, secrets);
    char got[512];

    snprintf(got, sizeof(got), "%s", out);
    free(out);
    if (strcmp(got, want) != 0)
        fail_msg("redact('%s') gave '%s', expected '%s'", in, got, want);
}

static void test_redact_pairs(void **state)
{
    (void)state;
    check_redact("connect failed: password=hunter2 host=h", NULL,
                 "connect failed: password=" OSR_MASKED " host=h");
    check_redact("{\"password\": \"hunter2\", \"user\": \"u\"}", NULL,
                 "{\"password\": " OSR_MASKED ", \"user\": \"u\"}");
    check_redact("token: xxx999 rest", NULL, "token: " OSR_MASKED " rest");
    check_redact("api-key=abc&user=u", NULL, "api-key=" OSR_MASKED "&user=u");
    check_redact("DB_PASSWORD='two words' next", NULL, "DB_PASSWORD=" OSR_MASKED " next");
    check_redact("Authorization: Bearer xyz.abc", NULL, "Authorization: Bearer " OSR_MASKED);
    check_redact("Authorization: Basic dXNlcjpwYXNz", NULL, "Authorization: Basic " OSR_MASKED);
}

static void test_redact_leaves_plain_text(void **state)
{
    static const char *const same[] = {
        "primary_key=id user=alice host=db port=5432",
        "the token is valid",
        "max_tokens: 100",
        "passport=x", /* contains "pass" but is not a secret word */
        "",
    };

    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(same); i++)
        check_redact(same[i], NULL, same[i]);
    /* A secret word glued to a prefix (PGPASSWORD, mypassword) is still a secret name. */
    check_redact("mypassword=x", NULL, "mypassword=" OSR_MASKED);
}

static void test_redact_url_userinfo(void **state)
{
    (void)state;
    check_redact("could not connect to postgres://app:pw123@db:5432/x: timeout", NULL,
                 "could not connect to postgres://app:" OSR_MASKED "@db:5432/x: timeout");
    check_redact("conninfo host=h password=pw123 dbname=x", NULL,
                 "conninfo host=h password=" OSR_MASKED " dbname=x");
}

static void test_redact_secret_values(void **state)
{
    struct osr_strv secrets = OSR_STRV_INIT;
    char *out;

    (void)state;
    osr_strv_push(&secrets, "s3cr3t!");
    osr_strv_push(&secrets, "other-value");
    osr_strv_push(&secrets, "ab"); /* too short to search for */
    out = osr_redact_text("a s3cr3t! b s3cr3t!s3cr3t! c other-value ab", &secrets);
    assert_string_equal(out, "a " OSR_MASKED " b " OSR_MASKED OSR_MASKED " c " OSR_MASKED " ab");
    free(out);
    /* A secret inside an error message with no name attached. */
    out = osr_redact_text("FATAL: role \"s3cr3t!\" does not exist", &secrets);
    assert_lacks(out, "s3cr3t!");
    free(out);
    osr_strv_dispose(&secrets);
}

static void test_redact_bare_bearer_token(void **state)
{
    (void)state;
    /* A bearer token with no header name in front of it is still a credential. */
    check_redact("curl -H 'Bearer abc123token' failed", NULL,
                 "curl -H 'Bearer " OSR_MASKED "' failed");
    check_redact("got Bearer abc123token back", NULL, "got Bearer " OSR_MASKED " back");
}

static void test_redact_keeps_unresolved_reference(void **state)
{
    (void)state;
    /* mask.h: an unresolved ${VAR} holds no secret and is shown as written. */
    check_redact("password=${DB_PASSWORD}", NULL, "password=${DB_PASSWORD}");
    check_redact("token: ${API_TOKEN}", NULL, "token: ${API_TOKEN}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_names),
        cmocka_unit_test(test_plain_names),
        cmocka_unit_test(test_libpq_secret_names),
        cmocka_unit_test(test_dsn_masking),
        cmocka_unit_test(test_dsn_password_with_uri_delimiters),
        cmocka_unit_test(test_conninfo_spaces_around_equals),
        cmocka_unit_test(test_mask_json_nested),
        cmocka_unit_test(test_mask_json_extra_names_and_refs),
        cmocka_unit_test(test_mask_json_top_level_values),
        cmocka_unit_test(test_mask_json_secret_dsn_field),
        cmocka_unit_test(test_mask_json_secret_dsn_unparsed_shapes),
        cmocka_unit_test(test_mask_pointer),
        cmocka_unit_test(test_mask_pointer_array_index),
        cmocka_unit_test(test_redact_pairs),
        cmocka_unit_test(test_redact_leaves_plain_text),
        cmocka_unit_test(test_redact_url_userinfo),
        cmocka_unit_test(test_redact_secret_values),
        cmocka_unit_test(test_redact_bare_bearer_token),
        cmocka_unit_test(test_redact_keeps_unresolved_reference),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
