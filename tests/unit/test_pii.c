/*
 * test_pii.c - personal data redaction (core/pii.h): what is replaced, what is kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/pii.h"

static void expect(const char *in, const char *want, size_t want_count)
{
    size_t n = 0;
    char *out = osr_pii_redact(in, &n);

    if (strcmp(out, want) != 0 || n != want_count)
        fail_msg("'%s' -> '%s' (%zu), wanted '%s' (%zu)", in, out, n, want, want_count);
    free(out);
}

static void test_each_kind(void **state)
{
    (void)state;
    expect("write to jane.doe+x@example.co.uk today", "write to [EMAIL] today", 1);
    expect("IBAN DE89 3704 0044 0532 0130 00 on file", "IBAN [IBAN] on file", 1);
    expect("card 4111 1111 1111 1111 exp", "card [CARD] exp", 1);
    expect("card 4111-1111-1111-1111", "card [CARD]", 1);
    expect("from 192.168.10.4 and 2001:db8:85a3::8a2e:370:7334", "from [IP] and [IP]", 2);
    expect("call +44 20 7946 0958 now", "call [PHONE] now", 1);
    expect("dsn postgresql://etl:hunter2@db/x", "dsn postgresql://etl:***MASKED***@db/x", 1);
}

static void test_kept(void **state)
{
    (void)state;
    /* Not a valid card (Luhn), too short for a phone, ordinary numbers and dates. */
    expect("order 4111 1111 1111 1112 shipped", "order 4111 1111 1111 1112 shipped", 0);
    expect("42 rows on 2024-01-01, id 12345", "42 rows on 2024-01-01, id 12345", 0);
    expect("version 1.2.3 of the tool", "version 1.2.3 of the tool", 0);
    expect("std::vector at 12:30:45", "std::vector at 12:30:45", 0);
    expect("build 10.1.2.3.4 ok", "build 10.1.2.3.4 ok", 0);
}

static void test_json(void **state)
{
    json_t *v = json_pack("{s:s, s:s, s:[s, {s:s}], s:i}", "note", "mail bob@example.com",
                          "api_key", "k-123", "list", "ip 10.0.0.1", "password", "pw", "rows", 5);
    char *s;

    (void)state;
    assert_int_equal(osr_pii_redact_json(v), 4);
    s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"api_key\":\"***MASKED***\",\"list\":[\"ip [IP]\",{\"password\":"
                           "\"***MASKED***\"}],\"note\":\"mail [EMAIL]\",\"rows\":5}");
    free(s);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_kind),
        cmocka_unit_test(test_kept),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
