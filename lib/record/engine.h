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

#include "record_layer.h"
#include "keys/traffic_keys.h"

/*
 * Start the record layer of a connection whose handshake is done (rec->own
 * filled in): the kernel's when ktla__kernel_take_keys() (install.h: the
 * policy, the kernel) takes the keys, else the user engine, with the reason
 * in why.  KTLA_OFFLOAD_KERNEL or KTLA_OFFLOAD_USER, or -1 with the failure
 * recorded (the kernel refused a key after the ULP was attached: the socket
 * is shut down; or out of memory).
 */
int ktla__record_engine_start(struct ktla__record *rec, enum ktla_offload_policy policy,
                              const struct ktla__traffic_keys *tx, const struct ktla__traffic_keys *rx, size_t max_out,
                              char *why, size_t why_size);

/* Whether the user engine carries the records (else the kernel does). */
int ktla__record_in_user_space(const struct ktla__record *rec);

/* Send one non-data record of ours (alert, KeyUpdate): 0, -EAGAIN (nothing sent, try again), or -errno. */
int ktla__record_send_control(struct ktla__record *rec, unsigned char type, const void *data, size_t len);

/* Replace one direction's keys after a KeyUpdate: 0 or -errno (the kernel's, or -ENOMEM). */
int ktla__record_set_keys(struct ktla__record *rec, enum ktla_direction dir, const struct ktla__traffic_keys *keys);

/* Send a fatal alert, best effort (the connection is ending). */
void ktla__record_fatal_alert(struct ktla__record *rec, unsigned char description);

/* Wipe and free everything the record layer holds (engine, KeyUpdate secrets, a client's sessions): the one place. */
void ktla__record_free(struct ktla__record *rec);

#endif
