/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.h - from what mbedTLS exports to the traffic keys the kernel takes (internal).
 *
 * Pure computation: no I/O, no allocation of its own, no state.  mbedTLS
 * hands the library TLS 1.3 traffic secrets, or the TLS 1.2 master secret
 * and both randoms; these functions turn them into struct ktla__traffic_keys
 * (traffic_keys.h), which ktls.c hands to the kernel.  Every intermediate secret is wiped before return, and on
 * failure the output structures are wiped too, so a caller never holds half
 * a key.
 *
 * PSA crypto must be initialised (psa_crypto_init) before any call.
 */
#ifndef KTLA_KEYS_H
#define KTLA_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/md.h>
#include <mbedtls/ssl.h>

#include "ktla.h"
#include "traffic_keys.h"

/*
 * The ciphersuites whose record protection the kernel implements, by IANA
 * id, in server preference order (AES-GCM, then ChaCha20-Poly1305, then
 * AES-CCM; TLS 1.3 and TLS 1.2 suites both), 0-terminated for
 * mbedtls_ssl_conf_ciphersuites().  Every id here maps with
 * ktla__suite_to_kernel().
 */
extern const int ktla__kernel_ciphersuites[];

/*
 * Map a negotiated ciphersuite id to the kernel's terms: protocol version,
 * kernel cipher, and the suite's hash (the TLS 1.3 HKDF hash, or the TLS 1.2
 * PRF hash).  Decided by the numeric id alone, never by key lengths: an
 * AES-128 key does not tell CCM from CCM-8.  Returns 0, or
 * KTLA_E_UNSUPPORTED for any suite the kernel cannot take (CBC, CCM-8,
 * AES-256-CCM, ARIA, Camellia, ...), leaving the outputs untouched.  Any
 * output pointer may be NULL.
 */
int ktla__suite_to_kernel(int suite_id, enum ktla_tls_version *version, enum ktla_cipher *cipher,
                          mbedtls_md_type_t *hash);

/*
 * HKDF-Expand-Label(secret, label, context, out_len) of RFC 8446 section
 * 7.1, with "tls13 " prefixed to label here.  hash is MBEDTLS_MD_SHA256 or
 * MBEDTLS_MD_SHA384 and secret_len must be its output length.  Returns 0,
 * KTLA_E_INVAL (bad hash, lengths out of range), KTLA_E_NOMEM, or
 * KTLA_E_TLS (the crypto library failed); out is wiped on failure.
 */
int ktla__hkdf_expand_label(mbedtls_md_type_t hash, const unsigned char *secret, size_t secret_len, const char *label,
                            const unsigned char *context, size_t context_len, unsigned char *out, size_t out_len);

/*
 * TLS 1.3: one direction's keys from its traffic secret (RFC 8446 7.3):
 * key = HKDF-Expand-Label(secret, "key", "", key length of cipher),
 * iv = HKDF-Expand-Label(secret, "iv", "", 12).  seq is the sequence number
 * of the next record under this secret.  Returns 0, KTLA_E_INVAL (unknown
 * cipher or hash, secret_len not the hash length), KTLA_E_NOMEM or
 * KTLA_E_TLS; *out is wiped on failure.
 */
int ktla__tls13_traffic_keys(enum ktla_cipher cipher, mbedtls_md_type_t hash, const unsigned char *secret,
                             size_t secret_len, uint64_t seq, struct ktla__traffic_keys *out);

/*
 * The TLS 1.2 PRF of RFC 5246 section 5, PRF(secret, label, seed) with
 * P_SHA256 or P_SHA384 (prf), out_len bytes of it into out; the same bytes
 * as mbedtls_ssl_tls_prf(), at about half the hash compressions for a key
 * block (the HMAC key's padded states are hashed once, not per HMAC).
 * secret_len must not exceed the hash's block (64 or 128 bytes; a master
 * secret is 48).  Returns 0, KTLA_E_INVAL (unknown prf, missing or empty
 * label, secret too long) or KTLA_E_TLS; out is wiped on failure.
 */
int ktla__tls12_prf(mbedtls_tls_prf_types prf, const unsigned char *secret, size_t secret_len, const char *label,
                    const unsigned char *seed, size_t seed_len, unsigned char *out, size_t out_len);

/*
 * TLS 1.2: both directions' keys from the master secret (RFC 5246 6.3):
 * key_block = PRF(master, "key expansion", server_random || client_random),
 * split as client key, server key, client IV, server IV (AEAD suites have
 * no MAC keys).  The IV is the 4-byte implicit salt for AES-GCM and AES-CCM
 * (RFC 5288, 6655) and the 12-byte fixed IV for ChaCha20-Poly1305 (RFC
 * 7905).  prf is MBEDTLS_SSL_TLS_PRF_SHA256 or _SHA384, as mbedTLS's key
 * export callback reports it.  The seqs are each direction's next record
 * number.  Returns 0, KTLA_E_INVAL, KTLA_E_NOMEM or KTLA_E_TLS; both
 * outputs are wiped on failure.
 */
int ktla__tls12_traffic_keys(enum ktla_cipher cipher, mbedtls_tls_prf_types prf, const unsigned char master[48],
                             const unsigned char client_random[32], const unsigned char server_random[32],
                             uint64_t client_seq, uint64_t server_seq, struct ktla__traffic_keys *client_write,
                             struct ktla__traffic_keys *server_write);

#endif /* KTLA_KEYS_H */
