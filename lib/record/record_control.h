/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record_control.h - the non-data records ktla_read() meets, whichever
 * engine opened them (internal): alerts, post-handshake handshake messages (a TLS 1.3
 * KeyUpdate, and the framing rules around it), and record types that have
 * no place after the handshake.
 */
#ifndef KTLA_RECORD_CONTROL_H
#define KTLA_RECORD_CONTROL_H

#include <stddef.h>

#include "record_layer.h"

/*
 * A record of `type` whose first n bytes the read received into buf, a
 * buffer of cap bytes (n == cap: the record may go on, and the rest is read
 * from the kernel; the user engine passes a whole record with cap > n).  Returns 1 when it
 * was consumed and reading goes on, 0 at the peer's close_notify, -1 with
 * the failure (or a WANT_WRITE for our owed KeyUpdate) recorded.  Failures
 * send the alert the RFCs name, best effort.
 */
long ktla__control_record(struct ktla__record *rec, unsigned char type, const unsigned char *buf, size_t n, size_t cap);

/*
 * Whether part of a handshake message has come and its rest has not: the
 * next record must then be a handshake record too (RFC 8446 5.1).
 */
int ktla__handshake_pending(const struct ktla__record *rec);

/*
 * The kernel stopped reading (EKEYEXPIRED) after the first piece of a
 * KeyUpdate split across records: Linux >= 6.14 holds back every record
 * after a record that starts a KeyUpdate until the new receive key is set,
 * and the new key needs the whole message.  Ends the connection with
 * unexpected_message (sent).
 */
void ktla__refuse_split_key_update(struct ktla__record *rec);


#endif
