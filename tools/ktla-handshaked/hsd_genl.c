/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_genl.c - the netlink side of the agent, on libnl-genl-3.
 *
 * The kernel multicasts READY (with the handler class) to the "tlshd" group
 * when a consumer queues a request (net/handshake/netlink.c
 * handshake_genl_notify).  Any member may then send ACCEPT: the reply
 * installs the socket in the sender's file table and describes the request.
 * DONE names the socket by that descriptor.  Each ACCEPT and DONE uses a
 * short-lived socket of its own, so that handshake threads never share a
 * libnl socket (libnl sockets are not thread-safe).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "hsd_genl.h"
#include "hsd_proto.h"

#define HSD_FAMILY_VERSION 1

static int nl_to_errno(int nlerr)
{
    switch (-nlerr) {
    case NLE_AGAIN: return -EAGAIN;
    case NLE_NOMEM: return -ENOMEM;
    case NLE_PERM: return -EPERM;
    case NLE_OBJ_NOTFOUND: return -ENOENT;
    case NLE_INVAL: return -EINVAL;
    case NLE_BUSY: return -EBUSY;
    default: return -EIO;
    }
}

int hsd_listen(struct hsd_listener *l, char *why, size_t whylen)
{
    int grp, rc;

    l->sk = nl_socket_alloc();
    if (l->sk == NULL) {
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    rc = genl_connect(l->sk);
    if (rc < 0) {
        snprintf(why, whylen, "generic netlink: %s", nl_geterror(rc));
        goto fail;
    }
    l->family = genl_ctrl_resolve(l->sk, HSD_FAMILY_NAME);
    if (l->family < 0) {
        rc = l->family;
        snprintf(why, whylen,
                 "the kernel has no generic netlink family \"" HSD_FAMILY_NAME
                 "\" (CONFIG_NET_HANDSHAKE, Linux 6.5+): %s", nl_geterror(rc));
        goto fail;
    }
    grp = genl_ctrl_resolve_grp(l->sk, HSD_FAMILY_NAME, HSD_MCGRP_TLSHD);
    if (grp < 0) {
        rc = grp;
        snprintf(why, whylen, "no multicast group \"" HSD_MCGRP_TLSHD "\": %s", nl_geterror(rc));
        goto fail;
    }
    nl_socket_disable_seq_check(l->sk);
    nl_socket_disable_auto_ack(l->sk);
    rc = nl_socket_add_membership(l->sk, grp);
    if (rc < 0) {
        snprintf(why, whylen, "joining \"" HSD_MCGRP_TLSHD "\": %s (needs CAP_NET_ADMIN)", nl_geterror(rc));
        goto fail;
    }
    rc = nl_socket_set_nonblocking(l->sk);
    if (rc < 0) {
        snprintf(why, whylen, "non-blocking: %s", nl_geterror(rc));
        goto fail;
    }
    return 0;
fail:
    nl_socket_free(l->sk);
    l->sk = NULL;
    return nl_to_errno(rc);
}

void hsd_listener_close(struct hsd_listener *l)
{
    if (l->sk)
        nl_socket_free(l->sk);
    l->sk = NULL;
}

int hsd_listener_fd(const struct hsd_listener *l)
{
    return nl_socket_get_fd(l->sk);
}

static int on_ready(struct nl_msg *msg, void *arg)
{
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    int *count = arg;

    /* Any READY wakes us: we ACCEPT with our class and the kernel decides. */
    if (nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN && ((struct genlmsghdr *)nlmsg_data(nlh))->cmd == HSD_CMD_READY)
        (*count)++;
    return NL_OK;
}

int hsd_listener_drain(struct hsd_listener *l)
{
    int count = 0, rc;

    nl_socket_modify_cb(l->sk, NL_CB_VALID, NL_CB_CUSTOM, on_ready, &count);
    do
        rc = nl_recvmsgs_default(l->sk);
    while (rc >= 0);
    if (rc == -NLE_AGAIN)
        return count;
    /* Overrun (ENOBUFS): notifications were lost; report one so the caller ACCEPTs until EAGAIN. */
    if (rc == -NLE_NOMEM || rc == -NLE_DUMP_INTR)
        return count + 1;
    return count > 0 ? count : nl_to_errno(rc);
}

struct accept_ctx {
    int family;
    struct hsd_request *req;
    int rc;
    const char *why;
};

static int on_accept_reply(struct nl_msg *msg, void *arg)
{
    struct accept_ctx *ctx = arg;
    struct nlmsghdr *nlh = nlmsg_hdr(msg);

    ctx->rc = hsd_accept_reply_parse(nlh, nlh->nlmsg_len, ctx->family, ctx->req, &ctx->why);
    return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
    struct accept_ctx *ctx = arg;

    (void)nla;
    ctx->rc = err->error < 0 ? err->error : -EIO;
    ctx->why = "the kernel refused ACCEPT";
    return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
    (void)msg;
    (void)arg;
    return NL_STOP;
}

/* A connected generic netlink socket for one exchange, or NULL. */
static struct nl_sock *exchange_socket(void)
{
    struct nl_sock *sk = nl_socket_alloc();

    if (sk && genl_connect(sk) < 0) {
        nl_socket_free(sk);
        sk = NULL;
    }
    return sk;
}

int hsd_accept(int family, struct hsd_request *req, char *why, size_t whylen)
{
    struct accept_ctx ctx = {family, req, -ENOENT, "no reply"};
    struct nl_sock *sk = exchange_socket();
    struct nl_msg *msg = NULL;
    int rc = -ENOMEM;

    memset(req, 0, sizeof *req);
    req->sockfd = -1;
    if (sk == NULL || (msg = nlmsg_alloc()) == NULL)
        goto out;
    if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_REQUEST, HSD_CMD_ACCEPT, HSD_FAMILY_VERSION) ||
        nla_put_u32(msg, HSD_A_ACCEPT_HANDLER_CLASS, HSD_HANDLER_CLASS_TLSHD) < 0)
        goto out;
    rc = nl_send_auto(sk, msg);
    if (rc < 0) {
        rc = nl_to_errno(rc);
        ctx.why = "sending ACCEPT";
        goto out;
    }
    nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_accept_reply, &ctx);
    nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, on_ack, NULL);
    nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, &ctx);
    rc = nl_recvmsgs_default(sk);
    rc = rc < 0 && ctx.rc == -ENOENT ? nl_to_errno(rc) : ctx.rc;
    /* A reply with no socket means nothing was pending, as the kernel's EAGAIN does. */
    if (rc == -ENOENT)
        rc = -EAGAIN;
out:
    if (rc < 0 && rc != -EAGAIN)
        snprintf(why, whylen, "%s", ctx.why);
    nlmsg_free(msg);
    if (sk)
        nl_socket_free(sk);
    return rc;
}

int hsd_done(int family, int sockfd, uint32_t status, const int32_t *remote_auth, size_t n)
{
    struct nl_sock *sk = exchange_socket();
    struct nl_msg *msg = NULL;
    int rc = -ENOMEM;

    if (sk == NULL || (msg = nlmsg_alloc()) == NULL)
        goto out;
    if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_REQUEST, HSD_CMD_DONE, HSD_FAMILY_VERSION) ||
        nla_put_u32(msg, HSD_A_DONE_STATUS, status) < 0 || nla_put_u32(msg, HSD_A_DONE_SOCKFD, (uint32_t)sockfd) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (nla_put_u32(msg, HSD_A_DONE_REMOTE_AUTH, (uint32_t)remote_auth[i]) < 0)
            goto out;
    /* nl_send_sync waits for the kernel's ack, so that the socket is released before we close our descriptor. */
    rc = nl_send_sync(sk, msg);
    msg = NULL; /* nl_send_sync frees it */
    rc = rc < 0 ? nl_to_errno(rc) : 0;
out:
    nlmsg_free(msg);
    if (sk)
        nl_socket_free(sk);
    return rc;
}
