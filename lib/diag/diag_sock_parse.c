/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag_sock_parse.c - decode a SOCK_DIAG_BY_FAMILY reply for one TCP socket.
 *
 * The message is struct inet_diag_msg followed by attributes; the kTLS part
 * is INET_DIAG_ULP_INFO (net/ipv4/tcp_diag.c tcp_diag_put_ulp), a nest of
 * INET_ULP_INFO_NAME and INET_ULP_INFO_TLS, itself a nest that
 * net/tls/tls_main.c tls_get_info fills.  Every level is checked against a
 * policy before any value is read; attributes newer than our headers are
 * skipped by nla_parse (type > maxtype).
 */
#include "config.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "diag_internal.h"

/* What we read, and a few stable scalars checked for sanity. */
static const struct nla_policy sock_policy[INET_DIAG_MAX + 1] = {
    [INET_DIAG_SHUTDOWN] = {.type = NLA_U8},
    [INET_DIAG_PROTOCOL] = {.type = NLA_U8},
    [INET_DIAG_ULP_INFO] = {.type = NLA_NESTED},
};

static const struct nla_policy ulp_policy[INET_ULP_INFO_MAX + 1] = {
    [INET_ULP_INFO_NAME] = {.type = NLA_STRING},
    [INET_ULP_INFO_TLS] = {.type = NLA_NESTED},
    [INET_ULP_INFO_MPTCP] = {.type = NLA_NESTED},
};

static const struct nla_policy tls_policy[TLS_INFO_MAX + 1] = {
    [TLS_INFO_VERSION] = {.type = NLA_U16, .maxlen = 2},
    [TLS_INFO_CIPHER] = {.type = NLA_U16, .maxlen = 2},
    [TLS_INFO_TXCONF] = {.type = NLA_U16, .maxlen = 2},
    [TLS_INFO_RXCONF] = {.type = NLA_U16, .maxlen = 2},
    [TLS_INFO_ZC_RO_TX] = {.type = NLA_FLAG},
    [TLS_INFO_RX_NO_PAD] = {.type = NLA_FLAG},
};

static enum ktla_diag_conf conf_from_kernel(unsigned int v)
{
    switch (v) {
    case TLS_CONF_BASE:
        return KTLA_DIAG_CONF_BASE;
    case TLS_CONF_SW:
        return KTLA_DIAG_CONF_SW;
    case TLS_CONF_HW:
        return KTLA_DIAG_CONF_HW;
    case TLS_CONF_HW_RECORD:
        return KTLA_DIAG_CONF_HW_RECORD;
    default:
        return KTLA_DIAG_CONF_UNKNOWN;
    }
}

/* "a.b.c.d:port" or "[v6]:port"; 0 or KTLA_E_PARSE. */
static int format_endpoint(int family, const __be32 addr[4], __be16 port, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN];
    int n;

    if (inet_ntop(family, addr, ip, sizeof ip) == NULL)
        return KTLA_E_PARSE;
    if (family == AF_INET6)
        n = snprintf(buf, size, "[%s]:%u", ip, (unsigned)ntohs(port));
    else
        n = snprintf(buf, size, "%s:%u", ip, (unsigned)ntohs(port));
    return n > 0 && (size_t)n < size ? 0 : KTLA_E_PARSE;
}

static int parse_tls(struct nlattr *nest, struct ktla_diag_socket *out)
{
    struct nlattr *tb[TLS_INFO_MAX + 1];

    if (nla_parse_nested(tb, TLS_INFO_MAX, nest, tls_policy) < 0)
        return KTLA_E_PARSE;
    if (tb[TLS_INFO_VERSION])
        out->tls_version = nla_get_u16(tb[TLS_INFO_VERSION]);
    if (tb[TLS_INFO_CIPHER])
        out->cipher = ktla__diag_cipher_from_kernel(nla_get_u16(tb[TLS_INFO_CIPHER]));
    if (tb[TLS_INFO_TXCONF])
        out->tx = conf_from_kernel(nla_get_u16(tb[TLS_INFO_TXCONF]));
    if (tb[TLS_INFO_RXCONF])
        out->rx = conf_from_kernel(nla_get_u16(tb[TLS_INFO_RXCONF]));
    out->tx_zerocopy = tb[TLS_INFO_ZC_RO_TX] != NULL;
    out->rx_no_pad = tb[TLS_INFO_RX_NO_PAD] != NULL;
    return 0;
}

static int parse_ulp(struct nlattr *nest, struct ktla_diag_socket *out)
{
    struct nlattr *tb[INET_ULP_INFO_MAX + 1];

    if (nla_parse_nested(tb, INET_ULP_INFO_MAX, nest, ulp_policy) < 0)
        return KTLA_E_PARSE;
    /* The kernel's names are shorter than TCP_ULP_NAME_MAX (16): a longer one is not a kernel's. */
    if (tb[INET_ULP_INFO_NAME] && nla_strlcpy(out->ulp, tb[INET_ULP_INFO_NAME], sizeof out->ulp) >= sizeof out->ulp)
        return KTLA_E_PARSE;
    if (tb[INET_ULP_INFO_TLS])
        return parse_tls(tb[INET_ULP_INFO_TLS], out);
    return 0;
}

int ktla__diag_sock_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_socket *out, int *ulp_seen)
{
    struct nlattr *tb[INET_DIAG_MAX + 1];
    const struct inet_diag_msg *m;

    if (len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len ||
        nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
        return KTLA_E_PARSE;
    if (nlmsg_parse(nlh, sizeof *m, tb, INET_DIAG_MAX, sock_policy) < 0)
        return KTLA_E_PARSE;
    m = nlmsg_data(nlh);
    if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
        return KTLA_E_PARSE;
    if (tb[INET_DIAG_PROTOCOL] && nla_get_u8(tb[INET_DIAG_PROTOCOL]) != IPPROTO_TCP)
        return KTLA_E_PARSE;
    memset(out, 0, sizeof *out);
    out->family = m->idiag_family;
    out->state = m->idiag_state;
    out->inode = m->idiag_inode;
    out->cipher = -1;
    out->tx = out->rx = KTLA_DIAG_CONF_UNKNOWN;
    if (format_endpoint(m->idiag_family, m->id.idiag_src, m->id.idiag_sport, out->local, sizeof out->local) != 0 ||
        format_endpoint(m->idiag_family, m->id.idiag_dst, m->id.idiag_dport, out->remote, sizeof out->remote) != 0)
        return KTLA_E_PARSE;
    if (tb[INET_DIAG_ULP_INFO]) {
        *ulp_seen = 1;
        return parse_ulp(tb[INET_DIAG_ULP_INFO], out);
    }
    return 0;
}
