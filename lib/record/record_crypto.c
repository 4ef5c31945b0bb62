/* SPDX-License-Identifier: Apache-2.0 */
/* record_crypto.c - one TLS AEAD record sealed or opened in user space (see record_crypto.h). */
#include "config.h"

#include "record_crypto.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "wire/byte_order.h"
#include "wire/tls_wire.h"

/* The wire version every TLS 1.2 and 1.3 record carries (RFC 8446 5.1: legacy_record_version). */
#define TLS12_WIRE_MAJOR 3
#define TLS12_WIRE_MINOR 3
#define TLS12_AAD_LEN 13
#define NONCE_LEN 12

static psa_algorithm_t aead_alg(enum ktla_cipher cipher)
{
    switch (cipher) {
    case KTLA_CIPHER_AES_GCM_128:
    case KTLA_CIPHER_AES_GCM_256:
        return PSA_ALG_GCM;
    case KTLA_CIPHER_AES_CCM_128:
        return PSA_ALG_CCM;
    case KTLA_CIPHER_CHACHA20_POLY1305:
        return PSA_ALG_CHACHA20_POLY1305;
    default:
        return PSA_ALG_NONE;
    }
}

int ktla__record_dir_set(struct ktla__record_dir *dir, const struct ktla__traffic_keys *keys)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    size_t key_len = ktla__cipher_key_len(keys->cipher);
    psa_algorithm_t alg = aead_alg(keys->cipher);
    psa_status_t st;

    dir->key = PSA_KEY_ID_NULL;
    if (alg == PSA_ALG_NONE || key_len == 0)
        return -1;
    psa_set_key_type(&attr, keys->cipher == KTLA_CIPHER_CHACHA20_POLY1305 ? PSA_KEY_TYPE_CHACHA20 : PSA_KEY_TYPE_AES);
    psa_set_key_bits(&attr, key_len * 8);
    psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT);
    psa_set_key_algorithm(&attr, alg);
    st = psa_import_key(&attr, keys->key, key_len, &dir->key);
    psa_reset_key_attributes(&attr);
    if (st != PSA_SUCCESS) {
        dir->key = PSA_KEY_ID_NULL;
        return -1;
    }
    memcpy(dir->iv, keys->iv, sizeof dir->iv);
    dir->seq = keys->seq;
    return 0;
}

void ktla__record_dir_clear(struct ktla__record_dir *dir)
{
    if (dir->key != PSA_KEY_ID_NULL)
        (void)psa_destroy_key(dir->key); /* PSA wipes the key material */
    mbedtls_platform_zeroize(dir, sizeof *dir);
    dir->key = PSA_KEY_ID_NULL;
}

/* TLS 1.2 AES-GCM/CCM carry the explicit half of the nonce in each record (RFC 5288 3, RFC 6655 3). */
static int has_explicit_nonce(const struct ktla__record_suite *suite)
{
    return suite->version == KTLA_TLS_1_2 && suite->cipher != KTLA_CIPHER_CHACHA20_POLY1305;
}

/*
 * The record nonce: the static IV XOR the sequence number (TLS 1.3, RFC
 * 8446 5.3; ChaCha20 in TLS 1.2, RFC 7905 2), or the 4-byte salt and the
 * explicit part (TLS 1.2 AES-GCM/CCM).
 */
static void build_nonce(const struct ktla__record_suite *suite, const struct ktla__record_dir *dir,
                        const unsigned char *explicit_nonce, unsigned char nonce[NONCE_LEN])
{
    unsigned char seq[8];

    if (has_explicit_nonce(suite)) {
        memcpy(nonce, dir->iv, 4);
        memcpy(nonce + 4, explicit_nonce, 8);
        return;
    }
    memcpy(nonce, dir->iv, NONCE_LEN);
    ktla__put_be(seq, 8, dir->seq);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= seq[i];
}

/* TLS 1.2's additional data: seq_num + type + version + length of the plaintext (RFC 5246 6.2.3.3). */
static void tls12_aad(uint64_t seq, unsigned char type, size_t pt_len, unsigned char aad[TLS12_AAD_LEN])
{
    ktla__put_be(aad, 8, seq);
    aad[8] = type;
    aad[9] = TLS12_WIRE_MAJOR;
    aad[10] = TLS12_WIRE_MINOR;
    aad[11] = (unsigned char)(pt_len >> 8);
    aad[12] = (unsigned char)pt_len;
}

static void put_header(unsigned char *hdr, unsigned char type, size_t body_len)
{
    hdr[0] = type;
    hdr[1] = TLS12_WIRE_MAJOR;
    hdr[2] = TLS12_WIRE_MINOR;
    hdr[3] = (unsigned char)(body_len >> 8);
    hdr[4] = (unsigned char)body_len;
}

size_t ktla__record_sealed_len(const struct ktla__record_suite *suite, size_t pt_len)
{
    size_t extra = suite->version == KTLA_TLS_1_3 ? 1 : has_explicit_nonce(suite) ? KTLA__RECORD_EXPLICIT_NONCE_LEN : 0;

    return KTLA__RECORD_HEADER_LEN + extra + pt_len + KTLA__RECORD_TAG_LEN;
}

long ktla__record_seal(const struct ktla__record_suite *suite, struct ktla__record_dir *dir, unsigned char type,
                       const unsigned char *pt, size_t pt_len, unsigned char *out)
{
    size_t total = ktla__record_sealed_len(suite, pt_len), body_len = total - KTLA__RECORD_HEADER_LEN;
    unsigned char nonce[NONCE_LEN], aad[TLS12_AAD_LEN];
    unsigned char *ct = out + KTLA__RECORD_HEADER_LEN;
    size_t in_len = pt_len, ct_len = 0;
    const unsigned char *aad_p = aad;
    size_t aad_len = sizeof aad;
    psa_status_t st;

    /* The last number is never used: the next would be 0 again, a nonce already spent. */
    if (dir->seq == UINT64_MAX || pt_len > KTLA__RECORD_MAX_PLAINTEXT)
        return -1;
    if (suite->version == KTLA_TLS_1_3) {
        put_header(out, TLS_CT_APPLICATION_DATA, body_len);
        memcpy(ct, pt, pt_len);
        ct[pt_len] = type; /* TLSInnerPlaintext: content, type, no padding */
        in_len = pt_len + 1;
        aad_p = out;
        aad_len = KTLA__RECORD_HEADER_LEN;
    } else {
        put_header(out, type, body_len);
        tls12_aad(dir->seq, type, pt_len, aad);
        if (has_explicit_nonce(suite)) {
            ktla__put_be(ct, 8, dir->seq); /* the kernel's choice too: the explicit nonce is the sequence number */
            ct += KTLA__RECORD_EXPLICIT_NONCE_LEN;
        }
    }
    build_nonce(suite, dir, out + KTLA__RECORD_HEADER_LEN, nonce);
    /* TLS 1.2 seals straight from the caller's bytes; TLS 1.3 from the copy that carries the inner type. */
    st = psa_aead_encrypt(dir->key, aead_alg(suite->cipher), nonce, sizeof nonce, aad_p, aad_len,
                          suite->version == KTLA_TLS_1_3 ? ct : pt, in_len, ct, in_len + KTLA__RECORD_TAG_LEN, &ct_len);
    if (st != PSA_SUCCESS || ct_len != in_len + KTLA__RECORD_TAG_LEN) {
        mbedtls_platform_zeroize(out, total);
        return -1;
    }
    dir->seq++;
    return (long)total;
}

int ktla__record_check_header(const struct ktla__record_suite *suite, const unsigned char hdr[KTLA__RECORD_HEADER_LEN],
                              size_t *body_len)
{
    size_t len = (size_t)hdr[3] << 8 | hdr[4];
    size_t max = suite->version == KTLA_TLS_1_3 ? KTLA__RECORD_MAX_CIPHERTEXT_13 : KTLA__RECORD_MAX_CIPHERTEXT_12;

    if (hdr[1] != TLS12_WIRE_MAJOR || hdr[2] != TLS12_WIRE_MINOR)
        return TLS_ALERT_DECODE_ERROR;
    if (len > max)
        return TLS_ALERT_RECORD_OVERFLOW;
    /* RFC 8446 5.2: after the handshake every protected record says application_data outside. */
    if (suite->version == KTLA_TLS_1_3 && hdr[0] != TLS_CT_APPLICATION_DATA)
        return TLS_ALERT_UNEXPECTED_MESSAGE;
    *body_len = len;
    return 0;
}

int ktla__record_open(const struct ktla__record_suite *suite, struct ktla__record_dir *dir,
                      const unsigned char hdr[KTLA__RECORD_HEADER_LEN], unsigned char *body, size_t body_len,
                      unsigned char *type, size_t *pt_off, size_t *pt_len)
{
    size_t skip = has_explicit_nonce(suite) ? KTLA__RECORD_EXPLICIT_NONCE_LEN : 0;
    unsigned char nonce[NONCE_LEN], aad[TLS12_AAD_LEN];
    const unsigned char *aad_p = aad;
    size_t aad_len = sizeof aad, ct_len, out_len = 0;
    psa_status_t st;
    int alert;

    if (dir->seq == UINT64_MAX) {
        alert = TLS_ALERT_INTERNAL_ERROR;
        goto refuse;
    }
    if (body_len < skip + KTLA__RECORD_TAG_LEN) {
        alert = TLS_ALERT_BAD_RECORD_MAC; /* as the kernel: EBADMSG */
        goto refuse;
    }
    ct_len = body_len - skip;
    if (suite->version == KTLA_TLS_1_3) {
        aad_p = hdr;
        aad_len = KTLA__RECORD_HEADER_LEN;
    } else {
        tls12_aad(dir->seq, hdr[0], ct_len - KTLA__RECORD_TAG_LEN, aad);
    }
    build_nonce(suite, dir, body, nonce);
    /* In place, in the engine's own buffer: nothing reaches the caller before the tag verified. */
    st = psa_aead_decrypt(dir->key, aead_alg(suite->cipher), nonce, sizeof nonce, aad_p, aad_len, body + skip, ct_len,
                          body + skip, ct_len, &out_len);
    if (st != PSA_SUCCESS) {
        alert = st == PSA_ERROR_INVALID_SIGNATURE || st == PSA_ERROR_INVALID_ARGUMENT ? TLS_ALERT_BAD_RECORD_MAC
                                                                                      : TLS_ALERT_INTERNAL_ERROR;
        goto refuse;
    }
    dir->seq++;
    *type = hdr[0];
    if (suite->version == KTLA_TLS_1_3) {
        /* TLSInnerPlaintext: content, then the type, then zeros (RFC 8446 5.4). */
        while (out_len > 0 && body[skip + out_len - 1] == 0)
            out_len--;
        if (out_len == 0) {
            alert = TLS_ALERT_UNEXPECTED_MESSAGE;
            goto refuse;
        }
        *type = body[skip + --out_len];
    }
    if (out_len > KTLA__RECORD_MAX_PLAINTEXT) {
        alert = TLS_ALERT_RECORD_OVERFLOW;
        goto refuse;
    }
    *pt_off = skip;
    *pt_len = out_len;
    return 0;
refuse:
    mbedtls_platform_zeroize(body, body_len);
    return alert;
}
