/* SPDX-License-Identifier: Apache-2.0 */
/* test_error.c - the error table: every code has a distinct name and a message. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <string.h>

#include "ktla.h"
#include "suites.h"

static const int codes[] = {
#define X(name, value, msg) KTLA_E_##name,
    KTLA_STATUS_MAP(X)
#undef X
};
#define N_CODES (sizeof codes / sizeof codes[0])

static void test_names_and_messages(void)
{
    for (size_t i = 0; i < N_CODES; i++) {
        CU_ASSERT(codes[i] < 0);
        CU_ASSERT_STRING_NOT_EQUAL(ktla_err_name(codes[i]), "UNKNOWN");
        CU_ASSERT_STRING_NOT_EQUAL(ktla_strerror(codes[i]), "unknown ktla error code");
        for (size_t j = 0; j < i; j++) {
            CU_ASSERT_NOT_EQUAL(codes[i], codes[j]);
            CU_ASSERT_STRING_NOT_EQUAL(ktla_err_name(codes[i]), ktla_err_name(codes[j]));
        }
    }
    CU_ASSERT_STRING_EQUAL(ktla_err_name(KTLA_E_NOKTLS), "NOKTLS");
}

static void test_unknown_and_success(void)
{
    CU_ASSERT_STRING_EQUAL(ktla_err_name(0), "OK");
    CU_ASSERT_STRING_EQUAL(ktla_strerror(0), "success");
    CU_ASSERT_STRING_EQUAL(ktla_err_name(-9999), "UNKNOWN");
    CU_ASSERT_STRING_EQUAL(ktla_strerror(12345), "unknown ktla error code");
}

static void test_names_of_versions_and_ciphers(void)
{
    CU_ASSERT_STRING_EQUAL(ktla_cipher_name(KTLA_CIPHER_CHACHA20_POLY1305), "ChaCha20-Poly1305");
    CU_ASSERT_STRING_EQUAL(ktla_cipher_name(KTLA_CIPHER_COUNT), "unknown");
    CU_ASSERT_STRING_EQUAL(ktla_tls_version_name(KTLA_TLS_1_2), "TLS1.2");
    CU_ASSERT_STRING_EQUAL(ktla_tls_version_name((enum ktla_tls_version)0x0302), "unknown");
    CU_ASSERT_STRING_EQUAL(ktla_library_version(), PACKAGE_VERSION);
}

int add_error_suite(void)
{
    CU_pSuite s = CU_add_suite("error", NULL, NULL);
    return s && CU_add_test(s, "names and messages", test_names_and_messages) &&
                   CU_add_test(s, "unknown codes and success", test_unknown_and_success) &&
                   CU_add_test(s, "version and cipher names", test_names_of_versions_and_ciphers)
               ? 0
               : -1;
}
