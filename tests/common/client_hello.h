/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_hello.h - hand-made ClientHellos for bad-input tests: old versions,
 * unknown suites, SSLv2 framing.  Written from RFC 5246 7.4.1.2 and RFC 6101
 * appendix E, not by any TLS library, so they can be wrong in exactly the
 * ways a test wants.
 */
#ifndef KTLA_TEST_CLIENT_HELLO_H
#define KTLA_TEST_CLIENT_HELLO_H

#include <stddef.h>
#include <stdint.h>

/*
 * A ClientHello record offering `hello_version` and the given suites, with
 * the TLS 1.2 extensions an ECDHE-ECDSA server needs (supported_groups,
 * ec_point_formats, signature_algorithms) but no supported_versions.
 * Returns the record length, or 0 if cap is too small.
 */
size_t client_hello_build(unsigned char *out, size_t cap, uint16_t hello_version, const uint16_t *suites,
                          size_t n_suites);

/*
 * A ClientHello described field by field, for the cases the fixed one above
 * cannot make: TLS 1.3 (supported_versions with 0x0304, a key_share of any
 * bytes) and chosen groups.  Lists end at their count; share_len 0 sends no
 * key_share extension.
 */
struct hello_spec {
    uint16_t legacy_version;              /* 0x0303 for TLS 1.3 */
    const uint16_t *suites;
    size_t n_suites;
    const uint16_t *groups;               /* supported_groups */
    size_t n_groups;
    int tls13;                            /* add supported_versions {0x0304} */
    uint16_t share_group;                 /* the key_share entry's group */
    const unsigned char *share;
    size_t share_len;
};

/* The record of that ClientHello; its length, or 0 if cap is too small. */
size_t client_hello_build_spec(unsigned char *out, size_t cap, const struct hello_spec *spec);

/* An SSL 2.0-framed ClientHello (as very old clients send); returns its length. */
size_t client_hello_sslv2(unsigned char *out, size_t cap);

/* The description of the first plaintext alert record in a server's output, or -1. */
int first_plain_alert(const unsigned char *out, size_t len);

/* How many alert records (plaintext or not: by outer type 21) a server's output holds; -1 if malformed. */
int count_plain_alerts(const unsigned char *out, size_t len);

#endif
