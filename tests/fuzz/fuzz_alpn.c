/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_alpn.c - the ALPN list (ktla_config_set_alpn: at most 8 protocols
 * of 1 to 255 bytes, copied), then the configuration built with it.
 *
 * Input: the protocol names separated by NUL bytes (so 1 to any number of
 * names, empty ones included).
 * Oracles: a list within the rules is taken; any other is refused with
 * KTLA_E_INVAL, leaving the list set before it; either way the
 * configuration builds.
 */
#include <stdlib.h>

#include "config_fixture.h"
#include "fuzz.h"

#define MAX_NAMES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const good[] = {"http/1.1"};
    const char *names[MAX_NAMES];
    char *copy = malloc(size + 1);
    size_t count = 0;
    int valid = 1, rc;
    ktla_config *cfg;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (char *p = copy; count < MAX_NAMES; p += strlen(p) + 1) {
        names[count++] = p;
        valid &= strlen(p) >= 1 && strlen(p) <= 255;
        if (p + strlen(p) >= copy + size)
            break;
    }
    valid &= count <= 8;
    cfg = config_fixture_new();
    if (ktla_config_set_alpn(cfg, good, 1) != 0)
        abort();
    rc = ktla_config_set_alpn(cfg, names, count);
    if (valid != (rc == 0) || (rc != 0 && rc != KTLA_E_INVAL))
        abort();
    config_fixture_must_build(cfg);
    ktla_config_free(cfg);
    free(copy);
    return 0;
}
