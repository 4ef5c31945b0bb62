/* SPDX-License-Identifier: Apache-2.0 */
/* fixture.c - server configurations and handshake drivers shared by the tests. */
#include "fixture.h"

#include <psa/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fixture_add_cert(ktla_config *cfg, const char *name)
{
    char crt[512], key[512];

    snprintf(crt, sizeof crt, "%s/%s.crt", TEST_DATA_DIR, name);
    snprintf(key, sizeof key, "%s/%s.key", TEST_DATA_DIR, name);
    return ktla_config_add_cert_file(cfg, crt, key, NULL);
}

ktla_config *fixture_config(const char *name)
{
    ktla_config *cfg = NULL;

    if (ktla_config_new(&cfg) != 0)
        return NULL;
    if (fixture_add_cert(cfg, name) != 0) {
        fprintf(stderr, "fixture: %s\n", ktla_config_error(cfg));
        ktla_config_free(cfg);
        return NULL;
    }
    return cfg;
}

int fixture_ticket_key_file(char *template)
{
    unsigned char key[36];
    int fd = mkstemp(template), ok; /* mkstemp makes it 0600 */

    if (fd < 0)
        return -1;
    ok = psa_crypto_init() == PSA_SUCCESS && psa_generate_random(key, sizeof key) == PSA_SUCCESS &&
         write(fd, key, sizeof key) == (ssize_t)sizeof key;
    close(fd);
    return ok ? 0 : -1;
}

ktla_config *fixture_config_with_key_file(const char *name, const char *key_path)
{
    ktla_config *cfg = fixture_config(name);

    if (cfg && ktla_config_set_ticket_key_file(cfg, key_path) != 0) {
        fprintf(stderr, "fixture: %s\n", ktla_config_error(cfg));
        ktla_config_free(cfg);
        return NULL;
    }
    return cfg;
}

int fixture_handshake(ktla_conn *conn, struct mbed_client *cli, struct mem_link *link, int *client_rc,
                      unsigned long *wants)
{
    int srv = -1, c = MBEDTLS_ERR_SSL_WANT_READ;

    mbedtls_ssl_set_bio(&cli->ssl, link, mem_link_client_send, mem_link_client_recv, NULL);
    for (int i = 0; i < 2000000; i++) {
        if (srv != 1) {
            srv = ktla_accept(conn);
            if (srv < 0) {
                enum ktla_error e = ktla_get_error(conn, srv);
                if (e != KTLA_ERROR_WANT_READ && e != KTLA_ERROR_WANT_WRITE)
                    break;
                (*wants)++;
            } else if (srv == 0) {
                break;
            }
        }
        if (c != 0) {
            c = mbedtls_ssl_handshake(&cli->ssl);
            if (c != 0 && c != MBEDTLS_ERR_SSL_WANT_READ && c != MBEDTLS_ERR_SSL_WANT_WRITE)
                break;
        }
        if (srv == 1 && c == 0)
            break;
    }
    *client_rc = c;
    return srv;
}

/*
 * TLS 1.3 tickets come after the handshake: read until one is signalled (a
 * first WANT_READ is mbedTLS switching to its ticket state) or the reads
 * stop making progress.
 */
static void read_ticket(struct mbed_client *cli)
{
    unsigned char buf[64];

    for (int i = 0; i < 4; i++)
        if (mbedtls_ssl_read(&cli->ssl, buf, sizeof buf) != MBEDTLS_ERR_SSL_WANT_READ)
            break;
}

int fixture_resume(ktla_config *cfg, const struct resume_client *client, mbedtls_ssl_session *save,
                   struct resume_result *out)
{
    struct mbed_client cli;
    struct mem_link link;
    ktla_conn *conn = NULL;
    unsigned long wants = 0;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (mem_link_init(&link, 1 << 20, 0) != 0)
        return -1;
    if (mbed_client_init(&cli, client->version, 0, NULL, "localhost") != 0 || ktla_conn_new(cfg, &conn) != 0 ||
        ktla_set_io(conn, mem_link_server_recv, mem_link_server_send, &link) != 0 ||
        (client->cert && mbed_client_use_cert(&cli, TEST_DATA_DIR, client->cert) != 0) ||
        (client->offer && mbedtls_ssl_set_session(&cli.ssl, client->offer) != 0))
        goto out;
    mbed_client_take_tickets(&cli);
    if (client->kex_modes)
        mbedtls_ssl_conf_tls13_key_exchange_modes(&cli.conf, client->kex_modes);
    out->rc = fixture_handshake(conn, &cli, &link, &out->client_rc, &wants);
    out->resumed = ktla_get_session_resumed(conn);
    out->verified = ktla_get_peer_cert_verified(conn);
    out->alert = ktla_get_alert(conn);
    snprintf(out->reason, sizeof out->reason, "%s", ktla_get_reason(conn));
    if (out->rc == 1 && out->client_rc == 0 && save) {
        read_ticket(&cli);
        if (mbedtls_ssl_get_session(&cli.ssl, save) == 0)
            out->got_ticket = save->MBEDTLS_PRIVATE(ticket_len) > 0;
    }
    rc = 0;
out:
    ktla_conn_free(conn);
    mbed_client_free(&cli);
    mem_link_free(&link);
    return rc;
}
