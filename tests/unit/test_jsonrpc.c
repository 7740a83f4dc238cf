/*
 * test_jsonrpc.c - JSON-RPC 2.0 parsing, classification and building (mcp/jsonrpc.h).
 *
 * Covers every kind a message can have (request with a string or integer id, notification,
 * response with a result or an error, batch) and every refusal with its code: -32700 for
 * text that is not JSON (bad syntax, duplicate keys, invalid UTF-8), -32602 for array params,
 * -32600 for the rest (wrong or missing jsonrpc, bad ids, non-string methods, scalar params,
 * responses with both or neither of result and error, top-level scalars). The builders are
 * checked against the exact compact text they must produce.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mcp/jsonrpc.h"

#define assert_has(hay, needle)                                                                    \
    do {                                                                                           \
        const char *hay_ = (hay), *needle_ = (needle);                                             \
        if (!hay_ || !strstr(hay_, needle_))                                                       \
            fail_msg("'%s' not found in '%s'", needle_, hay_ ? hay_ : "(null)");                   \
    } while (0)

static void parse(struct osr_rpc_msg *m, const char *text)
{
    osr_rpc_parse(m, text, strlen(text));
}

/* Parses `text` and expects an invalid message with `code`. */
static void expect_invalid(const char *text, size_t len, int code)
{
    struct osr_rpc_msg m;

    osr_rpc_parse(&m, text, len);
    if (m.kind != OSR_RPC_INVALID || m.error_code != code)
        fail_msg("%.*s: kind %d code %d, expected invalid with %d", (int)len, text, (int)m.kind,
                 m.error_code, code);
    assert_true(m.error_message[0] != '\0');
    osr_rpc_msg_dispose(&m);
}

static void expect_invalid_text(const char *text, int code)
{
    expect_invalid(text, strlen(text), code);
}

/* Compares a built message with the expected text, both as JSON and as compact bytes. */
static void assert_built(json_t *msg, const char *expected)
{
    json_error_t err;
    json_t *want = json_loads(expected, JSON_REJECT_DUPLICATES, &err);
    size_t len = 0;
    char *text;

    assert_non_null(want);
    assert_non_null(msg);
    text = osr_rpc_dump(msg, &len);
    if (!json_equal(msg, want))
        fail_msg("built %s, expected %s", text, expected);
    assert_string_equal(text, expected);
    assert_int_equal(len, strlen(expected));
    free(text);
    json_decref(want);
    json_decref(msg);
}

/* ---- valid messages ---- */

static void test_request_string_id(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"tools/list\","
              "\"params\":{\"cursor\":\"x\"}}");
    assert_int_equal(m.kind, OSR_RPC_REQUEST);
    assert_true(json_is_string(m.id));
    assert_string_equal(json_string_value(m.id), "abc");
    assert_string_equal(m.method, "tools/list");
    assert_true(json_is_object(m.params));
    assert_string_equal(json_string_value(json_object_get(m.params, "cursor")), "x");
    assert_null(m.result);
    assert_null(m.error);
    assert_int_equal(m.error_code, 0);
    osr_rpc_msg_dispose(&m);
    assert_null(m.json);
}

static void test_request_integer_id(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"ping\"}");
    assert_int_equal(m.kind, OSR_RPC_REQUEST);
    assert_true(json_is_integer(m.id));
    assert_int_equal(json_integer_value(m.id), 42);
    assert_string_equal(m.method, "ping");
    assert_null(m.params);
    osr_rpc_msg_dispose(&m);

    /* Zero and negative integers are ids like any other. */
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}");
    assert_int_equal(m.kind, OSR_RPC_REQUEST);
    assert_int_equal(json_integer_value(m.id), 0);
    osr_rpc_msg_dispose(&m);
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":-7,\"method\":\"ping\"}");
    assert_int_equal(m.kind, OSR_RPC_REQUEST);
    assert_int_equal(json_integer_value(m.id), -7);
    osr_rpc_msg_dispose(&m);

    /* The empty string is a string id. */
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"ping\"}");
    assert_int_equal(m.kind, OSR_RPC_REQUEST);
    assert_string_equal(json_string_value(m.id), "");
    osr_rpc_msg_dispose(&m);
}

static void test_unknown_members_ignored(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "{\"extra\":[1,2],\"method\":\"ping\",\"id\":1,\"jsonrpc\":\"2.0\",\"x\":null}");
    assert_int_equal(m.kind, OSR_RPC_REQUEST);
    assert_string_equal(m.method, "ping");
    osr_rpc_msg_dispose(&m);
}

static void test_notification(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    assert_int_equal(m.kind, OSR_RPC_NOTIFICATION);
    assert_null(m.id);
    assert_string_equal(m.method, "notifications/initialized");
    assert_null(m.params);
    osr_rpc_msg_dispose(&m);

    parse(&m, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
              "\"params\":{\"requestId\":3}}");
    assert_int_equal(m.kind, OSR_RPC_NOTIFICATION);
    assert_null(m.id);
    assert_int_equal(json_integer_value(json_object_get(m.params, "requestId")), 3);
    osr_rpc_msg_dispose(&m);
}

static void test_response_result(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"osiris-1\",\"result\":{\"ok\":true}}");
    assert_int_equal(m.kind, OSR_RPC_RESPONSE);
    assert_string_equal(json_string_value(m.id), "osiris-1");
    assert_null(m.method);
    assert_true(json_is_true(json_object_get(m.result, "ok")));
    assert_null(m.error);
    osr_rpc_msg_dispose(&m);

    /* A result may be any JSON value, null included. */
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":null}");
    assert_int_equal(m.kind, OSR_RPC_RESPONSE);
    assert_true(json_is_null(m.result));
    osr_rpc_msg_dispose(&m);
}

static void test_response_error(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-1,\"message\":\"no\"}}");
    assert_int_equal(m.kind, OSR_RPC_RESPONSE);
    assert_int_equal(json_integer_value(m.id), 9);
    assert_null(m.result);
    assert_int_equal(json_integer_value(json_object_get(m.error, "code")), -1);
    osr_rpc_msg_dispose(&m);
}

static void test_batch(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
              "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]");
    assert_int_equal(m.kind, OSR_RPC_BATCH);
    assert_true(json_is_array(m.json));
    assert_int_equal(json_array_size(m.json), 2);
    assert_null(m.id);
    assert_null(m.method);
    osr_rpc_msg_dispose(&m);

    /* An empty array is still a batch: the server decides what to say about it. */
    parse(&m, "[]");
    assert_int_equal(m.kind, OSR_RPC_BATCH);
    assert_int_equal(json_array_size(m.json), 0);
    osr_rpc_msg_dispose(&m);
}

static void test_classify_takes_reference(void **state)
{
    struct osr_rpc_msg m;
    json_t *v = json_pack("{s:s, s:i, s:s, s:{}}", "jsonrpc", "2.0", "id", 3, "method",
                          "tools/call", "params");

    (void)state;
    osr_rpc_classify(&m, v);
    assert_ptr_equal(m.json, v);
    assert_int_equal(m.kind, OSR_RPC_REQUEST);
    assert_ptr_equal(m.id, json_object_get(v, "id"));
    assert_ptr_equal(m.params, json_object_get(v, "params"));
    osr_rpc_msg_dispose(&m); /* the only reference: ASan reports a leak otherwise */

    osr_rpc_classify(&m, json_integer(3));
    assert_int_equal(m.kind, OSR_RPC_INVALID);
    assert_int_equal(m.error_code, OSR_RPC_INVALID_REQUEST);
    assert_non_null(m.json);
    osr_rpc_msg_dispose(&m);
}

static void test_parse_respects_length(void **state)
{
    const char *text = "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}GARBAGE";
    struct osr_rpc_msg m;

    (void)state;
    osr_rpc_parse(&m, text, strlen(text) - strlen("GARBAGE"));
    assert_int_equal(m.kind, OSR_RPC_NOTIFICATION);
    osr_rpc_msg_dispose(&m);
    expect_invalid_text(text, OSR_RPC_PARSE_ERROR);
}

/* ---- refusals ---- */

static void test_jsonrpc_member_required(void **state)
{
    (void)state;
    expect_invalid_text("{\"id\":1,\"method\":\"ping\"}", OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
                        OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":2.0,\"id\":1,\"method\":\"ping\"}", OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":\"2.0 \",\"id\":1,\"method\":\"ping\"}",
                        OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":null,\"method\":\"ping\"}", OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"id\":1,\"result\":{}}", OSR_RPC_INVALID_REQUEST);
}

static void test_bad_ids(void **state)
{
    static const char *const ids[] = {"null", "1.5", "1.0", "true", "false", "{}", "[1]"};
    char text[128];

    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(ids); i++) {
        snprintf(text, sizeof(text), "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", ids[i]);
        expect_invalid_text(text, OSR_RPC_INVALID_REQUEST);
    }
}

static void test_invalid_keeps_usable_id(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    /* The error response can name the request when its id is usable. */
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"x\",\"params\":[1]}");
    assert_int_equal(m.kind, OSR_RPC_INVALID);
    assert_int_equal(m.error_code, OSR_RPC_INVALID_PARAMS);
    assert_int_equal(json_integer_value(m.id), 7);
    osr_rpc_msg_dispose(&m);

    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"q\",\"method\":17}");
    assert_int_equal(m.kind, OSR_RPC_INVALID);
    assert_string_equal(json_string_value(m.id), "q");
    osr_rpc_msg_dispose(&m);

    /* An unusable id is never handed on. */
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}");
    assert_int_equal(m.kind, OSR_RPC_INVALID);
    assert_null(m.id);
    osr_rpc_msg_dispose(&m);
}

static void test_method_must_be_string(void **state)
{
    (void)state;
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":17}", OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":null}", OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"method\":[\"ping\"]}", OSR_RPC_INVALID_REQUEST);
}

static void test_params_array_is_invalid_params(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[]}");
    assert_int_equal(m.kind, OSR_RPC_INVALID);
    assert_int_equal(m.error_code, OSR_RPC_INVALID_PARAMS);
    assert_has(m.error_message, "params must be an object");
    osr_rpc_msg_dispose(&m);
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"method\":\"n\",\"params\":[1,2]}",
                        OSR_RPC_INVALID_PARAMS);
}

static void test_params_scalar_is_invalid_request(void **state)
{
    static const char *const values[] = {"\"x\"", "1", "2.5", "true", "false", "null"};
    char text[128];

    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(values); i++) {
        snprintf(text, sizeof(text),
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":%s}", values[i]);
        expect_invalid_text(text, OSR_RPC_INVALID_REQUEST);
    }
}

static void test_response_needs_exactly_one(void **state)
{
    (void)state;
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},"
                        "\"error\":{\"code\":1,\"message\":\"m\"}}",
                        OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"id\":1}", OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":\"2.0\"}", OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"result\":{}}", OSR_RPC_INVALID_REQUEST);
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"id\":true,\"result\":{}}", OSR_RPC_INVALID_REQUEST);
}

static void test_bad_json(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "{\"jsonrpc\":\"2.0\",");
    assert_int_equal(m.kind, OSR_RPC_INVALID);
    assert_int_equal(m.error_code, OSR_RPC_PARSE_ERROR);
    assert_has(m.error_message, "Parse error");
    assert_null(m.json);
    assert_null(m.id);
    osr_rpc_msg_dispose(&m);

    expect_invalid_text("", OSR_RPC_PARSE_ERROR);
    expect_invalid_text("   ", OSR_RPC_PARSE_ERROR);
    expect_invalid_text("{'jsonrpc':'2.0'}", OSR_RPC_PARSE_ERROR);
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"method\":\"a\",}", OSR_RPC_PARSE_ERROR);
    expect_invalid_text("{\"jsonrpc\":\"2.0\"} {}", OSR_RPC_PARSE_ERROR);
    expect_invalid_text("nul", OSR_RPC_PARSE_ERROR);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}",
                        OSR_RPC_PARSE_ERROR);
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"method\":\"a\",\"method\":\"b\"}",
                        OSR_RPC_PARSE_ERROR);
    /* Nested objects too. */
    expect_invalid_text("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\","
                        "\"params\":{\"a\":1,\"a\":1}}",
                        OSR_RPC_PARSE_ERROR);
}

static void test_invalid_utf8(void **state)
{
    static const char *const bad[] = {
        "\xff",             /* never valid */
        "\xc3",             /* truncated sequence */
        "\xc0\xaf",         /* overlong '/' */
        "\xed\xa0\x80",     /* UTF-16 surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
    };
    char text[128];

    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(bad); i++) {
        int n = snprintf(text, sizeof(text), "{\"jsonrpc\":\"2.0\",\"method\":\"a%sb\"}", bad[i]);
        expect_invalid(text, (size_t)n, OSR_RPC_PARSE_ERROR);
    }
}

static void test_valid_utf8_and_nul_escape(void **state)
{
    struct osr_rpc_msg m;

    (void)state;
    parse(&m, "{\"jsonrpc\":\"2.0\",\"id\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
              "\"method\":\"m\",\"params\":{\"s\":\"a\\u0000b\"}}");
    assert_int_equal(m.kind, OSR_RPC_REQUEST);
    assert_string_equal(json_string_value(m.id), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    assert_int_equal(json_string_length(json_object_get(m.params, "s")), 3);
    osr_rpc_msg_dispose(&m);
}

static void test_top_level_scalars(void **state)
{
    static const char *const texts[] = {"\"ping\"", "42", "-1.5", "true", "false", "null"};

    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(texts); i++)
        expect_invalid_text(texts[i], OSR_RPC_INVALID_REQUEST);
}

/* ---- builders ---- */

static void test_build_result(void **state)
{
    (void)state;
    assert_built(osr_rpc_result(json_integer(1), json_pack("{s:b}", "ok", 1)),
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}");
    assert_built(osr_rpc_result(json_string("a"), NULL),
                 "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{}}");
    assert_built(osr_rpc_result(NULL, json_array()),
                 "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":[]}");
}

static void test_build_error(void **state)
{
    (void)state;
    assert_built(osr_rpc_error(json_integer(7), OSR_RPC_METHOD_NOT_FOUND, "Method not found", NULL),
                 "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32601,"
                 "\"message\":\"Method not found\"}}");
    assert_built(osr_rpc_error(NULL, OSR_RPC_PARSE_ERROR, "Parse error", NULL),
                 "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
                 "\"message\":\"Parse error\"}}");
    assert_built(osr_rpc_error(json_string("r1"), OSR_RPC_RESOURCE_NOT_FOUND, "Resource not found",
                               json_pack("{s:s}", "uri", "mem://x")),
                 "{\"jsonrpc\":\"2.0\",\"id\":\"r1\",\"error\":{\"code\":-32002,"
                 "\"message\":\"Resource not found\",\"data\":{\"uri\":\"mem://x\"}}}");
    /* Messages are escaped, not pasted. */
    assert_built(osr_rpc_error(json_integer(1), -1, "a \"quoted\"\nline", NULL),
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1,"
                 "\"message\":\"a \\\"quoted\\\"\\nline\"}}");
}

static void test_build_notification(void **state)
{
    (void)state;
    assert_built(osr_rpc_notification("notifications/initialized", NULL),
                 "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    assert_built(osr_rpc_notification("notifications/resources/updated",
                                      json_pack("{s:s}", "uri", "mem://a")),
                 "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/resources/updated\","
                 "\"params\":{\"uri\":\"mem://a\"}}");
}

static void test_build_request(void **state)
{
    (void)state;
    assert_built(osr_rpc_request(json_string("osiris-1"), "sampling/createMessage",
                                 json_pack("{s:i}", "maxTokens", 10)),
                 "{\"jsonrpc\":\"2.0\",\"id\":\"osiris-1\",\"method\":\"sampling/createMessage\","
                 "\"params\":{\"maxTokens\":10}}");
    assert_built(osr_rpc_request(json_integer(2), "ping", NULL),
                 "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
}

static void test_built_messages_classify(void **state)
{
    json_t *built[] = {
        osr_rpc_request(json_integer(4), "tools/list", json_object()),
        osr_rpc_notification("notifications/progress", json_object()),
        osr_rpc_result(json_string("x"), NULL),
        osr_rpc_error(json_integer(4), -32603, "boom", NULL),
    };
    const enum osr_rpc_kind kinds[] = {OSR_RPC_REQUEST, OSR_RPC_NOTIFICATION, OSR_RPC_RESPONSE,
                                       OSR_RPC_RESPONSE};

    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(built); i++) {
        struct osr_rpc_msg m;
        size_t len;
        char *text = osr_rpc_dump(built[i], &len);
        assert_null(strchr(text, '\n'));
        osr_rpc_parse(&m, text, len);
        assert_int_equal(m.kind, kinds[i]);
        assert_true(json_equal(m.json, built[i]));
        osr_rpc_msg_dispose(&m);
        free(text);
        json_decref(built[i]);
    }
}

static void test_dump_without_length(void **state)
{
    json_t *n = osr_rpc_notification("x", NULL);
    char *text = osr_rpc_dump(n, NULL);

    (void)state;
    assert_string_equal(text, "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}");
    free(text);
    json_decref(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_string_id),
        cmocka_unit_test(test_request_integer_id),
        cmocka_unit_test(test_unknown_members_ignored),
        cmocka_unit_test(test_notification),
        cmocka_unit_test(test_response_result),
        cmocka_unit_test(test_response_error),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_classify_takes_reference),
        cmocka_unit_test(test_parse_respects_length),
        cmocka_unit_test(test_jsonrpc_member_required),
        cmocka_unit_test(test_bad_ids),
        cmocka_unit_test(test_invalid_keeps_usable_id),
        cmocka_unit_test(test_method_must_be_string),
        cmocka_unit_test(test_params_array_is_invalid_params),
        cmocka_unit_test(test_params_scalar_is_invalid_request),
        cmocka_unit_test(test_response_needs_exactly_one),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_valid_utf8_and_nul_escape),
        cmocka_unit_test(test_top_level_scalars),
        cmocka_unit_test(test_build_result),
        cmocka_unit_test(test_build_error),
        cmocka_unit_test(test_build_notification),
        cmocka_unit_test(test_build_request),
        cmocka_unit_test(test_built_messages_classify),
        cmocka_unit_test(test_dump_without_length),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
