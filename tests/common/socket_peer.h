/* SPDX-License-Identifier: Apache-2.0 */
/*
 * socket_peer.h - an mbedTLS client on a real socket: the peer of the tests
 * that drive ktla_accept() on loopback TCP (sockets, records after the
 * hand-off, timeouts, threads), run in a thread of its own or, for tests
 * that measure the server's heap, in a child process.
 */
#ifndef KTLA_TEST_SOCKET_PEER_H
#define KTLA_TEST_SOCKET_PEER_H

#include <mbedtls/ssl.h>
#include <pthread.h>

/* What the peer does after its handshake. */
enum socket_peer_act {
    PEER_READ,            /* read until the server's close_notify or EOF, answer close_notify */
    PEER_TAMPER,          /* send an application_data record whose tag cannot verify */
    PEER_OVERSIZED,       /* send the header of a record longer than TLS allows */
    PEER_UNEXPECTED,      /* send a handshake message the server must refuse (TLS 1.2: a renegotiating
                             ClientHello; TLS 1.3: a ClientHello sealed with the client's traffic key) */
};

struct socket_peer {
    /* Set by the test. */
    int fd;                            /* the client's end, blocking; shut down for writing at the end */
    int version, suite;                /* as for mbed_client_init() */
    enum socket_peer_act act;
    const char *early;                 /* PEER_READ: written right after the handshake */
    int pattern;                       /* PEER_READ: the bytes must be pattern_at(0, 1, ...) */
    const mbedtls_ssl_session *resume; /* a session to resume, or NULL */
    int keep_session;                  /* keep the session (with its ticket) in `session` */

    /* Filled by the peer. */
    int handshake_rc;        /* mbedtls_ssl_handshake()'s */
    int ok;                  /* every write went out, every byte read was right */
    unsigned long long got;  /* application bytes read */
    int close_notify;        /* the server ended with close_notify */
    int alert;               /* the fatal alert the server sent, -1 if none */
    mbedtls_ssl_session session;
    int have_session;
    pthread_t thread;
};

/* The byte at offset i of the test pattern (a period of 251, which no power of two divides). */
unsigned char pattern_at(unsigned long long i);

/* Run the peer here and now (in a child process, say). */
void socket_peer_run(struct socket_peer *p);

/* Run the peer in a thread; 0, or -1 when no thread could be made. */
int socket_peer_start(struct socket_peer *p);
void socket_peer_join(struct socket_peer *p);

/* Free a kept session (after the peer ran). */
void socket_peer_free(struct socket_peer *p);

#endif
