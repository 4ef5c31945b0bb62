/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_psk_config.c - ktla_config_set_psk() and ktla_config_set_psk_lookup():
 * the lengths and roles they refuse, and the configs that cannot build.
 * The handshakes themselves are tests/interop/check-psk's, with real peers.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "fixture.h"
#include "suites.h"

static const unsigned char key32[32] = {1, 2, 3};

static size_t no_identity(void *arg, const unsigned char *identity, size_t identity_len, unsigned char *key,
                          size_t key_size)
{
    (void)arg, (void)identity, (void)identity_len, (void)key, (void)key_size;
    return 0;
}

static void test_psk_lengths(void)
{
    static unsigned char big[KTLA_PSK_MAX_IDENTITY + 1];
    ktla_config *cfg;

    CU_ASSERT_EQUAL_FATAL(ktla_config_new_client(&cfg), 0);
    CU_ASSERT_EQUAL(ktla_config_set_psk(NULL, "id", 2, key32, 32), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, NULL, 2, key32, 32), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, "id", 2, NULL, 32), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, "id", 0, key32, 32), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, big, sizeof big, key32, 32), KTLA_E_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_error(cfg), "identity"));
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, "id", 2, key32, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, "id", 2, big, KTLA_PSK_MAX_KEY + 1), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, big, KTLA_PSK_MAX_IDENTITY, big, KTLA_PSK_MAX_KEY), 0);
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, "id", 2, key32, 32), 0);
    /* A lookup is a server's. */
    CU_ASSERT_EQUAL(ktla_config_set_psk_lookup(cfg, no_identity, NULL), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_check(cfg), 0);
    ktla_config_free(cfg);
}

/* A server with a PSK or a lookup needs no certificate; one with neither does. */
static void test_psk_server_without_certificate(void)
{
    ktla_config *cfg;
    ktla_conn *conn = NULL;

    CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
    CU_ASSERT_EQUAL(ktla_config_check(cfg), KTLA_E_CONFIG);
    CU_ASSERT_EQUAL(ktla_config_set_psk_lookup(cfg, no_identity, NULL), 0);
    CU_ASSERT_EQUAL(ktla_config_check(cfg), 0);
    CU_ASSERT_EQUAL(ktla_conn_new(cfg, &conn), 0);
    /* Frozen now, like every other setter. */
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, "id", 2, key32, 32), KTLA_E_FROZEN);
    ktla_conn_free(conn);
    ktla_config_free(cfg);
}

/* ktla offers no TLS 1.2 PSK suites: a PSK config capped at TLS 1.2 says so instead of failing every handshake. */
static void test_psk_needs_tls13(void)
{
    ktla_config *cfg;

    CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
    CU_ASSERT_EQUAL(ktla_config_set_psk(cfg, "id", 2, key32, 32), 0);
    CU_ASSERT_EQUAL(ktla_config_set_versions(cfg, KTLA_TLS_1_2, KTLA_TLS_1_2), 0);
    CU_ASSERT_EQUAL(ktla_config_check(cfg), KTLA_E_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_error(cfg), "TLS 1.3"));
    ktla_config_free(cfg);
}

int add_psk_config_suite(void)
{
    CU_pSuite s = CU_add_suite("psk config", NULL, NULL);
    return s && CU_add_test(s, "PSK identity and key lengths, lookup only on servers", test_psk_lengths) &&
                   CU_add_test(s, "a PSK server needs no certificate", test_psk_server_without_certificate) &&
                   CU_add_test(s, "a PSK config capped at TLS 1.2 does not build", test_psk_needs_tls13)
               ? 0
               : -1;
}
