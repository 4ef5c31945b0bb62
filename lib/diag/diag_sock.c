/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag_sock.c - TCP sockets as the kernel sees them (NETLINK_SOCK_DIAG).
 *
 * One dump request per address family: SOCK_DIAG_BY_FAMILY with an
 * inet_diag_req_v2 whose idiag_ext asks for INET_DIAG_INFO.  That bit is
 * what makes the kernel add INET_DIAG_ULP_INFO: inet_sk_diag_fill()
 * (net/ipv4/inet_diag.c) calls the handler's idiag_get_aux only when
 * ext & (1 << (INET_DIAG_INFO - 1)), and tcp_diag_get_aux()
 * (net/ipv4/tcp_diag.c) adds the ULP nest.  INET_DIAG_ULP_INFO (20) has no
 * request bit of its own: idiag_ext is 8 bits wide.
 *
 * Who may see it: since the ULP diag was added (commit 61723b393292, "tcp:
 * ulp: add functions to dump ulp-specific information", Linux 5.4)
 * tcp_diag_get_aux() added the nest only when the requester had
 * CAP_NET_ADMIN (netlink_net_capable), and said nothing otherwise.  The
 * net-next series of March 2025 ("tcp: ulp: diag: always print the name if
 * any", "tcp: ulp: diag: more info without CAP_NET_ADMIN"; Linux 6.15) adds
 * it for every requester, and tls_get_info() exports everything to all.
 * So we never rely on a version number: an answer without ULP details is
 * trusted only when it cannot hide one (see listing_complete()).
 */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "diag_internal.h"
#include "kernel/ktls.h"

/* What one dump collects, and which sockets it keeps. */
struct dump_ctx {
    /* filter: one socket by inode (ktla_diag_lookup), or a listing */
    int by_inode;
    uint32_t inode;
    int all_tcp;
    /* results */
    struct ktla_diag_socket *v;
    size_t n, cap;
    int ulp_seen;     /* some message carried INET_DIAG_ULP_INFO */
    int err;          /* first KTLA_E_* from parsing or memory */
    int kernel_errno; /* from an NLMSG_ERROR */
};

static int keep(const struct dump_ctx *c, const struct ktla_diag_socket *s)
{
    if (c->by_inode)
        return s->inode == c->inode;
    return c->all_tcp || strcmp(s->ulp, "tls") == 0;
}

static int append(struct dump_ctx *c, const struct ktla_diag_socket *s)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        struct ktla_diag_socket *v;

        if (cap > SIZE_MAX / sizeof *v || (v = realloc(c->v, cap * sizeof *v)) == NULL)
            return KTLA_E_NOMEM;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = *s;
    return 0;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
    struct dump_ctx *c = arg;
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    struct ktla_diag_socket s;
    int rc = ktla__diag_sock_parse(nlh, nlh->nlmsg_len, &s, &c->ulp_seen);

    if (rc == 0 && keep(c, &s))
        rc = append(c, &s);
    if (rc != 0) {
        c->err = rc;
        return NL_STOP;
    }
    return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
    struct dump_ctx *c = arg;

    (void)nla;
    c->kernel_errno = -e->error;
    return NL_STOP;
}

static int diag_open(struct nl_sock **out, struct dump_ctx *c)
{
    struct nl_sock *sk = nl_socket_alloc();
    int rc;

    if (sk == NULL)
        return KTLA_E_NOMEM;
    nl_socket_enable_msg_peek(sk); /* dump batches can exceed any fixed buffer */
    nl_socket_disable_auto_ack(sk); /* a dump ends with NLMSG_DONE, not an ACK */
    rc = nl_connect(sk, NETLINK_SOCK_DIAG);
    if (rc == 0)
        rc = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_valid, c);
    if (rc == 0)
        rc = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, c);
    if (rc < 0) {
        nl_socket_free(sk);
        return ktla__diag_nl_fail(rc, 0);
    }
    *out = sk;
    return 0;
}

/* Dump family's TCP sockets (only those on sport/dport when not 0, network order) into c. */
static int dump(struct nl_sock *sk, struct dump_ctx *c, int family, uint16_t sport, uint16_t dport)
{
    struct inet_diag_req_v2 req;
    int rc;

    memset(&req, 0, sizeof req);
    req.sdiag_family = (uint8_t)family;
    req.sdiag_protocol = IPPROTO_TCP;
    req.idiag_ext = 1 << (INET_DIAG_INFO - 1); /* also brings INET_DIAG_ULP_INFO, see above */
    req.idiag_states = ~0U;
    req.id.idiag_sport = sport;
    req.id.idiag_dport = dport;
    req.id.idiag_cookie[0] = req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    c->kernel_errno = 0;
    rc = nl_send_simple(sk, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &req, sizeof req);
    if (rc >= 0)
        rc = nl_recvmsgs_default(sk);
    if (c->err != 0)
        return c->err;
    return rc < 0 ? ktla__diag_nl_fail(rc, c->kernel_errno) : 0;
}

/* The kernel's view of fd into *out, ULP details as the kernel gave them. */
static int lookup_fd(int fd, struct ktla_diag_socket *out)
{
    struct sockaddr_storage local, peer;
    socklen_t llen = sizeof local, plen = sizeof peer;
    struct dump_ctx c;
    struct nl_sock *sk;
    struct stat st;
    uint16_t sport, dport = 0;
    int rc;

    if (fstat(fd, &st) != 0 || getsockname(fd, (struct sockaddr *)&local, &llen) != 0)
        return KTLA_E_INVAL;
    if (local.ss_family != AF_INET && local.ss_family != AF_INET6)
        return KTLA_E_INVAL;
    sport = local.ss_family == AF_INET ? ((struct sockaddr_in *)&local)->sin_port
                                       : ((struct sockaddr_in6 *)&local)->sin6_port;
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
        dport = peer.ss_family == AF_INET ? ((struct sockaddr_in *)&peer)->sin_port
                                          : ((struct sockaddr_in6 *)&peer)->sin6_port;
    memset(&c, 0, sizeof c);
    c.by_inode = 1;
    c.inode = (uint32_t)st.st_ino; /* socket inodes are 32-bit (idiag_inode) */
    rc = diag_open(&sk, &c);
    if (rc != 0)
        return rc;
    rc = dump(sk, &c, local.ss_family, sport, dport);
    nl_socket_free(sk);
    if (rc == 0 && c.n == 0)
        rc = KTLA_E_NOTFOUND;
    if (rc == 0)
        *out = c.v[0];
    free(c.v);
    return rc;
}

int ktla_diag_lookup(int fd, struct ktla_diag_socket *out)
{
    char ulp[32];
    int domain = 0, proto = 0, rc;
    socklen_t len = sizeof domain;

    if (out == NULL || fd < 0)
        return KTLA_E_INVAL;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || (domain != AF_INET && domain != AF_INET6))
        return KTLA_E_INVAL;
    len = sizeof proto;
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) != 0 || proto != IPPROTO_TCP)
        return KTLA_E_INVAL;
    rc = lookup_fd(fd, out);
    if (rc != 0 || out->ulp[0] != '\0')
        return rc;
    /* No ULP in the reply: true only if the socket has none; else the kernel withheld it. */
    if (ktla__diag_fd_ulp(fd, ulp, sizeof ulp) == 0 && ulp[0] != '\0')
        return KTLA_E_PERM;
    return 0;
}

/*
 * Whether this kernel shows ULP details to us without CAP_NET_ADMIN (Linux
 * >= 6.15), found by trying: a throw-away loopback connection gets the tls
 * ULP, and we look for it.  0 when it cannot be tried.
 */
static int kernel_shows_ulp(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int lfd, cfd = -1, sfd = -1, shows = 0;
    struct ktla_diag_socket s;

    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        return 0;
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(lfd, 1) == 0 &&
        getsockname(lfd, (struct sockaddr *)&addr, &len) == 0 &&
        (cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
        connect(cfd, (struct sockaddr *)&addr, sizeof addr) == 0 && (sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0 &&
        ktla__ktls_attach_ulp(sfd) == 0 && lookup_fd(sfd, &s) == 0)
        shows = strcmp(s.ulp, "tls") == 0;
    if (sfd >= 0)
        close(sfd);
    if (cfd >= 0)
        close(cfd);
    close(lfd);
    return shows;
}

/*
 * Whether a listing without ULP details can be trusted: we have
 * CAP_NET_ADMIN, or the kernel showed ULP details anyway, or no socket can
 * carry the ULPs asked about, or the kernel shows them to everyone.
 */
static int listing_complete(const struct dump_ctx *c)
{
    if (c->ulp_seen || ktla__diag_have_net_admin() || !ktla__diag_ulp_registered(c->all_tcp))
        return 1;
    /* Possible only when "tls" is loaded: other ULPs (mptcp) cannot be attached from user space. */
    return kernel_shows_ulp();
}

int ktla_diag_list(int all_tcp, struct ktla_diag_socket **out, size_t *count)
{
    static const int families[] = {AF_INET, AF_INET6};
    struct dump_ctx c;
    struct nl_sock *sk;
    int rc;

    if (out == NULL || count == NULL)
        return KTLA_E_INVAL;
    *out = NULL;
    *count = 0;
    memset(&c, 0, sizeof c);
    c.all_tcp = all_tcp != 0;
    rc = diag_open(&sk, &c);
    if (rc != 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < sizeof families / sizeof families[0]; i++)
        rc = dump(sk, &c, families[i], 0, 0);
    nl_socket_free(sk);
    if (rc == 0 && !listing_complete(&c))
        rc = KTLA_E_PERM;
    if (rc != 0) {
        free(c.v);
        return rc;
    }
    *out = c.v;
    *count = c.n;
    return 0;
}
