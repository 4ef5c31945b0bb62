/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_genl.h - talking to the kernel's "handshake" generic netlink family:
 * listen for READY, take requests with ACCEPT, answer with DONE.
 */
#ifndef KTLA_HSD_GENL_H
#define KTLA_HSD_GENL_H

#include <stddef.h>
#include <stdint.h>

#include "hsd_request.h"

struct nl_sock;

struct hsd_listener {
    struct nl_sock *sk; /* member of the tlshd multicast group */
    int family;         /* the family's id, resolved by name */
};

/* Resolve the family and join its tlshd group.  0, or -errno with why. */
int hsd_listen(struct hsd_listener *l, char *why, size_t whylen);
void hsd_listener_close(struct hsd_listener *l);
/* The descriptor to poll for READY notifications. */
int hsd_listener_fd(const struct hsd_listener *l);
/* Read what arrived; the number of READY notifications for tlshd seen (>= 0), or -errno. */
int hsd_listener_drain(struct hsd_listener *l);

/* Ask for one pending request (on a socket of its own).  0 and *req filled
 * (req->sockfd is ours to close after DONE), -EAGAIN when none is pending,
 * or another -errno with why. */
int hsd_accept(int family, struct hsd_request *req, char *why, size_t whylen);

/* Report the outcome: status 0 or a positive errno, the socket, and the
 * authenticated peer's key serials (n may be 0).  0 or -errno. */
int hsd_done(int family, int sockfd, uint32_t status, const int32_t *remote_auth, size_t n);

#endif
