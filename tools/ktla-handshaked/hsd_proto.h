/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_proto.h - the wire values of the kernel's generic netlink family
 * "handshake" (net/handshake, Linux 6.5+), under names of our own.
 *
 * Source: the kernel's Documentation/netlink/specs/handshake.yaml and the
 * header generated from it, include/uapi/linux/handshake.h (family version
 * 1; the keyring attribute was added in 2025, "net/handshake: Add new
 * parameter 'HANDSHAKE_A_ACCEPT_KEYRING'").  Debian's libc headers do not
 * ship <linux/handshake.h> in bookworm, so the values live here.
 */
#ifndef KTLA_HSD_PROTO_H
#define KTLA_HSD_PROTO_H

#define HSD_FAMILY_NAME "handshake"
#define HSD_MCGRP_TLSHD "tlshd" /* the multicast group READY is sent to */

/* Commands (the spec's operations list starts at 1). */
enum hsd_cmd {
    HSD_CMD_READY = 1,  /* kernel -> agents: a request is waiting (notification) */
    HSD_CMD_ACCEPT = 2, /* agent -> kernel: give me one; the reply carries the socket */
    HSD_CMD_DONE = 3,   /* agent -> kernel: the handshake's outcome */
};

/* enum handler-class */
enum hsd_handler_class {
    HSD_HANDLER_CLASS_NONE = 0,
    HSD_HANDLER_CLASS_TLSHD = 1,
};

/* enum msg-type: which side of the handshake the kernel wants us to run */
enum hsd_msg_type {
    HSD_MSG_TYPE_UNSPEC = 0,
    HSD_MSG_TYPE_CLIENTHELLO = 1,
    HSD_MSG_TYPE_SERVERHELLO = 2,
};

/* enum auth */
enum hsd_auth {
    HSD_AUTH_UNSPEC = 0,
    HSD_AUTH_UNAUTH = 1,
    HSD_AUTH_PSK = 2,
    HSD_AUTH_X509 = 3,
};

/* attribute-set x509 (nested in ACCEPT's certificate) */
enum hsd_x509_attr {
    HSD_A_X509_CERT = 1,    /* s32 key serial */
    HSD_A_X509_PRIVKEY = 2, /* s32 key serial */
    HSD_A_X509_MAX = HSD_A_X509_PRIVKEY,
};

/* attribute-set accept: the ACCEPT request (handler-class) and its reply */
enum hsd_accept_attr {
    HSD_A_ACCEPT_SOCKFD = 1,        /* s32: the socket, installed in our fd table */
    HSD_A_ACCEPT_HANDLER_CLASS = 2, /* u32 enum handler-class */
    HSD_A_ACCEPT_MESSAGE_TYPE = 3,  /* u32 enum msg-type */
    HSD_A_ACCEPT_TIMEOUT = 4,       /* u32 milliseconds; absent or 0: none */
    HSD_A_ACCEPT_AUTH_MODE = 5,     /* u32 enum auth */
    HSD_A_ACCEPT_PEER_IDENTITY = 6, /* s32 key serial, multi-attr (PSK identities) */
    HSD_A_ACCEPT_CERTIFICATE = 7,   /* nest x509, multi-attr */
    HSD_A_ACCEPT_PEERNAME = 8,      /* string: the name to verify / send as SNI */
    HSD_A_ACCEPT_KEYRING = 9,       /* u32 key serial of a keyring (6.17+) */
    HSD_A_ACCEPT_MAX = HSD_A_ACCEPT_KEYRING,
};

/* attribute-set done */
enum hsd_done_attr {
    HSD_A_DONE_STATUS = 1,      /* u32: 0 or a positive errno */
    HSD_A_DONE_SOCKFD = 2,      /* s32 */
    HSD_A_DONE_REMOTE_AUTH = 3, /* s32 key serial, multi-attr: the authenticated peer */
    HSD_A_DONE_MAX = HSD_A_DONE_REMOTE_AUTH,
};

/* The kernel's TLS_NO_* serials (include/net/handshake.h): "no key". */
#define HSD_NO_KEY 0

#endif
