/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_hello.h - the key-share groups of a ClientHello, read from the
 * first bytes of a connection before mbedTLS sees them (internal).
 *
 * Pure parsing of untrusted bytes: no I/O, no allocation, every length
 * checked against the bytes there are and against its enclosing vector.
 * It only informs a choice (hello_peek.c): whatever it says, mbedTLS parses
 * the same bytes again and judges them, so a ClientHello this parser does
 * not understand is simply KTLA__HELLO_UNREADABLE, never an error.
 */
#ifndef KTLA_CLIENT_HELLO_H
#define KTLA_CLIENT_HELLO_H

#include <stddef.h>
#include <stdint.h>

enum ktla__hello_parse {
    KTLA__HELLO_SHARES,     /* a whole ClientHello in the first record: its key-share groups are out */
    KTLA__HELLO_PARTIAL,    /* a ClientHello record has begun, but its end is not in these bytes yet */
    KTLA__HELLO_UNREADABLE, /* anything else: not a TLS handshake record, not a ClientHello, malformed, or
                               a ClientHello longer than its first record */
};

/*
 * From buf[0..len) (the connection's first bytes: a TLS record header and
 * what follows), the named groups of the key_share extension's
 * KeyShareEntries (RFC 8446 4.2.8), in the client's order, into groups[],
 * at most max of them (any further ones are not reported); *n is their
 * count, 0 without a key_share extension (a TLS 1.2 client).  *n is 0
 * unless KTLA__HELLO_SHARES.
 */
enum ktla__hello_parse ktla__client_hello_key_shares(const unsigned char *buf, size_t len, uint16_t *groups,
                                                     size_t max, size_t *n);

#endif
