/* SPDX-License-Identifier: Apache-2.0 */
/* test_config.c - ktla_config: what it refuses, and that it freezes once shared. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "suites.h"

static void test_needs_a_certificate(void)
{
    ktla_config *cfg;
    ktla_conn *conn = NULL;

    CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
    CU_ASSERT_EQUAL(ktla_conn_new(cfg, &conn), KTLA_E_CONFIG);
    CU_ASSERT_PTR_NULL(conn);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_error(cfg), "no certificate"));
    ktla_config_free(cfg);
}

static void test_bad_certificates(void)
{
    ktla_config *cfg;
    char crt[512], key[512];

    CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
    CU_ASSERT_EQUAL(ktla_config_add_cert_file(cfg, "/nonexistent.crt", "/nonexistent.key", NULL), KTLA_E_CERT);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_error(cfg), "/nonexistent.crt"));
    CU_ASSERT_EQUAL(fixture_add_cert(cfg, "rsa1024"), KTLA_E_CERT);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_error(cfg), "2048"));
    /* the P-256 certificate with the RSA key */
    snprintf(crt, sizeof crt, "%s/ecdsa-p256.crt", TEST_DATA_DIR);
    snprintf(key, sizeof key, "%s/rsa2048.key", TEST_DATA_DIR);
    CU_ASSERT_EQUAL(ktla_config_add_cert_file(cfg, crt, key, NULL), KTLA_E_CERT);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_error(cfg), "does not belong"));
    CU_ASSERT_EQUAL(ktla_config_add_cert_mem(cfg, "garbage", 7, "garbage", 7, NULL), KTLA_E_CERT);
    CU_ASSERT_EQUAL(ktla_config_add_cert_mem(cfg, NULL, 0, NULL, 0, NULL), KTLA_E_INVAL);
    ktla_config_free(cfg);
}

static void test_cert_from_memory(void)
{
    ktla_config *cfg;
    char path[512], crt[4096], key[4096];
    size_t nc, nk;
    FILE *f;

    snprintf(path, sizeof path, "%s/ecdsa-p256.crt", TEST_DATA_DIR);
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    nc = fread(crt, 1, sizeof crt, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/ecdsa-p256.key", TEST_DATA_DIR);
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    nk = fread(key, 1, sizeof key, f);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
    /* not NUL-terminated: the lengths are what count */
    CU_ASSERT_EQUAL(ktla_config_add_cert_mem(cfg, crt, nc, key, nk, NULL), 0);
    ktla_config_free(cfg);
}

/* DER in memory, as the kernel keyring holds certificates and keys: exact lengths, no PEM's NUL. */
static void test_cert_from_der(void)
{
    static const char *const pairs[][2] = {
        {"ecdsa-p256.crt.der", "ecdsa-p256.key.pkcs8.der"},
        {"rsa2048.crt.der", "rsa2048.key.pkcs1.der"},
    };
    char path[512], crt[4096], key[4096];
    ktla_config *cfg;
    size_t nc, nk;
    FILE *f;

    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, pairs[i][0]);
        f = fopen(path, "rb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        nc = fread(crt, 1, sizeof crt, f);
        fclose(f);
        snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, pairs[i][1]);
        f = fopen(path, "rb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        nk = fread(key, 1, sizeof key, f);
        fclose(f);
        CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
        CU_ASSERT_EQUAL(ktla_config_add_cert_mem(cfg, crt, nc, key, nk, NULL), 0);
        /* A truncated DER key is refused, not read past its end. */
        CU_ASSERT_EQUAL(ktla_config_add_cert_mem(cfg, crt, nc, key, nk - 1, NULL), KTLA_E_CERT);
        ktla_config_free(cfg);
    }
}

static void test_setter_arguments(void)
{
    static const enum ktla_cipher twice[] = {KTLA_CIPHER_AES_GCM_128, KTLA_CIPHER_AES_GCM_128};
    static const enum ktla_group bad_group[] = {(enum ktla_group)0x0019};
    static const char *const empty_alpn[] = {""};
    ktla_config *cfg;

    CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
    CU_ASSERT_EQUAL(ktla_config_set_versions(cfg, KTLA_TLS_1_3, KTLA_TLS_1_2), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_versions(cfg, (enum ktla_tls_version)0x0302, KTLA_TLS_1_3), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_ciphers(cfg, twice, 2), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_ciphers(cfg, twice, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_groups(cfg, bad_group, 1), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_alpn(cfg, empty_alpn, 1), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_tickets(cfg, 1, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_ticket_key_file(cfg, "/nonexistent"), KTLA_E_PARSE);
    CU_ASSERT_EQUAL(ktla_config_set_client_auth(cfg, KTLA_CLIENT_AUTH_REQUIRED, NULL), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_offload(cfg, (enum ktla_offload_policy)7), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_versions(NULL, KTLA_TLS_1_2, KTLA_TLS_1_3), KTLA_E_INVAL);
    ktla_config_free(cfg);
}

static void test_frozen_once_shared(void)
{
    ktla_config *cfg = fixture_config("ecdsa-p256");
    ktla_conn *conn;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(cfg, &conn), 0);
    CU_ASSERT_EQUAL(ktla_config_set_tickets(cfg, 0, 0), KTLA_E_FROZEN);
    CU_ASSERT_EQUAL(fixture_add_cert(cfg, "rsa2048"), KTLA_E_FROZEN);
    CU_ASSERT_EQUAL(ktla_set_fd(conn, -1), KTLA_E_INVAL);
    ktla_conn_free(conn);
    ktla_config_free(cfg);
}

static void test_no_suite_left(void)
{
    static const enum ktla_cipher ccm[] = {KTLA_CIPHER_AES_CCM_128};
    ktla_config *cfg = fixture_config("rsa2048");
    ktla_conn *conn = NULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    /* TLS 1.2 AES-CCM exists only with ECDSA, but the suite list is built from ciphers and versions alone. */
    CU_ASSERT_EQUAL(ktla_config_set_ciphers(cfg, ccm, 1), 0);
    CU_ASSERT_EQUAL(ktla_conn_new(cfg, &conn), 0);
    ktla_conn_free(conn);
    ktla_config_free(cfg);
}

int add_config_suite(void)
{
    CU_pSuite s = CU_add_suite("config", NULL, NULL);
    return s && CU_add_test(s, "a connection needs a certificate", test_needs_a_certificate) &&
                   CU_add_test(s, "bad certificates and keys refused with reasons", test_bad_certificates) &&
                   CU_add_test(s, "certificate from memory", test_cert_from_memory) &&
                   CU_add_test(s, "certificate and key from memory, DER", test_cert_from_der) &&
                   CU_add_test(s, "setters refuse bad arguments", test_setter_arguments) &&
                   CU_add_test(s, "frozen once a connection exists", test_frozen_once_shared) &&
                   CU_add_test(s, "cipher list narrowed to one cipher", test_no_suite_left)
               ? 0
               : -1;
}
