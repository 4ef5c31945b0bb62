/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_request.h - one handshake request as the kernel's ACCEPT reply
 * describes it, parsed from untrusted netlink bytes (hsd_request.c), and
 * the DONE message that answers it.
 */
#ifndef KTLA_HSD_REQUEST_H
#define KTLA_HSD_REQUEST_H

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

#define HSD_MAX_PEER_IDS 5   /* the kernel's th_peerid[5] */
#define HSD_MAX_CERTS 4      /* more is refused as malformed */
#define HSD_PEERNAME_MAX 256 /* a DNS name or an address, with its NUL */

struct hsd_cert_serials {
    int32_t cert, privkey;
};

struct hsd_request {
    int sockfd;           /* -1 until parsed */
    uint32_t msg_type;    /* enum hsd_msg_type: CLIENTHELLO or SERVERHELLO */
    uint32_t auth_mode;   /* enum hsd_auth */
    uint32_t timeout_ms;  /* 0: the kernel set none */
    uint32_t keyring;     /* 0: none */
    size_t n_peer_ids;
    int32_t peer_ids[HSD_MAX_PEER_IDS];
    size_t n_certs;
    struct hsd_cert_serials certs[HSD_MAX_CERTS];
    char peername[HSD_PEERNAME_MAX]; /* "" if absent */
};

/* Parse the kernel's reply to ACCEPT (a whole netlink message of len bytes,
 * family id family).  0 and *out filled, or -EBADMSG (malformed: why says
 * what, a static string) or -ENOENT (a well-formed reply without a socket:
 * no request was pending).  On -EBADMSG out->sockfd may still hold the socket
 * the kernel installed, so that the caller can close it. */
int hsd_accept_reply_parse(struct nlmsghdr *nlh, size_t len, int family, struct hsd_request *out,
                           const char **why);

const char *hsd_msg_type_name(uint32_t type);
const char *hsd_auth_name(uint32_t mode);

#endif
