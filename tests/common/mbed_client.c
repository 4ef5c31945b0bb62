/* SPDX-License-Identifier: Apache-2.0 */
/* mbed_client.c - an mbedTLS 3.6 TLS client for tests (see mbed_client.h). */
#include "mbed_client.h"

#include <mbedtls/psa_util.h>
#include <psa/crypto.h>
#include <stdio.h>
#include <string.h>

int mbed_client_init(struct mbed_client *c, int version, int suite, const char *alpn, const char *sni)
{
    memset(c, 0, sizeof *c);
    if (psa_crypto_init() != PSA_SUCCESS)
        return -1;
    mbedtls_ssl_config_init(&c->conf);
    mbedtls_x509_crt_init(&c->cert);
    mbedtls_pk_init(&c->key);
    mbedtls_ssl_init(&c->ssl);
    if (mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        return -1;
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_min_tls_version(&c->conf, (mbedtls_ssl_protocol_version)version);
    mbedtls_ssl_conf_max_tls_version(&c->conf, (mbedtls_ssl_protocol_version)version);
    if (suite) {
        c->suites[0] = suite;
        mbedtls_ssl_conf_ciphersuites(&c->conf, c->suites);
    }
    if (alpn) {
        c->alpn[0] = alpn;
        if (mbedtls_ssl_conf_alpn_protocols(&c->conf, c->alpn) != 0)
            return -1;
    }
    if (mbedtls_ssl_setup(&c->ssl, &c->conf) != 0)
        return -1;
    if (sni && mbedtls_ssl_set_hostname(&c->ssl, sni) != 0)
        return -1;
    return 0;
}

void mbed_client_free(struct mbed_client *c)
{
    mbedtls_ssl_free(&c->ssl);
    mbedtls_ssl_config_free(&c->conf);
    mbedtls_x509_crt_free(&c->cert);
    mbedtls_pk_free(&c->key);
}

int mbed_client_use_cert(struct mbed_client *c, const char *data_dir, const char *name)
{
    char crt[512], key[512];

    snprintf(crt, sizeof crt, "%s/%s.crt", data_dir, name);
    snprintf(key, sizeof key, "%s/%s.key", data_dir, name);
    if (mbedtls_x509_crt_parse_file(&c->cert, crt) != 0 ||
        mbedtls_pk_parse_keyfile(&c->key, key, NULL, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) != 0)
        return -1;
    /* The config is read at handshake time, so this works after mbedtls_ssl_setup(). */
    return mbedtls_ssl_conf_own_cert(&c->conf, &c->cert, &c->key) == 0 ? 0 : -1;
}

void mbed_client_take_tickets(struct mbed_client *c)
{
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&c->conf,
                                                            MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
}
