/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bad_input.c - what a client can throw at ktla_accept(): garbage,
 * plain HTTP, SSL 2.0 and TLS 1.0/1.1 hellos, no usable suite, truncated and
 * oversized records, and a client that vanishes at every step.  Each must
 * give the right return value, error class and alert, and nothing worse;
 * each refusal puts exactly one alert on the wire (test_alerts.c has the
 * malformed records and key shares).
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "client_hello.h"
#include "refusal.h"
#include "suites.h"
#include "wire/tls_wire.h"

static void test_garbage(void)
{
    struct refusal r;
    unsigned char junk[64];

    memset(junk, 0xff, sizeof junk);
    refusal_start(&r);
    refusal_expect(&r, refusal_feed(&r, junk, sizeof junk, 1), -1);
    refusal_stop(&r);
}

static void test_plain_http(void)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n";
    struct refusal r;

    refusal_start(&r);
    refusal_expect(&r, refusal_feed(&r, req, sizeof req - 1, 0), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), "plain HTTP"));
    refusal_stop(&r);
}

/* SSL 2.0 framing: refused with protocol_version, and a reason that says what it was. */
static void test_sslv2_hello(void)
{
    unsigned char hello[128];
    size_t n = client_hello_sslv2(hello, sizeof hello);
    struct refusal r;

    refusal_start(&r);
    refusal_expect(&r, refusal_feed(&r, hello, n, 0), TLS_ALERT_PROTOCOL_VERSION);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), "SSL 2.0"));
    refusal_stop(&r);
}

static void test_old_versions(void)
{
    static const uint16_t suites[] = {0xC009, 0xC013, 0x002F};
    static const uint16_t versions[] = {0x0301, 0x0302};

    for (int i = 0; i < 2; i++) {
        unsigned char hello[512];
        size_t n = client_hello_build(hello, sizeof hello, versions[i], suites, 3);
        struct refusal r;

        refusal_start(&r);
        refusal_expect(&r, refusal_feed(&r, hello, n, 0), TLS_ALERT_PROTOCOL_VERSION);
        refusal_stop(&r);
    }
}

static void test_only_unknown_suites(void)
{
    /* AES-CBC with SHA-1/SHA-256 and CCM-8: real suites, none the kernel can take. */
    static const uint16_t suites[] = {0x002F, 0x0035, 0xC023, 0xC0AE};
    unsigned char hello[512];
    size_t n = client_hello_build(hello, sizeof hello, 0x0303, suites, 4);
    struct refusal r;

    refusal_start(&r);
    refusal_expect(&r, refusal_feed(&r, hello, n, 0), TLS_ALERT_HANDSHAKE_FAILURE);
    refusal_stop(&r);
}

static void test_truncated_hello(void)
{
    static const uint16_t suites[] = {0xC02B};
    unsigned char hello[512];
    size_t n = client_hello_build(hello, sizeof hello, 0x0303, suites, 1);
    struct refusal r;
    int rc;

    refusal_start(&r);
    rc = refusal_feed(&r, hello, n / 2, 0);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, rc), KTLA_ERROR_WANT_READ); /* waiting, not failing */
    rc = refusal_feed(&r, "", 0, 1);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, rc), KTLA_ERROR_SYSCALL);
    CU_ASSERT_EQUAL(ktla_get_errno(r.conn), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), "closed"));
    refusal_stop(&r);
}

static void test_oversized_record(void)
{
    /* claims 18433 bytes: over 2^14 + 2048 */
    unsigned char rec[TLS_RECORD_HEADER_LEN + 300] = {TLS_CT_HANDSHAKE, 3, 3, 0x48, 0x01};
    struct refusal r;

    refusal_start(&r);
    refusal_expect(&r, refusal_feed(&r, rec, sizeof rec, 0), TLS_ALERT_RECORD_OVERFLOW);
    refusal_stop(&r);
}

/* The client stops after k of its handshake steps and closes: every k ends cleanly. */
static void test_client_vanishes_at_every_step(void)
{
    int finished = 0, vanished = 0;

    for (int k = 0; k < 64 && !finished; k++) {
        for (int version = 0x0303; version <= 0x0304; version++) {
            struct refusal r;
            struct mbed_client cli;
            int srv = -1, c = MBEDTLS_ERR_SSL_WANT_READ;

            refusal_start(&r);
            CU_ASSERT_EQUAL_FATAL(mbed_client_init(&cli, version, 0, NULL, NULL), 0);
            mbedtls_ssl_set_bio(&cli.ssl, &r.link, mem_link_client_send, mem_link_client_recv, NULL);
            for (int step = 0; step < k && c != 0; step++) {
                c = mbedtls_ssl_handshake(&cli.ssl);
                srv = ktla_accept(r.conn);
            }
            r.link.c2s.closed = 1;
            for (int i = 0; i < 100; i++) {
                srv = ktla_accept(r.conn);
                if (srv >= 0 || ktla_get_error(r.conn, srv) != KTLA_ERROR_WANT_READ)
                    break;
            }
            if (srv == 1) {
                finished += version == 0x0304;
            } else {
                enum ktla_error e = ktla_get_error(r.conn, srv);
                CU_ASSERT_EQUAL(srv, -1);
                CU_ASSERT(e == KTLA_ERROR_SYSCALL || e == KTLA_ERROR_TLS);
                CU_ASSERT(strlen(ktla_get_reason(r.conn)) > 0);
                vanished++;
            }
            mbed_client_free(&cli);
            refusal_stop(&r);
        }
    }
    CU_ASSERT(vanished >= 4); /* the loop really cut handshakes short */
}

int add_bad_input_suite(void)
{
    CU_pSuite s = CU_add_suite("bad input to ktla_accept", NULL, NULL);
    return s && CU_add_test(s, "garbage", test_garbage) &&
                   CU_add_test(s, "plain HTTP on the TLS port", test_plain_http) &&
                   CU_add_test(s, "SSL 2.0 ClientHello: protocol_version", test_sslv2_hello) &&
                   CU_add_test(s, "TLS 1.0 and 1.1 ClientHello: protocol_version", test_old_versions) &&
                   CU_add_test(s, "only suites the kernel cannot take: handshake_failure", test_only_unknown_suites) &&
                   CU_add_test(s, "truncated ClientHello then EOF", test_truncated_hello) &&
                   CU_add_test(s, "oversized record: record_overflow", test_oversized_record) &&
                   CU_add_test(s, "client vanishes at every step", test_client_vanishes_at_every_step)
               ? 0
               : -1;
}
