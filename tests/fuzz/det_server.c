/* SPDX-License-Identifier: Apache-2.0 */
/* det_server.c - a ktla server that is a function of the client's bytes (see det_server.h). */
#include "det_server.h"

#include <mbedtls/entropy.h>
#include <mbedtls/platform_time.h>
#include <psa/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"

/* mbedTLS's invasive test interface (library/psa_crypto_invasive.h, exported by libmbedcrypto). */
psa_status_t mbedtls_psa_crypto_configure_entropy_sources(void (*entropy_init)(mbedtls_entropy_context *ctx),
                                                          void (*entropy_free)(mbedtls_entropy_context *ctx));

/*
 * mbedTLS reads the clock through time() and mbedtls_ms_time(); both are
 * called across shared-library boundaries, so these definitions in the
 * executable take their place.  2026-01-01.
 */
#define FIXED_TIME ((time_t)1767225600)

time_t time(time_t *t)
{
    if (t)
        *t = FIXED_TIME;
    return FIXED_TIME;
}

mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)FIXED_TIME * 1000;
}

static unsigned long long entropy_counter;

/* Not entropy at all: the same bytes after every restart. */
static int fixed_entropy(void *data, unsigned char *out, size_t len, size_t *olen)
{
    (void)data;
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)(entropy_counter++ * 0x9d);
    *olen = len;
    return 0;
}

static void entropy_init_fixed(mbedtls_entropy_context *ctx)
{
    mbedtls_entropy_init(ctx);
    ctx->MBEDTLS_PRIVATE(source_count) = 0; /* drop getrandom() */
    mbedtls_entropy_add_source(ctx, fixed_entropy, NULL, MBEDTLS_ENTROPY_BLOCK_SIZE, MBEDTLS_ENTROPY_SOURCE_STRONG);
}

static ktla_config *cfg;

static ktla_config *build_config(void)
{
    static const char *const alpn[] = {"h2", "http/1.1"};
    ktla_config *c = fixture_config("ecdsa-p256");
    ktla_conn *first = NULL;

    if (c == NULL || fixture_add_cert(c, "rsa2048") != 0 || ktla_config_set_alpn(c, alpn, 2) != 0 ||
        ktla_conn_new(c, &first) != 0) { /* freezes it now, not in the first connection */
        fprintf(stderr, "det_server: configuration failed: %s\n", c ? ktla_config_error(c) : "");
        ktla_config_free(c);
        return NULL;
    }
    ktla_conn_free(first);
    return c;
}

int det_server_reset(void)
{
    mbedtls_psa_crypto_free();
    entropy_counter = 0;
    if (mbedtls_psa_crypto_configure_entropy_sources(entropy_init_fixed, mbedtls_entropy_free) != PSA_SUCCESS ||
        psa_crypto_init() != PSA_SUCCESS)
        return -1;
    if (cfg == NULL) {
        cfg = build_config();
        if (cfg == NULL)
            return -1;
        return det_server_reset(); /* the configuration drew from the generator: start over */
    }
    return 0;
}

static void check_established(const ktla_conn *conn)
{
    enum ktla_tls_version v = ktla_get_tls_version(conn);
    size_t cert_len = 0;

    if ((v != KTLA_TLS_1_2 && v != KTLA_TLS_1_3) || ktla_get_ciphersuite_name(conn) == NULL)
        abort();
    /* No socket: both directions stay in user space, each with its reason. */
    for (int d = KTLA_DIR_TX; d <= KTLA_DIR_RX; d++)
        if (ktla_get_offload(conn, d) != KTLA_OFFLOAD_USER || ktla_get_offload_reason(conn, d) == NULL)
            abort();
    if (ktla_get_peer_cert(conn, &cert_len) != NULL && cert_len == 0)
        abort();
    (void)ktla_get_alpn(conn);
    (void)ktla_get_sni(conn);
    (void)ktla_get_session_resumed(conn);
}

/* A failure is a class ktla_get_error() names, with a reason (a WANT too: "waiting to read"). */
static void check_failed(const ktla_conn *conn, long ret)
{
    enum ktla_error e = ktla_get_error(conn, ret);

    if (e == KTLA_ERROR_NONE || (e != KTLA_ERROR_ZERO_RETURN && ktla_get_reason(conn)[0] == '\0'))
        abort();
}

/* What a caller retries while ktla says WANT; bounded, though the callbacks here always end by making progress. */
#define MAX_RETRIES 200000

static int wants(const ktla_conn *conn, long ret)
{
    enum ktla_error e = ktla_get_error(conn, ret);
    return ret < 0 && (e == KTLA_ERROR_WANT_READ || e == KTLA_ERROR_WANT_WRITE);
}

/* ktla_write of the whole buffer, again after WANT as the contract asks; 0 or -1. */
static int write_all(ktla_conn *conn, const char *p, size_t len)
{
    for (int i = 0; len > 0 && i < MAX_RETRIES; i++) {
        long n = ktla_write(conn, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (!wants(conn, n)) {
            check_failed(conn, n);
            return -1;
        }
    }
    return len == 0 ? 0 : -1;
}

static void serve(ktla_conn *conn)
{
    static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
    unsigned char buf[16384];

    for (int i = 0, requests = 0; i < MAX_RETRIES && requests < 64; i++) {
        long n = ktla_read(conn, buf, sizeof buf);
        if (n > 0) {
            requests++;
            if (write_all(conn, response, sizeof response - 1) != 0)
                return;
            continue;
        }
        if (wants(conn, n))
            continue;
        if (n == 0) {
            for (int j = 0; j < MAX_RETRIES && wants(conn, n = ktla_shutdown(conn)); j++)
                ;
        } else {
            check_failed(conn, n);
        }
        return;
    }
}

int det_server_run(ktla_recv_fn recv_fn, ktla_send_fn send_fn, void *arg)
{
    ktla_conn *conn = NULL;
    int rc = -1;

    if (ktla_conn_new(cfg, &conn) != 0 || ktla_set_io(conn, recv_fn, send_fn, arg) != 0)
        abort();
    for (int i = 0; i < MAX_RETRIES; i++) {
        rc = ktla_accept(conn);
        if (!wants(conn, rc))
            break;
    }
    if (rc == 1) {
        check_established(conn);
        serve(conn);
    } else {
        check_failed(conn, rc);
    }
    if (getenv("DET_SERVER_VERBOSE"))
        fprintf(stderr, "det_server: ktla_accept %d, %s %s%s; last reason: %s\n", rc,
                ktla_tls_version_name(ktla_get_tls_version(conn)),
                ktla_get_ciphersuite_name(conn) ? ktla_get_ciphersuite_name(conn) : "-",
                ktla_get_session_resumed(conn) ? " resumed" : "", ktla_get_reason(conn));
    ktla_conn_free(conn);
    return rc;
}

long det_server_input_recv(void *arg, unsigned char *buf, size_t len)
{
    struct fuzz_in *in = arg;
    size_t n;
    const uint8_t *p = fuzz_bytes(in, len, &n);

    if (n > 0)
        memcpy(buf, p, n);
    return (long)n;
}

long det_server_drop_send(void *arg, const unsigned char *buf, size_t len)
{
    (void)arg;
    (void)buf;
    return (long)len;
}

/* The handshake fuzz targets' one-time set-up: the configuration, built at a known generator state. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (det_server_reset() != 0)
        abort();
    return 0;
}
