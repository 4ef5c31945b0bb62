/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.h - the record layer of an established connection, whichever
 * engine carries it (internal).
 *
 * After every handshake ktla derives both directions' traffic keys, frees
 * the mbedTLS context and starts one of two engines:
 * - kernel: kTLS; the only setsockopt/cmsg code is ktls.c's;
 * - user: ktla's own AEAD records (user_engine.c, record_crypto.c).
 * ktla__offload_refusal() (decide.h) alone decides which, for the server
 * hand-off and for ktla_install_keys() alike.  The control records (alerts, KeyUpdate:
 * record_control.c, keyupdate.c) work on "a record of type T with plaintext
 * P" from either engine, and send and re-key through the calls below.
 */
#ifndef KTLA_RECORD_ENGINE_H
#define KTLA_RECORD_ENGINE_H

#include <stddef.h>

#include "handshake/conn_internal.h"
#include "keys/traffic_keys.h"

/*
 * Start the record layer of a connection whose handshake is done: the
 * kernel's when ktla__offload_refusal() and the kernel agree, else the
 * user engine, with the reason in conn->offload_reason.  1 established, or
 * -1 with the failure recorded (the kernel refused a key after the ULP was
 * attached: the socket is shut down; or out of memory).
 */
int ktla__record_engine_start(ktla_conn *conn, const struct ktla__traffic_keys *tx,
                              const struct ktla__traffic_keys *rx, size_t max_out);

/* Whether the user engine carries the records (else the kernel does). */
int ktla__record_in_user_space(const ktla_conn *conn);

/* Send one non-data record of ours (alert, KeyUpdate): 0, -EAGAIN (nothing sent, try again), or -errno. */
int ktla__record_send_control(ktla_conn *conn, unsigned char type, const void *data, size_t len);

/* Replace one direction's keys after a KeyUpdate: 0 or -errno (the kernel's, or -ENOMEM). */
int ktla__record_set_keys(ktla_conn *conn, enum ktla_direction dir, const struct ktla__traffic_keys *keys);

/* Send a fatal alert, best effort (the connection is ending). */
void ktla__record_fatal_alert(ktla_conn *conn, unsigned char description);

#endif
