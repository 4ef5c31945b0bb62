/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag_ethtool.c - NIC TLS offload features through the "ethtool" generic
 * netlink family (Linux 5.6+, CONFIG_ETHTOOL_NETLINK): ETHTOOL_MSG_FEATURES_GET
 * for one device, or dumped for all.  FEATURES_GET needs no privilege.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <linux/ethtool_netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "diag_internal.h"

/* The longest name the kernel takes in ETHTOOL_A_HEADER_DEV_NAME (ALTIFNAMSIZ - 1). */
#define MAX_IFNAME 127

struct netdev_ctx {
    struct ktla_diag_netdev *v;
    size_t n, cap;
    int err;          /* first KTLA_E_* from parsing or memory */
    int kernel_errno; /* from an NLMSG_ERROR */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
    struct netdev_ctx *c = arg;
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    struct ktla_diag_netdev d;
    int rc = ktla__diag_features_parse(nlh, nlh->nlmsg_len, &d);

    if (rc == 0 && c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        struct ktla_diag_netdev *v = cap <= SIZE_MAX / sizeof *v ? realloc(c->v, cap * sizeof *v) : NULL;

        if (v == NULL) {
            rc = KTLA_E_NOMEM;
        } else {
            c->v = v;
            c->cap = cap;
        }
    }
    if (rc != 0) {
        c->err = rc;
        return NL_STOP;
    }
    c->v[c->n++] = d;
    return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
    struct netdev_ctx *c = arg;

    (void)nla;
    c->kernel_errno = -e->error;
    return NL_STOP;
}

/* The request: one device by name, or (ifname NULL) a dump of all. */
static struct nl_msg *features_request(int family, const char *ifname)
{
    struct nl_msg *msg = nlmsg_alloc();
    struct nlattr *hdr;

    if (msg == NULL)
        return NULL;
    if (genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, ifname ? 0 : NLM_F_DUMP, ETHTOOL_MSG_FEATURES_GET,
                    ETHTOOL_GENL_VERSION) == NULL ||
        (hdr = nla_nest_start(msg, ETHTOOL_A_FEATURES_HEADER | NLA_F_NESTED)) == NULL ||
        (ifname && nla_put_string(msg, ETHTOOL_A_HEADER_DEV_NAME, ifname) < 0) ||
        /* No ETHTOOL_FLAG_COMPACT_BITSETS: the verbose form names every bit. */
        nla_put_u32(msg, ETHTOOL_A_HEADER_FLAGS, 0) < 0 || nla_nest_end(msg, hdr) < 0) {
        nlmsg_free(msg);
        return NULL;
    }
    return msg;
}

/*
 * The "ethtool" family's id; -NLE_OBJ_NOTFOUND when this kernel has no such
 * family, another -NLE_* when it could not be asked.  Not
 * genl_ctrl_resolve(): it reports a failed allocation as "not found", and
 * a lack of memory would read as a kernel without ethtool netlink.
 */
static int resolve_family(struct nl_sock *sk)
{
    struct nl_cache *families = NULL;
    struct genl_family *f;
    int rc = genl_ctrl_alloc_cache(sk, &families);

    if (rc < 0)
        return rc;
    f = genl_ctrl_search_by_name(families, ETHTOOL_GENL_NAME);
    rc = f ? (int)genl_family_get_id(f) : -NLE_OBJ_NOTFOUND;
    if (f)
        genl_family_put(f);
    nl_cache_free(families);
    return rc;
}

/* Ask for ifname's features (NULL: every device's) into c. */
static int features_get(const char *ifname, struct netdev_ctx *c)
{
    struct nl_sock *sk = nl_socket_alloc();
    struct nl_msg *msg = NULL;
    int family, rc;

    if (sk == NULL)
        return KTLA_E_NOMEM;
    nl_socket_enable_msg_peek(sk);
    rc = genl_connect(sk);
    if (rc < 0)
        goto fail;
    family = resolve_family(sk);
    if (family < 0) {
        rc = family;
        goto fail;
    }
    if (ifname == NULL)
        nl_socket_disable_auto_ack(sk); /* a dump ends with NLMSG_DONE, no ACK */
    msg = features_request(family, ifname);
    if (msg == NULL) {
        nl_socket_free(sk);
        return KTLA_E_NOMEM;
    }
    if ((rc = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_valid, c)) < 0 ||
        (rc = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, c)) < 0 || (rc = nl_send_auto(sk, msg)) < 0 ||
        (rc = nl_recvmsgs_default(sk)) < 0)
        goto fail;
    nlmsg_free(msg);
    nl_socket_free(sk);
    return c->err;

fail:
    nlmsg_free(msg);
    nl_socket_free(sk);
    if (c->err != 0)
        return c->err;
    if (c->kernel_errno == ENODEV || (c->kernel_errno == 0 && rc == -NLE_OBJ_NOTFOUND)) {
        /* no such device, or no "ethtool" family in this kernel */
        errno = c->kernel_errno ? c->kernel_errno : ENOENT;
        return KTLA_E_NOTFOUND;
    }
    return ktla__diag_nl_fail(rc, c->kernel_errno);
}

int ktla_diag_netdev(const char *ifname, struct ktla_diag_netdev *out)
{
    struct netdev_ctx c;
    int rc;

    if (ifname == NULL || out == NULL || ifname[0] == '\0' || strlen(ifname) > MAX_IFNAME)
        return KTLA_E_INVAL;
    memset(&c, 0, sizeof c);
    rc = features_get(ifname, &c);
    if (rc == 0 && c.n != 1)
        rc = KTLA_E_PARSE; /* a GET answers with exactly one reply */
    if (rc == 0)
        *out = c.v[0];
    free(c.v);
    return rc;
}

int ktla_diag_netdev_list(struct ktla_diag_netdev **out, size_t *count)
{
    struct netdev_ctx c;
    int rc;

    if (out == NULL || count == NULL)
        return KTLA_E_INVAL;
    *out = NULL;
    *count = 0;
    memset(&c, 0, sizeof c);
    rc = features_get(NULL, &c);
    if (rc != 0) {
        free(c.v);
        return rc;
    }
    *out = c.v;
    *count = c.n;
    return 0;
}
