/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_hsd.c - ktla-handshaked's parsers against messages built here the way
 * the kernel builds them (net/handshake/tlshd.c tls_handshake_accept), and
 * malformed ones: the ACCEPT reply and the config file.  Prints "ok"/"FAIL"
 * lines and "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "hsd_config.h"
#include "hsd_keyring.h"
#include "hsd_proto.h"
#include "hsd_request.h"

#define FAMILY 0x1f

static int passed, failed;

static void check(int cond, const char *what)
{
    if (cond)
        passed++;
    else
        failed++;
    printf("%s %s\n", cond ? "ok  " : "FAIL", what);
}

/* What the kernel's reply carries, and what to break. */
struct reply_spec {
    int sockfd;       /* -1: leave out */
    uint32_t msg_type, auth, timeout_ms;
    int n_peer_ids, n_certs;
    const char *peername; /* NULL: leave out */
    int cmd;              /* 0: ACCEPT */
    int raw_peername;     /* 1: put the peer name without its NUL */
    uint32_t keyring;     /* 0: leave out */
};

static struct nl_msg *build(const struct reply_spec *s)
{
    struct nl_msg *msg = nlmsg_alloc();

    genlmsg_put(msg, 0, 1, FAMILY, 0, 0, s->cmd ? s->cmd : HSD_CMD_ACCEPT, 1);
    if (s->sockfd >= 0)
        nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, (uint32_t)s->sockfd);
    nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, s->msg_type);
    if (s->timeout_ms)
        nla_put_u32(msg, HSD_A_ACCEPT_TIMEOUT, s->timeout_ms);
    nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, s->auth);
    if (s->keyring)
        nla_put_u32(msg, HSD_A_ACCEPT_KEYRING, s->keyring);
    for (int i = 0; i < s->n_peer_ids; i++)
        nla_put_u32(msg, HSD_A_ACCEPT_PEER_IDENTITY, 1000u + (uint32_t)i);
    for (int i = 0; i < s->n_certs; i++) {
        struct nlattr *n = nla_nest_start(msg, HSD_A_ACCEPT_CERTIFICATE);

        nla_put_u32(msg, HSD_A_X509_CERT, 2000u + (uint32_t)i);
        nla_put_u32(msg, HSD_A_X509_PRIVKEY, 3000u + (uint32_t)i);
        nla_nest_end(msg, n);
    }
    if (s->peername && s->raw_peername)
        nla_put(msg, HSD_A_ACCEPT_PEERNAME, (int)strlen(s->peername), s->peername);
    else if (s->peername)
        nla_put_string(msg, HSD_A_ACCEPT_PEERNAME, s->peername);
    return msg;
}

static int parse(const struct reply_spec *s, struct hsd_request *req, const char **why)
{
    struct nl_msg *msg = build(s);
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    int rc = hsd_accept_reply_parse(nlh, nlh->nlmsg_len, FAMILY, req, why);

    nlmsg_free(msg);
    return rc;
}

static void test_accept_reply(void)
{
    struct hsd_request r;
    const char *why;
    struct reply_spec good = {7, HSD_MSG_TYPE_SERVERHELLO, HSD_AUTH_X509, 15000, 2, 1, "nfs.example", 0, 0, 0};
    struct reply_spec s;
    int rc;

    rc = parse(&good, &r, &why);
    check(rc == 0 && r.sockfd == 7 && r.msg_type == HSD_MSG_TYPE_SERVERHELLO && r.auth_mode == HSD_AUTH_X509 &&
              r.timeout_ms == 15000,
          "accept reply: socket, message type, auth mode and timeout");
    check(rc == 0 && r.n_peer_ids == 2 && r.peer_ids[0] == 1000 && r.peer_ids[1] == 1001,
          "accept reply: every peer identity (multi-attr), in order");
    check(rc == 0 && r.n_certs == 1 && r.certs[0].cert == 2000 && r.certs[0].privkey == 3000,
          "accept reply: the certificate nest's cert and privkey serials");
    check(rc == 0 && strcmp(r.peername, "nfs.example") == 0, "accept reply: the peer name");

    check(rc == 0 && r.keyring == 0, "accept reply without a keyring (before 6.17): 0");
    s = good;
    s.auth = HSD_AUTH_PSK;
    s.keyring = 0x1234567;
    check(parse(&s, &r, &why) == 0 && r.auth_mode == HSD_AUTH_PSK && r.keyring == 0x1234567 && r.n_peer_ids == 2,
          "PSK accept reply: auth mode psk, the keyring serial, the PSK serials");

    s = good;
    s.sockfd = -1;
    check(parse(&s, &r, &why) == -ENOENT, "accept reply without a socket: nothing pending (-ENOENT)");
    s = good;
    s.msg_type = 3;
    check(parse(&s, &r, &why) == -EBADMSG && r.sockfd == 7, "unknown message type refused, socket kept for closing");
    s = good;
    s.auth = 4;
    check(parse(&s, &r, &why) == -EBADMSG, "unknown auth mode refused");
    s = good;
    s.n_peer_ids = HSD_MAX_PEER_IDS + 1;
    check(parse(&s, &r, &why) == -EBADMSG, "more peer identities than the kernel's five refused");
    s = good;
    s.n_certs = HSD_MAX_CERTS + 1;
    check(parse(&s, &r, &why) == -EBADMSG, "too many certificate nests refused");
    s = good;
    s.cmd = HSD_CMD_DONE;
    check(parse(&s, &r, &why) == -EBADMSG, "a message that is not an ACCEPT reply refused");
    s = good;
    s.raw_peername = 1;
    check(parse(&s, &r, &why) == -EBADMSG, "a peer name without its NUL fails the string policy");
    s = good;
    s.peername = NULL;
    check(parse(&s, &r, &why) == 0 && r.peername[0] == '\0', "no peer name: empty");

    {
        struct nl_msg *msg = build(&good);
        struct nlmsghdr *nlh = nlmsg_hdr(msg);
        size_t len = nlh->nlmsg_len;

        check(hsd_accept_reply_parse(nlh, len - 1, FAMILY, &r, &why) == -EBADMSG,
              "nlmsg_len longer than the bytes received refused");
        check(hsd_accept_reply_parse(nlh, len, FAMILY + 1, &r, &why) == -EBADMSG, "another family's message refused");
        check(hsd_accept_reply_parse(nlh, 8, FAMILY, &r, &why) == -EBADMSG, "a truncated header refused");
        /* An attribute whose length runs past the message: the policy walk must stop. */
        ((struct nlattr *)genlmsg_attrdata(nlmsg_data(nlh), 0))->nla_len = 0x7ff0;
        check(hsd_accept_reply_parse(nlh, len, FAMILY, &r, &why) != 0, "an attribute longer than the message refused");
        nlmsg_free(msg);
    }
}

static int describe(const char *text, struct hsd_key_desc *d)
{
    return hsd_key_describe_parse(text, strlen(text), d);
}

/* KEYCTL_DESCRIBE's answer, as keyctl(2) gives it: "type;uid;gid;perm;description". */
static void test_key_describe(void)
{
    static char long_desc[HSD_KEY_DESC_MAX + 32];
    struct hsd_key_desc d;

    check(describe("psk;0;0;3f010000;NVMe0R01 nqn.host nqn.subsys", &d) == 0 && strcmp(d.type, "psk") == 0 &&
              strcmp(d.description, "NVMe0R01 nqn.host nqn.subsys") == 0,
          "key description: type and description (the PSK identity)");
    check(describe("user;0;0;3f010000;a;b c", &d) == 0 && strcmp(d.description, "a;b c") == 0,
          "key description: a ';' inside the description is kept (after the fourth ';')");
    check(hsd_key_describe_parse("user;0;0;1;id\0garbage", 22, &d) == 0 && strcmp(d.description, "id") == 0,
          "key description: ends at its NUL");
    check(hsd_key_describe_parse("user;0;0;1;identity", 13, &d) == 0 && strcmp(d.description, "id") == 0,
          "key description: no NUL needed, the length bounds it");
    check(describe("user;0;0;3f010000;", &d) == -1, "key description: an empty description refused");
    check(describe("user;0;0", &d) == -1, "key description: missing fields refused");
    check(describe(";0;0;1;id", &d) == -1, "key description: an empty type refused");
    memset(long_desc, 'x', sizeof long_desc - 1);
    memcpy(long_desc, "user;0;0;1;", 11);
    check(describe(long_desc, &d) == -1, "key description: longer than the kernel's limit refused");
    memset(long_desc, 'x', sizeof long_desc - 1);
    long_desc[HSD_KEY_TYPE_MAX + 1] = ';';
    check(describe(long_desc, &d) == -1, "key description: a type longer than its buffer refused");
}

/* The keyring calls against this process's own keyring: read, search, the size bound. */
static void test_real_keyring(void)
{
    static const unsigned char psk[32] = {0xa5, 1, 2, 3};
    unsigned char buf[64];
    struct hsd_key_desc d;
    long serial = syscall(SYS_add_key, "user", "ktla-test identity", psk, sizeof psk, -2L /* process keyring */);

    if (serial <= 0) {
        /* Inside the VM the keyring must work: there a skip is a failure. */
        if (getenv("KTLA_IN_VM"))
            check(0, "real keyring: add_key failed inside the VM");
        else
            printf("skip real keyring: add_key: %s\n", strerror(errno));
        return;
    }
    check(hsd_key_describe((int32_t)serial, &d) == 0 && strcmp(d.type, "user") == 0 &&
              strcmp(d.description, "ktla-test identity") == 0,
          "real keyring: the key's type and description");
    check(hsd_key_read((int32_t)serial, buf, sizeof buf) == (long)sizeof psk && memcmp(buf, psk, sizeof psk) == 0,
          "real keyring: the payload read");
    memset(buf, 0x77, sizeof buf);
    check(hsd_key_read((int32_t)serial, buf, 16) == -EMSGSIZE && buf[0] == 0 && buf[15] == 0,
          "real keyring: a payload longer than the buffer refused (-EMSGSIZE), the buffer wiped");
    check(hsd_key_search(-2, "user", "ktla-test identity") == (int32_t)serial, "real keyring: search by description");
    check(hsd_key_search(-2, "user", "someone else") == -ENOKEY, "real keyring: an unknown description: -ENOKEY");
    check(hsd_key_read(0x7ffffff0, buf, sizeof buf) < 0, "real keyring: a serial that names no key fails");
}

static int conf(const char *text, struct hsd_config *c, char *err)
{
    hsd_config_defaults(c);
    return hsd_config_parse(text, strlen(text), c, err, 256);
}

static void test_config(void)
{
    struct hsd_config c;
    char err[256];
    int rc;

    rc = conf("# agent\n server_certificate = /a/s.pem \n\tserver_private_key=/a/s.key\r\nca_file = /a/ca.pem\n"
              "client_auth = required\nmin_version = 1.2\n\n",
              &c, err);
    check(rc == 0 && strcmp(c.server_certificate, "/a/s.pem") == 0 && strcmp(c.server_private_key, "/a/s.key") == 0 &&
              strcmp(c.ca_file, "/a/ca.pem") == 0 && c.client_auth == HSD_CLIENT_AUTH_REQUIRED && c.allow_tls12 == 1,
          "config: keys, values, blanks, CRLF and comments");
    check(conf("", &c, err) == 0 && c.client_auth == HSD_CLIENT_AUTH_OPTIONAL && c.allow_tls12 == 0,
          "config: defaults (client_auth optional, TLS 1.3 only)");
    rc = conf("ca_file = /x\nclient_cert = /y\n", &c, err);
    check(rc == -1 && strcmp(err, "line 2: unknown key") == 0, "config: an unknown key names its line");
    check(conf("client_auth = maybe\n", &c, err) == -1, "config: a bad client_auth value refused");
    check(conf("min_version = 1.1\n", &c, err) == -1, "config: min_version 1.1 refused");
    check(conf("ca_file\n", &c, err) == -1 && strstr(err, "key = value") != NULL, "config: a line without '=' refused");
    check(conf("ca_file = \n", &c, err) == -1, "config: an empty path refused");
    {
        static char big[HSD_PATH_MAX + 32];

        memcpy(big, "ca_file = ", 10);
        memset(big + 10, 'a', HSD_PATH_MAX);
        check(conf(big, &c, err) == -1, "config: a path longer than PATH_MAX refused");
    }
    check(hsd_config_parse("ca_file = /a\0b\n", 14, &c, err, sizeof err) == -1, "config: a NUL byte refused");
}

/* --write-seeds DIR: the fuzz-hsd-accept seeds (flags byte 0, then a reply as the kernel builds it). */
static int write_seeds(const char *dir)
{
    static const struct reply_spec seeds[] = {
        {5, HSD_MSG_TYPE_SERVERHELLO, HSD_AUTH_X509, 20000, 0, 0, NULL, 0, 0, 0},
        {6, HSD_MSG_TYPE_CLIENTHELLO, HSD_AUTH_X509, 20000, 0, 1, "127.0.0.1", 0, 0, 0},
        {7, HSD_MSG_TYPE_CLIENTHELLO, HSD_AUTH_PSK, 10000, 3, 0, "nvme.example", 0, 0, 0},
        {10, HSD_MSG_TYPE_SERVERHELLO, HSD_AUTH_PSK, 10000, 0, 0, NULL, 0, 0, 0x2345678},
        {8, HSD_MSG_TYPE_CLIENTHELLO, HSD_AUTH_UNAUTH, 0, 0, 0, "server", 0, 0, 0},
        {9, HSD_MSG_TYPE_SERVERHELLO, HSD_AUTH_X509, 5000, 0, 2, NULL, 0, 0, 0},
    };

    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        struct nl_msg *msg = build(&seeds[i]);
        struct nlmsghdr *nlh = nlmsg_hdr(msg);
        char path[512];
        FILE *f;

        snprintf(path, sizeof path, "%s/seed-%zu", dir, i);
        f = fopen(path, "wb");
        if (f == NULL || fputc(0, f) == EOF || fwrite(nlh, 1, nlh->nlmsg_len, f) != nlh->nlmsg_len ||
            fclose(f) != 0) {
            perror(path);
            return 1;
        }
        nlmsg_free(msg);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
        return write_seeds(argv[2]);
    test_accept_reply();
    test_config();
    test_key_describe();
    test_real_keyring();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
