/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_freeze.c - turn a ktla_config into the one mbedTLS configuration
 * all its connections share.  Runs once, on the first ktla_conn_new();
 * ktla_config_check() runs the same build and throws it away.
 */
#include "config.h"

#include <mbedtls/platform_util.h>
#include <mbedtls/psa_util.h>

#include "config_internal.h"
#include "keys/keys.h"

static int version_allowed(const ktla_config *cfg, enum ktla_tls_version v)
{
    return v >= cfg->min_version && v <= cfg->max_version;
}

/*
 * Only suites whose record protection the kernel implements, in the order of
 * the caller's cipher preference.  mbedTLS's default list would also accept
 * CBC, CCM-8 and others that could never be offloaded.
 */
static void build_suite_list(ktla_config *cfg)
{
    size_t n = 0;

    for (size_t i = 0; i < cfg->n_ciphers; i++)
        for (const int *id = ktla__kernel_ciphersuites; *id; id++) {
            enum ktla_tls_version v;
            enum ktla_cipher c;
            mbedtls_md_type_t md;
            if (ktla__suite_to_kernel(*id, &v, &c, &md) == 0 && c == cfg->ciphers[i] && version_allowed(cfg, v) &&
                n + 1 < sizeof cfg->ciphersuites / sizeof cfg->ciphersuites[0])
                cfg->ciphersuites[n++] = *id;
        }
    cfg->ciphersuites[n] = 0;
}

static int build(ktla_config *cfg)
{
    static const int authmodes[] = {
        [KTLA_CLIENT_AUTH_NONE] = MBEDTLS_SSL_VERIFY_NONE,
        [KTLA_CLIENT_AUTH_OPTIONAL] = MBEDTLS_SSL_VERIFY_OPTIONAL,
        [KTLA_CLIENT_AUTH_REQUIRED] = MBEDTLS_SSL_VERIFY_REQUIRED,
    };
    int rc;

    if (cfg->n_certs == 0 && !cfg->is_client && !ktla__config_has_psk(cfg))
        return ktla__config_fail(cfg, KTLA_E_CONFIG,
                                 "no certificate: add one with ktla_config_add_cert_file() (or a PSK)");
    rc = mbedtls_ssl_config_defaults(&cfg->ssl, cfg->is_client ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER,
                                     MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0)
        return ktla__config_fail(cfg, KTLA_E_CONFIG, "mbedTLS defaults failed (-0x%04x)", -rc);
    mbedtls_ssl_conf_rng(&cfg->ssl, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    /* Never below TLS 1.2, whatever mbedTLS's own default. */
    mbedtls_ssl_conf_min_tls_version(&cfg->ssl, (mbedtls_ssl_protocol_version)cfg->min_version);
    mbedtls_ssl_conf_max_tls_version(&cfg->ssl, (mbedtls_ssl_protocol_version)cfg->max_version);
    build_suite_list(cfg);
    if (cfg->ciphersuites[0] == 0)
        return ktla__config_fail(cfg, KTLA_E_CONFIG, "no cipher suite left for these versions and ciphers");
    mbedtls_ssl_conf_ciphersuites(&cfg->ssl, cfg->ciphersuites);
    mbedtls_ssl_conf_groups(&cfg->ssl, cfg->groups);
    for (size_t i = 0; i < cfg->n_certs; i++) {
        rc = mbedtls_ssl_conf_own_cert(&cfg->ssl, &cfg->certs[i].chain, &cfg->certs[i].key);
        if (rc != 0)
            return ktla__config_fail(cfg, KTLA_E_NOMEM, "could not add certificate %zu", i);
    }
    for (size_t i = 0; i <= KTLA__MAX_ALPN; i++)
        cfg->alpn_list[i] = cfg->alpn[i];
    if (cfg->alpn[0] && mbedtls_ssl_conf_alpn_protocols(&cfg->ssl, cfg->alpn_list) != 0)
        return ktla__config_fail(cfg, KTLA_E_CONFIG, "ALPN list refused by mbedTLS");
    if (cfg->is_client)
        return (rc = ktla__config_build_client(cfg)) != 0 ? rc : ktla__config_build_psk(cfg);
    mbedtls_ssl_conf_sni(&cfg->ssl, ktla__cert_select_sni, cfg);
    mbedtls_ssl_conf_authmode(&cfg->ssl, authmodes[cfg->client_auth]);
    if (cfg->client_auth != KTLA_CLIENT_AUTH_NONE)
        mbedtls_ssl_conf_ca_chain(&cfg->ssl, &cfg->client_ca, NULL);
    return (rc = ktla__config_setup_tickets(cfg)) != 0 ? rc : ktla__config_build_psk(cfg);
}

/* A failed build leaves nothing behind, so that fixing the config and retrying starts clean. */
static void undo_build(ktla_config *cfg)
{
    mbedtls_ssl_config_free(&cfg->ssl);
    mbedtls_ssl_config_init(&cfg->ssl);
    mbedtls_ssl_ticket_free(&cfg->ticket_ctx);
    mbedtls_ssl_ticket_init(&cfg->ticket_ctx);
}

int ktla__config_freeze(ktla_config *cfg)
{
    int rc = 0;

    if (atomic_load_explicit(&cfg->frozen, memory_order_acquire))
        return 0;
    pthread_mutex_lock(&cfg->freeze_lock);
    if (!atomic_load_explicit(&cfg->frozen, memory_order_relaxed)) {
        rc = build(cfg);
        if (rc == 0) {
            ktla__config_build_group_choice(cfg);
            /* The ticket context holds its own copy now. */
            mbedtls_platform_zeroize(cfg->ticket_key, sizeof cfg->ticket_key);
            atomic_store_explicit(&cfg->frozen, 1, memory_order_release);
        } else {
            undo_build(cfg);
        }
    }
    pthread_mutex_unlock(&cfg->freeze_lock);
    return rc;
}

/*
 * The same build as the first ktla_conn_new(), so the same verdict and the
 * same reason in cfg->error, but nothing is kept: the config stays
 * unfrozen and its setters still work.  A frozen config was built already.
 */
int ktla_config_check(ktla_config *cfg)
{
    int rc = 0;

    if (cfg == NULL)
        return KTLA_E_INVAL;
    if (atomic_load_explicit(&cfg->frozen, memory_order_acquire))
        return 0;
    pthread_mutex_lock(&cfg->freeze_lock);
    if (!atomic_load_explicit(&cfg->frozen, memory_order_relaxed)) {
        rc = build(cfg);
        undo_build(cfg);
    }
    pthread_mutex_unlock(&cfg->freeze_lock);
    return rc;
}
