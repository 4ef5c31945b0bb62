/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_crypto_info.c - the exact bytes ktla hands the kernel, per version and cipher.
 *
 * setsockopt is replaced through ktla__setsockopt, so this runs on any
 * kernel.  Expected layouts are written out by offset from
 * include/uapi/linux/tls.h rather than through the same structures, so a
 * field in the wrong place is caught.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "kernel/ktls.h"
#include "suites.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static struct {
    int calls, fd, level, name;
    unsigned char value[128];
    socklen_t len;
    int fail_errno;
} seen;

static int capture_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    seen.calls++;
    seen.fd = fd;
    seen.level = level;
    seen.name = name;
    seen.len = len;
    memcpy(seen.value, value, len < sizeof seen.value ? len : sizeof seen.value);
    if (seen.fail_errno) {
        errno = seen.fail_errno;
        return -1;
    }
    return 0;
}

static int setup(void)
{
    ktla__setsockopt = capture_setsockopt;
    return 0;
}

static int teardown(void)
{
    ktla__setsockopt = setsockopt;
    return 0;
}

static void reset(void)
{
    memset(&seen, 0, sizeof seen);
}

static void sample_keys(struct ktla__traffic_keys *k, enum ktla_tls_version v, enum ktla_cipher c, uint64_t seq)
{
    memset(k, 0, sizeof *k);
    k->version = v;
    k->cipher = c;
    for (int i = 0; i < 32; i++)
        k->key[i] = (unsigned char)(0x10 + i);
    for (int i = 0; i < 12; i++)
        k->iv[i] = (unsigned char)(0xc0 + i);
    k->seq = seq;
}

static void expect_be64(const unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        CU_ASSERT_EQUAL(p[i], (unsigned char)(v & 0xff));
}

static void expect_header(uint16_t version, uint16_t cipher_type)
{
    uint16_t got_version, got_cipher;
    memcpy(&got_version, seen.value, 2);
    memcpy(&got_cipher, seen.value + 2, 2);
    CU_ASSERT_EQUAL(got_version, version);
    CU_ASSERT_EQUAL(got_cipher, cipher_type);
}

/* Offsets of struct tls12_crypto_info_aes_{gcm,ccm}_*: iv@4, key@12, salt, rec_seq. */
static void check_aes(enum ktla_tls_version v, enum ktla_cipher c, uint16_t type, size_t key_len)
{
    struct ktla__traffic_keys k;
    const uint64_t seq = 0x0102030405060708ull;
    size_t salt_at = 12 + key_len, seq_at = salt_at + 4;

    reset();
    sample_keys(&k, v, c, seq);
    CU_ASSERT_EQUAL_FATAL(ktla__ktls_set_keys(7, KTLA_DIR_TX, &k), 0);
    CU_ASSERT_EQUAL(seen.calls, 1);
    CU_ASSERT_EQUAL(seen.fd, 7);
    CU_ASSERT_EQUAL(seen.level, SOL_TLS);
    CU_ASSERT_EQUAL(seen.name, TLS_TX);
    CU_ASSERT_EQUAL(seen.len, seq_at + 8);
    expect_header((uint16_t)v, type);
    CU_ASSERT_EQUAL(memcmp(seen.value + 12, k.key, key_len), 0);
    CU_ASSERT_EQUAL(memcmp(seen.value + salt_at, k.iv, 4), 0);
    if (v == KTLA_TLS_1_3) {
        CU_ASSERT_EQUAL(memcmp(seen.value + 4, k.iv + 4, 8), 0);
    } else { /* explicit nonce of the next record = its sequence number, never 0 */
        expect_be64(seen.value + 4, seq);
    }
    expect_be64(seen.value + seq_at, seq);
}

static void test_aes_gcm_128(void)
{
    check_aes(KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128, TLS_CIPHER_AES_GCM_128, 16);
    check_aes(KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, TLS_CIPHER_AES_GCM_128, 16);
    CU_ASSERT_EQUAL(seen.len, 40);
}

static void test_aes_gcm_256(void)
{
    check_aes(KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_256, TLS_CIPHER_AES_GCM_256, 32);
    check_aes(KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_256, TLS_CIPHER_AES_GCM_256, 32);
    CU_ASSERT_EQUAL(seen.len, 56);
}

static void test_aes_ccm_128(void)
{
    check_aes(KTLA_TLS_1_2, KTLA_CIPHER_AES_CCM_128, TLS_CIPHER_AES_CCM_128, 16);
    check_aes(KTLA_TLS_1_3, KTLA_CIPHER_AES_CCM_128, TLS_CIPHER_AES_CCM_128, 16);
    CU_ASSERT_EQUAL(seen.len, 40);
}

/* struct tls12_crypto_info_chacha20_poly1305: iv[12]@4, key[32]@16, rec_seq@48. */
static void test_chacha20_poly1305(void)
{
    static const enum ktla_tls_version versions[] = {KTLA_TLS_1_2, KTLA_TLS_1_3};
    struct ktla__traffic_keys k;

    for (int i = 0; i < 2; i++) {
        reset();
        sample_keys(&k, versions[i], KTLA_CIPHER_CHACHA20_POLY1305, 42);
        CU_ASSERT_EQUAL_FATAL(ktla__ktls_set_keys(3, KTLA_DIR_RX, &k), 0);
        CU_ASSERT_EQUAL(seen.name, TLS_RX);
        CU_ASSERT_EQUAL(seen.len, 56);
        expect_header((uint16_t)versions[i], TLS_CIPHER_CHACHA20_POLY1305);
        CU_ASSERT_EQUAL(memcmp(seen.value + 4, k.iv, 12), 0);
        CU_ASSERT_EQUAL(memcmp(seen.value + 16, k.key, 32), 0);
        expect_be64(seen.value + 48, 42);
    }
}

/* TLS 1.2 right after the handshake: seq 1, and the explicit nonce must be 1 too. */
static void test_tls12_first_nonce_is_not_zero(void)
{
    struct ktla__traffic_keys k;
    static const unsigned char one[8] = {0, 0, 0, 0, 0, 0, 0, 1};

    reset();
    sample_keys(&k, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128, 1);
    CU_ASSERT_EQUAL_FATAL(ktla__ktls_set_keys(3, KTLA_DIR_TX, &k), 0);
    CU_ASSERT_EQUAL(memcmp(seen.value + 4, one, 8), 0);
}

static void test_refuses_unknown_version_and_cipher(void)
{
    struct ktla__traffic_keys k;

    reset();
    sample_keys(&k, (enum ktla_tls_version)0x0302, KTLA_CIPHER_AES_GCM_128, 1);
    CU_ASSERT_EQUAL(ktla__ktls_set_keys(3, KTLA_DIR_TX, &k), -EINVAL);
    sample_keys(&k, KTLA_TLS_1_3, KTLA_CIPHER_COUNT, 1);
    CU_ASSERT_EQUAL(ktla__ktls_set_keys(3, KTLA_DIR_TX, &k), -EINVAL);
    CU_ASSERT_EQUAL(seen.calls, 0); /* nothing reached the kernel */
}

static void test_kernel_errors_come_back(void)
{
    struct ktla__traffic_keys k;
    char why[160];

    reset();
    seen.fail_errno = EBUSY;
    sample_keys(&k, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_256, 0);
    CU_ASSERT_EQUAL(ktla__ktls_set_keys(3, KTLA_DIR_RX, &k), -EBUSY);
    ktla__ktls_reason(KTLA__STEP_KEYS, KTLA_DIR_RX, EBUSY, why, sizeof why);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "TLS_RX keys refused (EBUSY)"));
    seen.fail_errno = ENOENT;
    CU_ASSERT_EQUAL(ktla__ktls_attach_ulp(5), -ENOENT);
    CU_ASSERT_EQUAL(seen.level, SOL_TCP);
    CU_ASSERT_EQUAL(seen.name, TCP_ULP);
    CU_ASSERT_EQUAL(seen.len, 4);
    CU_ASSERT_STRING_EQUAL((const char *)seen.value, "tls");
    ktla__ktls_reason(KTLA__STEP_ULP, KTLA_DIR_TX, ENOENT, why, sizeof why);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "TLS ULP not available (ENOENT)"));
}

static void test_key_and_iv_lengths(void)
{
    CU_ASSERT_EQUAL(ktla__cipher_key_len(KTLA_CIPHER_AES_GCM_128), 16);
    CU_ASSERT_EQUAL(ktla__cipher_key_len(KTLA_CIPHER_AES_GCM_256), 32);
    CU_ASSERT_EQUAL(ktla__cipher_key_len(KTLA_CIPHER_AES_CCM_128), 16);
    CU_ASSERT_EQUAL(ktla__cipher_key_len(KTLA_CIPHER_CHACHA20_POLY1305), 32);
    CU_ASSERT_EQUAL(ktla__cipher_iv_len(KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128), 4);
    CU_ASSERT_EQUAL(ktla__cipher_iv_len(KTLA_TLS_1_2, KTLA_CIPHER_CHACHA20_POLY1305), 12);
    CU_ASSERT_EQUAL(ktla__cipher_iv_len(KTLA_TLS_1_3, KTLA_CIPHER_AES_CCM_128), 12);
    CU_ASSERT_EQUAL(ktla__cipher_iv_len(KTLA_TLS_1_3, KTLA_CIPHER_COUNT), 0);
}

int add_crypto_info_suite(void)
{
    CU_pSuite s = CU_add_suite("crypto_info", setup, teardown);
    return s && CU_add_test(s, "AES-GCM-128 both versions", test_aes_gcm_128) &&
                   CU_add_test(s, "AES-GCM-256 both versions", test_aes_gcm_256) &&
                   CU_add_test(s, "AES-CCM-128 both versions", test_aes_ccm_128) &&
                   CU_add_test(s, "ChaCha20-Poly1305 both versions", test_chacha20_poly1305) &&
                   CU_add_test(s, "TLS 1.2 first explicit nonce is the sequence", test_tls12_first_nonce_is_not_zero) &&
                   CU_add_test(s, "unknown version and cipher refused", test_refuses_unknown_version_and_cipher) &&
                   CU_add_test(s, "kernel errors come back with reasons", test_kernel_errors_come_back) &&
                   CU_add_test(s, "key and iv lengths", test_key_and_iv_lengths)
               ? 0
               : -1;
}
