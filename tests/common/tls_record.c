/* SPDX-License-Identifier: Apache-2.0 */
/* tls_record.c - an independent TLS record sealer/opener for tests (see tls_record.h). */
#include "tls_record.h"

#include <psa/crypto.h>
#include <string.h>

int test_record_init(void)
{
    return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
}

static void put_be64(unsigned char *out, unsigned long long v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (unsigned char)v;
}

/* TLS 1.2 AES-GCM/CCM carry an 8-byte explicit nonce in every record. */
static int has_explicit_nonce(const struct ktla__traffic_keys *k)
{
    return k->version == KTLA_TLS_1_2 && k->cipher != KTLA_CIPHER_CHACHA20_POLY1305;
}

/* The 12-byte AEAD nonce; explicit is the record's explicit nonce (TLS 1.2 AES only). */
static void make_nonce(const struct ktla__traffic_keys *k, const unsigned char *explicit, unsigned char nonce[12])
{
    if (has_explicit_nonce(k)) {
        memcpy(nonce, k->iv, 4);
        memcpy(nonce + 4, explicit, 8);
        return;
    }
    /* RFC 8446 5.3 and RFC 7905: static IV XOR the left-padded sequence number. */
    unsigned char seq[12] = {0};
    put_be64(seq + 4, k->seq);
    for (int i = 0; i < 12; i++)
        nonce[i] = k->iv[i] ^ seq[i];
}

static int import_key(const struct ktla__traffic_keys *k, psa_key_id_t *id, psa_algorithm_t *alg)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    size_t key_len = ktla__cipher_key_len(k->cipher);

    switch (k->cipher) {
    case KTLA_CIPHER_AES_GCM_128:
    case KTLA_CIPHER_AES_GCM_256:
        *alg = PSA_ALG_GCM;
        psa_set_key_type(&attr, PSA_KEY_TYPE_AES);
        break;
    case KTLA_CIPHER_AES_CCM_128:
        *alg = PSA_ALG_CCM;
        psa_set_key_type(&attr, PSA_KEY_TYPE_AES);
        break;
    case KTLA_CIPHER_CHACHA20_POLY1305:
        *alg = PSA_ALG_CHACHA20_POLY1305;
        psa_set_key_type(&attr, PSA_KEY_TYPE_CHACHA20);
        break;
    default:
        return -1;
    }
    psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT);
    psa_set_key_algorithm(&attr, *alg);
    return psa_import_key(&attr, k->key, key_len, id) == PSA_SUCCESS ? 0 : -1;
}

size_t test_record_body_len(const unsigned char *header)
{
    return ((size_t)header[TLS_RECORD_LENGTH_AT] << 8) | header[TLS_RECORD_LENGTH_AT + 1];
}

long test_record_seal(const struct ktla__traffic_keys *k, unsigned char type, const unsigned char *pt,
                      size_t pt_len, unsigned char *out, size_t out_size)
{
    unsigned char nonce[12], aad[13], inner[TLS_MAX_PLAINTEXT_LEN + 1];
    size_t explicit_len = has_explicit_nonce(k) ? 8 : 0, inner_len = pt_len, body, ct_len;
    psa_key_id_t id;
    psa_algorithm_t alg;
    psa_status_t st;

    if (pt_len > TLS_MAX_PLAINTEXT_LEN || out_size < pt_len + TEST_RECORD_OVERHEAD || import_key(k, &id, &alg) != 0)
        return -1;
    memcpy(inner, pt, pt_len);
    if (k->version == KTLA_TLS_1_3)
        inner[inner_len++] = type; /* TLSInnerPlaintext.type; no padding */
    body = explicit_len + inner_len + TEST_RECORD_TAG;
    out[0] = k->version == KTLA_TLS_1_3 ? TLS_CT_APPLICATION_DATA : type;
    out[1] = 3;
    out[2] = 3;
    out[TLS_RECORD_LENGTH_AT] = (unsigned char)(body >> 8);
    out[TLS_RECORD_LENGTH_AT + 1] = (unsigned char)body;
    if (explicit_len)
        put_be64(out + TEST_RECORD_HEADER, k->seq);
    make_nonce(k, out + TEST_RECORD_HEADER, nonce);
    if (k->version == KTLA_TLS_1_3) {
        memcpy(aad, out, TEST_RECORD_HEADER);
    } else {
        put_be64(aad, k->seq);
        aad[8] = type;
        aad[9] = 3;
        aad[10] = 3;
        aad[11] = (unsigned char)(pt_len >> 8);
        aad[12] = (unsigned char)pt_len;
    }
    st = psa_aead_encrypt(id, alg, nonce, sizeof nonce, aad, k->version == KTLA_TLS_1_3 ? TEST_RECORD_HEADER : 13,
                          inner, inner_len,
                          out + TEST_RECORD_HEADER + explicit_len, out_size - TEST_RECORD_HEADER - explicit_len,
                          &ct_len);
    psa_destroy_key(id);
    if (st != PSA_SUCCESS || ct_len != inner_len + TEST_RECORD_TAG)
        return -1;
    return (long)(TEST_RECORD_HEADER + body);
}

long test_record_open(const struct ktla__traffic_keys *k, const unsigned char *rec, size_t rec_len,
                      unsigned char *out, size_t out_size, unsigned char *type)
{
    unsigned char nonce[12], aad[13], inner[TLS_MAX_PLAINTEXT_LEN + 256 + TEST_RECORD_TAG];
    size_t explicit_len = has_explicit_nonce(k) ? 8 : 0, body, ct_len, inner_len;
    psa_key_id_t id;
    psa_algorithm_t alg;
    psa_status_t st;

    if (rec_len < TEST_RECORD_HEADER)
        return -1;
    body = test_record_body_len(rec);
    if (rec[1] != 3 || rec[2] != 3 || body != rec_len - TEST_RECORD_HEADER || body < explicit_len + TEST_RECORD_TAG)
        return -1;
    ct_len = body - explicit_len;
    if (ct_len - TEST_RECORD_TAG > sizeof inner)
        return -1;
    make_nonce(k, rec + TEST_RECORD_HEADER, nonce);
    if (k->version == KTLA_TLS_1_3) {
        memcpy(aad, rec, TEST_RECORD_HEADER);
    } else {
        size_t pt_len = ct_len - TEST_RECORD_TAG;
        put_be64(aad, k->seq);
        aad[8] = rec[0];
        aad[9] = 3;
        aad[10] = 3;
        aad[11] = (unsigned char)(pt_len >> 8);
        aad[12] = (unsigned char)pt_len;
    }
    if (import_key(k, &id, &alg) != 0)
        return -1;
    st = psa_aead_decrypt(id, alg, nonce, sizeof nonce, aad, k->version == KTLA_TLS_1_3 ? TEST_RECORD_HEADER : 13,
                          rec + TEST_RECORD_HEADER + explicit_len, ct_len, inner, sizeof inner, &inner_len);
    psa_destroy_key(id);
    if (st != PSA_SUCCESS)
        return -1;
    if (k->version == KTLA_TLS_1_3) {
        /* Strip zero padding; the last non-zero byte is the real content type. */
        while (inner_len > 0 && inner[inner_len - 1] == 0)
            inner_len--;
        if (inner_len == 0)
            return -1;
        *type = inner[--inner_len];
    } else {
        *type = rec[0];
    }
    if (inner_len > out_size)
        return -1;
    memcpy(out, inner, inner_len);
    return (long)inner_len;
}
