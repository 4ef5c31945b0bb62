/* SPDX-License-Identifier: Apache-2.0 */
/*
 * transport.h - the one place handshake bytes move (internal): mbedTLS's
 * send/recv callbacks over the socket or the caller's callbacks, turning
 * EAGAIN into WANT_READ/WANT_WRITE and, on blocking sockets, waiting for the
 * client no longer than the handshake timeout allows (deadline.h).
 *
 * Dependencies run one way: conn.c (the handshake driver) -> conn_error.c
 * (mapping failures) -> transport.c (moving bytes) -> deadline.c (the
 * timeout and its clock).  Transport reports a failure only upwards, as an
 * mbedTLS return code plus what ktla__transport_errno() and
 * ktla__transport_saw_http() tell afterwards; it never calls the error code.
 */
#ifndef KTLA_TRANSPORT_H
#define KTLA_TRANSPORT_H

#include <poll.h>

#include "conn_internal.h"

/* Returned through mbedTLS when a wait on a blocking socket used up the handshake timeout. */
#define KTLA__ERR_TIMEOUT (-0x7F80)

/* poll(), through a pointer that tests replace to see the timeouts ktla asks for. */
typedef int (*ktla__poll_fn)(struct pollfd *fds, nfds_t nfds, int timeout_ms);
extern ktla__poll_fn ktla__poll;

/* Connect mbedTLS's I/O to the fd or the caller's callbacks. */
void ktla__transport_attach(ktla_conn *conn);

/*
 * The bytes the client has sent on the socket (ktla_set_fd()), copied into
 * buf without taking them: mbedTLS reads them afterwards as if untouched.
 * Waits like mbedTLS's reads do (a blocking socket until something came,
 * bounded by the handshake timeout).  The byte count (0: the client closed),
 * or MBEDTLS_ERR_SSL_WANT_READ, KTLA__ERR_TIMEOUT or
 * MBEDTLS_ERR_NET_RECV_FAILED.
 */
int ktla__transport_peek(ktla_conn *conn, unsigned char *buf, size_t len);

/* The errno of the last failed send/recv on the socket (0 for caller I/O). */
int ktla__transport_errno(const ktla_conn *conn);

/* Whether the first bytes the client sent look like an HTTP request. */
int ktla__transport_saw_http(const ktla_conn *conn);

#endif
