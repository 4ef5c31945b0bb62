/* SPDX-License-Identifier: Apache-2.0 */
/*
 * transport.h - the one place handshake bytes move (internal): mbedTLS's
 * send/recv callbacks over the socket or the caller's callbacks, turning
 * EAGAIN into WANT_READ/WANT_WRITE and, on blocking sockets, waiting for the
 * client no longer than the handshake timeout allows (deadline.h).
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

/* The errno of the last failed send/recv on the socket (0 for caller I/O). */
int ktla__transport_errno(const ktla_conn *conn);

/* Whether the first bytes the client sent look like an HTTP request. */
int ktla__transport_saw_http(const ktla_conn *conn);

#endif
