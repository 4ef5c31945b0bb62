/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_record.h - an independent TLS record sealer/opener for tests.
 *
 * Built straight from RFC 5288/7905 (TLS 1.2) and RFC 8446 section 5
 * (TLS 1.3) on PSA crypto, sharing nothing with the library but the key
 * container, so that a record the kernel wrote with keys ktla installed can
 * be checked by code that did not install them.
 */
#ifndef KTLA_TEST_TLS_RECORD_H
#define KTLA_TEST_TLS_RECORD_H

#include <stddef.h>

#include "kernel/ktls.h"
#include "wire/tls_wire.h"

#define TEST_RECORD_HEADER TLS_RECORD_HEADER_LEN
#define TEST_RECORD_TAG 16
/* Bytes a record adds around its plaintext, at most (explicit nonce, inner type, tag). */
#define TEST_RECORD_OVERHEAD (TEST_RECORD_HEADER + 8 + 1 + TEST_RECORD_TAG)

/* The length field of a record header (the bytes after the header). */
size_t test_record_body_len(const unsigned char *header);

/* 0 once PSA crypto is initialised. */
int test_record_init(void);

/*
 * Seal one record of content type `type` with keys (keys->seq is the
 * record's sequence number).  Writes the whole record, header included.
 * Returns its length, or -1.
 */
long test_record_seal(const struct ktla__traffic_keys *keys, unsigned char type, const unsigned char *pt,
                      size_t pt_len, unsigned char *out, size_t out_size);

/*
 * Open one whole record (header included).  Writes the plaintext, sets *type
 * to the (inner, for TLS 1.3) content type.  Returns the plaintext length,
 * or -1 if the record does not authenticate or is malformed.
 */
long test_record_open(const struct ktla__traffic_keys *keys, const unsigned char *rec, size_t rec_len,
                      unsigned char *out, size_t out_size, unsigned char *type);

#endif
