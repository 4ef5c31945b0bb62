/* SPDX-License-Identifier: Apache-2.0 */
/*
 * install.c - from a handshake's secrets to the kernel (see install.h): the
 * one path of the hand-off (record/engine.c) and of ktla_install_keys(), for a
 * caller (client or server) that ran its own TLS handshake.
 *
 * The derivation is keys.c's, the mapping of suites ktla__suite_to_kernel(),
 * whether the kernel may take them ktla__offload_refusal() (record/decide.c),
 * the socket options ktls.c's; this file chooses which secret goes to which
 * direction and runs the steps in their order.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#include <psa/crypto.h>

#include "install.h"
#include "decide.h"
#include "keys/keys.h"
#include "kernel/kernel_caps.h"
#include "kernel/ktls.h"
#include "record_crypto.h"

static int install_both(int fd, const struct ktla__traffic_keys *tx, const struct ktla__traffic_keys *rx, char *why,
                        size_t why_size)
{
    enum ktla_direction dir = KTLA_DIR_TX;
    int rc = ktla__ktls_attach_ulp(fd);

    if (rc != 0) {
        ktla__ktls_reason(KTLA__STEP_ULP, KTLA_DIR_TX, -rc, why, why_size);
        if (rc == -ENOENT)
            ktla__kernel_note_ulp_missing(why);
        return KTLA_E_UNSUPPORTED;
    }
    /* From here on there is no way back to user space. */
    rc = ktla__ktls_set_keys(fd, dir, tx);
    if (rc == 0) {
        dir = KTLA_DIR_RX;
        rc = ktla__ktls_set_keys(fd, dir, rx);
    }
    if (rc != 0) {
        ktla__ktls_reason(KTLA__STEP_KEYS, dir, -rc, why, why_size);
        errno = -rc;
        return KTLA_E_SYSCALL;
    }
    return 0;
}

int ktla__kernel_take_keys(enum ktla_offload_policy policy, int fd, size_t max_out, const struct ktla__traffic_keys *tx,
                           const struct ktla__traffic_keys *rx, char *why, size_t why_size)
{
    char refused[256] = "";
    const char *reason = ktla__offload_refusal(policy, fd, tx->version, tx->cipher, max_out, refused, sizeof refused);

    if (reason != NULL) {
        snprintf(why, why_size, "%s", reason[0] ? reason : "the kernel cannot take this connection's records");
        return KTLA_E_UNSUPPORTED;
    }
    return install_both(fd, tx, rx, why, why_size);
}

static size_t hash_len(mbedtls_md_type_t md)
{
    return md == MBEDTLS_MD_SHA384 ? 48 : md == MBEDTLS_MD_SHA256 ? 32 : 0;
}

/* Both directions' keys, TX being this side's; 0 or a KTLA_E_* code with why filled. */
static int derive(int is_client, const struct ktla_session_keys *k, enum ktla_cipher cipher, mbedtls_md_type_t md,
                  struct ktla__traffic_keys *tx, struct ktla__traffic_keys *rx, char *why, size_t why_size)
{
    int rc;

    if (k->version == KTLA_TLS_1_3) {
        const unsigned char *own = is_client ? k->client_secret : k->server_secret;
        const unsigned char *peer = is_client ? k->server_secret : k->client_secret;

        if (k->secret_len != hash_len(md)) {
            snprintf(why, why_size, "secret_len %zu is not the length of suite 0x%04x's hash (%zu)", k->secret_len,
                     (unsigned)k->ciphersuite, hash_len(md));
            return KTLA_E_INVAL;
        }
        rc = ktla__tls13_traffic_keys(cipher, md, own, k->secret_len, is_client ? k->client_seq : k->server_seq, tx);
        if (rc == 0)
            rc = ktla__tls13_traffic_keys(cipher, md, peer, k->secret_len, is_client ? k->server_seq : k->client_seq,
                                          rx);
        if (rc != 0)
            snprintf(why, why_size, "TLS 1.3 traffic key derivation failed (%s)", ktla_err_name(rc));
        return rc;
    }
    /* The key block is in the client's then the server's order: which half is ours depends on the role. */
    rc = ktla__tls12_traffic_keys(cipher, md == MBEDTLS_MD_SHA384 ? MBEDTLS_SSL_TLS_PRF_SHA384 : MBEDTLS_SSL_TLS_PRF_SHA256,
                                  k->master_secret, k->client_random, k->server_random, k->client_seq, k->server_seq,
                                  is_client ? tx : rx, is_client ? rx : tx);
    if (rc != 0)
        snprintf(why, why_size, "TLS 1.2 key block derivation failed (%s)", ktla_err_name(rc));
    return rc;
}

int ktla__session_traffic_keys(int is_client, const struct ktla_session_keys *keys, struct ktla__traffic_keys *tx,
                               struct ktla__traffic_keys *rx, char *why, size_t why_size)
{
    enum ktla_cipher cipher;
    mbedtls_md_type_t md;
    int rc;

    memset(tx, 0, sizeof *tx);
    memset(rx, 0, sizeof *rx);
    if (ktla__suite_to_kernel(keys->ciphersuite, NULL, &cipher, &md) != 0) {
        snprintf(why, why_size, "cipher suite 0x%04x has no record engine", (unsigned)keys->ciphersuite);
        return KTLA_E_UNSUPPORTED;
    }
    if (psa_crypto_init() != PSA_SUCCESS) { /* the derivation needs it; idempotent */
        snprintf(why, why_size, "psa_crypto_init failed");
        return KTLA_E_NOMEM;
    }
    rc = derive(is_client != 0, keys, cipher, md, tx, rx, why, why_size);
    if (rc != 0) {
        mbedtls_platform_zeroize(tx, sizeof *tx);
        mbedtls_platform_zeroize(rx, sizeof *rx);
    }
    return rc;
}

int ktla_install_keys(int fd, int is_client, const struct ktla_session_keys *keys, char *why, size_t why_size)
{
    struct ktla__traffic_keys tx, rx;
    enum ktla_tls_version version;
    char scratch[8];
    int rc, err = 0;

    if (why == NULL || why_size == 0) {
        why = scratch;
        why_size = sizeof scratch;
    }
    why[0] = '\0';
    if (fd < 0 || keys == NULL || (keys->version != KTLA_TLS_1_2 && keys->version != KTLA_TLS_1_3)) {
        snprintf(why, why_size, "%s", fd < 0 ? "no socket" : keys == NULL ? "no keys" : "unknown TLS version");
        return KTLA_E_INVAL;
    }
    if (ktla__suite_to_kernel(keys->ciphersuite, &version, NULL, NULL) != 0) {
        snprintf(why, why_size, "cipher suite 0x%04x has no kernel implementation", (unsigned)keys->ciphersuite);
        return KTLA_E_UNSUPPORTED;
    }
    if (version != keys->version) {
        snprintf(why, why_size, "cipher suite 0x%04x is not a %s suite", (unsigned)keys->ciphersuite,
                 ktla_tls_version_name(keys->version));
        return KTLA_E_INVAL;
    }
    /*
     * TLS 1.2 record 0 under these keys is the Finished message, already
     * sent: starting the kernel there would seal the next record with the
     * nonce the Finished used (the explicit nonce is the sequence number for
     * AES-GCM/CCM; ChaCha20 XORs it into the IV).
     */
    if (version == KTLA_TLS_1_2 && (keys->client_seq == 0 || keys->server_seq == 0)) {
        snprintf(why, why_size,
                 "TLS 1.2 %s is 0: record 0 is the Finished message, and starting there would reuse its nonce; "
                 "pass the TLS library's counter after the handshake (1 or more)",
                 keys->client_seq == 0 ? "client_seq" : "server_seq");
        return KTLA_E_INVAL;
    }
    /* The hand-off's derivation and decision (handoff.c, engine.c), for a caller that always wants the kernel. */
    rc = ktla__session_traffic_keys(is_client != 0, keys, &tx, &rx, why, why_size);
    if (rc == 0) {
        rc = ktla__kernel_take_keys(KTLA_OFFLOAD_POLICY_AUTO, fd, KTLA__RECORD_MAX_PLAINTEXT, &tx, &rx, why, why_size);
        if (rc == KTLA_E_SYSCALL) {
            size_t n = strlen(why);

            err = errno;
            snprintf(why + n, why_size - n, "; the TLS ULP is attached, the connection is unusable");
        }
    }
    mbedtls_platform_zeroize(&tx, sizeof tx);
    mbedtls_platform_zeroize(&rx, sizeof rx);
    if (err)
        errno = err;
    return rc;
}
