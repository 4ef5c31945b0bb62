/* fixture.c - server configurations and handshake drivers shared by the tests. */
#include "fixture.h"

#include <stdio.h>

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
