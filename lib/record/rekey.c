/* SPDX-License-Identifier: Apache-2.0 */
/* rekey.c - the next TLS 1.3 traffic secret, installed for one direction (RFC 8446 7.2). */
#include "config.h"

#include "rekey.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "keys/keys.h"

#define MAX_SECRET_LEN 48 /* SHA-384 */

int ktla__rekey_direction(enum ktla_direction dir, enum ktla_cipher cipher, mbedtls_md_type_t hash,
                          unsigned char *secret, size_t secret_len, ktla__rekey_install_fn install, void *ctx)
{
    struct ktla__traffic_keys keys;
    unsigned char next[MAX_SECRET_LEN];
    int rc;

    if (secret_len > sizeof next)
        return KTLA__REKEY_NOT_DERIVED;
    memset(&keys, 0, sizeof keys);
    rc = ktla__hkdf_expand_label(hash, secret, secret_len, "traffic upd", NULL, 0, next, secret_len);
    if (rc == 0)
        rc = ktla__tls13_traffic_keys(cipher, hash, next, secret_len, 0, &keys);
    if (rc == 0) {
        rc = install(ctx, dir, &keys);
        if (rc == 0)
            memcpy(secret, next, secret_len);
    } else {
        rc = KTLA__REKEY_NOT_DERIVED;
    }
    mbedtls_platform_zeroize(next, sizeof next);
    mbedtls_platform_zeroize(&keys, sizeof keys);
    return rc;
}
