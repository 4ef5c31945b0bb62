/* SPDX-License-Identifier: Apache-2.0 */
/* hello_peek.c - a server's pick among the key shares a client sent (see hello_peek.h). */
#include "config.h"

#include "hello_peek.h"

#include "client_hello.h"
#include "transport.h"

/*
 * As much of the first bytes as is looked at: a ClientHello with X25519,
 * P-256 and P-384 shares, tickets and SNI fits easily; a longer one (large
 * post-quantum shares, which mbedTLS 3.6 has no group for anyway) keeps the
 * configuration as it is.
 */
#define PEEK_LEN 4096
#define MAX_SHARES 16

/* Index of group in the server's list, or -1. */
static int server_rank(const ktla_config *cfg, uint16_t group)
{
    for (size_t i = 0; i < cfg->n_by_group; i++)
        if (cfg->groups[i] == group)
            return (int)i;
    return -1;
}

/* The server's list index of the share to take, when it is not the one mbedTLS would take; else -1. */
static int preferred_share(const ktla_config *cfg, const uint16_t *shares, size_t n)
{
    int mbedtls_pick = -1, best = -1;

    for (size_t i = 0; i < n; i++) {
        int rank = server_rank(cfg, shares[i]);
        if (rank < 0)
            continue;
        if (mbedtls_pick < 0)
            mbedtls_pick = rank; /* mbedTLS 3.6: the client's first share of an allowed group */
        if (best < 0 || rank < best)
            best = rank;
    }
    return best != mbedtls_pick ? best : -1;
}

int ktla__hello_choose_config(ktla_conn *conn, const mbedtls_ssl_config **conf)
{
    const ktla_config *cfg = conn->cfg;
    unsigned char buf[PEEK_LEN];
    uint16_t shares[MAX_SHARES];
    size_t n_shares;
    int got, pick;

    *conf = &cfg->ssl;
    if (cfg->n_by_group == 0 || cfg->is_client || conn->recv_fn != NULL)
        return 0;
    got = ktla__transport_peek(conn, buf, sizeof buf);
    if (got < 0)
        return got;
    if (ktla__client_hello_key_shares(buf, (size_t)got, shares, MAX_SHARES, &n_shares) != KTLA__HELLO_SHARES)
        return 0; /* partial (split across segments), not understood, or the client closed: as it is */
    pick = preferred_share(cfg, shares, n_shares);
    if (pick >= 0)
        *conf = &cfg->by_group[pick];
    return 0;
}
