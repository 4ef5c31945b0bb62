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

/* An SSL 2.0-framed ClientHello (as very old clients send); returns its length. */
size_t client_hello_sslv2(unsigned char *out, size_t cap);

/* The description of the first plaintext alert record in a server's output, or -1. */
int first_plain_alert(const unsigned char *out, size_t len);

#endif
