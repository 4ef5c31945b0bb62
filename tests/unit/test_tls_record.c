/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_tls_record.c - the tests' own record sealer/opener agrees with itself
 * and rejects tampering.  (That it agrees with the kernel is checked in the VM.)
 * And the wire numbers of lib/wire/tls_wire.h, which it and the tests share
 * with the library, checked against a source of their own: mbedTLS's names,
 * or the RFC's number where mbedTLS has no public name.
 */
#include <CUnit/CUnit.h>
#include <mbedtls/ssl.h>
#include <string.h>

#include "suites.h"
#include "tls_record.h"
#include "wire/tls_wire.h"

static int setup(void)
{
    return test_record_init();
}

static void keys_for(struct ktla__traffic_keys *k, enum ktla_tls_version v, enum ktla_cipher c, uint64_t seq)
{
    memset(k, 0, sizeof *k);
    k->version = v;
    k->cipher = c;
    for (int i = 0; i < 32; i++)
        k->key[i] = (unsigned char)(3 * i + 1);
    for (int i = 0; i < 12; i++)
        k->iv[i] = (unsigned char)(0xf0 - i);
    k->seq = seq;
}

static void test_round_trip_every_version_and_cipher(void)
{
    static const enum ktla_tls_version versions[] = {KTLA_TLS_1_2, KTLA_TLS_1_3};
    static const unsigned char msg[] = "the record layer belongs in the kernel";
    unsigned char rec[256], out[256], type = 0;

    for (int v = 0; v < 2; v++)
        for (int c = 0; c < KTLA_CIPHER_COUNT; c++) {
            struct ktla__traffic_keys k;
            long n, m;

            keys_for(&k, versions[v], (enum ktla_cipher)c, 9);
            n = test_record_seal(&k, TLS_CT_APPLICATION_DATA, msg, sizeof msg, rec, sizeof rec);
            CU_ASSERT_FATAL(n > 0);
            CU_ASSERT_EQUAL(rec[0], TLS_CT_APPLICATION_DATA);
            m = test_record_open(&k, rec, (size_t)n, out, sizeof out, &type);
            CU_ASSERT_EQUAL(m, (long)sizeof msg);
            CU_ASSERT_EQUAL(type, TLS_CT_APPLICATION_DATA);
            CU_ASSERT_EQUAL(memcmp(out, msg, sizeof msg), 0);

            rec[n - 1] ^= 1; /* tag */
            CU_ASSERT_EQUAL(test_record_open(&k, rec, (size_t)n, out, sizeof out, &type), -1);
            rec[n - 1] ^= 1;
            k.seq = 10; /* a record is bound to its sequence number */
            CU_ASSERT_EQUAL(test_record_open(&k, rec, (size_t)n, out, sizeof out, &type), -1);
        }
}

static void test_tls13_hides_content_type(void)
{
    struct ktla__traffic_keys k;
    unsigned char rec[64], out[64], type = 0;
    static const unsigned char alert[TLS_ALERT_LEN] = {TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY};
    long n;

    keys_for(&k, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, 0);
    n = test_record_seal(&k, TLS_CT_ALERT, alert, sizeof alert, rec, sizeof rec);
    CU_ASSERT_FATAL(n > 0);
    CU_ASSERT_EQUAL(rec[0], TLS_CT_APPLICATION_DATA); /* outer type is always application_data */
    CU_ASSERT_EQUAL(test_record_open(&k, rec, (size_t)n, out, sizeof out, &type), TLS_ALERT_LEN);
    CU_ASSERT_EQUAL(type, TLS_CT_ALERT);
}

static void test_malformed_records_refused(void)
{
    struct ktla__traffic_keys k;
    unsigned char rec[64] = {TLS_CT_APPLICATION_DATA, 3, 3, 0, 40}, out[64], type;

    keys_for(&k, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128, 1);
    /* a short header */
    CU_ASSERT_EQUAL(test_record_open(&k, rec, TLS_RECORD_HEADER_LEN - 1, out, sizeof out, &type), -1);
    CU_ASSERT_EQUAL(test_record_open(&k, rec, 30, out, sizeof out, &type), -1); /* length mismatch */
    rec[TLS_RECORD_LENGTH_AT + 1] = 10;
    CU_ASSERT_EQUAL(test_record_open(&k, rec, 15, out, sizeof out, &type), -1); /* shorter than nonce+tag */
}

/* A wrong number in tls_wire.h would go unseen by tests that use the same name on both sides. */
static void test_wire_numbers(void)
{
    CU_ASSERT_EQUAL(TLS_CT_CHANGE_CIPHER_SPEC, MBEDTLS_SSL_MSG_CHANGE_CIPHER_SPEC);
    CU_ASSERT_EQUAL(TLS_CT_ALERT, MBEDTLS_SSL_MSG_ALERT);
    CU_ASSERT_EQUAL(TLS_CT_HANDSHAKE, MBEDTLS_SSL_MSG_HANDSHAKE);
    CU_ASSERT_EQUAL(TLS_CT_APPLICATION_DATA, MBEDTLS_SSL_MSG_APPLICATION_DATA);
    CU_ASSERT_EQUAL(TLS_CT_HEARTBEAT, 24); /* RFC 6520 3 */
    CU_ASSERT_EQUAL(TLS_RECORD_HEADER_LEN, 5); /* RFC 8446 5.1: type, legacy_record_version, length */
    CU_ASSERT_EQUAL(TLS_RECORD_LENGTH_AT, 3);
    CU_ASSERT_EQUAL(TLS_MAX_PLAINTEXT_LEN, 1 << 14);
    CU_ASSERT_EQUAL(TLS_ALERT_LEVEL_WARNING, MBEDTLS_SSL_ALERT_LEVEL_WARNING);
    CU_ASSERT_EQUAL(TLS_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_LEVEL_FATAL);
    CU_ASSERT_EQUAL(TLS_ALERT_CLOSE_NOTIFY, MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY);
    CU_ASSERT_EQUAL(TLS_ALERT_UNEXPECTED_MESSAGE, MBEDTLS_SSL_ALERT_MSG_UNEXPECTED_MESSAGE);
    CU_ASSERT_EQUAL(TLS_ALERT_BAD_RECORD_MAC, MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC);
    CU_ASSERT_EQUAL(TLS_ALERT_RECORD_OVERFLOW, MBEDTLS_SSL_ALERT_MSG_RECORD_OVERFLOW);
    CU_ASSERT_EQUAL(TLS_ALERT_HANDSHAKE_FAILURE, MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE);
    CU_ASSERT_EQUAL(TLS_ALERT_BAD_CERTIFICATE, MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
    CU_ASSERT_EQUAL(TLS_ALERT_ILLEGAL_PARAMETER, MBEDTLS_SSL_ALERT_MSG_ILLEGAL_PARAMETER);
    CU_ASSERT_EQUAL(TLS_ALERT_DECODE_ERROR, MBEDTLS_SSL_ALERT_MSG_DECODE_ERROR);
    CU_ASSERT_EQUAL(TLS_ALERT_PROTOCOL_VERSION, MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION);
    CU_ASSERT_EQUAL(TLS_ALERT_INTERNAL_ERROR, MBEDTLS_SSL_ALERT_MSG_INTERNAL_ERROR);
    CU_ASSERT_EQUAL(TLS_ALERT_CERTIFICATE_REQUIRED, MBEDTLS_SSL_ALERT_MSG_CERT_REQUIRED);
    CU_ASSERT_EQUAL(TLS_ALERT_NO_APPLICATION_PROTOCOL, MBEDTLS_SSL_ALERT_MSG_NO_APPLICATION_PROTOCOL);
    CU_ASSERT_EQUAL(TLS_ALERT_LEN, 2);
    CU_ASSERT_EQUAL(TLS_HS_HELLO_REQUEST, MBEDTLS_SSL_HS_HELLO_REQUEST);
    CU_ASSERT_EQUAL(TLS_HS_CLIENT_HELLO, MBEDTLS_SSL_HS_CLIENT_HELLO);
    CU_ASSERT_EQUAL(TLS_HS_NEW_SESSION_TICKET, MBEDTLS_SSL_HS_NEW_SESSION_TICKET);
    CU_ASSERT_EQUAL(TLS_HS_KEY_UPDATE, 24); /* RFC 8446 4 (mbedTLS keeps its name private) */
    CU_ASSERT_EQUAL(TLS_HS_HEADER_LEN, 4);
    CU_ASSERT_EQUAL(TLS_KEY_UPDATE_LEN, 5);
    CU_ASSERT_EQUAL(TLS_KEY_UPDATE_NOT_REQUESTED, 0);
    CU_ASSERT_EQUAL(TLS_KEY_UPDATE_REQUESTED, 1);
}

int add_tls_record_suite(void)
{
    CU_pSuite s = CU_add_suite("tls_record (test helper)", setup, NULL);
    return s && CU_add_test(s, "round trip, every version and cipher", test_round_trip_every_version_and_cipher) &&
                   CU_add_test(s, "TLS 1.3 hides the content type", test_tls13_hides_content_type) &&
                   CU_add_test(s, "malformed records refused", test_malformed_records_refused) &&
                   CU_add_test(s, "the wire numbers of tls_wire.h are the RFCs'", test_wire_numbers)
               ? 0
               : -1;
}
