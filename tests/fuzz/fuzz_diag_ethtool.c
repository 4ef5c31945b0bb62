/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_diag_ethtool.c - the ethtool FEATURES_GET reply parser
 * (ktla__diag_features_parse in lib/diag/diag_ethtool_parse.c): the generic
 * netlink header, the request header nest and the four verbose bitsets.
 *
 * Input: one flags byte (bit 0: make nlmsg_len the message's length, bit 1:
 * make the genl command FEATURES_GET_REPLY), then the message.  Seeds:
 * replies for lo from this machine and Linux 6.1, 6.12 and 7, captured by
 * tests/fuzz/capture-netlink.
 * Oracles: a parsed device has a terminated name and feature states in range.
 */
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag/diag_internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    uint8_t flags = fuzz_u8(&in);
    struct ktla_diag_netdev out;
    struct nlmsghdr *nlh = malloc(in.left ? in.left : 1);
    int rc;

    if (nlh == NULL)
        return 0;
    memcpy(nlh, in.p, in.left);
    if (in.left >= NLMSG_HDRLEN + GENL_HDRLEN) {
        if (flags & 1)
            nlh->nlmsg_len = (uint32_t)in.left;
        if (flags & 2)
            ((struct genlmsghdr *)NLMSG_DATA(nlh))->cmd = ETHTOOL_MSG_FEATURES_GET_REPLY;
    }
    rc = ktla__diag_features_parse(nlh, in.left, &out);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "%s: %s\n", ktla_err_name(rc), rc ? "" : out.name);
    if (rc == 0 &&
        (!memchr(out.name, '\0', sizeof out.name) || out.tls_tx > KTLA_DIAG_FEATURE_FIXED_ON ||
         out.tls_rx > KTLA_DIAG_FEATURE_FIXED_ON || out.tls_record > KTLA_DIAG_FEATURE_FIXED_ON))
        abort();
    free(nlh);
    return 0;
}
