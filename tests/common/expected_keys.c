/* SPDX-License-Identifier: Apache-2.0 */
/* expected_keys.c - crypto_info bytes derived without the library (see expected_keys.h). */
#include "expected_keys.h"

#include <linux/tls.h>
#include <mbedtls/md.h>
#include <string.h>

struct suite {
    int id;
    int tls13;
    mbedtls_md_type_t hash;
    uint16_t cipher_type; /* TLS_CIPHER_* of linux/tls.h */
    size_t key_len, fixed_iv_len; /* fixed_iv_len: TLS 1.2's implicit part */
};

static const struct suite suites[] = {
    {0x1301, 1, MBEDTLS_MD_SHA256, TLS_CIPHER_AES_GCM_128, 16, 0},
    {0x1302, 1, MBEDTLS_MD_SHA384, TLS_CIPHER_AES_GCM_256, 32, 0},
    {0x1303, 1, MBEDTLS_MD_SHA256, TLS_CIPHER_CHACHA20_POLY1305, 32, 0},
    {0x1304, 1, MBEDTLS_MD_SHA256, TLS_CIPHER_AES_CCM_128, 16, 0},
    {0xC02B, 0, MBEDTLS_MD_SHA256, TLS_CIPHER_AES_GCM_128, 16, 4},
    {0xC02F, 0, MBEDTLS_MD_SHA256, TLS_CIPHER_AES_GCM_128, 16, 4},
    {0xC02C, 0, MBEDTLS_MD_SHA384, TLS_CIPHER_AES_GCM_256, 32, 4},
    {0xC030, 0, MBEDTLS_MD_SHA384, TLS_CIPHER_AES_GCM_256, 32, 4},
    {0xCCA9, 0, MBEDTLS_MD_SHA256, TLS_CIPHER_CHACHA20_POLY1305, 32, 12},
    {0xCCA8, 0, MBEDTLS_MD_SHA256, TLS_CIPHER_CHACHA20_POLY1305, 32, 12},
    {0xC0AC, 0, MBEDTLS_MD_SHA256, TLS_CIPHER_AES_CCM_128, 16, 4},
};

static const struct suite *find(int id, int tls13)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id && suites[i].tls13 == tls13)
            return &suites[i];
    return NULL;
}

static void hmac(mbedtls_md_type_t hash, const unsigned char *key, size_t key_len, const unsigned char *in,
                 size_t in_len, unsigned char *out)
{
    mbedtls_md_hmac(mbedtls_md_info_from_type(hash), key, key_len, in, in_len, out);
}

/* HKDF-Expand-Label(secret, label, "", len) for len up to one hash block: HMAC(secret, HkdfLabel || 0x01). */
static void expand_label(mbedtls_md_type_t hash, const unsigned char *secret, size_t secret_len, const char *label,
                         unsigned char *out, size_t len)
{
    unsigned char info[64], block[64];
    size_t n = 0, label_len = strlen(label);

    info[n++] = (unsigned char)(len >> 8);
    info[n++] = (unsigned char)len;
    info[n++] = (unsigned char)(6 + label_len);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = 0; /* empty context */
    info[n++] = 1; /* the first (and only) block's counter */
    hmac(hash, secret, secret_len, info, n, block);
    memcpy(out, block, len);
}

/* TLS 1.2 PRF: P_hash(master, "key expansion" || server_random || client_random), len bytes. */
static void key_block(mbedtls_md_type_t hash, const unsigned char master[48], const unsigned char client_random[32],
                      const unsigned char server_random[32], unsigned char *out, size_t len)
{
    size_t hlen = mbedtls_md_get_size(mbedtls_md_info_from_type(hash)), seed_len = 13 + 64, done = 0;
    unsigned char seed[13 + 64], a[64], in[64 + 13 + 64], block[64];

    memcpy(seed, "key expansion", 13);
    memcpy(seed + 13, server_random, 32);
    memcpy(seed + 45, client_random, 32);
    hmac(hash, master, 48, seed, seed_len, a); /* A(1) */
    while (done < len) {
        size_t take = len - done < hlen ? len - done : hlen;
        memcpy(in, a, hlen);
        memcpy(in + hlen, seed, seed_len);
        hmac(hash, master, 48, in, hlen + seed_len, block);
        memcpy(out + done, block, take);
        done += take;
        hmac(hash, master, 48, a, hlen, a); /* A(i+1) */
    }
}

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

/*
 * Lay out struct tls12_crypto_info_* by offset: version and cipher_type
 * (host order), then AES-GCM/CCM: iv[8]@4 key@12 salt[4] rec_seq[8];
 * ChaCha20-Poly1305: iv[12]@4 key[32]@16 rec_seq[8]@48.  nonce12 is the
 * whole 12-byte nonce base (TLS 1.3, TLS 1.2 ChaCha20) or, for TLS 1.2
 * AES, the 4-byte salt, the explicit nonce then being the sequence number.
 */
static size_t layout(const struct suite *s, const unsigned char *key, const unsigned char *nonce, uint64_t seq,
                     unsigned char *out, size_t out_size)
{
    uint16_t version = s->tls13 ? 0x0304 : 0x0303;
    size_t len = s->cipher_type == TLS_CIPHER_CHACHA20_POLY1305 ? 56 : 24 + s->key_len;

    if (out_size < len)
        return 0;
    memset(out, 0, len);
    memcpy(out, &version, 2);
    memcpy(out + 2, &s->cipher_type, 2);
    if (s->cipher_type == TLS_CIPHER_CHACHA20_POLY1305) {
        memcpy(out + 4, nonce, 12);
        memcpy(out + 16, key, 32);
        put_be64(out + 48, seq);
        return len;
    }
    memcpy(out + 12, key, s->key_len);
    memcpy(out + 12 + s->key_len, nonce, 4); /* salt */
    if (s->tls13)
        memcpy(out + 4, nonce + 4, 8);
    else
        put_be64(out + 4, seq); /* the next record's explicit nonce: its sequence number */
    put_be64(out + 16 + s->key_len, seq);
    return len;
}

size_t expected_tls13_info(int suite, const unsigned char *secret, size_t secret_len, uint64_t seq,
                           unsigned char *out, size_t out_size)
{
    const struct suite *s = find(suite, 1);
    unsigned char key[32], iv[12];

    if (s == NULL)
        return 0;
    expand_label(s->hash, secret, secret_len, "key", key, s->key_len);
    expand_label(s->hash, secret, secret_len, "iv", iv, 12);
    return layout(s, key, iv, seq, out, out_size);
}

size_t expected_tls12_info(int suite, const unsigned char master[48], const unsigned char client_random[32],
                           const unsigned char server_random[32], int client_write, uint64_t seq,
                           unsigned char *out, size_t out_size)
{
    const struct suite *s = find(suite, 0);
    unsigned char kb[2 * 32 + 2 * 12];
    size_t k, v;

    if (s == NULL)
        return 0;
    k = s->key_len;
    v = s->fixed_iv_len;
    key_block(s->hash, master, client_random, server_random, kb, 2 * k + 2 * v);
    /* [client key][server key][client IV][server IV] */
    return layout(s, kb + (client_write ? 0 : k), kb + 2 * k + (client_write ? 0 : v), seq, out, out_size);
}

size_t expected_tls13_next_secret(int suite, const unsigned char *secret, size_t secret_len, unsigned char *out)
{
    const struct suite *s = find(suite, 1);

    if (s == NULL)
        return 0;
    expand_label(s->hash, secret, secret_len, "traffic upd", out, secret_len);
    return secret_len;
}
