/*
 * test_sha256.c - SHA-256 against the FIPS 180-4 test vectors, and incremental updates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/sha256.h"

static void test_vectors(void **state)
{
    char hex[65];
    char *million = malloc(1000000);

    (void)state;
    osr_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    osr_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    osr_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    memset(million, 'a', 1000000);
    osr_sha256_hex(million, 1000000, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

static void test_incremental(void **state)
{
    const char *text = "The quick brown fox jumps over the lazy dog, repeatedly, for a while.";
    unsigned char a[32], b[32];
    struct osr_sha256 c;

    (void)state;
    osr_sha256_init(&c);
    osr_sha256_update(&c, text, strlen(text));
    osr_sha256_final(&c, a);
    osr_sha256_init(&c);
    for (size_t i = 0; text[i]; i++)
        osr_sha256_update(&c, text + i, 1);
    osr_sha256_final(&c, b);
    assert_memory_equal(a, b, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_incremental),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
