/* SPDX-License-Identifier: Apache-2.0 */
/* names.c - printable names of versions and ciphers. */
#include "config.h"

#include "ktla.h"

const char *ktla_cipher_name(enum ktla_cipher cipher)
{
    static const char *const names[KTLA_CIPHER_COUNT] = {
        [KTLA_CIPHER_AES_GCM_128] = "AES-GCM-128",
        [KTLA_CIPHER_AES_GCM_256] = "AES-GCM-256",
        [KTLA_CIPHER_AES_CCM_128] = "AES-CCM-128",
        [KTLA_CIPHER_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
    };
    return (unsigned)cipher < KTLA_CIPHER_COUNT ? names[cipher] : "unknown";
}

const char *ktla_tls_version_name(enum ktla_tls_version version)
{
    switch (version) {
    case KTLA_TLS_1_2:
        return "TLS1.2";
    case KTLA_TLS_1_3:
        return "TLS1.3";
    default:
        return "unknown";
    }
}
