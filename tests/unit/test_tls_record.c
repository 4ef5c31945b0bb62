/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_tls_record.c - the tests' own record sealer/opener agrees with itself
 * and rejects tampering.  (That it agrees with the kernel is checked in the VM.)
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "suites.h"
#include "tls_record.h"

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
            n = test_record_seal(&k, 23, msg, sizeof msg, rec, sizeof rec);
            CU_ASSERT_FATAL(n > 0);
            CU_ASSERT_EQUAL(rec[0], 23);
            m = test_record_open(&k, rec, (size_t)n, out, sizeof out, &type);
            CU_ASSERT_EQUAL(m, (long)sizeof msg);
            CU_ASSERT_EQUAL(type, 23);
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
    static const unsigned char alert[2] = {1, 0};
    long n;

    keys_for(&k, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, 0);
    n = test_record_seal(&k, 21, alert, sizeof alert, rec, sizeof rec);
    CU_ASSERT_FATAL(n > 0);
    CU_ASSERT_EQUAL(rec[0], 23); /* outer type is always application_data */
    CU_ASSERT_EQUAL(test_record_open(&k, rec, (size_t)n, out, sizeof out, &type), 2);
    CU_ASSERT_EQUAL(type, 21);
}

static void test_malformed_records_refused(void)
{
    struct ktla__traffic_keys k;
    unsigned char rec[64] = {23, 3, 3, 0, 40}, out[64], type;

    keys_for(&k, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128, 1);
    CU_ASSERT_EQUAL(test_record_open(&k, rec, 4, out, sizeof out, &type), -1);  /* short header */
    CU_ASSERT_EQUAL(test_record_open(&k, rec, 30, out, sizeof out, &type), -1); /* length mismatch */
    rec[4] = 10;
    CU_ASSERT_EQUAL(test_record_open(&k, rec, 15, out, sizeof out, &type), -1); /* shorter than nonce+tag */
}

int add_tls_record_suite(void)
{
    CU_pSuite s = CU_add_suite("tls_record (test helper)", setup, NULL);
    return s && CU_add_test(s, "round trip, every version and cipher", test_round_trip_every_version_and_cipher) &&
                   CU_add_test(s, "TLS 1.3 hides the content type", test_tls13_hides_content_type) &&
                   CU_add_test(s, "malformed records refused", test_malformed_records_refused)
               ? 0
               : -1;
}
