/* SPDX-License-Identifier: Apache-2.0 */
/* socket_peer.c - an mbedTLS client on a real socket (see socket_peer.h). */
#include "socket_peer.h"

#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <string.h>
#include <sys/socket.h>

#include "keys/keys.h"
#include "loopback.h"
#include "mbed_client.h"
#include "tls_record.h"
#include "wire/tls_wire.h"

unsigned char pattern_at(unsigned long long i)
{
    return (unsigned char)(i % 251);
}

static int peer_send(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
    return n >= 0 ? (int)n : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int peer_recv(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t n = recv(*(int *)ctx, buf, len, 0);
    return n >= 0 ? (int)n : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* The client's TLS 1.3 application traffic secret, to seal a record of our own with it. */
struct client_secret {
    unsigned char secret[48];
    size_t len;
};

static void export_keys(void *ctx, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t len,
                        const unsigned char client_random[32], const unsigned char server_random[32],
                        mbedtls_tls_prf_types prf)
{
    struct client_secret *cs = ctx;

    (void)client_random;
    (void)server_random;
    (void)prf;
    if (type == MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET && len <= sizeof cs->secret) {
        memcpy(cs->secret, secret, len);
        cs->len = len;
    }
}

static void keep(struct socket_peer *p, mbedtls_ssl_context *ssl)
{
    if (!p->keep_session)
        return;
    mbedtls_ssl_session_free(&p->session);
    mbedtls_ssl_session_init(&p->session);
    p->have_session = mbedtls_ssl_get_session(ssl, &p->session) == 0;
}

/* Read until the server ends: count (and check) the bytes, note a close_notify or an alert. */
static void read_to_end(struct socket_peer *p, mbedtls_ssl_context *ssl)
{
    unsigned char buf[16384];

    for (;;) {
        int n = mbedtls_ssl_read(ssl, buf, sizeof buf);
        if (n == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            keep(p, ssl); /* TLS 1.3: the ticket comes after the handshake */
            continue;
        }
        if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue; /* a record without application data (a ticket) was taken: read on */
        if (n == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
            p->alert = ssl->MBEDTLS_PRIVATE(in_msg)[1];
        if (n <= 0) {
            p->close_notify = n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY;
            return;
        }
        for (int i = 0; p->pattern && i < n; i++)
            if (buf[i] != pattern_at(p->got + (unsigned)i))
                p->ok = 0;
        p->got += (unsigned)n;
    }
}

/* TLS 1.3: a ClientHello after the handshake, sealed as the client's next record. */
static int send_sealed_client_hello(struct socket_peer *p, const struct client_secret *cs)
{
    static const unsigned char hello[5] = {TLS_HS_CLIENT_HELLO, 0, 0, 1, 0};
    struct ktla__traffic_keys keys;
    enum ktla_tls_version v;
    enum ktla_cipher cipher;
    mbedtls_md_type_t md;
    unsigned char rec[64];
    long n;

    if (cs->len == 0 || ktla__suite_to_kernel(p->suite, &v, &cipher, &md) != 0 ||
        ktla__tls13_traffic_keys(cipher, md, cs->secret, cs->len, 0, &keys) != 0)
        return -1;
    n = test_record_seal(&keys, TLS_CT_HANDSHAKE, hello, sizeof hello, rec, sizeof rec);
    return n > 0 ? test_write_full(p->fd, rec, (unsigned long)n) : -1;
}

static void act(struct socket_peer *p, mbedtls_ssl_context *ssl, const struct client_secret *cs)
{
    /* A well-formed application_data record whose tag cannot verify. */
    unsigned char tampered[TLS_RECORD_HEADER_LEN + 40] = {TLS_CT_APPLICATION_DATA, 3, 3, 0, 40};
    /* 18433 bytes: more than 2^14 + 256, the most any record may hold; sent whole. */
    static unsigned char oversized[TLS_RECORD_HEADER_LEN + 0x4801] = {TLS_CT_APPLICATION_DATA, 3, 3, 0x48, 0x01};
    int rc;

    switch (p->act) {
    case PEER_READ:
        if (p->early)
            p->ok &= mbedtls_ssl_write(ssl, (const unsigned char *)p->early, strlen(p->early)) ==
                     (int)strlen(p->early);
        break;
    case PEER_TAMPER:
        memset(tampered + TLS_RECORD_HEADER_LEN, 0x5a, 40);
        p->ok &= test_write_full(p->fd, tampered, sizeof tampered) == 0;
        break;
    case PEER_OVERSIZED:
        memset(oversized + TLS_RECORD_HEADER_LEN, 0x5a, sizeof oversized - TLS_RECORD_HEADER_LEN);
        p->ok &= test_write_full(p->fd, oversized, sizeof oversized) == 0;
        break;
    case PEER_UNEXPECTED:
        if (p->version == 0x0303) {
            /* the server's alert ends our renegotiation: it shows up below, as for the others */
            rc = mbedtls_ssl_renegotiate(ssl);
            if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
                p->alert = ssl->MBEDTLS_PRIVATE(in_msg)[1];
                return;
            }
        } else {
            p->ok &= send_sealed_client_hello(p, cs) == 0;
        }
        break;
    }
    read_to_end(p, ssl);
}

void socket_peer_run(struct socket_peer *p)
{
    struct client_secret cs = {.len = 0};
    struct mbed_client cli;

    mbedtls_ssl_session_init(&p->session);
    p->have_session = 0;
    p->handshake_rc = -1;
    p->ok = 1;
    p->alert = -1;
    p->got = 0;
    p->close_notify = 0;
    if (mbed_client_init(&cli, p->version, p->suite, NULL, NULL) == 0) {
        mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&cli.conf, 1);
        if (p->act == PEER_UNEXPECTED)
            mbedtls_ssl_conf_renegotiation(&cli.conf, MBEDTLS_SSL_RENEGOTIATION_ENABLED);
        mbedtls_ssl_set_export_keys_cb(&cli.ssl, export_keys, &cs);
        mbedtls_ssl_set_bio(&cli.ssl, &p->fd, peer_send, peer_recv, NULL);
        if (p->resume == NULL || mbedtls_ssl_set_session(&cli.ssl, p->resume) == 0)
            p->handshake_rc = mbedtls_ssl_handshake(&cli.ssl);
    }
    if (p->handshake_rc == 0) {
        keep(p, &cli.ssl); /* TLS 1.2: the ticket came in the handshake */
        act(p, &cli.ssl, &cs);
        if (p->close_notify)
            mbedtls_ssl_close_notify(&cli.ssl);
    }
    mbedtls_platform_zeroize(&cs, sizeof cs);
    mbed_client_free(&cli);
    shutdown(p->fd, SHUT_WR);
}

static void *peer_main(void *arg)
{
    socket_peer_run(arg);
    return NULL;
}

int socket_peer_start(struct socket_peer *p)
{
    return pthread_create(&p->thread, NULL, peer_main, p) == 0 ? 0 : -1;
}

void socket_peer_join(struct socket_peer *p)
{
    pthread_join(p->thread, NULL);
}

void socket_peer_free(struct socket_peer *p)
{
    mbedtls_ssl_session_free(&p->session);
    p->have_session = 0;
}
