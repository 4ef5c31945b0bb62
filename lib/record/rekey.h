/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rekey.h - one step of a TLS 1.3 key update on a kTLS socket (internal):
 * the next application traffic secret, and its keys installed for one
 * direction.  Shared by the server's KeyUpdate handling (keyupdate.c) and
 * the public record helpers for ktla_install_keys() callers
 * (public_records.c), so the derivation-then-install exists once.
 */
#ifndef KTLA_REKEY_H
#define KTLA_REKEY_H

#include <stddef.h>

#include <mbedtls/md.h>

#include "ktla.h"

/* ktla__rekey_direction()'s answer when the next key could not be derived (out of memory): never an errno. */
#define KTLA__REKEY_NOT_DERIVED 1

/*
 * secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
 * (RFC 8446 7.2); its keys, starting at sequence number 0, go to the kernel
 * for dir; only then does *secret become secret_N+1.  secret holds
 * secret_len bytes (the length of hash).  Returns 0,
 * KTLA__REKEY_NOT_DERIVED (secret unchanged, nothing installed), or the
 * kernel's -errno (secret unchanged; EBUSY before Linux 6.14, which cannot
 * replace keys).  Every intermediate is wiped.
 */
int ktla__rekey_direction(int fd, enum ktla_direction dir, enum ktla_cipher cipher, mbedtls_md_type_t hash,
                          unsigned char *secret, size_t secret_len);

#endif
