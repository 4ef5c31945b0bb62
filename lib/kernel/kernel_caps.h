/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kernel_caps.h - what this kernel's kTLS accepts, probed once per process
 * (internal).  Lets the hand-off keep a connection in user space, with the
 * reason, instead of attaching the ULP and then having the kernel refuse a
 * cipher it does not implement (ChaCha20 before 5.11, CCM before 5.2, ...),
 * which could only end the connection.
 */
#ifndef KTLA_KERNEL_CAPS_H
#define KTLA_KERNEL_CAPS_H

#include <stddef.h>

#include "ktla.h"

/*
 * 1 if this kernel offers the TLS ULP but refused keys of this version and
 * cipher in either direction when probed, or if a hand-off heard in the last
 * second that it has no TLS ULP (why gets the kernel's reason); 0 when it
 * accepted them, or when the probe could not tell.
 */
int ktla__kernel_refuses(enum ktla_tls_version version, enum ktla_cipher cipher, char *why, size_t size);

/*
 * A hand-off's attempt to attach the TLS ULP failed with ENOENT (why says
 * so): for the next second, hand-offs keep their connections in user space
 * with this reason without deriving keys or touching the socket.
 */
void ktla__kernel_note_ulp_missing(const char *why);

/*
 * Forget the cached answer, so that the next hand-off probes again: for
 * tests, which stage the kernel's answers (ktla__setsockopt) and must not
 * leave a staged probe behind for the rest of the process.  Not while a
 * hand-off may be running in another thread.
 */
void ktla__kernel_caps_reset(void);

#endif
