/* SPDX-License-Identifier: Apache-2.0 */
/* sample_keys.c - recognisable secrets for tests. */
#include "sample_keys.h"

#include <string.h>

void test_sample_session_keys(struct ktla_session_keys *k, enum ktla_tls_version v, int suite, size_t secret_len)
{
    memset(k, 0, sizeof *k);
    k->version = v;
    k->ciphersuite = suite;
    for (int i = 0; i < 48; i++) {
        k->master_secret[i] = (unsigned char)(0x40 + i);
        k->client_secret[i] = (unsigned char)(0x80 + i);
        k->server_secret[i] = (unsigned char)(0xc0 + i);
    }
    for (int i = 0; i < 32; i++) {
        k->client_random[i] = (unsigned char)(0x01 + i);
        k->server_random[i] = (unsigned char)(0x21 + i);
    }
    k->secret_len = secret_len;
    k->client_seq = 5;
    k->server_seq = 9;
}
