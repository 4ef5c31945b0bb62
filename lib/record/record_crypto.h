/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record_crypto.h - sealing and opening one TLS 1.2 or 1.3 AEAD record in
 * user space, on PSA AEAD (internal).  Pure: no I/O, no connection; the
 * user engine (user_engine.c) moves the bytes, the fuzzer opens records
 * straight through here.
 *
 * Semantics are the kernel's (net/tls): per-direction 64-bit sequence
 * numbers; TLS 1.2 AES-GCM/CCM send the sequence number as the explicit
 * nonce, ChaCha20-Poly1305 (RFC 7905) and TLS 1.3 XOR it into the static
 * IV; TLS 1.3 hides the content type in the plaintext, after which zero
 * padding may follow.  A sequence number about to wrap is refused (never a
 * second use of a nonce).
 */
#ifndef KTLA_RECORD_CRYPTO_H
#define KTLA_RECORD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <psa/crypto.h>

#include "keys/traffic_keys.h"

#define KTLA__RECORD_HEADER_LEN 5
#define KTLA__RECORD_TAG_LEN 16
#define KTLA__RECORD_EXPLICIT_NONCE_LEN 8
/* RFC 8446 5.1, RFC 5246 6.2.1: plaintext of at most 2^14 bytes. */
#define KTLA__RECORD_MAX_PLAINTEXT 16384
/* RFC 8446 5.2: TLSCiphertext.length <= 2^14 + 256; RFC 5246 6.2.3: 2^14 + 2048. */
#define KTLA__RECORD_MAX_CIPHERTEXT_13 (16384 + 256)
#define KTLA__RECORD_MAX_CIPHERTEXT_12 (16384 + 2048)
/* What a record adds at most around its plaintext (explicit nonce or inner type, and the tag). */
#define KTLA__RECORD_MAX_OVERHEAD (KTLA__RECORD_HEADER_LEN + KTLA__RECORD_EXPLICIT_NONCE_LEN + KTLA__RECORD_TAG_LEN)

/* One direction's record protection: the PSA key, the static IV, the next sequence number. */
struct ktla__record_dir {
    psa_key_id_t key;
    unsigned char iv[12];
    uint64_t seq;
};

/* The suite's shape, shared by both directions. */
struct ktla__record_suite {
    enum ktla_tls_version version;
    enum ktla_cipher cipher;
};

/*
 * Import keys->key as a PSA key for the suite's AEAD and take iv and seq.
 * 0, or -1 (PSA refused: out of memory, or a cipher this mbedTLS lacks);
 * *dir holds no key then.  The PSA key is destroyed by
 * ktla__record_dir_clear(), which also wipes the IV.
 */
int ktla__record_dir_set(struct ktla__record_dir *dir, const struct ktla__traffic_keys *keys);
void ktla__record_dir_clear(struct ktla__record_dir *dir);

/* Bytes on the wire of a record carrying pt_len bytes of plaintext. */
size_t ktla__record_sealed_len(const struct ktla__record_suite *suite, size_t pt_len);

/*
 * Seal pt (pt_len <= 2^14) as one record of `type` into out (at least
 * ktla__record_sealed_len() bytes; pt may not overlap out) and advance
 * dir->seq.  Returns the record's length, or -1 when the sequence number
 * would wrap or PSA failed (nothing advanced; out is wiped).
 */
long ktla__record_seal(const struct ktla__record_suite *suite, struct ktla__record_dir *dir, unsigned char type,
                       const unsigned char *pt, size_t pt_len, unsigned char *out);

/*
 * Check a received record header.  Returns 0 and sets *body_len (the bytes
 * that follow the header), or the alert to answer with: record_overflow for
 * a length over the version's limit, decode_error for a version that is not
 * TLS 1.2's wire version, unexpected_message for an outer type TLS 1.3
 * never protects.  A body shorter than a tag is left to the opener.
 */
int ktla__record_check_header(const struct ktla__record_suite *suite, const unsigned char hdr[KTLA__RECORD_HEADER_LEN],
                              size_t *body_len);

/*
 * Open a record in place: hdr is its header, body its body_len bytes.  Only
 * when the tag verifies is anything written that is plaintext: then
 * *type is the (inner) content type and the plaintext is body[*pt_off ..
 * *pt_off + *pt_len), dir->seq advanced.  Otherwise the alert to send:
 * bad_record_mac (tag, or a body too short to hold one), record_overflow
 * (plaintext over 2^14), unexpected_message (TLS 1.3 with no content
 * type), internal_error (sequence number about to wrap, PSA failure); body
 * is wiped then.  Returns 0 or that alert.
 */
int ktla__record_open(const struct ktla__record_suite *suite, struct ktla__record_dir *dir,
                      const unsigned char hdr[KTLA__RECORD_HEADER_LEN], unsigned char *body, size_t body_len,
                      unsigned char *type, size_t *pt_off, size_t *pt_len);

#endif
