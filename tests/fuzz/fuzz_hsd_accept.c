/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_hsd_accept.c - ktla-handshaked's parser of the kernel's ACCEPT reply
 * (hsd_accept_reply_parse in tools/ktla-handshaked/hsd_request.c): the
 * generic netlink header, the accept attributes, the multi-attr peer
 * identities and the x509 nests.
 *
 * Input: one flags byte (bit 0: make nlmsg_len the message's length, bit 1:
 * make nlmsg_type the family id 0x1f, bit 2: make the genl command ACCEPT),
 * then the message.  Seeds: replies built by tests/handshaked/make-hsd-seeds
 * the way net/handshake/tlshd.c builds them (server and client hello, x509,
 * psk, none).
 * Oracles: a parsed request has a terminated peer name, counts within their
 * arrays, a known message type and auth mode, and a socket >= 0.
 */
#include <stdio.h>
#include <stdlib.h>

#include <linux/genetlink.h>

#include "fuzz.h"
#include "hsd_proto.h"
#include "hsd_request.h"

#define FUZZ_FAMILY 0x1f

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    uint8_t flags = fuzz_u8(&in);
    struct hsd_request req;
    struct nlmsghdr *nlh = malloc(in.left ? in.left : 1);
    const char *why;
    int rc;

    if (nlh == NULL)
        return 0;
    memcpy(nlh, in.p, in.left);
    if (in.left >= NLMSG_HDRLEN + GENL_HDRLEN) {
        if (flags & 1)
            nlh->nlmsg_len = (uint32_t)in.left;
        if (flags & 2)
            nlh->nlmsg_type = FUZZ_FAMILY;
        if (flags & 4)
            ((struct genlmsghdr *)NLMSG_DATA(nlh))->cmd = HSD_CMD_ACCEPT;
    }
    rc = hsd_accept_reply_parse(nlh, in.left, FUZZ_FAMILY, &req, &why);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "%d %s\n", rc, rc ? why : req.peername);
    if (rc == 0 &&
        (!memchr(req.peername, '\0', sizeof req.peername) || req.n_peer_ids > HSD_MAX_PEER_IDS ||
         req.n_certs > HSD_MAX_CERTS || req.sockfd < 0 || req.auth_mode > HSD_AUTH_X509 ||
         (req.msg_type != HSD_MSG_TYPE_CLIENTHELLO && req.msg_type != HSD_MSG_TYPE_SERVERHELLO)))
        abort();
    free(nlh);
    return 0;
}
