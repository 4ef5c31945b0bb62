/* SPDX-License-Identifier: Apache-2.0 */
/* sample_keys.h - recognisable secrets for tests of ktla_install_keys() and the calls that follow it. */
#ifndef KTLA_TEST_SAMPLE_KEYS_H
#define KTLA_TEST_SAMPLE_KEYS_H

#include <stddef.h>

#include "ktla.h"

/*
 * Distinct secrets for both sides (master 0x40.., client 0x80.., server
 * 0xc0.., randoms 0x01.. and 0x21..), version v, suite, secret_len, and
 * sequence numbers client 5, server 9.
 */
void test_sample_session_keys(struct ktla_session_keys *k, enum ktla_tls_version v, int suite, size_t secret_len);

#endif
