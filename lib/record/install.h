/* SPDX-License-Identifier: Apache-2.0 */
/*
 * install.h - putting both directions' keys on a socket (internal).
 *
 * One sequence for the server hand-off (record/engine.c) and for
 * ktla_install_keys(): attach the ULP (the last step that may fail softly),
 * then TX, then RX.
 */
#ifndef KTLA_INSTALL_H
#define KTLA_INSTALL_H

#include <stddef.h>

#include "kernel/ktls.h"

/*
 * Attach the "tls" ULP to fd, then install tx and rx.  Returns 0;
 * KTLA_E_UNSUPPORTED when the kernel refused the ULP (the socket is
 * untouched, why says why); or KTLA_E_SYSCALL when it refused a key after
 * the ULP was attached (errno is the kernel's, why names the direction; the
 * socket cannot go back to user space).
 */
int ktla__install_traffic_keys(int fd, const struct ktla__traffic_keys *tx, const struct ktla__traffic_keys *rx,
                               char *why, size_t why_size);

#endif
