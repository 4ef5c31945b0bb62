/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_groups.c - the one-group configurations a server hands a
 * connection whose client sent key shares for several groups.
 *
 * mbedTLS 3.6's TLS 1.3 server takes the first key share in the client's
 * order whose group the configuration allows, and its group list is read
 * from the configuration when the context is set up.  To have it take the
 * share of the server's preferred group instead (ktla's default order is
 * the cheapest for mbedTLS first: P-256 costs 21 % fewer instructions per
 * handshake than X25519, bench/README.md), a connection is set up on a copy
 * of the configuration that allows that group alone: its share is there, so
 * mbedTLS takes it, and no HelloRetryRequest can follow.
 *
 * The copies are shallow: every pointer in them (certificates, keys,
 * callbacks, ticket keys, lists) is the original's, which owns and frees
 * it; a copy owns nothing and is never passed to mbedtls_ssl_config_free().
 * Only the group list differs.
 */
#include "config.h"

#include "config_internal.h"

void ktla__config_build_group_choice(ktla_config *cfg)
{
    size_t n = 0;

    cfg->n_by_group = 0;
    /* Key shares exist only in TLS 1.3, and with one group there is nothing to choose. */
    if (cfg->is_client || cfg->max_version < KTLA_TLS_1_3 || cfg->groups[0] == 0 || cfg->groups[1] == 0)
        return;
    for (; n < KTLA__MAX_GROUPS && cfg->groups[n] != 0; n++) {
        cfg->by_group[n] = cfg->ssl;
        cfg->one_group[n][0] = cfg->groups[n];
        cfg->one_group[n][1] = 0;
        mbedtls_ssl_conf_groups(&cfg->by_group[n], cfg->one_group[n]);
    }
    cfg->n_by_group = n;
}
