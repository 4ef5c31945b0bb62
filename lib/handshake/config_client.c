/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_client.c - a ktla_config for ktla_connect(): the role, the CAs the
 * server's certificate must verify against, and whether it is verified at
 * all.  The shared part of the mbedTLS build is config_freeze.c's.
 */
#include "config.h"

#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <stdio.h>

#include "config_internal.h"

/* Debian's bundle of the system's trusted CAs (ca-certificates). */
#define KTLA__SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

int ktla_config_new_client(ktla_config **out)
{
    int rc = ktla_config_new(out);

    if (rc == 0)
        (*out)->is_client = 1;
    return rc;
}

static int client_writable(ktla_config *cfg)
{
    int rc = ktla__config_writable(cfg);

    if (rc == 0 && !cfg->is_client)
        rc = ktla__config_fail(cfg, KTLA_E_INVAL, "a server config: make a client one with ktla_config_new_client()");
    return rc;
}

/* Load file and/or dir into ca; 0, or KTLA_E_CERT with the reason in cfg->error. */
static int load_cas(ktla_config *cfg, mbedtls_x509_crt *ca, const char *file, const char *dir)
{
    char msg[128];
    int rc;

    if (file && (rc = mbedtls_x509_crt_parse_file(ca, file)) < 0) {
        mbedtls_strerror(rc, msg, sizeof msg);
        return ktla__config_fail(cfg, KTLA_E_CERT, "trusted CA file %s: %s", file, msg);
    }
    if (dir && (rc = mbedtls_x509_crt_parse_path(ca, dir)) < 0) {
        mbedtls_strerror(rc, msg, sizeof msg);
        return ktla__config_fail(cfg, KTLA_E_CERT, "trusted CA directory %s: %s", dir, msg);
    }
    /* A bundle may hold some certificates mbedTLS cannot parse (rc > 0 counts them); none at all is an error. */
    if (ca->raw.len == 0)
        return ktla__config_fail(cfg, KTLA_E_CERT, "no CA certificate could be read from %s%s%s", file ? file : "",
                                 file && dir ? " and " : "", dir ? dir : "");
    return 0;
}

int ktla_config_set_ca(ktla_config *cfg, const char *file, const char *dir)
{
    mbedtls_x509_crt ca;
    int rc = client_writable(cfg);

    if (rc != 0)
        return rc;
    if (file == NULL && dir == NULL)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "ktla_config_set_ca(): neither a file nor a directory");
    mbedtls_x509_crt_init(&ca);
    rc = load_cas(cfg, &ca, file, dir);
    if (rc != 0) {
        mbedtls_x509_crt_free(&ca);
        return rc;
    }
    mbedtls_x509_crt_free(&cfg->server_ca);
    cfg->server_ca = ca;
    cfg->ca_set = 1;
    return 0;
}

int ktla_config_set_verify(ktla_config *cfg, enum ktla_verify mode)
{
    int rc = client_writable(cfg);

    if (rc != 0)
        return rc;
    if (mode != KTLA_VERIFY_PEER && mode != KTLA_VERIFY_NONE)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "unknown verify mode %d", (int)mode);
    cfg->verify = mode;
    return 0;
}

int ktla__config_build_client(ktla_config *cfg)
{
    if (cfg->verify == KTLA_VERIFY_NONE) {
        mbedtls_ssl_conf_authmode(&cfg->ssl, MBEDTLS_SSL_VERIFY_NONE);
        return 0;
    }
    /* The system store is read when the config is built, so that a config never used costs nothing. */
    if (!cfg->ca_set) {
        mbedtls_x509_crt_free(&cfg->server_ca);
        mbedtls_x509_crt_init(&cfg->server_ca);
        if (load_cas(cfg, &cfg->server_ca, KTLA__SYSTEM_CA_FILE, NULL) != 0)
            return ktla__config_fail(cfg, KTLA_E_CONFIG,
                                     "no trusted CAs: the system store %s cannot be read (install ca-certificates, or "
                                     "name CAs with ktla_config_set_ca())",
                                     KTLA__SYSTEM_CA_FILE);
    }
    mbedtls_ssl_conf_authmode(&cfg->ssl, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&cfg->ssl, &cfg->server_ca, NULL);
    return 0;
}
