/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls12_prf.c - the TLS 1.2 PRF (RFC 5246 section 5) for the key block, at
 * the fewest hash compressions.
 *
 * Why not mbedtls_ssl_tls_prf(): its P_hash runs every HMAC through
 * mbedtls_md_hmac_reset/finish, which hash the padded key again for each of
 * the 2n+1 HMACs (one ipad block per reset, one opad block per finish).  The
 * key (the master secret) is the same for all of them, so here the hash
 * states after K^ipad and K^opad are computed once and copied for each HMAC:
 * a 40-byte SHA-256 key block takes 13 compressions instead of 24, which was
 * most of what ktla added to a resumed TLS 1.2 handshake (callgrind, see
 * bench/README.md).  Same output, byte for byte (tests/unit/test_keys.c
 * checks it against published vectors, mbedTLS and a P_hash written out by
 * hand).
 */
#include "config.h"

#include "keys.h"

#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#define HMAC_IPAD 0x36
#define HMAC_OPAD 0x5c
#define PRF_MAX_BLOCK 128 /* SHA-384's block */
#define PRF_MAX_HASH 48   /* SHA-384's output */

/* One hash state of either family; is384 says which member of the union is live. */
struct prf_hash {
    int is384;
    union {
        mbedtls_sha256_context s256;
        mbedtls_sha512_context s512;
    } u;
};

static size_t block_len(int is384)
{
    return is384 ? 128 : 64;
}

static size_t hash_len(int is384)
{
    return is384 ? 48 : 32;
}

/* An empty context of the family, which hash_wipe can always take. */
static void hash_init(struct prf_hash *h, int is384)
{
    h->is384 = is384;
    if (is384)
        mbedtls_sha512_init(&h->u.s512);
    else
        mbedtls_sha256_init(&h->u.s256);
}

static int hash_start(struct prf_hash *h)
{
    return h->is384 ? mbedtls_sha512_starts(&h->u.s512, 1) : mbedtls_sha256_starts(&h->u.s256, 0);
}

static int hash_update(struct prf_hash *h, const unsigned char *p, size_t n)
{
    return h->is384 ? mbedtls_sha512_update(&h->u.s512, p, n) : mbedtls_sha256_update(&h->u.s256, p, n);
}

/* Finishes h into out (hash_len bytes); h is wiped either way. */
static int hash_finish(struct prf_hash *h, unsigned char *out)
{
    int ret;

    if (h->is384) {
        ret = mbedtls_sha512_finish(&h->u.s512, out);
        mbedtls_sha512_free(&h->u.s512);
    } else {
        ret = mbedtls_sha256_finish(&h->u.s256, out);
        mbedtls_sha256_free(&h->u.s256);
    }
    return ret;
}

/* dst = a copy of src's state (mbedTLS's clone: correct for any implementation of the context). */
static void hash_clone(struct prf_hash *dst, const struct prf_hash *src)
{
    hash_init(dst, src->is384);
    if (src->is384)
        mbedtls_sha512_clone(&dst->u.s512, &src->u.s512);
    else
        mbedtls_sha256_clone(&dst->u.s256, &src->u.s256);
}

static void hash_wipe(struct prf_hash *h)
{
    if (h->is384)
        mbedtls_sha512_free(&h->u.s512);
    else
        mbedtls_sha256_free(&h->u.s256);
}

/* The HMAC key's two precomputed states. */
struct prf_key {
    struct prf_hash inner, outer;
};

static int key_setup(struct prf_key *k, int is384, const unsigned char *secret, size_t secret_len)
{
    unsigned char pad[PRF_MAX_BLOCK];
    size_t bl = block_len(is384);
    int ret;

    /* RFC 2104: a key no longer than the block is zero-padded (longer ones are refused by the caller). */
    memset(pad, HMAC_IPAD, bl);
    for (size_t i = 0; i < secret_len; i++)
        pad[i] ^= secret[i];
    hash_init(&k->inner, is384);
    hash_init(&k->outer, is384);
    ret = hash_start(&k->inner);
    if (ret == 0)
        ret = hash_update(&k->inner, pad, bl);
    for (size_t i = 0; i < bl; i++)
        pad[i] ^= HMAC_IPAD ^ HMAC_OPAD;
    if (ret == 0)
        ret = hash_start(&k->outer);
    if (ret == 0)
        ret = hash_update(&k->outer, pad, bl);
    mbedtls_platform_zeroize(pad, sizeof pad);
    return ret;
}

/* HMAC(K, a || b || c) into out, from the precomputed states; any part may be empty. */
static int hmac3(const struct prf_key *k, const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len,
                 const unsigned char *c, size_t c_len, unsigned char *out)
{
    struct prf_hash h;
    unsigned char ih[PRF_MAX_HASH];
    int ret;

    hash_clone(&h, &k->inner);
    ret = hash_update(&h, a, a_len);
    if (ret == 0 && b_len > 0)
        ret = hash_update(&h, b, b_len);
    if (ret == 0 && c_len > 0)
        ret = hash_update(&h, c, c_len);
    if (ret != 0) {
        hash_wipe(&h);
        return ret;
    }
    ret = hash_finish(&h, ih);
    hash_clone(&h, &k->outer);
    if (ret == 0)
        ret = hash_update(&h, ih, hash_len(k->inner.is384));
    if (ret == 0)
        ret = hash_finish(&h, out);
    else
        hash_wipe(&h);
    mbedtls_platform_zeroize(ih, sizeof ih);
    return ret;
}

int ktla__tls12_prf(mbedtls_tls_prf_types prf, const unsigned char *secret, size_t secret_len, const char *label,
                    const unsigned char *seed, size_t seed_len, unsigned char *out, size_t out_len)
{
    int is384 = prf == MBEDTLS_SSL_TLS_PRF_SHA384;
    size_t hl = hash_len(is384);
    size_t label_len = label ? strlen(label) : 0;
    unsigned char a[PRF_MAX_HASH], block[PRF_MAX_HASH];
    struct prf_key k;
    int ret;

    if (!out || out_len == 0)
        return KTLA_E_INVAL;
    if ((prf != MBEDTLS_SSL_TLS_PRF_SHA256 && !is384) || !secret || secret_len > block_len(is384) || !label ||
        label_len == 0 || (seed_len > 0 && !seed)) {
        mbedtls_platform_zeroize(out, out_len);
        return KTLA_E_INVAL;
    }
    ret = key_setup(&k, is384, secret, secret_len);
    /* P_hash: A(1) = HMAC(label || seed); block i = HMAC(A(i) || label || seed); A(i+1) = HMAC(A(i)). */
    if (ret == 0)
        ret = hmac3(&k, (const unsigned char *)label, label_len, seed, seed_len, NULL, 0, a);
    for (size_t done = 0; ret == 0 && done < out_len;) {
        size_t n = out_len - done < hl ? out_len - done : hl;

        ret = hmac3(&k, a, hl, (const unsigned char *)label, label_len, seed, seed_len, block);
        if (ret != 0)
            break;
        memcpy(out + done, block, n);
        done += n;
        if (done < out_len) /* the last A is never used: not computed */
            ret = hmac3(&k, a, hl, NULL, 0, NULL, 0, a);
    }
    hash_wipe(&k.inner);
    hash_wipe(&k.outer);
    mbedtls_platform_zeroize(a, sizeof a);
    mbedtls_platform_zeroize(block, sizeof block);
    if (ret != 0) {
        mbedtls_platform_zeroize(out, out_len);
        return KTLA_E_TLS;
    }
    return 0;
}
