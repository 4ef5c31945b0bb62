/* SPDX-License-Identifier: Apache-2.0 */
/*
 * expected_keys.h - the crypto_info bytes the kernel should be handed,
 * derived here from the secrets without any of the library's code: the
 * TLS 1.3 key schedule (RFC 8446 7.1, 7.3) and the TLS 1.2 PRF (RFC 5246 5,
 * 6.3) written out on mbedTLS's HMAC, and the structures of
 * include/uapi/linux/tls.h laid out by offset.  So a test comparing them
 * with what ktla hands setsockopt checks ktla, not ktla against itself.
 */
#ifndef KTLA_TEST_EXPECTED_KEYS_H
#define KTLA_TEST_EXPECTED_KEYS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The crypto_info for one direction of suite (an IANA TLS 1.3 or TLS 1.2
 * AEAD suite the kernel takes) whose next record is seq:
 * - TLS 1.3: from that direction's application traffic secret;
 * - TLS 1.2: from the master secret and randoms, client_write selecting
 *   the client's key and IV from the key block.
 * Writes at most out_size bytes; returns the structure's length, or 0 for
 * a suite it does not know.
 */
size_t expected_tls13_info(int suite, const unsigned char *secret, size_t secret_len, uint64_t seq,
                           unsigned char *out, size_t out_size);
size_t expected_tls12_info(int suite, const unsigned char master[48], const unsigned char client_random[32],
                           const unsigned char server_random[32], int client_write, uint64_t seq,
                           unsigned char *out, size_t out_size);

/*
 * application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic
 * upd", "", Hash.length) (RFC 8446 7.2), into out (secret_len bytes).
 * Returns secret_len, or 0 for a suite it does not know.
 */
size_t expected_tls13_next_secret(int suite, const unsigned char *secret, size_t secret_len, unsigned char *out);

#endif
