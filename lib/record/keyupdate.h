/* SPDX-License-Identifier: Apache-2.0 */
/* keyupdate.h - TLS 1.3 KeyUpdate, in either record engine (internal). */
#ifndef KTLA_KEYUPDATE_H
#define KTLA_KEYUPDATE_H

#include "record_layer.h"

/*
 * The peer sent KeyUpdate: install its next receive key, and when it asked
 * (update_requested = 1) send our own KeyUpdate and install our next
 * transmit key.  Kernels before 6.14 cannot replace keys: the connection
 * then ends with a reason that says so.  0, or -1 with the failure
 * recorded, or with WANT_WRITE when our KeyUpdate found the send buffer
 * full (it is then owed: see ktla__keyupdate_flush()).
 */
int ktla__keyupdate_peer(struct ktla__record *rec, int update_requested);

/*
 * Send the KeyUpdate we owe the peer, if any, and install our next
 * transmit key; every call that sends or reads on kTLS does this first.
 * Never waits on a non-blocking socket: 0, or -1 with WANT_WRITE (still
 * owed) or the failure recorded.
 */
int ktla__keyupdate_flush(struct ktla__record *rec);

#endif
