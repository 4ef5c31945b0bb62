/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_request.c - decode the kernel's reply to HANDSHAKE_CMD_ACCEPT.
 *
 * The reply (net/handshake/tlshd.c tls_handshake_accept) is a generic
 * netlink message with command ACCEPT and the accept attribute set: the
 * socket (already installed in our file table), the message type, the
 * timeout, the auth mode, zero or more peer identities, zero or more
 * certificate nests and the peer name.  Every level goes through a policy
 * before it is read; multi-attrs are walked by hand, because a policy table
 * only keeps the last instance of each type.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "hsd_proto.h"
#include "hsd_request.h"

static const struct nla_policy accept_policy[HSD_A_ACCEPT_MAX + 1] = {
    [HSD_A_ACCEPT_SOCKFD] = {.type = NLA_U32},
    [HSD_A_ACCEPT_HANDLER_CLASS] = {.type = NLA_U32},
    [HSD_A_ACCEPT_MESSAGE_TYPE] = {.type = NLA_U32},
    [HSD_A_ACCEPT_TIMEOUT] = {.type = NLA_U32},
    [HSD_A_ACCEPT_AUTH_MODE] = {.type = NLA_U32},
    [HSD_A_ACCEPT_PEER_IDENTITY] = {.type = NLA_U32},
    [HSD_A_ACCEPT_CERTIFICATE] = {.type = NLA_NESTED},
    [HSD_A_ACCEPT_PEERNAME] = {.type = NLA_STRING, .maxlen = HSD_PEERNAME_MAX},
    [HSD_A_ACCEPT_KEYRING] = {.type = NLA_U32},
};

static const struct nla_policy x509_policy[HSD_A_X509_MAX + 1] = {
    [HSD_A_X509_CERT] = {.type = NLA_U32},
    [HSD_A_X509_PRIVKEY] = {.type = NLA_U32},
};

const char *hsd_msg_type_name(uint32_t type)
{
    switch (type) {
    case HSD_MSG_TYPE_CLIENTHELLO: return "clienthello";
    case HSD_MSG_TYPE_SERVERHELLO: return "serverhello";
    default: return "unknown";
    }
}

const char *hsd_auth_name(uint32_t mode)
{
    switch (mode) {
    case HSD_AUTH_UNAUTH: return "none";
    case HSD_AUTH_PSK: return "psk";
    case HSD_AUTH_X509: return "x509";
    default: return "unknown";
    }
}

static int bad(const char **why, const char *what)
{
    *why = what;
    return -EBADMSG;
}

/* The multi-attrs: every peer identity and certificate nest, in order. */
static int parse_multi(struct nlattr *attrs, int attrlen, struct hsd_request *out, const char **why)
{
    struct nlattr *a;
    int rem;

    nla_for_each_attr(a, attrs, attrlen, rem) {
        if (nla_type(a) == HSD_A_ACCEPT_PEER_IDENTITY) {
            if (out->n_peer_ids == HSD_MAX_PEER_IDS)
                return bad(why, "more peer identities than the kernel sends");
            out->peer_ids[out->n_peer_ids++] = (int32_t)nla_get_u32(a);
        } else if (nla_type(a) == HSD_A_ACCEPT_CERTIFICATE) {
            struct nlattr *x[HSD_A_X509_MAX + 1];

            if (out->n_certs == HSD_MAX_CERTS)
                return bad(why, "too many certificate nests");
            if (nla_parse_nested(x, HSD_A_X509_MAX, a, x509_policy) < 0)
                return bad(why, "malformed certificate nest");
            out->certs[out->n_certs].cert = x[HSD_A_X509_CERT] ? (int32_t)nla_get_u32(x[HSD_A_X509_CERT]) : 0;
            out->certs[out->n_certs].privkey =
                x[HSD_A_X509_PRIVKEY] ? (int32_t)nla_get_u32(x[HSD_A_X509_PRIVKEY]) : 0;
            out->n_certs++;
        }
    }
    return 0;
}

int hsd_accept_reply_parse(struct nlmsghdr *nlh, size_t len, int family, struct hsd_request *out,
                           const char **why)
{
    struct nlattr *tb[HSD_A_ACCEPT_MAX + 1];
    const struct genlmsghdr *gh;
    int rc;

    memset(out, 0, sizeof *out);
    out->sockfd = -1;
    *why = "";
    if (len < NLMSG_HDRLEN + GENL_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN || nlh->nlmsg_len > len)
        return bad(why, "truncated message");
    if (nlh->nlmsg_type != family)
        return bad(why, "not a handshake family message");
    gh = nlmsg_data(nlh);
    if (gh->cmd != HSD_CMD_ACCEPT)
        return bad(why, "not an ACCEPT reply");
    /* genlmsg_parse validates every attribute against the policy (type and length). */
    if (genlmsg_parse(nlh, 0, tb, HSD_A_ACCEPT_MAX, accept_policy) < 0)
        return bad(why, "attributes fail the accept policy");
    if (tb[HSD_A_ACCEPT_SOCKFD] == NULL)
        return -ENOENT;
    out->sockfd = (int)nla_get_u32(tb[HSD_A_ACCEPT_SOCKFD]);
    if (out->sockfd < 0)
        return bad(why, "negative socket descriptor");
    if (tb[HSD_A_ACCEPT_HANDLER_CLASS] && nla_get_u32(tb[HSD_A_ACCEPT_HANDLER_CLASS]) != HSD_HANDLER_CLASS_TLSHD)
        return bad(why, "handler class is not tlshd");
    if (tb[HSD_A_ACCEPT_MESSAGE_TYPE] == NULL)
        return bad(why, "no message type");
    out->msg_type = nla_get_u32(tb[HSD_A_ACCEPT_MESSAGE_TYPE]);
    if (out->msg_type != HSD_MSG_TYPE_CLIENTHELLO && out->msg_type != HSD_MSG_TYPE_SERVERHELLO)
        return bad(why, "unknown message type");
    out->auth_mode = tb[HSD_A_ACCEPT_AUTH_MODE] ? nla_get_u32(tb[HSD_A_ACCEPT_AUTH_MODE]) : HSD_AUTH_UNSPEC;
    if (out->auth_mode > HSD_AUTH_X509)
        return bad(why, "unknown auth mode");
    out->timeout_ms = tb[HSD_A_ACCEPT_TIMEOUT] ? nla_get_u32(tb[HSD_A_ACCEPT_TIMEOUT]) : 0;
    out->keyring = tb[HSD_A_ACCEPT_KEYRING] ? nla_get_u32(tb[HSD_A_ACCEPT_KEYRING]) : 0;
    if (tb[HSD_A_ACCEPT_PEERNAME]) {
        /* NLA_STRING only promises a NUL somewhere or none: copy with the bound ourselves. */
        const char *s = nla_data(tb[HSD_A_ACCEPT_PEERNAME]);
        size_t n = strnlen(s, (size_t)nla_len(tb[HSD_A_ACCEPT_PEERNAME]));

        if (n >= sizeof out->peername)
            return bad(why, "peer name too long");
        memcpy(out->peername, s, n);
        out->peername[n] = '\0';
    }
    rc = parse_multi(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), out, why);
    return rc;
}
