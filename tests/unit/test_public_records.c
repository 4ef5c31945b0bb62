/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_public_records.c - the record helpers for ktla_install_keys()
 * callers: ktla_recv_record(), ktla_send_record(), ktla_send_alert(),
 * ktla_send_close_notify(), ktla_send_key_update(), ktla_recv_key_update().
 *
 * Everywhere: argument checks, and the answer on a socket without kTLS
 * (KTLA_E_NOKTLS, and not one byte sent in clear).  With kTLS (the test
 * VM; a skip on the host, a failure in the VM): a loopback pair with keys
 * installed on both ends by ktla_install_keys(), records of each type both
 * ways for several suites, and a TLS 1.3 KeyUpdate both ways with data
 * before and after it.  The next secret is checked against
 * tests/common/expected_keys.c (an independent key schedule), and the key
 * the kernel holds afterwards against the crypto_info derived from it.
 * Before Linux 6.14 the kernel cannot replace keys: then the test checks
 * that ktla_send_key_update() refuses before sending anything and that
 * ktla_recv_key_update() reports the kernel's EBUSY.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <linux/tls.h>
#include <netinet/tcp.h>
#include <psa/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "expected_keys.h"
#include "ktla.h"
#include "loopback.h"
#include "sample_keys.h"
#include "suites.h"
#include "test_skip.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* Wire values written out here, not taken from the library's tls_wire.h. */
enum { CT_ALERT = 21, CT_HANDSHAKE = 22, CT_DATA = 23, HS_NEW_SESSION_TICKET = 4, HS_KEY_UPDATE = 24 };
enum { ALERT_CLOSE_NOTIFY = 0, ALERT_HANDSHAKE_FAILURE = 40 };

static int setup(void)
{
    return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
}

/* Both sides' secrets, recognisable, for suite; each direction starts at its first record after the handshake. */
static void sample(struct ktla_session_keys *k, int suite)
{
    int tls13 = (suite >> 8) == 0x13;

    test_sample_session_keys(k, tls13 ? KTLA_TLS_1_3 : KTLA_TLS_1_2, suite, suite == 0x1302 ? 48 : 32);
    k->client_seq = tls13 ? 0 : 1; /* TLS 1.2: record 0 was the Finished */
    k->server_seq = tls13 ? 0 : 1;
}

/* A loopback pair with kc installed on the client end, ks on the server end; 0, or -1 after a skip or failure. */
static int ktls_pair(int suite, struct ktla_session_keys *kc, struct ktla_session_keys *ks, int *c, int *s)
{
    char why[256] = "";
    int err = test_kernel_ulp_errno();

    if (err != 0) {
        test_skip("needs kTLS (the test VM): this kernel refuses the tls ULP");
        return -1;
    }
    sample(kc, suite);
    sample(ks, suite);
    CU_ASSERT_FATAL(test_loopback_pair(c, s) == 0);
    if (ktla_install_keys(*c, 1, kc, why, sizeof why) != 0 || ktla_install_keys(*s, 0, ks, why, sizeof why) != 0) {
        fprintf(stderr, "\n    suite 0x%04x: ktla_install_keys: %s\n", (unsigned)suite, why);
        CU_FAIL("ktla_install_keys on both ends of a kTLS-capable loopback pair");
        close(*c);
        close(*s);
        return -1;
    }
    return 0;
}

/* One record of type `type` with the bytes want arrives on fd. */
static void expect_record(int fd, unsigned char type, const void *want, size_t len)
{
    unsigned char buf[64], got_type = 0;
    long n = ktla_recv_record(fd, buf, sizeof buf, &got_type, 0);

    if (n < 0)
        fprintf(stderr, "\n    ktla_recv_record: %s (%s)\n", ktla_err_name((int)n), strerror(errno));
    CU_ASSERT_EQUAL(n, (long)len);
    CU_ASSERT_EQUAL(got_type, type);
    CU_ASSERT(n == (long)len && memcmp(buf, want, len) == 0);
}

/* Nothing at all waits on fd: neither a record nor clear bytes. */
static void expect_nothing(int fd)
{
    unsigned char b;

    CU_ASSERT_EQUAL(recv(fd, &b, 1, MSG_DONTWAIT), -1);
    CU_ASSERT(errno == EAGAIN || errno == EWOULDBLOCK);
}

static void test_bad_arguments(void)
{
    static const unsigned char key_update[5] = {HS_KEY_UPDATE, 0, 0, 1, 0};
    struct ktla_session_keys k;
    unsigned char buf[8], type;
    char why[160];

    sample(&k, 0x1301);
    CU_ASSERT_EQUAL(ktla_recv_record(-1, buf, sizeof buf, &type, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_recv_record(0, NULL, sizeof buf, &type, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_recv_record(0, buf, 0, &type, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_recv_record(0, buf, sizeof buf, NULL, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_recv_record(0, buf, sizeof buf, &type, MSG_WAITALL), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_record(-1, CT_DATA, buf, 1), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_record(0, 20 /* change_cipher_spec */, buf, 1), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_record(0, CT_DATA, NULL, 1), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_record(0, CT_DATA, buf, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_record(0, CT_DATA, buf, 16385), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_alert(-1, KTLA_ALERT_FATAL, 40), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_alert(0, 3, 40), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_close_notify(-1), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_key_update(0, 1, NULL, 0, why, sizeof why), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_send_key_update(0, 1, &k, 2, why, sizeof why), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_recv_key_update(0, 1, &k, NULL, 5, NULL, 0), KTLA_E_INVAL);
    sample(&k, 0xC02B);
    CU_ASSERT_EQUAL(ktla_send_key_update(0, 1, &k, 0, why, sizeof why), KTLA_E_INVAL);
    CU_ASSERT(strstr(why, "TLS 1.3") != NULL);
    CU_ASSERT_EQUAL(ktla_recv_key_update(0, 1, &k, key_update, sizeof key_update, why, sizeof why), KTLA_E_INVAL);
    sample(&k, 0x1301);
    k.secret_len = 48; /* SHA-256 suite */
    CU_ASSERT_EQUAL(ktla_send_key_update(0, 1, &k, 0, why, sizeof why), KTLA_E_INVAL);
    CU_ASSERT(strstr(why, "secret_len") != NULL);
}

/* A malformed KeyUpdate is the peer's fault: KTLA_E_TLS naming the alert, and the keys untouched. */
static void test_malformed_key_update(void)
{
    static const struct {
        unsigned char msg[6];
        size_t len;
        const char *alert;
    } bad[] = {
        {{HS_KEY_UPDATE, 0, 0, 1}, 4, "decode_error"},
        {{HS_KEY_UPDATE, 0, 0, 1, 0, 0}, 6, "decode_error"},
        {{HS_KEY_UPDATE, 0, 0, 2, 0}, 5, "decode_error"},
        {{HS_NEW_SESSION_TICKET, 0, 0, 1, 0}, 5, "decode_error"},
        {{HS_KEY_UPDATE, 0, 0, 1, 2}, 5, "illegal_parameter"},
    };
    struct ktla_session_keys k, before;
    char why[160];

    sample(&k, 0x1301);
    before = k;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(ktla_recv_key_update(0, 1, &k, bad[i].msg, bad[i].len, why, sizeof why), KTLA_E_TLS);
        CU_ASSERT(strstr(why, bad[i].alert) != NULL);
    }
    CU_ASSERT(memcmp(&k, &before, sizeof k) == 0);
}

/* A plain TCP pair: every call answers KTLA_E_NOKTLS and the peer receives nothing (no record type in clear). */
static void test_no_ktls(void)
{
    static const unsigned char key_update[5] = {HS_KEY_UPDATE, 0, 0, 1, 1};
    struct ktla_session_keys k;
    unsigned char buf[16], type = 0;
    char why[160];
    int c, s;

    sample(&k, 0x1301);
    CU_ASSERT_FATAL(test_loopback_pair(&c, &s) == 0);
    CU_ASSERT_EQUAL(write(s, "clear", 5), 5);
    CU_ASSERT_EQUAL(ktla_recv_record(c, buf, sizeof buf, &type, MSG_DONTWAIT), KTLA_E_NOKTLS);
    CU_ASSERT_EQUAL(recv(c, buf, sizeof buf, MSG_DONTWAIT), 5); /* left in the socket, not consumed */
    CU_ASSERT_EQUAL(ktla_send_record(c, CT_HANDSHAKE, "ticket", 6), KTLA_E_NOKTLS);
    CU_ASSERT_EQUAL(ktla_send_record(c, CT_DATA, "data", 4), KTLA_E_NOKTLS);
    CU_ASSERT_EQUAL(ktla_send_alert(c, KTLA_ALERT_FATAL, ALERT_HANDSHAKE_FAILURE), KTLA_E_NOKTLS);
    CU_ASSERT_EQUAL(ktla_send_close_notify(c), KTLA_E_NOKTLS);
    CU_ASSERT_EQUAL(ktla_send_key_update(c, 1, &k, 1, why, sizeof why), KTLA_E_NOKTLS);
    CU_ASSERT_EQUAL(ktla_recv_key_update(c, 1, &k, key_update, sizeof key_update, why, sizeof why), KTLA_E_NOKTLS);
    expect_nothing(s);
    close(c);
    close(s);
}

/* Records of each type both ways through the kernel, for suites of both versions. */
static void test_records_each_type(void)
{
    static const int suites[] = {0x1301, 0x1302, 0x1303, 0x1304, 0xC02B, 0xCCA9};
    static const unsigned char ticket[] = {HS_NEW_SESSION_TICKET, 0, 0, 3, 'a', 'b', 'c'};
    static const unsigned char fatal[] = {KTLA_ALERT_FATAL, ALERT_HANDSHAKE_FAILURE};
    static const unsigned char close_notify[] = {KTLA_ALERT_WARNING, ALERT_CLOSE_NOTIFY};
    struct ktla_session_keys kc, ks;
    int c, s;

    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (ktls_pair(suites[i], &kc, &ks, &c, &s) != 0)
            return;
        CU_ASSERT_EQUAL(send(c, "plain send", 10, 0), 10); /* data needs no helper */
        expect_record(s, CT_DATA, "plain send", 10);
        CU_ASSERT_EQUAL(ktla_send_record(s, CT_DATA, "typed data", 10), 0);
        expect_record(c, CT_DATA, "typed data", 10);
        CU_ASSERT_EQUAL(ktla_send_record(s, CT_HANDSHAKE, ticket, sizeof ticket), 0);
        expect_record(c, CT_HANDSHAKE, ticket, sizeof ticket);
        CU_ASSERT_EQUAL(ktla_send_alert(c, KTLA_ALERT_FATAL, ALERT_HANDSHAKE_FAILURE), 0);
        expect_record(s, CT_ALERT, fatal, sizeof fatal);
        CU_ASSERT_EQUAL(ktla_send_close_notify(s), 0);
        expect_record(c, CT_ALERT, close_notify, sizeof close_notify);
        close(c);
        close(s);
    }
}

/* 1 if this kernel replaces kTLS keys (Linux 6.14 and later). */
static int kernel_rekeys(void)
{
    struct utsname uts;
    unsigned major = 0, minor = 0;

    CU_ASSERT_FATAL(uname(&uts) == 0 && sscanf(uts.release, "%u.%u", &major, &minor) == 2);
    return major > 6 || (major == 6 && minor >= 14);
}

/* The crypto_info the kernel holds for dir equals the one derived independently from secret at seq. */
static void expect_kernel_key(int fd, int optname, int suite, const unsigned char *secret, size_t secret_len,
                              unsigned long long seq)
{
    unsigned char want[64], got[64];
    size_t want_len = expected_tls13_info(suite, secret, secret_len, seq, want, sizeof want);
    socklen_t got_len = (socklen_t)want_len;

    CU_ASSERT_FATAL(want_len > 0);
    CU_ASSERT_EQUAL(getsockopt(fd, SOL_TLS, optname, got, &got_len), 0);
    CU_ASSERT_EQUAL(got_len, want_len);
    CU_ASSERT(memcmp(got, want, want_len) == 0);
}

/* The peer's KeyUpdate message arrives on fd; ktla_recv_key_update() takes it. Returns its answer. */
static int take_key_update(int fd, int is_client, struct ktla_session_keys *k)
{
    unsigned char msg[16], type = 0;
    char why[256] = "";
    long n = ktla_recv_record(fd, msg, sizeof msg, &type, 0);
    int rc;

    CU_ASSERT_EQUAL(type, CT_HANDSHAKE);
    CU_ASSERT_EQUAL(n, 5);
    if (n != 5)
        return -1;
    rc = ktla_recv_key_update(fd, is_client, k, msg, (size_t)n, why, sizeof why);
    if (rc < 0)
        fprintf(stderr, "\n    ktla_recv_key_update: %s: %s\n", ktla_err_name(rc), why);
    return rc;
}

static void rekey_both_ways(int suite)
{
    struct ktla_session_keys kc, ks;
    unsigned char next_client[48], next_server[48];
    char why[256] = "";
    int c, s;

    if (ktls_pair(suite, &kc, &ks, &c, &s) != 0)
        return;
    CU_ASSERT_FATAL(expected_tls13_next_secret(suite, kc.client_secret, kc.secret_len, next_client) > 0);
    CU_ASSERT_FATAL(expected_tls13_next_secret(suite, kc.server_secret, kc.secret_len, next_server) > 0);
    /* The client writes under the old key, updates and asks the server to update too, then writes on. */
    CU_ASSERT_EQUAL(send(c, "before-c", 8, 0), 8);
    CU_ASSERT_EQUAL(send(s, "before-s", 8, 0), 8);
    CU_ASSERT_EQUAL(ktla_send_key_update(c, 1, &kc, 1, why, sizeof why), 0);
    CU_ASSERT(memcmp(kc.client_secret, next_client, kc.secret_len) == 0);
    CU_ASSERT_EQUAL(kc.client_seq, 0);
    CU_ASSERT_EQUAL(send(c, "after-c", 7, 0), 7);
    expect_kernel_key(c, TLS_TX, suite, next_client, kc.secret_len, 1);
    /* The server reads the old data, takes the update (asked for an answer), answers, writes on. */
    expect_record(s, CT_DATA, "before-c", 8);
    CU_ASSERT_EQUAL(take_key_update(s, 0, &ks), 1);
    CU_ASSERT(memcmp(ks.client_secret, next_client, ks.secret_len) == 0);
    expect_record(s, CT_DATA, "after-c", 7);
    CU_ASSERT_EQUAL(ktla_send_key_update(s, 0, &ks, 0, why, sizeof why), 0);
    CU_ASSERT(memcmp(ks.server_secret, next_server, ks.secret_len) == 0);
    CU_ASSERT_EQUAL(send(s, "after-s", 7, 0), 7);
    /* The client reads the server's old data, its update (no answer wanted), and the new data. */
    expect_record(c, CT_DATA, "before-s", 8);
    CU_ASSERT_EQUAL(take_key_update(c, 1, &kc), 0);
    CU_ASSERT(memcmp(kc.server_secret, next_server, kc.secret_len) == 0);
    expect_record(c, CT_DATA, "after-s", 7);
    expect_kernel_key(c, TLS_RX, suite, next_server, kc.secret_len, 1);
    close(c);
    close(s);
}

/* Before 6.14: sending refuses before a byte goes out; a received KeyUpdate gets the kernel's EBUSY, said. */
static void rekey_refused(int suite)
{
    static const unsigned char key_update[5] = {HS_KEY_UPDATE, 0, 0, 1, 0};
    struct ktla_session_keys kc, ks, before;
    char why[256] = "";
    int c, s, rc;

    if (ktls_pair(suite, &kc, &ks, &c, &s) != 0)
        return;
    before = kc;
    CU_ASSERT_EQUAL(ktla_send_key_update(c, 1, &kc, 0, why, sizeof why), KTLA_E_UNSUPPORTED);
    CU_ASSERT(strstr(why, "6.14") != NULL && strstr(why, "nothing was sent") != NULL);
    CU_ASSERT(memcmp(&kc, &before, sizeof kc) == 0);
    CU_ASSERT_EQUAL(send(c, "still old key", 13, 0), 13);
    expect_record(s, CT_DATA, "still old key", 13); /* no KeyUpdate came first */
    /* The KeyUpdate message by hand, as a peer on a newer kernel would send it. */
    CU_ASSERT_EQUAL(ktla_send_record(c, CT_HANDSHAKE, key_update, sizeof key_update), 0);
    rc = take_key_update(s, 0, &ks);
    CU_ASSERT_EQUAL(rc, KTLA_E_SYSCALL);
    CU_ASSERT_EQUAL(errno, EBUSY);
    close(c);
    close(s);
}

static void test_key_update_both_ways(void)
{
    static const int suites[] = {0x1301, 0x1302, 0x1303};

    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (test_kernel_ulp_errno() != 0) {
            test_skip("needs kTLS (the test VM): this kernel refuses the tls ULP");
            return;
        }
        if (kernel_rekeys())
            rekey_both_ways(suites[i]);
        else
            rekey_refused(suites[i]);
    }
}

int add_public_records_suite(void)
{
    CU_pSuite s = CU_add_suite("public_records", setup, NULL);

    return s && CU_add_test(s, "bad arguments: INVAL before the socket", test_bad_arguments) &&
                   CU_add_test(s, "malformed KeyUpdate: TLS error naming the alert, keys untouched",
                               test_malformed_key_update) &&
                   CU_add_test(s, "socket without kTLS: NOKTLS, nothing sent or read", test_no_ktls) &&
                   CU_add_test(s, "kTLS pair: data, handshake, alert, close_notify both ways, 6 suites",
                               test_records_each_type) &&
                   CU_add_test(s, "kTLS pair: TLS 1.3 KeyUpdate both ways, data before and after (refused < 6.14)",
                               test_key_update_both_ways)
               ? 0
               : -1;
}
