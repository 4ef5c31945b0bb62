/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_config_pem.c - a certificate chain and private key given in memory
 * (ktla_config_add_cert_mem: copied, NUL-terminated, parsed by mbedTLS,
 * checked to belong together and long enough).
 *
 * Input: one flags byte (bit 0: the key password "fuzz"), a 2-byte length
 * of the chain, the chain, then the key.  Seeds: the test certificates and
 * keys, a two-certificate chain, an encrypted key, the refused RSA-1024.
 * Oracles: only the documented codes come back; a refusal says why; an
 * accepted certificate builds a working configuration.
 */
#include <stdlib.h>

#include "config_fixture.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    uint8_t flags = fuzz_u8(&in);
    size_t chain_len, key_len;
    const uint8_t *chain = fuzz_bytes(&in, fuzz_u16(&in), &chain_len);
    const uint8_t *key = fuzz_bytes(&in, in.left, &key_len);
    ktla_config *cfg = NULL;
    int rc;

    if (ktla_config_new(&cfg) != 0)
        abort();
    rc = ktla_config_add_cert_mem(cfg, chain, chain_len, key, key_len, flags & 1 ? "fuzz" : NULL);
    if (rc != 0 && rc != KTLA_E_CERT && rc != KTLA_E_NOMEM)
        abort();
    if (rc == KTLA_E_CERT && ktla_config_error(cfg)[0] == '\0')
        abort();
    if (rc == 0)
        config_fixture_must_build(cfg);
    ktla_config_free(cfg);
    return 0;
}
