/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_client.h - ktla-bench's TLS client on mbedTLS 3.6, over non-blocking
 * sockets: one shared configuration, one struct tls_link per connection slot.
 *
 * Calls return TLS_IO_WANT_READ or TLS_IO_WANT_WRITE when the socket must
 * become readable or writable first; the caller waits and calls again.
 *
 * Resumption is detected by whether the server sent a Certificate message:
 * the verify callback (mbedtls_ssl_set_verify) runs once per certificate of
 * a Certificate message, in TLS 1.2 and 1.3 alike, and an abbreviated
 * TLS 1.2 handshake or a TLS 1.3 PSK handshake has none.  mbedTLS 3.6 has no
 * public "was this handshake resumed" call.  That is why, without --cacert,
 * the client runs with MBEDTLS_SSL_VERIFY_OPTIONAL and no trust anchors
 * (the callback runs, the result is ignored) rather than VERIFY_NONE.
 *
 * Record layer: after the handshake, tls_link_offload() may hand the keys
 * (collected with mbedtls_ssl_set_export_keys_cb) to the kernel through
 * ktla_install_keys(); from then on the link reads with ktla_recv_record(),
 * writes with send(), follows TLS 1.3 KeyUpdates with ktla_recv_key_update()
 * and ktla_send_key_update(), and sends close_notify with
 * ktla_send_close_notify(); its mbedTLS context is freed: mbedTLS's record
 * state is stale after the switch and is never used again for that
 * connection.  The same calls below work in either case.
 */
#ifndef KTLA_BENCH_TLS_CLIENT_H
#define KTLA_BENCH_TLS_CLIENT_H

#include <stddef.h>

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <ktla.h>

#include "options.h"

struct tls_shared {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    int suites[8]; /* 0-terminated IANA ids, when --cipher restricts them */
    int resume;
    int ktls;      /* --ktls auto: try the kernel's record layer */
    int no_sni;    /* the host is an IP address and nothing is verified: send no SNI */
};

enum tls_io {
    TLS_IO_WANT_READ = -1,
    TLS_IO_WANT_WRITE = -2,
    TLS_IO_CLOSED = -3, /* the peer sent close_notify */
    TLS_IO_EOF = -4,    /* the transport ended without close_notify */
    TLS_IO_ERROR = -5,  /* see tls_link_describe_error() */
};

struct tls_link {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_session session; /* the newest session or ticket, for --resume */
    int fd;
    int set_up;       /* mbedtls_ssl_setup done; later connections reset instead */
    int resume;       /* keep sessions (--resume) */
    int have_session;
    int offered;      /* this handshake offered a session */
    unsigned certs;   /* certificates the verify callback saw in this handshake */
    int mbed_err;     /* the mbedTLS code behind the last TLS_IO_ERROR */
    int sys_err;      /* errno behind it, when a system call failed */
    int kernel;       /* the record layer of this connection is in the kernel (kTLS) */
    char kerr[256];   /* on kTLS: what failed, in words ("" when not a kTLS error) */
    struct ktla_session_keys keys; /* what the export callback saw; TLS 1.3 on kTLS keeps it for KeyUpdate */
    unsigned have_keys;           /* 1 TLS 1.2 master secret, 2|4 TLS 1.3 client|server app secret */
    int key_update_owed;          /* the server asked for our KeyUpdate and it is not sent yet */
};

/* psa_crypto_init() and the configuration; 0 or -1 with the reason in err. */
int tls_shared_init(struct tls_shared *ts, const struct bench_opts *o, char *err, size_t errlen);
void tls_shared_free(struct tls_shared *ts);

void tls_link_init(struct tls_link *l);
void tls_link_free(struct tls_link *l);

/* Prepare a handshake on the connected socket fd; 0 or TLS_IO_ERROR. */
int tls_link_start(struct tls_link *l, const struct tls_shared *ts, int fd, const char *host);
/* 0 when the handshake is done, else a TLS_IO_* code. */
int tls_link_handshake(struct tls_link *l);
/*
 * After a successful handshake: move the record layer to the kernel when
 * --ktls auto allows it and the kernel takes the keys.  Returns 1 (kernel),
 * 0 (mbedTLS goes on; why says why), or TLS_IO_ERROR when the kernel refused
 * keys after accepting the ULP (the connection is unusable).
 */
int tls_link_offload(struct tls_link *l, const struct tls_shared *ts, char *why, size_t size);
/* The handshake just done resumed the offered session. */
int tls_link_resumed(const struct tls_link *l);
/* Bytes written (> 0), or a TLS_IO_* code. */
int tls_link_write(struct tls_link *l, const unsigned char *buf, size_t len);
/* Bytes read (> 0), or a TLS_IO_* code; tickets are kept on the way. */
int tls_link_read(struct tls_link *l, unsigned char *buf, size_t cap);
/* mbedTLS holds received bytes not yet returned: do not wait for the socket. */
int tls_link_pending(const struct tls_link *l);
/* 0 once close_notify is out, else a TLS_IO_* code. */
int tls_link_close_notify(struct tls_link *l);
/* Drop the saved session (after a handshake that offered it failed). */
void tls_link_forget_session(struct tls_link *l);
/* The last error in words. */
void tls_link_describe_error(const struct tls_link *l, char *buf, size_t size);

#endif
