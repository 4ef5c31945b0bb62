/* SPDX-License-Identifier: Apache-2.0 */
/*
 * install.h - from a finished handshake's secrets to the kernel (internal).
 *
 * One path for the hand-off of ktla_accept()/ktla_connect() (record/engine.c)
 * and for ktla_install_keys(), so that the two cannot drift:
 * ktla__session_traffic_keys() alone chooses which secret and which sequence
 * number go to which direction, and ktla__kernel_take_keys() alone asks
 * ktla__offload_refusal() (decide.h) and then installs: ULP (the last step
 * that may fail softly), TX, RX.
 */
#ifndef KTLA_INSTALL_H
#define KTLA_INSTALL_H

#include <stddef.h>

#include "ktla.h"
#include "keys/traffic_keys.h"

/*
 * Both directions' keys from the secrets of keys (ktla_install_keys()'s
 * struct: the hand-off fills one from what mbedTLS exported), tx being this
 * side's: is_client takes the client's secret and client_seq for tx, a
 * server the server's.  keys->ciphersuite must map (ktla__suite_to_kernel())
 * to keys->version.  Returns 0, or a KTLA_E_* code with why filled (a TLS
 * 1.3 secret_len that is not the suite hash's length: KTLA_E_INVAL); tx and
 * rx are wiped on failure.
 */
int ktla__session_traffic_keys(int is_client, const struct ktla_session_keys *keys, struct ktla__traffic_keys *tx,
                               struct ktla__traffic_keys *rx, char *why, size_t why_size);

/*
 * Put tx and rx on fd when ktla__offload_refusal() lets the kernel take them
 * (policy; max_out: the largest plaintext the peer takes in one record).
 * Returns 0 (both in the kernel); KTLA_E_UNSUPPORTED when it may not or the
 * kernel refused the ULP (the socket is untouched, why says why); or
 * KTLA_E_SYSCALL when the kernel refused a key after the ULP was attached
 * (errno is the kernel's, why names the direction; the socket cannot go back
 * to user space).
 */
int ktla__kernel_take_keys(enum ktla_offload_policy policy, int fd, size_t max_out, const struct ktla__traffic_keys *tx,
                           const struct ktla__traffic_keys *rx, char *why, size_t why_size);

#endif
