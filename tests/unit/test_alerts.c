/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_alerts.c - a failed handshake says why on the wire (RFC 8446 6): the
 * user-space cases where mbedTLS 3.6 itself closes silently, each made by
 * hand (tests/common/client_hello.c) and fed to ktla_accept() over
 * caller-moved I/O.  Each must end with exactly one alert record, the one
 * ktla_get_alert() reports.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "client_hello.h"
#include "refusal.h"
#include "suites.h"
#include "wire/tls_wire.h"

/* A plaintext record of 2^14 + 1 bytes: one more than RFC 8446 5.1 allows. */
static void test_oversized_plaintext(void)
{
    static unsigned char rec[TLS_RECORD_HEADER_LEN + TLS_MAX_PLAINTEXT_LEN + 1] = {TLS_CT_HANDSHAKE, 3, 1, 0x40, 0x01};
    struct refusal r;

    refusal_start(&r);
    refusal_expect(&r, refusal_feed(&r, rec, sizeof rec, 0), TLS_ALERT_RECORD_OVERFLOW);
    refusal_stop(&r);
}

/* A TLS 1.3 ClientHello with one key share; groups and share as given. */
static size_t tls13_hello(unsigned char *out, size_t cap, const uint16_t *groups, size_t n_groups, uint16_t group,
                          const unsigned char *share, size_t share_len)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303};
    struct hello_spec spec = {.legacy_version = 0x0303, .suites = suites, .n_suites = 3, .groups = groups,
                              .n_groups = n_groups, .tls13 = 1, .share_group = group, .share = share,
                              .share_len = share_len};
    return client_hello_build_spec(out, cap, &spec);
}

static void test_no_group_in_common(void)
{
    static const uint16_t grease[] = {0x0a0a}; /* a GREASE value (RFC 8701): no server has it */
    static const uint16_t suites12[] = {0xC02B, 0xC02F};
    static const unsigned char share[1] = {0};
    const struct hello_spec spec12 = {.legacy_version = 0x0303, .suites = suites12, .n_suites = 2, .groups = grease,
                                      .n_groups = 1};
    unsigned char hello[512];
    struct refusal r;
    size_t n;

    n = tls13_hello(hello, sizeof hello, grease, 1, 0x0a0a, share, sizeof share);
    refusal_start(&r);
    refusal_expect(&r, refusal_feed(&r, hello, n, 0), TLS_ALERT_HANDSHAKE_FAILURE);
    refusal_stop(&r);

    n = client_hello_build_spec(hello, sizeof hello, &spec12); /* TLS 1.2: no ECDHE group, so no suite */
    refusal_start(&r);
    refusal_expect(&r, refusal_feed(&r, hello, n, 0), TLS_ALERT_HANDSHAKE_FAILURE);
    refusal_stop(&r);
}

/* X25519 public values whose shared secret is all zeros (RFC 7748 6.1: to be refused). */
static void test_bad_x25519_share(void)
{
    static const uint16_t x25519[] = {0x001d};
    unsigned char zero[32] = {0}, one[32] = {1}, hello[512];
    const unsigned char *shares[] = {zero, one};

    for (int i = 0; i < 2; i++) {
        size_t n = tls13_hello(hello, sizeof hello, x25519, 1, 0x001d, shares[i], 32);
        struct refusal r;

        refusal_start(&r);
        refusal_expect(&r, refusal_feed(&r, hello, n, 0), TLS_ALERT_ILLEGAL_PARAMETER);
        refusal_stop(&r);
    }
}

/*
 * Records no client may send: each refused with an alert, when sent first
 * and when sent after a TLS 1.2 ClientHello, once the server has written
 * its flight (the alert still goes out in the clear there).
 */
static void test_malformed_records(void)
{
    static const uint16_t suites[] = {0xC02B};
    static const struct {
        const char *what;
        unsigned char rec[8];
        size_t len;
    } cases[] = {
        {"empty alert record", {TLS_CT_ALERT, 3, 3, 0, 0}, 5},
        {"ChangeCipherSpec of two bytes", {TLS_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 2, 1, 1}, 7},
        {"ChangeCipherSpec of value 2", {TLS_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 2}, 6},
        {"empty handshake record", {TLS_CT_HANDSHAKE, 3, 3, 0, 0}, 5},
        {"empty application data record", {TLS_CT_APPLICATION_DATA, 3, 3, 0, 0}, 5},
    };
    unsigned char hello[512];
    size_t hello_len = client_hello_build(hello, sizeof hello, 0x0303, suites, 1);

    for (int after_hello = 0; after_hello < 2; after_hello++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct refusal r;
            int rc, alert;

            refusal_start(&r);
            if (after_hello) {
                rc = refusal_feed(&r, hello, hello_len, 0);
                CU_ASSERT_EQUAL(ktla_get_error(r.conn, rc), KTLA_ERROR_WANT_READ); /* its flight went out */
            }
            rc = refusal_feed(&r, cases[i].rec, cases[i].len, 0);
            alert = ktla_get_alert(r.conn);
            printf("\n    %s%s: alert %d", cases[i].what, after_hello ? " after a ClientHello" : "", alert);
            CU_ASSERT(alert == TLS_ALERT_UNEXPECTED_MESSAGE || alert == TLS_ALERT_DECODE_ERROR);
            refusal_expect(&r, rc, -1);
            refusal_stop(&r);
        }
}

int add_alerts_suite(void)
{
    CU_pSuite s = CU_add_suite("alerts in user space: a refusal is never a silent close", NULL, NULL);
    return s && CU_add_test(s, "plaintext of 2^14 + 1 bytes: record_overflow", test_oversized_plaintext) &&
                   CU_add_test(s, "no group in common, TLS 1.3 and 1.2: handshake_failure", test_no_group_in_common) &&
                   CU_add_test(s, "all-zero and low-order X25519 shares: illegal_parameter", test_bad_x25519_share) &&
                   CU_add_test(s, "empty and malformed records: unexpected_message or decode_error",
                               test_malformed_records)
               ? 0
               : -1;
}
