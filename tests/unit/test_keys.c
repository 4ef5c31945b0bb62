/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_keys.c - suite mapping and traffic-key derivation, against published
 * vectors and against derivations written out here from the RFCs.
 *
 * Oracles (none of them is the code under test):
 * - RFC 8448 section 3 ("Simple 1-RTT Handshake", TLS_AES_128_GCM_SHA256):
 *   the handshake and application traffic secrets and the write keys and
 *   IVs derived from them.  Bytes as quoted from the RFC in s2n-tls's
 *   tests/unit/s2n_tls13_key_schedule_rfc8448_test.c, and agreeing with
 *   several other independent test suites.
 * - The TLS 1.2 PRF vectors posted to the IETF TLS list
 *   (mail-archive/web/tls/current/msg03416.html; secret 9bbe436b...,
 *   "test label", 100 bytes of P_SHA256, and secret b80b733d..., 148 bytes
 *   of P_SHA384), as used in gnutls's tests/tls12-prf.c.
 * - HKDF-Expand (RFC 5869) and P_hash (RFC 5246 section 5) written out here
 *   on plain HMAC, with HkdfLabel bytes spelled out by hand; both are first
 *   checked against the published vectors above.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/md.h>

#include "keys/keys.h"
#include "suites.h"
#include "tls_record.h"

static int setup(void)
{
    return test_record_init();
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hex with optional spaces, as the RFCs print it. */
static size_t unhex(const char *s, unsigned char *out, size_t max)
{
    size_t n = 0;
    int hi = -1;

    for (; *s; s++) {
        int v;

        if (*s == ' ' || *s == '\n')
            continue;
        v = hexval(*s);
        CU_ASSERT_FATAL(v >= 0);
        if (hi < 0) {
            hi = v;
            continue;
        }
        CU_ASSERT_FATAL(n < max);
        out[n++] = (unsigned char)(hi << 4 | v);
        hi = -1;
    }
    CU_ASSERT_FATAL(hi < 0);
    return n;
}

static int equals_hex(const unsigned char *got, size_t len, const char *hex)
{
    unsigned char want[256];
    size_t n = unhex(hex, want, sizeof want);

    return n == len && memcmp(got, want, len) == 0;
}

static int all_zero(const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++)
        if (b[i])
            return 0;
    return 1;
}

/* RFC 5869 2.3: T(i) = HMAC(PRK, T(i-1) || info || i), straight from the text. */
static void hkdf_expand_by_hand(mbedtls_md_type_t type, const unsigned char *prk, size_t prk_len,
                                const unsigned char *info, size_t info_len, unsigned char *out, size_t out_len)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(type);
    size_t hlen = mbedtls_md_get_size(md);
    unsigned char t[64], msg[64 + 600];
    size_t t_len = 0;

    CU_ASSERT_FATAL(info_len <= 600 - 1);
    for (unsigned char i = 1; out_len > 0; i++) {
        size_t n = out_len < hlen ? out_len : hlen;

        memcpy(msg, t, t_len);
        memcpy(msg + t_len, info, info_len);
        msg[t_len + info_len] = i;
        CU_ASSERT_FATAL(mbedtls_md_hmac(md, prk, prk_len, msg, t_len + info_len + 1, t) == 0);
        t_len = hlen;
        memcpy(out, t, n);
        out += n;
        out_len -= n;
    }
}

/* RFC 5246 5: P_hash(secret, label || seed), A(0) = label || seed, A(i) = HMAC(secret, A(i-1)). */
static void p_hash_by_hand(mbedtls_md_type_t type, const unsigned char *secret, size_t secret_len, const char *label,
                           const unsigned char *seed, size_t seed_len, unsigned char *out, size_t out_len)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(type);
    size_t hlen = mbedtls_md_get_size(md), label_len = strlen(label);
    unsigned char ls[128], a[64], next[64], msg[64 + 128], block[64];

    CU_ASSERT_FATAL(label_len + seed_len <= sizeof ls);
    memcpy(ls, label, label_len);
    memcpy(ls + label_len, seed, seed_len);
    CU_ASSERT_FATAL(mbedtls_md_hmac(md, secret, secret_len, ls, label_len + seed_len, a) == 0);
    while (out_len > 0) {
        size_t n = out_len < hlen ? out_len : hlen;

        memcpy(msg, a, hlen);
        memcpy(msg + hlen, ls, label_len + seed_len);
        CU_ASSERT_FATAL(mbedtls_md_hmac(md, secret, secret_len, msg, hlen + label_len + seed_len, block) == 0);
        memcpy(out, block, n);
        out += n;
        out_len -= n;
        CU_ASSERT_FATAL(mbedtls_md_hmac(md, secret, secret_len, a, hlen, next) == 0);
        memcpy(a, next, hlen);
    }
}

/* ------------------------------------------------------------------ TLS 1.3 */

static void check_tls13(const char *secret_hex, const char *key_hex, const char *iv_hex)
{
    unsigned char secret[32];
    size_t secret_len = unhex(secret_hex, secret, sizeof secret);
    struct ktla__traffic_keys k;

    CU_ASSERT_EQUAL_FATAL(secret_len, 32);
    CU_ASSERT_EQUAL_FATAL(
        ktla__tls13_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256, secret, secret_len, 7, &k), 0);
    CU_ASSERT_EQUAL(k.version, KTLA_TLS_1_3);
    CU_ASSERT_EQUAL(k.cipher, KTLA_CIPHER_AES_GCM_128);
    CU_ASSERT_EQUAL(k.seq, 7);
    CU_ASSERT(equals_hex(k.key, 16, key_hex));
    CU_ASSERT(all_zero(k.key + 16, sizeof k.key - 16));
    CU_ASSERT(equals_hex(k.iv, 12, iv_hex));
}

static void test_tls13_rfc8448_application(void)
{
    /* {server} derive write traffic keys for application data */
    check_tls13("a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43",
                "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56", "cf 78 2b 88 dd 83 54 9a ad f1 e9 84");
    /* {client} derive write traffic keys for application data */
    check_tls13("9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5",
                "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51", "5b 78 92 3d ee 08 57 90 33 e5 23 d9");
}

static void test_tls13_rfc8448_handshake(void)
{
    /* {server} derive write traffic keys for handshake data */
    check_tls13("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38",
                "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc", "5d 31 3e b2 67 12 76 ee 13 00 0b 30");
    /* {client} derive write traffic keys for handshake data */
    check_tls13("b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21",
                "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01", "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f");
}

/* The hand-written HKDF and HkdfLabel reproduce RFC 8448's "key info" expansion, so they can judge the rest. */
static void test_hand_hkdf_matches_rfc8448(void)
{
    unsigned char secret[32], info[32], out[16];
    size_t info_len;

    unhex("a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43", secret,
          sizeof secret);
    /* "key info (13 octets)" as printed in RFC 8448. */
    info_len = unhex("00 10 09 74 6c 73 31 33 20 6b 65 79 00", info, sizeof info);
    hkdf_expand_by_hand(MBEDTLS_MD_SHA256, secret, sizeof secret, info, info_len, out, 16);
    CU_ASSERT(equals_hex(out, 16, "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56"));
}

/* HkdfLabel for an empty context, spelled out byte by byte. */
static size_t hand_label(unsigned char *out, size_t len, const char *label)
{
    size_t n = strlen(label);

    out[0] = (unsigned char)(len >> 8);
    out[1] = (unsigned char)len;
    out[2] = (unsigned char)(6 + n);
    memcpy(out + 3, "tls13 ", 6);
    memcpy(out + 9, label, n);
    out[9 + n] = 0;
    return 10 + n;
}

static void check_tls13_by_hand(enum ktla_cipher cipher, mbedtls_md_type_t hash, size_t secret_len, size_t key_len)
{
    unsigned char secret[48], info[32], want_key[32], want_iv[12];
    struct ktla__traffic_keys k;

    for (size_t i = 0; i < secret_len; i++)
        secret[i] = (unsigned char)(0x5a ^ (i * 7));
    hkdf_expand_by_hand(hash, secret, secret_len, info, hand_label(info, key_len, "key"), want_key, key_len);
    hkdf_expand_by_hand(hash, secret, secret_len, info, hand_label(info, 12, "iv"), want_iv, 12);
    CU_ASSERT_EQUAL_FATAL(ktla__tls13_traffic_keys(cipher, hash, secret, secret_len, 3, &k), 0);
    CU_ASSERT_EQUAL(k.version, KTLA_TLS_1_3);
    CU_ASSERT_EQUAL(k.cipher, cipher);
    CU_ASSERT_EQUAL(k.seq, 3);
    CU_ASSERT(memcmp(k.key, want_key, key_len) == 0);
    CU_ASSERT(all_zero(k.key + key_len, sizeof k.key - key_len));
    CU_ASSERT(memcmp(k.iv, want_iv, 12) == 0);
}

/* RFC 8448 has no SHA-384 trace: AES-256-GCM-SHA384 against HMAC-SHA384 by hand, and the other ciphers too. */
static void test_tls13_other_ciphers(void)
{
    check_tls13_by_hand(KTLA_CIPHER_AES_GCM_256, MBEDTLS_MD_SHA384, 48, 32);
    check_tls13_by_hand(KTLA_CIPHER_CHACHA20_POLY1305, MBEDTLS_MD_SHA256, 32, 32);
    check_tls13_by_hand(KTLA_CIPHER_AES_CCM_128, MBEDTLS_MD_SHA256, 32, 16);
    check_tls13_by_hand(KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256, 32, 16);
}

/* A context and an output longer than one hash block (as "traffic upd" of a SHA-384 secret would need). */
static void test_expand_label_context_and_blocks(void)
{
    static const unsigned char ctx[] = {0xde, 0xad, 0xbe, 0xef, 0x01};
    unsigned char secret[48], info[64], want[80], got[80];
    size_t n = 0;

    memset(secret, 0x33, sizeof secret);
    info[n++] = 0;
    info[n++] = sizeof want;
    info[n++] = 6 + 11;
    memcpy(info + n, "tls13 traffic upd", 17);
    n += 17;
    info[n++] = sizeof ctx;
    memcpy(info + n, ctx, sizeof ctx);
    n += sizeof ctx;
    hkdf_expand_by_hand(MBEDTLS_MD_SHA384, secret, sizeof secret, info, n, want, sizeof want);
    CU_ASSERT_EQUAL_FATAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA384, secret, sizeof secret, "traffic upd", ctx,
                                                  sizeof ctx, got, sizeof got),
                          0);
    CU_ASSERT(memcmp(got, want, sizeof want) == 0);
}

/* ------------------------------------------------------------------ TLS 1.2 */

#define PRF256_OUT                                                                                                   \
    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17" \
    "abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
#define PRF384_OUT                                                                                                   \
    "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700" \
    "884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a2" \
    "6066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f"

static void check_prf_vector(mbedtls_tls_prf_types prf, mbedtls_md_type_t md, const char *secret_hex,
                             const char *seed_hex, const char *out_hex, size_t out_len)
{
    unsigned char secret[16], seed[16], out[160];

    CU_ASSERT_FATAL(out_len <= sizeof out);
    CU_ASSERT_EQUAL_FATAL(unhex(secret_hex, secret, sizeof secret), 16);
    CU_ASSERT_EQUAL_FATAL(unhex(seed_hex, seed, sizeof seed), 16);
    /* mbedTLS's PRF, which the library uses... */
    CU_ASSERT_EQUAL(mbedtls_ssl_tls_prf(prf, secret, 16, "test label", seed, 16, out, out_len), 0);
    CU_ASSERT(equals_hex(out, out_len, out_hex));
    /* ...ktla's own, which derives the key block... */
    memset(out, 0, sizeof out);
    CU_ASSERT_EQUAL(ktla__tls12_prf(prf, secret, 16, "test label", seed, 16, out, out_len), 0);
    CU_ASSERT(equals_hex(out, out_len, out_hex));
    /* ...and the P_hash written out here, which judges the key block below. */
    memset(out, 0, sizeof out);
    p_hash_by_hand(md, secret, 16, "test label", seed, 16, out, out_len);
    CU_ASSERT(equals_hex(out, out_len, out_hex));
}

static void test_tls12_prf_vectors(void)
{
    check_prf_vector(MBEDTLS_SSL_TLS_PRF_SHA256, MBEDTLS_MD_SHA256, "9bbe436ba940f017b17652849a71db35",
                     "a0ba9f936cda311827a6f796ffd5198c", PRF256_OUT, 100);
    check_prf_vector(MBEDTLS_SSL_TLS_PRF_SHA384, MBEDTLS_MD_SHA384, "b80b733d6ceefcdc71566ea48e5567df",
                     "cd665cf6a8447dd6ff8b27555edb7465", PRF384_OUT, 148);
}

/* ktla's PRF against mbedTLS's at every output length around the block edges, both hashes, secrets up to a block. */
static void test_tls12_prf_against_mbedtls(void)
{
    static const struct {
        mbedtls_tls_prf_types prf;
        size_t secret_len;
    } cases[] = {{MBEDTLS_SSL_TLS_PRF_SHA256, 48}, {MBEDTLS_SSL_TLS_PRF_SHA256, 64}, {MBEDTLS_SSL_TLS_PRF_SHA256, 1},
                 {MBEDTLS_SSL_TLS_PRF_SHA384, 48}, {MBEDTLS_SSL_TLS_PRF_SHA384, 128}};
    unsigned char secret[128], seed[64], want[200], got[200];

    for (size_t i = 0; i < sizeof secret; i++)
        secret[i] = (unsigned char)(i * 7 + 3);
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (unsigned char)(0xf0 - i);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (size_t len = 1; len <= sizeof want; len++) {
            CU_ASSERT_EQUAL_FATAL(mbedtls_ssl_tls_prf(cases[c].prf, secret, cases[c].secret_len, "key expansion",
                                                      seed, sizeof seed, want, len),
                                  0);
            memset(got, 0xaa, sizeof got);
            CU_ASSERT_EQUAL_FATAL(ktla__tls12_prf(cases[c].prf, secret, cases[c].secret_len, "key expansion", seed,
                                                  sizeof seed, got, len),
                                  0);
            /* The bytes asked for, and not one byte more. */
            if (memcmp(got, want, len) != 0 || (len < sizeof got && got[len] != 0xaa)) {
                CU_FAIL("ktla__tls12_prf differs from mbedtls_ssl_tls_prf");
                fprintf(stderr, "prf %d, secret %zu bytes, %zu bytes out: differs\n", (int)cases[c].prf,
                        cases[c].secret_len, len);
                return;
            }
        }
    }
}

static void test_tls12_prf_refusals(void)
{
    static unsigned char secret[129], seed[8];
    unsigned char out[16];
    static const struct {
        mbedtls_tls_prf_types prf;
        const unsigned char *secret;
        size_t secret_len;
        const char *label;
        const unsigned char *seed;
        size_t out_len;
    } bad[] = {
        {MBEDTLS_SSL_TLS_PRF_SHA256, secret, 65, "key expansion", seed, 16},  /* key longer than SHA-256's block */
        {MBEDTLS_SSL_TLS_PRF_SHA384, secret, 129, "key expansion", seed, 16}, /* ...than SHA-384's */
        {MBEDTLS_SSL_TLS_PRF_NONE, secret, 48, "key expansion", seed, 16},
        {MBEDTLS_SSL_HKDF_EXPAND_SHA256, secret, 48, "key expansion", seed, 16},
        {MBEDTLS_SSL_TLS_PRF_SHA256, NULL, 48, "key expansion", seed, 16},
        {MBEDTLS_SSL_TLS_PRF_SHA256, secret, 48, NULL, seed, 16},
        {MBEDTLS_SSL_TLS_PRF_SHA256, secret, 48, "", seed, 16},
        {MBEDTLS_SSL_TLS_PRF_SHA256, secret, 48, "key expansion", NULL, 16},
        {MBEDTLS_SSL_TLS_PRF_SHA256, secret, 48, "key expansion", seed, 0},
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(out, 0xaa, sizeof out);
        CU_ASSERT_EQUAL(ktla__tls12_prf(bad[i].prf, bad[i].secret, bad[i].secret_len, bad[i].label, bad[i].seed,
                                        sizeof seed, out, bad[i].out_len),
                        KTLA_E_INVAL);
        CU_ASSERT(bad[i].out_len == 0 || all_zero(out, sizeof out)); /* wiped, never half a key */
    }
    CU_ASSERT_EQUAL(ktla__tls12_prf(MBEDTLS_SSL_TLS_PRF_SHA256, secret, 48, "key expansion", seed, sizeof seed, NULL,
                                    16),
                    KTLA_E_INVAL);
}

static void check_tls12(enum ktla_cipher cipher, mbedtls_tls_prf_types prf, mbedtls_md_type_t md, size_t key_len,
                        size_t iv_len)
{
    unsigned char master[48], cr[32], sr[32], seed[64], kb[2 * 32 + 2 * 12];
    size_t kb_len = 2 * key_len + 2 * iv_len;
    struct ktla__traffic_keys c, s;

    for (size_t i = 0; i < sizeof master; i++)
        master[i] = (unsigned char)(0x80 + i);
    for (size_t i = 0; i < 32; i++) {
        cr[i] = (unsigned char)(0x10 + i);
        sr[i] = (unsigned char)(0xe0 - i);
    }
    memcpy(seed, sr, 32);
    memcpy(seed + 32, cr, 32);
    p_hash_by_hand(md, master, sizeof master, "key expansion", seed, sizeof seed, kb, kb_len);

    memset(&c, 0xaa, sizeof c);
    memset(&s, 0xaa, sizeof s);
    CU_ASSERT_EQUAL_FATAL(ktla__tls12_traffic_keys(cipher, prf, master, cr, sr, 1, 5, &c, &s), 0);
    CU_ASSERT(c.version == KTLA_TLS_1_2 && s.version == KTLA_TLS_1_2);
    CU_ASSERT(c.cipher == cipher && s.cipher == cipher);
    CU_ASSERT(c.seq == 1 && s.seq == 5);
    CU_ASSERT(memcmp(c.key, kb, key_len) == 0);
    CU_ASSERT(memcmp(s.key, kb + key_len, key_len) == 0);
    CU_ASSERT(memcmp(c.iv, kb + 2 * key_len, iv_len) == 0);
    CU_ASSERT(memcmp(s.iv, kb + 2 * key_len + iv_len, iv_len) == 0);
    /* Nothing stale past the lengths the kernel will read. */
    CU_ASSERT(all_zero(c.key + key_len, sizeof c.key - key_len) && all_zero(s.key + key_len, sizeof s.key - key_len));
    CU_ASSERT(all_zero(c.iv + iv_len, sizeof c.iv - iv_len) && all_zero(s.iv + iv_len, sizeof s.iv - iv_len));
}

static void test_tls12_key_block(void)
{
    check_tls12(KTLA_CIPHER_AES_GCM_128, MBEDTLS_SSL_TLS_PRF_SHA256, MBEDTLS_MD_SHA256, 16, 4);
    check_tls12(KTLA_CIPHER_AES_GCM_256, MBEDTLS_SSL_TLS_PRF_SHA384, MBEDTLS_MD_SHA384, 32, 4);
    check_tls12(KTLA_CIPHER_CHACHA20_POLY1305, MBEDTLS_SSL_TLS_PRF_SHA256, MBEDTLS_MD_SHA256, 32, 12);
    check_tls12(KTLA_CIPHER_AES_CCM_128, MBEDTLS_SSL_TLS_PRF_SHA256, MBEDTLS_MD_SHA256, 16, 4);
    /* The PRF comes from mbedTLS, not from the cipher: any pairing derives. */
    check_tls12(KTLA_CIPHER_AES_GCM_128, MBEDTLS_SSL_TLS_PRF_SHA384, MBEDTLS_MD_SHA384, 16, 4);
}

/* ------------------------------------------------------------------ suites */

static const struct {
    int id;
    enum ktla_tls_version version;
    enum ktla_cipher cipher;
    mbedtls_md_type_t hash;
} supported[] = {
    {0x1301, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256},
    {0x1302, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_256, MBEDTLS_MD_SHA384},
    {0x1303, KTLA_TLS_1_3, KTLA_CIPHER_CHACHA20_POLY1305, MBEDTLS_MD_SHA256},
    {0x1304, KTLA_TLS_1_3, KTLA_CIPHER_AES_CCM_128, MBEDTLS_MD_SHA256},
    {0xC02B, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256},
    {0xC02F, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256},
    {0xC02C, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_256, MBEDTLS_MD_SHA384},
    {0xC030, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_256, MBEDTLS_MD_SHA384},
    {0xCCA9, KTLA_TLS_1_2, KTLA_CIPHER_CHACHA20_POLY1305, MBEDTLS_MD_SHA256},
    {0xCCA8, KTLA_TLS_1_2, KTLA_CIPHER_CHACHA20_POLY1305, MBEDTLS_MD_SHA256},
    {0xC0AC, KTLA_TLS_1_2, KTLA_CIPHER_AES_CCM_128, MBEDTLS_MD_SHA256},
};
#define N_SUPPORTED (sizeof supported / sizeof supported[0])

static void test_suite_mapping(void)
{
    /* CCM-8 (1.2 and 1.3), AES-256-CCM, CBC, non-ECDHE GCM, ARIA-GCM, Camellia-GCM, DHE ChaCha, none. */
    static const int refused[] = {0xC0AE, 0x1305, 0xC0AD, 0xC023, 0x009C, 0xC05C, 0xC086, 0xCCAA, 0};

    for (size_t i = 0; i < N_SUPPORTED; i++) {
        enum ktla_tls_version v = 0;
        enum ktla_cipher c = KTLA_CIPHER_COUNT;
        mbedtls_md_type_t h = MBEDTLS_MD_NONE;

        CU_ASSERT_EQUAL(ktla__suite_to_kernel(supported[i].id, &v, &c, &h), 0);
        CU_ASSERT_EQUAL(v, supported[i].version);
        CU_ASSERT_EQUAL(c, supported[i].cipher);
        CU_ASSERT_EQUAL(h, supported[i].hash);
    }
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        enum ktla_cipher c = KTLA_CIPHER_COUNT;

        CU_ASSERT_EQUAL(ktla__suite_to_kernel(refused[i], NULL, &c, NULL), KTLA_E_UNSUPPORTED);
        CU_ASSERT_EQUAL(c, KTLA_CIPHER_COUNT);
    }
}

/* Rank of a cipher in the server's preference: GCM, then ChaCha20, then CCM. */
static int pref_rank(enum ktla_cipher c)
{
    return c == KTLA_CIPHER_AES_CCM_128 ? 2 : c == KTLA_CIPHER_CHACHA20_POLY1305 ? 1 : 0;
}

static void test_suite_list(void)
{
    size_t n = 0;
    int last_rank[2] = {0, 0};

    for (; ktla__kernel_ciphersuites[n] != 0; n++) {
        enum ktla_tls_version v = 0;
        enum ktla_cipher c = KTLA_CIPHER_COUNT;
        int rank;

        CU_ASSERT_FATAL(n < 64);
        CU_ASSERT_EQUAL_FATAL(ktla__suite_to_kernel(ktla__kernel_ciphersuites[n], &v, &c, NULL), 0);
        for (size_t j = 0; j < n; j++)
            CU_ASSERT_NOT_EQUAL(ktla__kernel_ciphersuites[j], ktla__kernel_ciphersuites[n]);
        rank = pref_rank(c);
        CU_ASSERT(rank >= last_rank[v == KTLA_TLS_1_3]);
        last_rank[v == KTLA_TLS_1_3] = rank;
    }
    /* Every suite the kernel can take is offered. */
    CU_ASSERT_EQUAL(n, N_SUPPORTED);
    for (size_t i = 0; i < N_SUPPORTED; i++) {
        int found = 0;

        for (size_t j = 0; j < n; j++)
            found |= ktla__kernel_ciphersuites[j] == supported[i].id;
        CU_ASSERT(found);
    }
}

/* ------------------------------------------------------------------ refusals */

static void test_tls13_refusals(void)
{
    unsigned char secret[64];
    struct ktla__traffic_keys k;

    memset(secret, 0x42, sizeof secret);
    memset(&k, 0xaa, sizeof k);
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256, secret, 31, 0, &k),
                    KTLA_E_INVAL);
    CU_ASSERT(all_zero(&k, sizeof k));
    memset(&k, 0xaa, sizeof k);
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(KTLA_CIPHER_AES_GCM_256, MBEDTLS_MD_SHA256, secret, 48, 0, &k),
                    KTLA_E_INVAL);
    CU_ASSERT(all_zero(&k, sizeof k));
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(KTLA_CIPHER_AES_GCM_256, MBEDTLS_MD_SHA384, secret, 32, 0, &k),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(KTLA_CIPHER_COUNT, MBEDTLS_MD_SHA256, secret, 32, 0, &k), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys((enum ktla_cipher)-1, MBEDTLS_MD_SHA256, secret, 32, 0, &k),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA1, secret, 20, 0, &k),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA512, secret, 64, 0, &k),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_NONE, secret, 32, 0, &k),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256, NULL, 32, 0, &k),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256, secret, 32, 0, NULL),
                    KTLA_E_INVAL);
}

static void test_expand_label_refusals(void)
{
    static unsigned char big[255 * 32 + 1];
    unsigned char secret[32], out[16], ctx[256];
    char label[251];

    memset(secret, 1, sizeof secret);
    memset(ctx, 2, sizeof ctx);
    memset(label, 'a', sizeof label - 1);
    label[sizeof label - 1] = '\0';
    /* "tls13 " + 250 bytes overflows opaque label<7..255>; 249 fits exactly. */
    memset(out, 0xaa, sizeof out);
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, label, NULL, 0, out, 16), KTLA_E_INVAL);
    CU_ASSERT(all_zero(out, sizeof out));
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, label + 1, NULL, 0, out, 16), 0);
    /* opaque context<0..255>. */
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, "key", ctx, 256, out, 16), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, "key", ctx, 255, out, 16), 0);
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, "key", NULL, 1, out, 16), KTLA_E_INVAL);
    /* An empty label, no output, an output HKDF cannot produce (> 255 blocks). */
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, "", NULL, 0, out, 16), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, "key", NULL, 0, out, 0), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, "key", NULL, 0, NULL, 16), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, NULL, NULL, 0, out, 16), KTLA_E_INVAL);
    memset(big, 0xaa, sizeof big);
    CU_ASSERT_EQUAL(ktla__hkdf_expand_label(MBEDTLS_MD_SHA256, secret, 32, "key", NULL, 0, big, sizeof big),
                    KTLA_E_INVAL);
    CU_ASSERT(all_zero(big, sizeof big));
}

static void test_tls12_refusals(void)
{
    unsigned char master[48] = {0}, cr[32] = {0}, sr[32] = {0};
    struct ktla__traffic_keys c, s;

    memset(&c, 0xaa, sizeof c);
    memset(&s, 0xaa, sizeof s);
    CU_ASSERT_EQUAL(ktla__tls12_traffic_keys(KTLA_CIPHER_COUNT, MBEDTLS_SSL_TLS_PRF_SHA256, master, cr, sr, 1, 1, &c,
                                             &s),
                    KTLA_E_INVAL);
    CU_ASSERT(all_zero(&c, sizeof c) && all_zero(&s, sizeof s));
    CU_ASSERT_EQUAL(ktla__tls12_traffic_keys((enum ktla_cipher)-1, MBEDTLS_SSL_TLS_PRF_SHA256, master, cr, sr, 1, 1,
                                             &c, &s),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls12_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_SSL_TLS_PRF_NONE, master, cr, sr, 1, 1,
                                             &c, &s),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls12_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_SSL_HKDF_EXPAND_SHA256, master, cr, sr,
                                             1, 1, &c, &s),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls12_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_SSL_TLS_PRF_SHA256, master, cr, sr, 1, 1,
                                             &c, &c),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls12_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_SSL_TLS_PRF_SHA256, master, cr, sr, 1, 1,
                                             NULL, &s),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls12_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_SSL_TLS_PRF_SHA256, NULL, cr, sr, 1, 1,
                                             &c, &s),
                    KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__tls12_traffic_keys(KTLA_CIPHER_AES_GCM_128, MBEDTLS_SSL_TLS_PRF_SHA256, master, NULL, sr, 1,
                                             1, &c, &s),
                    KTLA_E_INVAL);
}

int add_keys_suite(void)
{
    CU_pSuite s = CU_add_suite("keys", setup, NULL);
    return s && CU_add_test(s, "TLS 1.3 RFC 8448 application keys", test_tls13_rfc8448_application) &&
                   CU_add_test(s, "TLS 1.3 RFC 8448 handshake keys", test_tls13_rfc8448_handshake) &&
                   CU_add_test(s, "hand HKDF matches RFC 8448", test_hand_hkdf_matches_rfc8448) &&
                   CU_add_test(s, "TLS 1.3 SHA-384 and other ciphers by hand", test_tls13_other_ciphers) &&
                   CU_add_test(s, "HKDF-Expand-Label context and blocks", test_expand_label_context_and_blocks) &&
                   CU_add_test(s, "TLS 1.2 PRF published vectors", test_tls12_prf_vectors) &&
                   CU_add_test(s, "TLS 1.2 PRF against mbedTLS, every length", test_tls12_prf_against_mbedtls) &&
                   CU_add_test(s, "TLS 1.2 PRF refusals", test_tls12_prf_refusals) &&
                   CU_add_test(s, "TLS 1.2 key block split", test_tls12_key_block) &&
                   CU_add_test(s, "suite ids map by number", test_suite_mapping) &&
                   CU_add_test(s, "kernel suite list", test_suite_list) &&
                   CU_add_test(s, "TLS 1.3 refusals", test_tls13_refusals) &&
                   CU_add_test(s, "HKDF-Expand-Label refusals", test_expand_label_refusals) &&
                   CU_add_test(s, "TLS 1.2 refusals", test_tls12_refusals)
               ? 0
               : -1;
}
