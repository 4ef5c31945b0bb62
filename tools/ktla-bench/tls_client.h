/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_client.h - ktla-bench's TLS client: libktla's client side
 * (ktla_connect(3)) over non-blocking sockets, one shared ktla_config, one
 * struct tls_link per connection slot.
 *
 * Calls return TLS_IO_WANT_READ or TLS_IO_WANT_WRITE when the socket must
 * become readable or writable first; the caller waits and calls again.
 *
 * The library runs the handshake, moves the record layer to the kernel
 * (kTLS) when it can and keeps it in user space otherwise, follows the
 * server's KeyUpdates and takes its session tickets in ktla_read(): the
 * same calls below work in either case.  Under --resume the slot keeps the
 * newest session (ktla_get_session()) when a connection ends and offers it
 * on the next (ktla_set_session()).
 */
#ifndef KTLA_BENCH_TLS_CLIENT_H
#define KTLA_BENCH_TLS_CLIENT_H

#include <stddef.h>

#include <ktla.h>

#include "options.h"

struct tls_shared {
    ktla_config *cfg;
    int resume;
    int ktls;   /* --ktls auto (1) or off (0: KTLA_OFFLOAD_POLICY_NEVER) */
    int no_sni; /* the host is an IP address and nothing is verified: send no SNI */
};

enum tls_io {
    TLS_IO_WANT_READ = -1,
    TLS_IO_WANT_WRITE = -2,
    TLS_IO_CLOSED = -3, /* the peer sent close_notify */
    TLS_IO_EOF = -4,    /* the transport ended without close_notify */
    TLS_IO_ERROR = -5,  /* see tls_link_describe_error() */
};

struct tls_link {
    ktla_conn *conn;       /* NULL between connections */
    ktla_session *session; /* the newest session, for --resume */
    int resume;            /* keep sessions (--resume) */
    int ktls;              /* --ktls auto */
    int offered;           /* this handshake offered a session */
    int established;       /* this connection's handshake completed */
    char err[256];         /* the last TLS_IO_ERROR in words */
};

/* The shared client configuration; 0 or -1 with the reason in err. */
int tls_shared_init(struct tls_shared *ts, const struct bench_opts *o, char *err, size_t errlen);
void tls_shared_free(struct tls_shared *ts);

void tls_link_init(struct tls_link *l);
void tls_link_free(struct tls_link *l);

/* Prepare a handshake on the connected socket fd; 0 or TLS_IO_ERROR. */
int tls_link_start(struct tls_link *l, const struct tls_shared *ts, int fd, const char *host);
/* 0 when the handshake is done, else a TLS_IO_* code. */
int tls_link_handshake(struct tls_link *l);
/*
 * After a successful handshake: 1 when the kernel has the record layer in
 * both directions, else 0 with why in words (the library's reason).
 */
int tls_link_in_kernel(const struct tls_link *l, char *why, size_t size);
/* The handshake just done resumed the offered session. */
int tls_link_resumed(const struct tls_link *l);
/* The negotiated version and suite, by name. */
const char *tls_link_version_name(const struct tls_link *l);
const char *tls_link_cipher_name(const struct tls_link *l);
/* Bytes written (> 0), or a TLS_IO_* code. */
int tls_link_write(struct tls_link *l, const unsigned char *buf, size_t len);
/* Bytes read (> 0), or a TLS_IO_* code. */
int tls_link_read(struct tls_link *l, unsigned char *buf, size_t cap);
/* The library holds received bytes not yet returned: do not wait for the socket. */
int tls_link_pending(const struct tls_link *l);
/* 0 once close_notify is out, else a TLS_IO_* code. */
int tls_link_close_notify(struct tls_link *l);
/* The connection is over (before its socket is closed): keep its session under --resume, free it. */
void tls_link_end(struct tls_link *l);
/* Drop the saved session (after a handshake that offered it failed). */
void tls_link_forget_session(struct tls_link *l);
/* The last error in words. */
void tls_link_describe_error(const struct tls_link *l, char *buf, size_t size);

#endif
