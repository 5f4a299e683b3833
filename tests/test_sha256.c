/*
 * SHA-256 (src/core/sha256.c) against the FIPS 180-4 / NIST examples
 * ("abc", the empty string, the 448-bit message, a million 'a') and
 * against lengths around the padding boundary (55, 56, 63, 64 bytes) fed
 * in pieces, whose digests `sha256sum` gave (coreutils 9.1:
 * printf 'a%.0s' $(seq N) | sha256sum).
 */
#include "test_util.h"

#include <string.h>

static void hex_of(const char *s, size_t n, size_t piece, char out[65])
{
    msc_sha256 h;
    msc_sha256_init(&h);
    for (size_t i = 0; i < n; i += piece)
        msc_sha256_update(&h, s + i, n - i < piece ? n - i : piece);
    msc_sha256_hex(&h, out);
}

static void test_fips(void **state)
{
    (void)state;
    char hex[65];
    hex_of("abc", 3, 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("", 0, 1, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m448, sizeof m448 - 1, 7, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    static char million[1000000];
    memset(million, 'a', sizeof million);
    hex_of(million, sizeof million, 4096 + 13, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        const char *want;
    } t[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
    };
    char a[64], hex[65];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        for (size_t piece = 1; piece <= t[i].n; piece += 9) {
            hex_of(a, t[i].n, piece, hex);
            assert_string_equal(hex, t[i].want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips),
        cmocka_unit_test(test_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
