/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_install_keys.c - ktla_install_keys(), with setsockopt replaced
 * (ktla__setsockopt): which secret and sequence number go to TX and which
 * to RX for a client and for a server, in TLS 1.2 and 1.3; a suite the
 * kernel cannot take never reaches the socket; a kernel without the ULP is
 * a soft "unsupported" with the errno named.
 *
 * The expected crypto_info is derived from the secrets by
 * tests/common/expected_keys.c, which shares no code with the library (its
 * own TLS 1.3 key schedule and TLS 1.2 PRF on HMAC, the kernel's structures
 * laid out by offset): what is checked here is the choice of secret,
 * sequence number and PRF hash, and the bytes themselves.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <psa/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "expected_keys.h"
#include "kernel/kernel_caps.h"
#include "sample_keys.h"
#include "staged_kernel.h"
#include "suites.h"

static int setup(void)
{
    char why[8];

    if (psa_crypto_init() != PSA_SUCCESS)
        return -1;
    /* The once-per-process probe goes to the real kernel, not the stage (and not into its call counts). */
    (void)ktla__kernel_refuses(KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, why, sizeof why);
    staged_kernel_install();
    return 0;
}

static int teardown(void)
{
    staged_kernel_remove();
    return 0;
}

/* Distinct, recognisable secrets and sequence numbers (client 5, server 9) for both sides. */
static void sample(struct ktla_session_keys *k, enum ktla_tls_version v, int suite, size_t secret_len)
{
    test_sample_session_keys(k, v, suite, secret_len);
}

static void expect_bytes(const unsigned char *got, socklen_t got_len, const unsigned char *want, size_t want_len)
{
    CU_ASSERT(want_len > 0);
    CU_ASSERT_EQUAL(got_len, want_len);
    CU_ASSERT(got_len == want_len && memcmp(got, want, want_len) == 0);
}

/* Run the call as one side; TX must carry that side's keys, RX the peer's. */
static void check_side(const struct ktla_session_keys *k, int is_client, const unsigned char *client_w, size_t client_len,
                       const unsigned char *server_w, size_t server_len)
{
    char why[256] = "untouched";
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    CU_ASSERT_FATAL(fd >= 0);
    staged_kernel_reset();
    CU_ASSERT_EQUAL(ktla_install_keys(fd, is_client, k, why, sizeof why), 0);
    CU_ASSERT_EQUAL(stage.calls, 3);
    expect_bytes(stage.tx, stage.tx_len, is_client ? client_w : server_w, is_client ? client_len : server_len);
    expect_bytes(stage.rx, stage.rx_len, is_client ? server_w : client_w, is_client ? server_len : client_len);
    close(fd);
}

static void check_tls13(int suite, size_t secret_len)
{
    struct ktla_session_keys k;
    unsigned char cw[64], sw[64];
    size_t cw_len, sw_len;

    sample(&k, KTLA_TLS_1_3, suite, secret_len);
    cw_len = expected_tls13_info(suite, k.client_secret, secret_len, 5, cw, sizeof cw);
    sw_len = expected_tls13_info(suite, k.server_secret, secret_len, 9, sw, sizeof sw);
    check_side(&k, 1, cw, cw_len, sw, sw_len);
    check_side(&k, 0, cw, cw_len, sw, sw_len);
}

static void check_tls12(int suite)
{
    struct ktla_session_keys k;
    unsigned char cw[64], sw[64];
    size_t cw_len, sw_len;

    sample(&k, KTLA_TLS_1_2, suite, 0);
    cw_len = expected_tls12_info(suite, k.master_secret, k.client_random, k.server_random, 1, 5, cw, sizeof cw);
    sw_len = expected_tls12_info(suite, k.master_secret, k.client_random, k.server_random, 0, 9, sw, sizeof sw);
    check_side(&k, 1, cw, cw_len, sw, sw_len);
    check_side(&k, 0, cw, cw_len, sw, sw_len);
}

static void test_tls13_directions(void)
{
    check_tls13(0x1301, 32);
    check_tls13(0x1302, 48);
    check_tls13(0x1303, 32);
    check_tls13(0x1304, 32);
}

static void test_tls12_directions(void)
{
    check_tls12(0xC02B);
    check_tls12(0xC02C); /* the PRF hash follows the suite: SHA-384 */
    check_tls12(0xCCA9);
    check_tls12(0xC0AC);
}

static void test_unsupported_suite_touches_nothing(void)
{
    struct ktla_session_keys k;
    char why[256] = "";

    sample(&k, KTLA_TLS_1_2, 0xC023, 0); /* ECDHE-ECDSA-AES128-CBC-SHA256 */
    staged_kernel_reset();
    CU_ASSERT_EQUAL(ktla_install_keys(3, 1, &k, why, sizeof why), KTLA_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(stage.calls, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "0xc023"));
}

static void test_no_ulp_is_unsupported(void)
{
    struct ktla_session_keys k;
    char why[256] = "";

    sample(&k, KTLA_TLS_1_3, 0x1301, 32);
    staged_kernel_reset();
    stage.ulp_errno = ENOENT;
    CU_ASSERT_EQUAL(ktla_install_keys(3, 1, &k, why, sizeof why), KTLA_E_UNSUPPORTED);
    CU_ASSERT_EQUAL(stage.calls, 1); /* only the ULP was tried */
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "ENOENT"));
}

static void test_keys_refused_after_ulp(void)
{
    struct ktla_session_keys k;
    char why[256] = "";

    sample(&k, KTLA_TLS_1_3, 0x1301, 32);
    staged_kernel_reset();
    stage.rx_errno = EBUSY;
    errno = 0;
    CU_ASSERT_EQUAL(ktla_install_keys(3, 1, &k, why, sizeof why), KTLA_E_SYSCALL);
    CU_ASSERT_EQUAL(errno, EBUSY);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "TLS_RX"));
}

static void test_bad_input(void)
{
    struct ktla_session_keys k;

    sample(&k, KTLA_TLS_1_3, 0x1301, 48); /* SHA-256 suite, SHA-384-sized secret */
    staged_kernel_reset();
    CU_ASSERT_EQUAL(ktla_install_keys(3, 1, &k, NULL, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_install_keys(3, 1, NULL, NULL, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_install_keys(-1, 1, &k, NULL, 0), KTLA_E_INVAL);
    sample(&k, KTLA_TLS_1_2, 0x1301, 32); /* a TLS 1.3 suite labelled TLS 1.2 */
    CU_ASSERT_EQUAL(ktla_install_keys(3, 1, &k, NULL, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(stage.calls, 0);
}

/*
 * TLS 1.2: sequence number 0 is the Finished message's, already sealed under
 * these keys.  Installing it would make the kernel seal the next record
 * with the same nonce (explicit nonce = sequence for AES-GCM/CCM, the
 * sequence XORed into the IV for ChaCha20): refused before the socket.
 */
static void test_tls12_sequence_zero_refused(void)
{
    static const int suites[] = {0xC02B, 0xCCA9};

    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        for (int side = 0; side < 2; side++) {
            struct ktla_session_keys k;
            char why[256] = "";

            sample(&k, KTLA_TLS_1_2, suites[i], 0);
            if (side)
                k.server_seq = 0;
            else
                k.client_seq = 0;
            memset(&stage, 0, sizeof stage);
            CU_ASSERT_EQUAL(ktla_install_keys(3, 1, &k, why, sizeof why), KTLA_E_INVAL);
            CU_ASSERT_EQUAL(stage.calls, 0);
            CU_ASSERT_PTR_NOT_NULL(strstr(why, side ? "server_seq" : "client_seq"));
            CU_ASSERT_PTR_NOT_NULL(strstr(why, "nonce"));
            printf("\n    suite 0x%04x, %s 0: %s", suites[i], side ? "server_seq" : "client_seq",
                   *why ? why : "(accepted)");
        }
}

int add_install_keys_suite(void)
{
    CU_pSuite s = CU_add_suite("install_keys", setup, teardown);

    return s && CU_add_test(s, "TLS 1.3: own secret on TX, peer's on RX, both sides", test_tls13_directions) &&
                   CU_add_test(s, "TLS 1.2: own key and seq on TX, SHA-384 PRF for SHA-384 suites",
                               test_tls12_directions) &&
                   CU_add_test(s, "unsupported suite: no setsockopt at all", test_unsupported_suite_touches_nothing) &&
                   CU_add_test(s, "no ULP (ENOENT): unsupported, with the reason", test_no_ulp_is_unsupported) &&
                   CU_add_test(s, "keys refused after the ULP: SYSCALL, errno kept", test_keys_refused_after_ulp) &&
                   CU_add_test(s, "bad input: INVAL before the socket", test_bad_input) &&
                   CU_add_test(s, "TLS 1.2 sequence number 0 (the Finished nonce): refused",
                               test_tls12_sequence_zero_refused)
               ? 0
               : -1;
}
