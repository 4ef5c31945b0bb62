/*
 * transport.h - the one place handshake bytes move (internal): mbedTLS's
 * send/recv callbacks over the socket or the caller's callbacks, turning
 * EAGAIN into WANT_READ/WANT_WRITE and enforcing the handshake deadline on
 * blocking sockets.
 */
#ifndef KTLA_TRANSPORT_H
#define KTLA_TRANSPORT_H

#include "conn_internal.h"

/* Returned through mbedTLS when a blocking read outlives the handshake deadline. */
#define KTLA__ERR_TIMEOUT (-0x7F80)

/* The errno of the last failed send/recv on the socket (0 for caller I/O). */
int ktla__transport_errno(const ktla_conn *conn);

/* Whether the first bytes the client sent look like an HTTP request. */
int ktla__transport_saw_http(const ktla_conn *conn);

#endif
