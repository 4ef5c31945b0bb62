/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_psk.c - external pre-shared keys (RFC 8446 2.2): a client's one
 * identity and key, a server's identity and/or lookup callback, and the
 * TLS 1.3 key exchange modes that go with them.
 *
 * The key is a secret: it is copied into the config (wiped with it when the
 * config is freed), handed to mbedTLS, which keeps its own copy and wipes it
 * (mbedtls_ssl_config_free, the handshake's own), and a key a lookup wrote is
 * wiped as soon as mbedTLS has taken it.  Nothing here logs a key.
 *
 * Only TLS 1.3: TLS 1.2's PSK suites would work with Debian's mbedTLS
 * (MBEDTLS_KEY_EXCHANGE_PSK/DHE_PSK/ECDHE_PSK are on) and kTLS carries
 * their GCM and ChaCha20 records, but ktla's suite table holds only
 * certificate suites and the kernel's PSK consumers (NVMe/TCP) require
 * TLS 1.3, so a PSK config whose highest version is TLS 1.2 is refused.
 */
#include "config.h"

#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <string.h>

#include "config_internal.h"

int ktla__config_has_psk(const ktla_config *cfg)
{
    return cfg->psk_key_len > 0 || cfg->psk_lookup != NULL;
}

int ktla_config_set_psk(ktla_config *cfg, const void *identity, size_t identity_len, const void *key, size_t key_len)
{
    int rc = ktla__config_writable(cfg);

    if (rc != 0)
        return rc;
    if (identity == NULL || key == NULL)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "ktla_config_set_psk(): NULL identity or key");
    if (identity_len == 0 || identity_len > KTLA_PSK_MAX_IDENTITY)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "PSK identity of %zu bytes: 1 to %d allowed", identity_len,
                                 KTLA_PSK_MAX_IDENTITY);
    if (key_len == 0 || key_len > KTLA_PSK_MAX_KEY)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "PSK of %zu bytes: 1 to %d allowed", key_len, KTLA_PSK_MAX_KEY);
    mbedtls_platform_zeroize(cfg->psk_key, sizeof cfg->psk_key);
    memcpy(cfg->psk_identity, identity, identity_len);
    cfg->psk_identity_len = identity_len;
    memcpy(cfg->psk_key, key, key_len);
    cfg->psk_key_len = key_len;
    return 0;
}

int ktla_config_set_psk_lookup(ktla_config *cfg, ktla_psk_lookup_fn lookup, void *arg)
{
    int rc = ktla__config_writable(cfg);

    if (rc != 0)
        return rc;
    if (cfg->is_client)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "a PSK lookup is for servers: a client offers ktla_config_set_psk()");
    cfg->psk_lookup = lookup;
    cfg->psk_lookup_arg = arg;
    return 0;
}

/*
 * mbedTLS's server callback for each identity the client offers: 0 after
 * mbedtls_ssl_set_hs_psk() when the identity is known, non-zero to pass it
 * over.  mbedTLS then tries the client's next identity, and fails the
 * handshake when none matched and no certificate exchange is left.
 */
static int find_psk(void *p, mbedtls_ssl_context *ssl, const unsigned char *identity, size_t identity_len)
{
    const ktla_config *cfg = p;
    unsigned char key[KTLA_PSK_MAX_KEY];
    size_t key_len;
    int rc;

    /* Identities are public (they travel in clear in the ClientHello): memcmp is fine. */
    if (cfg->psk_key_len > 0 && identity_len == cfg->psk_identity_len &&
        memcmp(identity, cfg->psk_identity, identity_len) == 0)
        return mbedtls_ssl_set_hs_psk(ssl, cfg->psk_key, cfg->psk_key_len);
    if (cfg->psk_lookup == NULL)
        return -1;
    key_len = cfg->psk_lookup(cfg->psk_lookup_arg, identity, identity_len, key, sizeof key);
    rc = key_len > 0 && key_len <= sizeof key ? mbedtls_ssl_set_hs_psk(ssl, key, key_len) : -1;
    mbedtls_platform_zeroize(key, sizeof key);
    return rc;
}

int ktla__config_build_psk(ktla_config *cfg)
{
    int modes;
    int rc;

    if (!ktla__config_has_psk(cfg))
        return 0;
    if (cfg->max_version < KTLA_TLS_1_3)
        return ktla__config_fail(cfg, KTLA_E_CONFIG, "external PSKs need TLS 1.3: ktla offers no TLS 1.2 PSK suites");
    /* psk_dhe_ke always; psk_ke (no forward secrecy) only when the caller allowed it. */
    modes = MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL;
    if (cfg->psk_ke_allowed)
        modes |= MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK;
    if (cfg->is_client) {
        /* A PSK client talks TLS 1.3 with its PSK only: no fallback to a certificate it could not check. */
        mbedtls_ssl_conf_min_tls_version(&cfg->ssl, MBEDTLS_SSL_VERSION_TLS1_3);
        rc = mbedtls_ssl_conf_psk(&cfg->ssl, cfg->psk_key, cfg->psk_key_len, cfg->psk_identity,
                                  cfg->psk_identity_len);
        if (rc != 0)
            return ktla__config_fail(cfg, KTLA_E_CONFIG, "mbedTLS refused the PSK (-0x%04x)", -rc);
    } else {
        /* A server with certificates still serves clients without a PSK. */
        if (cfg->n_certs > 0)
            modes |= MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL;
        mbedtls_ssl_conf_psk_cb(&cfg->ssl, find_psk, cfg);
    }
    mbedtls_ssl_conf_tls13_key_exchange_modes(&cfg->ssl, modes);
    return 0;
}
