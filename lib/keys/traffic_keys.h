/* SPDX-License-Identifier: Apache-2.0 */
/*
 * traffic_keys.h - one direction's traffic keys, and the key and IV lengths
 * of each cipher (internal).
 *
 * Shared by the pure derivation (keys.c, which defines the lengths next to
 * its suite table) and the kernel hand-off (ktls.c, which turns these into
 * crypto_info).  Kept apart so that keys.c needs no kernel header: the
 * dependency runs ktls -> traffic_keys <- keys, never keys -> ktls.
 */
#ifndef KTLA_TRAFFIC_KEYS_H
#define KTLA_TRAFFIC_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "ktla.h"

/*
 * The traffic keys of one direction, in protocol terms rather than the
 * kernel's: the AEAD key, the static IV the record nonces are built from,
 * and the sequence number of the next record.
 *
 * iv holds iv_len bytes: 4 (the implicit "salt") for TLS 1.2 AES-GCM and
 * AES-CCM, whose explicit nonce travels in each record; 12 for TLS 1.3 and
 * for ChaCha20-Poly1305 in either version.
 */
struct ktla__traffic_keys {
    enum ktla_tls_version version;
    enum ktla_cipher cipher;
    unsigned char key[32];
    unsigned char iv[12];
    uint64_t seq;
};

/* Key and static-IV lengths the protocol uses for a version and cipher (keys.c, with the suite table); 0 if unknown. */
size_t ktla__cipher_key_len(enum ktla_cipher cipher);
size_t ktla__cipher_iv_len(enum ktla_tls_version version, enum ktla_cipher cipher);

#endif
