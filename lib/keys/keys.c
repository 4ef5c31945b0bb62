/* SPDX-License-Identifier: Apache-2.0 */
/* keys.c - ciphersuite mapping, key lengths and traffic-key derivation for kTLS (no I/O, no kernel headers). */
#include "config.h"

#include "keys.h"

#include <string.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/platform_util.h>

/*
 * One row per suite the kernel can take.  The ids are IANA's; names differ
 * between mbedTLS and OpenSSL, numbers do not.
 */
struct suite_map {
    int id;
    enum ktla_tls_version version;
    enum ktla_cipher cipher;
    mbedtls_md_type_t hash;
};

static const struct suite_map suite_table[] = {
    /* TLS 1.3 (RFC 8446 B.4; CCM_8 0x1305 has an 8-byte tag: not here). */
    {0x1301, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256},
    {0x1302, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_256, MBEDTLS_MD_SHA384},
    {0x1303, KTLA_TLS_1_3, KTLA_CIPHER_CHACHA20_POLY1305, MBEDTLS_MD_SHA256},
    {0x1304, KTLA_TLS_1_3, KTLA_CIPHER_AES_CCM_128, MBEDTLS_MD_SHA256},
    /* TLS 1.2 ECDHE, RFC 5289 (GCM), 7905 (ChaCha20), 7251 (CCM). */
    {0xC02B, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256},          /* ECDSA */
    {0xC02F, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128, MBEDTLS_MD_SHA256},          /* RSA */
    {0xC02C, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_256, MBEDTLS_MD_SHA384},          /* ECDSA */
    {0xC030, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_256, MBEDTLS_MD_SHA384},          /* RSA */
    {0xCCA9, KTLA_TLS_1_2, KTLA_CIPHER_CHACHA20_POLY1305, MBEDTLS_MD_SHA256},    /* ECDSA */
    {0xCCA8, KTLA_TLS_1_2, KTLA_CIPHER_CHACHA20_POLY1305, MBEDTLS_MD_SHA256},    /* RSA */
    /* ECDHE-ECDSA-AES128-CCM; there is no ECDHE-RSA CCM, and 0xC0AE is CCM_8. */
    {0xC0AC, KTLA_TLS_1_2, KTLA_CIPHER_AES_CCM_128, MBEDTLS_MD_SHA256},
};

/*
 * Preference order for mbedtls_ssl_conf_ciphersuites(): AES-GCM first (the
 * kernel's AES-NI GCM is by far the fastest path), then ChaCha20 for
 * clients without AES hardware, CCM last.  mbedTLS filters the list by the
 * negotiated version, so both versions share it.
 */
const int ktla__kernel_ciphersuites[] = {
    0x1301, 0x1302, 0x1303, 0x1304,
    0xC02B, 0xC02F, 0xC02C, 0xC030,
    0xCCA9, 0xCCA8,
    0xC0AC,
    0,
};

size_t ktla__cipher_key_len(enum ktla_cipher cipher)
{
    switch (cipher) {
    case KTLA_CIPHER_AES_GCM_128:
    case KTLA_CIPHER_AES_CCM_128:
        return 16;
    case KTLA_CIPHER_AES_GCM_256:
    case KTLA_CIPHER_CHACHA20_POLY1305:
        return 32;
    default:
        return 0;
    }
}

size_t ktla__cipher_iv_len(enum ktla_tls_version version, enum ktla_cipher cipher)
{
    if ((unsigned)cipher >= KTLA_CIPHER_COUNT)
        return 0;
    if (version == KTLA_TLS_1_3 || cipher == KTLA_CIPHER_CHACHA20_POLY1305)
        return 12;
    return version == KTLA_TLS_1_2 ? 4 : 0;
}

int ktla__suite_to_kernel(int suite_id, enum ktla_tls_version *version, enum ktla_cipher *cipher,
                          mbedtls_md_type_t *hash)
{
    for (size_t i = 0; i < sizeof suite_table / sizeof suite_table[0]; i++) {
        const struct suite_map *m = &suite_table[i];

        if (m->id != suite_id)
            continue;
        if (version)
            *version = m->version;
        if (cipher)
            *cipher = m->cipher;
        if (hash)
            *hash = m->hash;
        return 0;
    }
    return KTLA_E_UNSUPPORTED;
}

/* mbedTLS failures after our own argument checks: memory, or something deeper. */
static int crypto_error(int ret)
{
    if (ret == MBEDTLS_ERR_MD_ALLOC_FAILED || ret == MBEDTLS_ERR_SSL_ALLOC_FAILED)
        return KTLA_E_NOMEM;
    return KTLA_E_TLS;
}

/* Only the hashes a TLS 1.2 or 1.3 AEAD suite can use. */
static const mbedtls_md_info_t *suite_md(mbedtls_md_type_t hash)
{
    if (hash != MBEDTLS_MD_SHA256 && hash != MBEDTLS_MD_SHA384)
        return NULL;
    return mbedtls_md_info_from_type(hash);
}

#define TLS13_LABEL_PREFIX "tls13 "
#define TLS13_LABEL_PREFIX_LEN (sizeof TLS13_LABEL_PREFIX - 1)
/* struct HkdfLabel at its largest: uint16 + <7..255> label + <0..255> context. */
#define HKDF_LABEL_MAX (2 + 1 + 255 + 1 + 255)

/*
 * Serialise RFC 8446's HkdfLabel { uint16 length; opaque label<7..255>;
 * opaque context<0..255>; } into info.  Returns its length, or 0 when a
 * field does not fit its vector bounds.
 */
static size_t build_hkdf_label(unsigned char info[HKDF_LABEL_MAX], size_t out_len, const char *label,
                               const unsigned char *context, size_t context_len)
{
    size_t label_len = strlen(label);
    size_t full_len = TLS13_LABEL_PREFIX_LEN + label_len;
    size_t n = 0;

    if (out_len > 0xffff || full_len < 7 || full_len > 255 || context_len > 255)
        return 0;
    info[n++] = (unsigned char)(out_len >> 8);
    info[n++] = (unsigned char)out_len;
    info[n++] = (unsigned char)full_len;
    memcpy(info + n, TLS13_LABEL_PREFIX, TLS13_LABEL_PREFIX_LEN);
    n += TLS13_LABEL_PREFIX_LEN;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = (unsigned char)context_len;
    if (context_len > 0)
        memcpy(info + n, context, context_len);
    return n + context_len;
}

int ktla__hkdf_expand_label(mbedtls_md_type_t hash, const unsigned char *secret, size_t secret_len, const char *label,
                            const unsigned char *context, size_t context_len, unsigned char *out, size_t out_len)
{
    const mbedtls_md_info_t *md = suite_md(hash);
    unsigned char info[HKDF_LABEL_MAX];
    size_t info_len;
    int ret;

    if (!out || out_len == 0)
        return KTLA_E_INVAL;
    /* RFC 8446 7.1: secrets are always Hash.length bytes; anything else is a caller bug. */
    if (!md || !secret || secret_len != mbedtls_md_get_size(md) || !label || (context_len > 0 && !context) ||
        out_len > 255 * (size_t)mbedtls_md_get_size(md)) {
        mbedtls_platform_zeroize(out, out_len);
        return KTLA_E_INVAL;
    }
    info_len = build_hkdf_label(info, out_len, label, context, context_len);
    if (info_len == 0) {
        mbedtls_platform_zeroize(out, out_len);
        return KTLA_E_INVAL;
    }
    ret = mbedtls_hkdf_expand(md, secret, secret_len, info, info_len, out, out_len);
    /* The label is public, but a context may be a transcript hash: wipe it anyway. */
    mbedtls_platform_zeroize(info, sizeof info);
    if (ret != 0) {
        mbedtls_platform_zeroize(out, out_len);
        return crypto_error(ret);
    }
    return 0;
}

int ktla__tls13_traffic_keys(enum ktla_cipher cipher, mbedtls_md_type_t hash, const unsigned char *secret,
                             size_t secret_len, uint64_t seq, struct ktla__traffic_keys *out)
{
    size_t key_len = ktla__cipher_key_len(cipher);
    size_t iv_len = ktla__cipher_iv_len(KTLA_TLS_1_3, cipher);
    int rc;

    if (!out)
        return KTLA_E_INVAL;
    memset(out, 0, sizeof *out);
    if (key_len == 0 || key_len > sizeof out->key || iv_len != sizeof out->iv)
        return KTLA_E_INVAL;
    /* Expand straight into *out: no second copy of the key to wipe. */
    rc = ktla__hkdf_expand_label(hash, secret, secret_len, "key", NULL, 0, out->key, key_len);
    if (rc == 0)
        rc = ktla__hkdf_expand_label(hash, secret, secret_len, "iv", NULL, 0, out->iv, iv_len);
    if (rc != 0) {
        mbedtls_platform_zeroize(out, sizeof *out);
        return rc;
    }
    out->version = KTLA_TLS_1_3;
    out->cipher = cipher;
    out->seq = seq;
    return 0;
}

static void fill_tls12(struct ktla__traffic_keys *k, enum ktla_cipher cipher, const unsigned char *key,
                       size_t key_len, const unsigned char *iv, size_t iv_len, uint64_t seq)
{
    memset(k, 0, sizeof *k);
    k->version = KTLA_TLS_1_2;
    k->cipher = cipher;
    memcpy(k->key, key, key_len);
    memcpy(k->iv, iv, iv_len);
    k->seq = seq;
}

int ktla__tls12_traffic_keys(enum ktla_cipher cipher, mbedtls_tls_prf_types prf, const unsigned char master[48],
                             const unsigned char client_random[32], const unsigned char server_random[32],
                             uint64_t client_seq, uint64_t server_seq, struct ktla__traffic_keys *client_write,
                             struct ktla__traffic_keys *server_write)
{
    size_t key_len = ktla__cipher_key_len(cipher);
    size_t iv_len = ktla__cipher_iv_len(KTLA_TLS_1_2, cipher);
    unsigned char randoms[64];
    unsigned char kb[2 * sizeof client_write->key + 2 * sizeof client_write->iv];
    size_t kb_len = 2 * key_len + 2 * iv_len;
    int ret;

    if (!client_write || !server_write || client_write == server_write)
        return KTLA_E_INVAL;
    memset(client_write, 0, sizeof *client_write);
    memset(server_write, 0, sizeof *server_write);
    if (key_len == 0 || key_len > sizeof client_write->key || iv_len == 0 || iv_len > sizeof client_write->iv ||
        kb_len > sizeof kb || !master || !client_random || !server_random ||
        (prf != MBEDTLS_SSL_TLS_PRF_SHA256 && prf != MBEDTLS_SSL_TLS_PRF_SHA384))
        return KTLA_E_INVAL;
    /* RFC 5246 6.3: the key expansion seed is server_random first, unlike the master secret's. */
    memcpy(randoms, server_random, 32);
    memcpy(randoms + 32, client_random, 32);
    ret = ktla__tls12_prf(prf, master, 48, "key expansion", randoms, sizeof randoms, kb, kb_len);
    if (ret == 0) {
        /* [client key][server key][client IV][server IV]: AEAD suites have no MAC keys. */
        fill_tls12(client_write, cipher, kb, key_len, kb + 2 * key_len, iv_len, client_seq);
        fill_tls12(server_write, cipher, kb + key_len, key_len, kb + 2 * key_len + iv_len, iv_len, server_seq);
    }
    mbedtls_platform_zeroize(kb, sizeof kb);
    return ret;
}
