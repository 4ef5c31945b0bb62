/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rekey.h - one step of a TLS 1.3 key update (internal): the next
 * application traffic secret, and its keys handed to whoever carries the
 * records.  Shared by the connection's KeyUpdate handling (keyupdate.c,
 * either engine) and the public record calls for ktla_install_keys()
 * callers (public_records.c, the kernel), so that the derivation and the
 * order "install, then forget the old secret" exist once.
 */
#ifndef KTLA_REKEY_H
#define KTLA_REKEY_H

#include <stddef.h>

#include <mbedtls/md.h>

#include "ktla.h"
#include "keys/traffic_keys.h"

/* ktla__rekey_direction()'s answer when the next key could not be derived (out of memory): never an errno. */
#define KTLA__REKEY_NOT_DERIVED 1

/* Installs one direction's new keys: 0 or -errno. */
typedef int (*ktla__rekey_install_fn)(void *ctx, enum ktla_direction dir, const struct ktla__traffic_keys *keys);

/*
 * secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
 * (RFC 8446 7.2); its keys, starting at sequence number 0, go to
 * install(ctx, dir, ...); only when that succeeded does *secret become
 * secret_N+1.  secret holds secret_len bytes (the length of hash).
 * Returns 0, KTLA__REKEY_NOT_DERIVED (secret unchanged, nothing installed),
 * or install's -errno (secret unchanged).  Every intermediate is wiped.
 */
int ktla__rekey_direction(enum ktla_direction dir, enum ktla_cipher cipher, mbedtls_md_type_t hash,
                          unsigned char *secret, size_t secret_len, ktla__rekey_install_fn install, void *ctx);

#endif
