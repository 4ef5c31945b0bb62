/* SPDX-License-Identifier: Apache-2.0 */
/*
 * user-records-bench - bulk throughput of the user-space record layer, for
 * comparing two builds of libktla side by side (public API only, so the same
 * binary runs against either library through LD_LIBRARY_PATH).
 *
 *   user-records-bench CERT KEY [MIB] [SUITE-HEX]
 *
 * One connection over a socketpair with ktla's policy "never" (records in
 * user space on any kernel).  The client is mbedTLS in a thread of its own.
 *   send: the server ktla_write()s MIB MiB in 16 KiB calls; the client only
 *         drains the raw bytes (no decryption), so the server's sealing is
 *         what is measured;
 *   recv: the client mbedtls_ssl_write()s MIB MiB; the server ktla_read()s it
 *         (the client's sealing costs the same with either library).
 * Prints, per direction, MiB/s of wall time (the send phase's includes the
 * client's final 300 ms wait for a quiet line: compare CPU) and the server
 * thread's CPU time per MiB (CLOCK_THREAD_CPUTIME_ID: the part the library
 * is responsible for).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/ssl.h>
#include <psa/crypto.h>

#include "ktla.h"

#define CHUNK 16384

struct client {
    int fd;
    int suite;
    size_t total;
    int rc;
};

static double now_s(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *client_main(void *arg)
{
    struct client *c = arg;
    static unsigned char buf[1 << 16];
    int suites[2] = {c->suite, 0};
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    size_t done = 0;
    int rc;

    c->rc = -1;
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        goto out;
    mbedtls_ssl_conf_rng(&conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
    if (c->suite)
        mbedtls_ssl_conf_ciphersuites(&conf, suites);
    if (c->suite >= 0xC000) /* a TLS 1.2 suite */
        mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
    if (mbedtls_ssl_setup(&ssl, &conf) != 0)
        goto out;
    mbedtls_ssl_set_bio(&ssl, &c->fd, mbedtls_net_send, mbedtls_net_recv, NULL);
    while ((rc = mbedtls_ssl_handshake(&ssl)) != 0)
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            goto out;
    /* send phase: drain raw bytes (the plaintext total and then the records' overhead, until the line is quiet) */
    for (;;) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        ssize_t n;

        if (done >= c->total && poll(&p, 1, 300) == 0)
            break;
        n = read(c->fd, buf, sizeof buf);
        if (n <= 0)
            goto out;
        done += (size_t)n;
    }
    memset(buf, 'r', CHUNK);
    for (done = 0; done < c->total;) {
        rc = mbedtls_ssl_write(&ssl, buf, CHUNK);
        if (rc < 0)
            goto out;
        done += (size_t)rc;
    }
    c->rc = 0;
out:
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    return NULL;
}

int main(int argc, char **argv)
{
    static unsigned char buf[CHUNK];
    size_t mib = argc > 3 ? strtoul(argv[3], NULL, 10) : 64, total = mib << 20, done;
    struct client cli = {.suite = argc > 4 ? (int)strtol(argv[4], NULL, 16) : 0, .total = mib << 20};
    ktla_config *cfg = NULL;
    ktla_conn *conn = NULL;
    double w0, c0, send_wall, send_cpu, recv_wall, recv_cpu;
    pthread_t t;
    int sv[2];

    if (argc < 3) {
        fprintf(stderr, "usage: %s CERT KEY [MIB] [SUITE-HEX]\n", argv[0]);
        return 2;
    }
    if (psa_crypto_init() != PSA_SUCCESS || ktla_config_new(&cfg) != 0 ||
        ktla_config_add_cert_file(cfg, argv[1], argv[2], NULL) != 0 || ktla_config_set_offload(cfg, KTLA_OFFLOAD_POLICY_NEVER) != 0 ||
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || ktla_conn_new(cfg, &conn) != 0 || ktla_set_fd(conn, sv[0]) != 0)
        return 3;
    cli.fd = sv[1];
    pthread_create(&t, NULL, client_main, &cli);
    if (ktla_accept(conn) != 1) {
        fprintf(stderr, "accept: %s\n", ktla_get_reason(conn));
        return 3;
    }
    memset(buf, 's', sizeof buf);
    /* The client counts raw bytes; send a little more plaintext than it waits for so that it is never short. */
    w0 = now_s(CLOCK_MONOTONIC);
    c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    for (done = 0; done < total;) {
        long n = ktla_write(conn, buf, sizeof buf);
        if (n <= 0) {
            fprintf(stderr, "write: %s\n", ktla_get_reason(conn));
            return 1;
        }
        done += (size_t)n;
    }
    send_wall = now_s(CLOCK_MONOTONIC) - w0;
    send_cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    w0 = now_s(CLOCK_MONOTONIC);
    c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    for (done = 0; done < total;) {
        long n = ktla_read(conn, buf, sizeof buf);
        if (n <= 0) {
            fprintf(stderr, "read: %s\n", ktla_get_reason(conn));
            return 1;
        }
        done += (size_t)n;
    }
    recv_wall = now_s(CLOCK_MONOTONIC) - w0;
    recv_cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    pthread_join(t, NULL);
    printf("suite %s: send %.0f MiB/s (server CPU %.2f ms/MiB), recv %.0f MiB/s (server CPU %.2f ms/MiB)\n",
           argc > 4 ? argv[4] : "default", (double)mib / send_wall, send_cpu * 1e3 / (double)mib, (double)mib / recv_wall,
           recv_cpu * 1e3 / (double)mib);
    ktla_conn_free(conn);
    ktla_config_free(cfg);
    close(sv[0]);
    close(sv[1]);
    return cli.rc == 0 ? 0 : 1;
}
