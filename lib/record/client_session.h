/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_session.h - the session a client can offer again (internal).
 *
 * TLS 1.2: the session (with the server's ticket, or its id) is complete
 * when the handshake ends, and is saved at the hand-off.  TLS 1.3: the
 * tickets come after the hand-off, as NewSessionTicket messages that the
 * record layer (record_control.c) reads, from the kernel or from ktla's own
 * records; the hand-off keeps what turning one into a session needs (the
 * handshake's session with its resumption_master_secret, wiped on free),
 * and each ticket read replaces the session to offer (RFC 8446 4.6.1,
 * 4.2.11).  The session is kept as mbedtls_ssl_session_save()'s bytes,
 * which mbedtls_ssl_session_load() takes back before a handshake.
 */
#ifndef KTLA_CLIENT_SESSION_H
#define KTLA_CLIENT_SESSION_H

#include <mbedtls/ssl.h>
#include <stdint.h>

#include "record_layer.h"

/* A NewSessionTicket body longer than this is read past and not kept. */
#define KTLA__MAX_KEPT_TICKET 4096

/*
 * At the hand-off of a client (rec->own filled in), before the mbedTLS
 * context goes; *resumed: whether the handshake resumed the session
 * offered (left alone when there is none).  0, or -1 out of memory.
 */
int ktla__client_session_capture(struct ktla__record *rec, mbedtls_ssl_context *ssl, uint8_t *resumed);

/*
 * record_control.c, on a handshake record a TLS 1.3 client received: read
 * the NewSessionTicket messages at its start (or the rest of one).  Returns
 * how many bytes of buf they took (the rest is for the KeyUpdate code), or
 * -1 for a malformed one (decode_error, RFC 8446 6.2).
 */
long ktla__client_session_read(struct ktla__record *rec, const unsigned char *buf, size_t n);

/* Whether part of a NewSessionTicket has come and its rest has not. */
int ktla__client_session_reading(const struct ktla__record *rec);

/*
 * ktla_set_session()'s bytes, copied, to offer in this connection's
 * handshake; 0 or -1 out of memory.  ..._offer(): the mbedTLS session bytes
 * to offer, or NULL when there are none or they are for another server name
 * than rec->own.server_name.
 */
int ktla__client_session_set_offer(struct ktla__record *rec, const unsigned char *bytes, size_t len);
const unsigned char *ktla__client_session_offer(const struct ktla__record *rec, size_t *len);

/* The saved session to offer, or NULL; its length in *len. */
const unsigned char *ktla__client_session_saved(const struct ktla__record *rec, size_t *len);

void ktla__client_session_free(struct ktla__record *rec);

#endif
