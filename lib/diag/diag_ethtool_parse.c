/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag_ethtool_parse.c - decode ETHTOOL_MSG_FEATURES_GET_REPLY for the NIC TLS features.
 *
 * The reply (net/ethtool/features.c) holds four bitsets over the same
 * feature names: HW (what the user may change), WANTED, ACTIVE and NOCHANGE.
 * We ask for the verbose form (no ETHTOOL_FLAG_COMPACT_BITSETS), so each
 * bitset is ETHTOOL_A_BITSET_BITS, a list of ETHTOOL_A_BITSET_BITS_BIT nests
 * with INDEX, NAME and VALUE (net/ethtool/bitset.c ethnl_put_bitset32): with
 * ETHTOOL_A_BITSET_NOMASK a listed bit is set; without it a listed bit is in
 * the mask and VALUE says whether it is set.  Every level goes through a
 * policy before it is read.
 */
#include "config.h"

#include <linux/ethtool_netlink.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "diag_internal.h"

/* The three features we report, in the order of struct ktla_diag_netdev. */
static const char *const tls_features[] = {"tls-hw-tx-offload", "tls-hw-rx-offload", "tls-hw-record"};
#define N_FEATURES (sizeof tls_features / sizeof tls_features[0])

/* The four bitsets of the reply, as indexes into seen[][]. */
enum { SET_HW, SET_WANTED, SET_ACTIVE, SET_NOCHANGE, N_SETS };

static const struct nla_policy features_policy[ETHTOOL_A_FEATURES_MAX + 1] = {
    [ETHTOOL_A_FEATURES_HEADER] = {.type = NLA_NESTED},
    [ETHTOOL_A_FEATURES_HW] = {.type = NLA_NESTED},
    [ETHTOOL_A_FEATURES_WANTED] = {.type = NLA_NESTED},
    [ETHTOOL_A_FEATURES_ACTIVE] = {.type = NLA_NESTED},
    [ETHTOOL_A_FEATURES_NOCHANGE] = {.type = NLA_NESTED},
};

static const struct nla_policy header_policy[ETHTOOL_A_HEADER_MAX + 1] = {
    [ETHTOOL_A_HEADER_DEV_INDEX] = {.type = NLA_U32},
    [ETHTOOL_A_HEADER_DEV_NAME] = {.type = NLA_STRING},
    [ETHTOOL_A_HEADER_FLAGS] = {.type = NLA_U32},
};

static const struct nla_policy bitset_policy[ETHTOOL_A_BITSET_MAX + 1] = {
    [ETHTOOL_A_BITSET_NOMASK] = {.type = NLA_FLAG},
    [ETHTOOL_A_BITSET_SIZE] = {.type = NLA_U32},
    [ETHTOOL_A_BITSET_BITS] = {.type = NLA_NESTED},
    [ETHTOOL_A_BITSET_VALUE] = {.type = NLA_UNSPEC},
    [ETHTOOL_A_BITSET_MASK] = {.type = NLA_UNSPEC},
};

static const struct nla_policy bits_policy[ETHTOOL_A_BITSET_BITS_MAX + 1] = {
    [ETHTOOL_A_BITSET_BITS_BIT] = {.type = NLA_NESTED},
};

static const struct nla_policy bit_policy[ETHTOOL_A_BITSET_BIT_MAX + 1] = {
    [ETHTOOL_A_BITSET_BIT_INDEX] = {.type = NLA_U32},
    [ETHTOOL_A_BITSET_BIT_NAME] = {.type = NLA_STRING},
    [ETHTOOL_A_BITSET_BIT_VALUE] = {.type = NLA_FLAG},
};

/* Mark in set[f] each of our features that is set in this bitset.  0 or KTLA_E_PARSE. */
static int parse_bitset(struct nlattr *attr, int set[N_FEATURES])
{
    struct nlattr *tb[ETHTOOL_A_BITSET_MAX + 1], *bit;
    int nomask, rem;

    if (nla_parse_nested(tb, ETHTOOL_A_BITSET_MAX, attr, bitset_policy) < 0)
        return KTLA_E_PARSE;
    if (tb[ETHTOOL_A_BITSET_BITS] == NULL)
        return tb[ETHTOOL_A_BITSET_VALUE] ? KTLA_E_PARSE : 0; /* compact: not what we asked for; else empty */
    if (nla_validate(nla_data(tb[ETHTOOL_A_BITSET_BITS]), nla_len(tb[ETHTOOL_A_BITSET_BITS]),
                     ETHTOOL_A_BITSET_BITS_MAX, bits_policy) < 0)
        return KTLA_E_PARSE;
    nomask = tb[ETHTOOL_A_BITSET_NOMASK] != NULL;
    nla_for_each_nested(bit, tb[ETHTOOL_A_BITSET_BITS], rem) {
        struct nlattr *b[ETHTOOL_A_BITSET_BIT_MAX + 1];

        if (nla_type(bit) != ETHTOOL_A_BITSET_BITS_BIT)
            continue;
        if (nla_parse_nested(b, ETHTOOL_A_BITSET_BIT_MAX, bit, bit_policy) < 0)
            return KTLA_E_PARSE;
        if (b[ETHTOOL_A_BITSET_BIT_NAME] == NULL)
            continue; /* a bit without a name is none of ours */
        for (size_t f = 0; f < N_FEATURES; f++)
            if (nla_strcmp(b[ETHTOOL_A_BITSET_BIT_NAME], tls_features[f]) == 0)
                set[f] = nomask || b[ETHTOOL_A_BITSET_BIT_VALUE] != NULL;
    }
    return 0;
}

int ktla__diag_features_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_netdev *out)
{
    static const int set_attr[N_SETS] = {ETHTOOL_A_FEATURES_HW, ETHTOOL_A_FEATURES_WANTED,
                                         ETHTOOL_A_FEATURES_ACTIVE, ETHTOOL_A_FEATURES_NOCHANGE};
    struct nlattr *tb[ETHTOOL_A_FEATURES_MAX + 1], *hdr[ETHTOOL_A_HEADER_MAX + 1];
    int seen[N_SETS][N_FEATURES];
    enum ktla_diag_feature *states[N_FEATURES];

    if (len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len || !genlmsg_valid_hdr(nlh, 0) ||
        genlmsg_hdr(nlh)->cmd != ETHTOOL_MSG_FEATURES_GET_REPLY)
        return KTLA_E_PARSE;
    if (genlmsg_parse(nlh, 0, tb, ETHTOOL_A_FEATURES_MAX, features_policy) < 0)
        return KTLA_E_PARSE;
    if (!tb[ETHTOOL_A_FEATURES_HEADER] || !tb[ETHTOOL_A_FEATURES_HW] || !tb[ETHTOOL_A_FEATURES_ACTIVE])
        return KTLA_E_PARSE;
    if (nla_parse_nested(hdr, ETHTOOL_A_HEADER_MAX, tb[ETHTOOL_A_FEATURES_HEADER], header_policy) < 0 ||
        hdr[ETHTOOL_A_HEADER_DEV_NAME] == NULL)
        return KTLA_E_PARSE;
    memset(out, 0, sizeof *out);
    if (nla_strlcpy(out->name, hdr[ETHTOOL_A_HEADER_DEV_NAME], sizeof out->name) >= sizeof out->name)
        return KTLA_E_PARSE; /* interface names are shorter than IFNAMSIZ (16) */
    memset(seen, 0, sizeof seen);
    for (int s = 0; s < N_SETS; s++)
        if (tb[set_attr[s]] && parse_bitset(tb[set_attr[s]], seen[s]) != 0)
            return KTLA_E_PARSE;
    states[0] = &out->tls_tx;
    states[1] = &out->tls_rx;
    states[2] = &out->tls_record;
    for (size_t f = 0; f < N_FEATURES; f++)
        *states[f] = ktla__diag_feature_state(seen[SET_HW][f], seen[SET_ACTIVE][f], seen[SET_NOCHANGE][f]);
    return 0;
}
