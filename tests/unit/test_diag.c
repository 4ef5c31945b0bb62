/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_diag.c - the diagnostics calls (ktla_diag_*), against this kernel and
 * against crafted replies.
 *
 * Oracles, none of them the code under test:
 * - the socket's own view: getsockname/getpeername, fstat's inode, and
 *   getsockopt(TCP_ULP);
 * - a raw NETLINK_GENERIC CTRL_CMD_GETFAMILY written out here, for whether
 *   this kernel has the "ethtool" family at all;
 * - /proc/net/tls_stat and /proc/sys/net/ipv4/tcp_available_ulp, read here;
 * - netlink messages built byte by byte here (not with libnl) from the
 *   layouts in net/ipv4/tcp_diag.c, net/tls/tls_main.c tls_get_info() and
 *   net/ethtool/bitset.c, for the parsers, including malformed ones;
 * - the counter names of net/tls/tls_proc.c, for the tls_stat parser.
 *
 * The kTLS branch (a socket with the tls ULP and keys) runs only where
 * TCP_ULP "tls" can be attached (the test VM); elsewhere it is reported as
 * a skip (test_skip.h), and inside the VM a missing branch is a failure.  Each test prints which branch it took.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tls.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag/diag_internal.h"
#include "ktla.h"
#include "kernel/ktls.h"
#include "loopback.h"
#include "suites.h"
#include "test_skip.h"

/* ================================================================ helpers */

/* "a.b.c.d:port" / "[v6]:port" from a sockaddr, as the API formats them. */
static void endpoint(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        snprintf(buf, size, "[%s]:%u", ip, (unsigned)ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        snprintf(buf, size, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
    }
}

static unsigned long long inode_of(int fd)
{
    struct stat st;

    return fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* The socket's own view of itself must be what the kernel's diag says. */
static void assert_matches_fd(int fd, const struct ktla_diag_socket *d)
{
    struct sockaddr_storage local, peer;
    socklen_t llen = sizeof local, plen = sizeof peer;
    char want_local[64], want_remote[64];

    CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&local, &llen), 0);
    endpoint(&local, want_local, sizeof want_local);
    CU_ASSERT_EQUAL(d->family, local.ss_family);
    CU_ASSERT_STRING_EQUAL(d->local, want_local);
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0) {
        endpoint(&peer, want_remote, sizeof want_remote);
        CU_ASSERT_STRING_EQUAL(d->remote, want_remote);
        CU_ASSERT_EQUAL(d->state, TCP_ESTABLISHED);
    }
    CU_ASSERT_EQUAL(d->inode, inode_of(fd));
}

static void assert_no_tls(const struct ktla_diag_socket *d)
{
    CU_ASSERT_STRING_EQUAL(d->ulp, "");
    CU_ASSERT_EQUAL(d->cipher, -1);
    CU_ASSERT_EQUAL(d->tls_version, 0);
    CU_ASSERT_EQUAL(d->tx, KTLA_DIAG_CONF_UNKNOWN);
    CU_ASSERT_EQUAL(d->rx, KTLA_DIAG_CONF_UNKNOWN);
}

static const struct ktla_diag_socket *find_inode(const struct ktla_diag_socket *v, size_t n, unsigned long long ino)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].inode == ino)
            return &v[i];
    return NULL;
}

/* 1 if the ULP list of this kernel has name (NULL: any ULP), read here independently. */
static int ulp_listed(const char *name)
{
    char buf[512] = "";
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");
    size_t n = 0;

    if (f) {
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
        if (name == NULL || strcmp(t, name) == 0)
            return 1;
    return 0;
}

/* 1 if this process has CAP_NET_ADMIN in its effective set (capget, here). */
static int have_net_admin(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

    memset(d, 0, sizeof d);
    return syscall(SYS_capget, &h, d) == 0 && (d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN));
}

/* A connected pair over ::1; -1 (errno) when this host has no IPv6 loopback. */
static int loopback6_pair(int *client, int *server)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    socklen_t len = sizeof a;
    int l = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), rc = -1;

    *client = *server = -1;
    if (l < 0)
        return -1;
    if (bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 1) == 0 &&
        getsockname(l, (struct sockaddr *)&a, &len) == 0 && (*client = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
        connect(*client, (struct sockaddr *)&a, sizeof a) == 0 && (*server = accept(l, NULL, NULL)) >= 0)
        rc = 0;
    if (rc != 0 && *client >= 0)
        close(*client);
    close(l);
    return rc;
}

/*
 * 1 if the kernel has the generic netlink family name, 0 if it says ENOENT,
 * -1 if it cannot be asked.  A raw CTRL_CMD_GETFAMILY, written out here.
 */
static int genl_family_exists(const char *name)
{
    struct {
        struct nlmsghdr n;
        struct genlmsghdr g;
        uint32_t attr[16];
    } req;
    uint32_t reply[2048];
    struct nlattr *a = (struct nlattr *)req.attr;
    size_t nlen = strlen(name) + 1;
    const struct nlmsghdr *r = (const struct nlmsghdr *)reply;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), verdict = -1;
    ssize_t got;

    if (fd < 0)
        return -1;
    memset(&req, 0, sizeof req);
    a->nla_type = CTRL_ATTR_FAMILY_NAME;
    a->nla_len = (uint16_t)(NLA_HDRLEN + nlen);
    memcpy((char *)a + NLA_HDRLEN, name, nlen);
    req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(a->nla_len));
    req.n.nlmsg_type = GENL_ID_CTRL;
    req.n.nlmsg_flags = NLM_F_REQUEST;
    req.n.nlmsg_seq = 1;
    req.g.cmd = CTRL_CMD_GETFAMILY;
    req.g.version = 1;
    if (send(fd, &req, req.n.nlmsg_len, 0) == (ssize_t)req.n.nlmsg_len &&
        (got = recv(fd, reply, sizeof reply, 0)) >= (ssize_t)NLMSG_HDRLEN && NLMSG_OK(r, (size_t)got)) {
        if (r->nlmsg_type == GENL_ID_CTRL)
            verdict = 1;
        else if (r->nlmsg_type == NLMSG_ERROR && ((const struct nlmsgerr *)(const void *)((const char *)r + NLMSG_HDRLEN))->error == -ENOENT)
            verdict = 0;
    }
    close(fd);
    return verdict;
}

/* ============================================================ live: sockets */

static void test_socket_loopback(void)
{
    struct ktla_diag_socket d;
    int client, server;

    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&client, &server), 0);
    printf("\n  host branch: plain loopback TCP pair (no ULP)");
    CU_ASSERT_EQUAL(ktla_diag_lookup(server, &d), 0);
    assert_matches_fd(server, &d);
    assert_no_tls(&d);
    CU_ASSERT_EQUAL(ktla_diag_lookup(client, &d), 0);
    assert_matches_fd(client, &d);
    assert_no_tls(&d);
    CU_ASSERT_EQUAL(d.family, AF_INET);
    close(server);
    close(client);
}

static void test_socket_ipv6_and_listener(void)
{
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct ktla_diag_socket d;
    int client, server, l;

    if (loopback6_pair(&client, &server) == 0) {
        CU_ASSERT_EQUAL(ktla_diag_lookup(server, &d), 0);
        assert_matches_fd(server, &d);
        CU_ASSERT_EQUAL(d.family, AF_INET6);
        CU_ASSERT_EQUAL(strncmp(d.local, "[::1]:", 6), 0);
        CU_ASSERT_EQUAL(strncmp(d.remote, "[::1]:", 6), 0);
        close(server);
        close(client);
    } else {
        char why[128];
        snprintf(why, sizeof why, "IPv6 part: no ::1 here (%s)", strerror(errno));
        test_skip(why);
    }
    /* A listener: found by its local port alone, no peer. */
    l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CU_ASSERT_FATAL(l >= 0);
    CU_ASSERT_EQUAL_FATAL(bind(l, (struct sockaddr *)&any, sizeof any), 0);
    CU_ASSERT_EQUAL_FATAL(listen(l, 1), 0);
    CU_ASSERT_EQUAL(ktla_diag_lookup(l, &d), 0);
    assert_matches_fd(l, &d);
    CU_ASSERT_EQUAL(d.state, TCP_LISTEN);
    CU_ASSERT_STRING_EQUAL(d.remote, "0.0.0.0:0");
    close(l);
}

static void test_socket_bad_input(void)
{
    struct ktla_diag_socket d;
    int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int unix_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int unbound = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int client, server;

    CU_ASSERT_EQUAL(ktla_diag_lookup(-1, &d), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_diag_lookup(udp, &d), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_diag_lookup(unix_fd, &d), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_diag_lookup(STDIN_FILENO, &d), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_diag_lookup(unbound, &d), KTLA_E_NOTFOUND); /* in no kernel table */
    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&client, &server), 0);
    CU_ASSERT_EQUAL(ktla_diag_lookup(server, NULL), KTLA_E_INVAL);
    close(client);
    close(server);
    close(udp);
    close(unix_fd);
    close(unbound);
}

static void test_list(void)
{
    struct ktla_diag_socket *v = NULL;
    const struct ktla_diag_socket *e;
    size_t n = 99;
    int client, server;

    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&client, &server), 0);
    if (!have_net_admin() && ulp_listed(NULL) && ktla_diag_list(1, &v, &n) == KTLA_E_PERM) {
        /* A kernel that cannot be shown to hide nothing: the unprivileged test checks this case. */
        test_skip("not run with CAP_NET_ADMIN and ULPs are registered, so the full list is KTLA_E_PERM");
        close(server);
        close(client);
        return;
    }
    CU_ASSERT_EQUAL_FATAL(ktla_diag_list(1, &v, &n), 0);
    CU_ASSERT(n >= 2);
    e = find_inode(v, n, inode_of(server));
    CU_ASSERT_PTR_NOT_NULL(e);
    if (e) {
        assert_matches_fd(server, e);
        assert_no_tls(e);
    }
    CU_ASSERT_PTR_NOT_NULL(find_inode(v, n, inode_of(client)));
    free(v);

    v = NULL;
    CU_ASSERT_EQUAL_FATAL(ktla_diag_list(0, &v, &n), 0);
    CU_ASSERT_PTR_NULL(find_inode(v, n, inode_of(server)));
    CU_ASSERT_PTR_NULL(find_inode(v, n, inode_of(client)));
    for (size_t i = 0; i < n; i++)
        CU_ASSERT_STRING_EQUAL(v[i].ulp, "tls");
    printf("\n  %zu socket(s) with the tls ULP in this namespace", n);
    free(v);
    CU_ASSERT_EQUAL(ktla_diag_list(0, NULL, &n), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_diag_list(0, &v, NULL), KTLA_E_INVAL);
    close(server);
    close(client);
}

/* ============================================================ live: kTLS */

static void dummy_keys(struct ktla__traffic_keys *k, enum ktla_tls_version v, enum ktla_cipher c)
{
    memset(k, 0, sizeof *k);
    k->version = v;
    k->cipher = c;
    memset(k->key, 0x42, sizeof k->key);
    memset(k->iv, 0x17, sizeof k->iv);
    k->seq = 7;
}

/* A loopback pair whose server end has the tls ULP and, unless dir < 0, keys for dir. */
static int ktls_pair(enum ktla_tls_version v, enum ktla_cipher c, int dir, int *client, int *server)
{
    struct ktla__traffic_keys k;
    int rc;

    if (test_loopback_pair(client, server) != 0)
        return -1;
    dummy_keys(&k, v, c);
    rc = ktla__ktls_attach_ulp(*server);
    if (rc == 0 && dir >= 0)
        rc = ktla__ktls_set_keys(*server, (enum ktla_direction)dir, &k);
    if (rc != 0) {
        printf("\n  could not set up kTLS: %s", strerror(-rc));
        close(*client);
        close(*server);
        return -1;
    }
    return 0;
}

static void assert_ktls(int fd, unsigned version, int cipher, enum ktla_diag_conf tx, enum ktla_diag_conf rx)
{
    struct ktla_diag_socket d;

    CU_ASSERT_EQUAL_FATAL(ktla_diag_lookup(fd, &d), 0);
    assert_matches_fd(fd, &d);
    CU_ASSERT_STRING_EQUAL(d.ulp, "tls");
    CU_ASSERT_EQUAL(d.tls_version, version);
    CU_ASSERT_EQUAL(d.cipher, cipher);
    CU_ASSERT_EQUAL(d.tx, tx);
    CU_ASSERT_EQUAL(d.rx, rx);
    CU_ASSERT_EQUAL(d.tx_zerocopy, 0);
    CU_ASSERT_EQUAL(d.rx_no_pad, 0);
}

static void test_ktls_socket(void)
{
    int err = test_kernel_ulp_errno(), c1, s1, c2, s2, c3, s3;
    struct ktla_diag_socket d, *v = NULL;
    size_t n = 0;

    if (err != 0) {
        char why[160];
        snprintf(why, sizeof why, "needs kTLS: TCP_ULP \"tls\" fails here with %s (no tls module)",
                 strerrorname_np(err));
        test_skip(why);
        return;
    }
    printf("\n  kTLS branch: ULP + TLS_TX (1.3 AES-GCM-256), ULP + TLS_RX (1.2 ChaCha20), ULP alone");
    CU_ASSERT_EQUAL_FATAL(ktls_pair(KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_256, KTLA_DIR_TX, &c1, &s1), 0);
    CU_ASSERT_EQUAL_FATAL(ktls_pair(KTLA_TLS_1_2, KTLA_CIPHER_CHACHA20_POLY1305, KTLA_DIR_RX, &c2, &s2), 0);
    CU_ASSERT_EQUAL_FATAL(ktls_pair(KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128, -1, &c3, &s3), 0);
    if (!have_net_admin() && ktla_diag_lookup(s1, &d) == KTLA_E_PERM) {
        test_skip("not run with CAP_NET_ADMIN on a kernel that withholds ULP details: KTLA_E_PERM is right");
        goto out;
    }
    assert_ktls(s1, 0x0304, KTLA_CIPHER_AES_GCM_256, KTLA_DIAG_CONF_SW, KTLA_DIAG_CONF_BASE);
    assert_ktls(s2, 0x0303, KTLA_CIPHER_CHACHA20_POLY1305, KTLA_DIAG_CONF_BASE, KTLA_DIAG_CONF_SW);
    assert_ktls(s3, 0, -1, KTLA_DIAG_CONF_BASE, KTLA_DIAG_CONF_BASE); /* no keys: no version or cipher yet */

    CU_ASSERT_EQUAL_FATAL(ktla_diag_list(0, &v, &n), 0);
    CU_ASSERT_PTR_NOT_NULL(find_inode(v, n, inode_of(s1)));
    CU_ASSERT_PTR_NOT_NULL(find_inode(v, n, inode_of(s2)));
    CU_ASSERT_PTR_NOT_NULL(find_inode(v, n, inode_of(s3)));
    CU_ASSERT_PTR_NULL(find_inode(v, n, inode_of(c1))); /* the peer end has no ULP */
    free(v);
out:
    close(s1);
    close(c1);
    close(s2);
    close(c2);
    close(s3);
    close(c3);
}

/* ==================================================== live: no CAP_NET_ADMIN */

static int drop_net_admin(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

    if (syscall(SYS_capget, &h, d) != 0)
        return -1;
    d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
    return (int)syscall(SYS_capset, &h, d);
}

#define CHILD_CHECK(cond)                                                       \
    do {                                                                        \
        if (!(cond)) {                                                          \
            printf("\n  unprivileged child: failed at line %d: %s", __LINE__, #cond); \
            fails++;                                                            \
        }                                                                       \
    } while (0)

/* In a child without CAP_NET_ADMIN: every answer is either complete or KTLA_E_PERM, never a silent gap. */
static int unprivileged_checks(int plain, int ktls)
{
    struct ktla_diag_socket d, *v = NULL;
    size_t n = 0;
    int fails = 0, rc, shows = -1;

    CHILD_CHECK(drop_net_admin() == 0);
    CHILD_CHECK(ktla_diag_lookup(plain, &d) == 0 && d.ulp[0] == '\0' && d.inode == inode_of(plain));
    if (ktls >= 0) {
        rc = ktla_diag_lookup(ktls, &d);
        CHILD_CHECK(rc == KTLA_E_PERM || (rc == 0 && strcmp(d.ulp, "tls") == 0 && d.tls_version == 0x0304));
        shows = rc == 0;
        printf("\n  unprivileged: this kernel %s", shows ? "shows ULP details to everyone (Linux >= 6.15)"
                                                         : "withholds ULP details without CAP_NET_ADMIN (< 6.15)");
    }
    rc = ktla_diag_list(0, &v, &n);
    CHILD_CHECK(rc == 0 || (rc == KTLA_E_PERM && ulp_listed("tls")));
    if (rc == 0 && ktls >= 0)
        CHILD_CHECK(shows == 1 && find_inode(v, n, inode_of(ktls)) != NULL);
    printf("\n  unprivileged ktla_diag_list(0): %s", rc == 0 ? "answered" : ktla_err_name(rc));
    free(v);
    v = NULL;
    rc = ktla_diag_list(1, &v, &n);
    CHILD_CHECK(rc == 0 || (rc == KTLA_E_PERM && ulp_listed(NULL)));
    if (rc == 0)
        CHILD_CHECK(find_inode(v, n, inode_of(plain)) != NULL);
    printf("\n  unprivileged ktla_diag_list(1): %s", rc == 0 ? "answered" : ktla_err_name(rc));
    free(v);
    fflush(stdout);
    return fails;
}

static void test_without_net_admin(void)
{
    int client, server, kc = -1, ks = -1, status = -1;
    pid_t pid;

    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&client, &server), 0);
    if (test_kernel_ulp_errno() == 0) {
        CU_ASSERT_EQUAL(ktls_pair(KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, KTLA_DIR_TX, &kc, &ks), 0);
    } else {
        test_skip("the kTLS socket part needs kTLS (no tls module here)");
    }
    fflush(stdout);
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0)
        _exit(unprivileged_checks(server, ks) ? 1 : 0);
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (ks >= 0) {
        close(ks);
        close(kc);
    }
    close(server);
    close(client);
}

/* =========================================================== live: ethtool */

static void test_netdev(void)
{
    int has = genl_family_exists(ETHTOOL_GENL_NAME);
    struct ktla_diag_netdev d, *v = NULL;
    char long_name[200];
    size_t n = 0;
    int lo_seen = 0;

    CU_ASSERT_FATAL(has >= 0);
    if (!has) {
        printf("\n  this kernel has no \"ethtool\" generic netlink family (CONFIG_ETHTOOL_NETLINK off"
               " or older than 5.6): NOTFOUND expected");
        test_skip("the live feature checks need the ethtool netlink family");
        CU_ASSERT_EQUAL(ktla_diag_netdev("lo", &d), KTLA_E_NOTFOUND);
        CU_ASSERT_EQUAL(ktla_diag_netdev_list(&v, &n), KTLA_E_NOTFOUND);
        return;
    }
    printf("\n  this kernel has the \"ethtool\" family: lo must show the three TLS features absent");
    memset(&d, 0x5a, sizeof d);
    CU_ASSERT_EQUAL_FATAL(ktla_diag_netdev("lo", &d), 0);
    CU_ASSERT_STRING_EQUAL(d.name, "lo");
    CU_ASSERT_EQUAL(d.tls_tx, KTLA_DIAG_FEATURE_ABSENT);
    CU_ASSERT_EQUAL(d.tls_rx, KTLA_DIAG_FEATURE_ABSENT);
    CU_ASSERT_EQUAL(d.tls_record, KTLA_DIAG_FEATURE_ABSENT);

    errno = 0;
    CU_ASSERT_EQUAL(ktla_diag_netdev("nonexistent0", &d), KTLA_E_NOTFOUND);
    CU_ASSERT_EQUAL(errno, ENODEV);
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CU_ASSERT_EQUAL(ktla_diag_netdev(long_name, &d), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_diag_netdev("", &d), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_diag_netdev(NULL, &d), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_diag_netdev("lo", NULL), KTLA_E_INVAL);

    CU_ASSERT_EQUAL_FATAL(ktla_diag_netdev_list(&v, &n), 0);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT(if_nametoindex(v[i].name) != 0);
        lo_seen |= strcmp(v[i].name, "lo") == 0;
    }
    CU_ASSERT(lo_seen);
    free(v);
    CU_ASSERT_EQUAL(ktla_diag_netdev_list(NULL, &n), KTLA_E_INVAL);
}

/* ========================================================== live: tls_stat */

static void test_tls_stat_live(void)
{
    static struct ktla_diag_counter sentinel;
    struct ktla_diag_counter *c = &sentinel; /* must be reset */
    size_t n = 99;
    int exists = access("/proc/net/tls_stat", F_OK) == 0;
    int rc = ktla_diag_tls_stat(&c, &n);

    if (!exists) {
        printf("\n  /proc/net/tls_stat is absent here: NOKTLS expected");
        test_skip("parsing the live counters needs the tls module (/proc/net/tls_stat)");
        CU_ASSERT_EQUAL(rc, KTLA_E_NOKTLS);
        CU_ASSERT_PTR_NULL(c);
        CU_ASSERT_EQUAL(n, 0);
        return;
    }
    printf("\n  /proc/net/tls_stat exists here: its %zu counters must parse", n);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT(n >= 12); /* every kernel since 5.3 has at least the first twelve */
    for (size_t i = 0; i < n; i++)
        CU_ASSERT_EQUAL(strncmp(c[i].name, "Tls", 3), 0);
    if (n > 0)
        CU_ASSERT_STRING_EQUAL(c[0].name, "TlsCurrTxSw");
    free(c);
    CU_ASSERT_EQUAL(ktla_diag_tls_stat(NULL, &n), KTLA_E_INVAL);
}

/* ====================================================== names and mappings */

static void test_names(void)
{
    static const struct {
        enum ktla_diag_conf c;
        const char *name;
    } confs[] = {{KTLA_DIAG_CONF_UNKNOWN, "unknown"}, {KTLA_DIAG_CONF_BASE, "base"}, {KTLA_DIAG_CONF_SW, "software"},
                 {KTLA_DIAG_CONF_HW, "device"},       {KTLA_DIAG_CONF_HW_RECORD, "device-record"}};
    static const struct {
        enum ktla_diag_feature f;
        const char *name;
    } feats[] = {{KTLA_DIAG_FEATURE_ABSENT, "absent"},
                 {KTLA_DIAG_FEATURE_OFF, "off"},
                 {KTLA_DIAG_FEATURE_ON, "on"},
                 {KTLA_DIAG_FEATURE_FIXED_OFF, "fixed-off"},
                 {KTLA_DIAG_FEATURE_FIXED_ON, "fixed-on"}};

    for (size_t i = 0; i < sizeof confs / sizeof confs[0]; i++)
        CU_ASSERT_STRING_EQUAL(ktla_diag_conf_name(confs[i].c), confs[i].name);
    CU_ASSERT_STRING_EQUAL(ktla_diag_conf_name((enum ktla_diag_conf)5), "unknown");
    CU_ASSERT_STRING_EQUAL(ktla_diag_conf_name((enum ktla_diag_conf)-1), "unknown");
    for (size_t i = 0; i < sizeof feats / sizeof feats[0]; i++)
        CU_ASSERT_STRING_EQUAL(ktla_diag_feature_name(feats[i].f), feats[i].name);
    CU_ASSERT_STRING_EQUAL(ktla_diag_feature_name((enum ktla_diag_feature)5), "unknown");
    CU_ASSERT_STRING_EQUAL(ktla_diag_feature_name((enum ktla_diag_feature)-1), "unknown");

    CU_ASSERT_EQUAL(ktla__diag_cipher_from_kernel(51), KTLA_CIPHER_AES_GCM_128);
    CU_ASSERT_EQUAL(ktla__diag_cipher_from_kernel(52), KTLA_CIPHER_AES_GCM_256);
    CU_ASSERT_EQUAL(ktla__diag_cipher_from_kernel(53), KTLA_CIPHER_AES_CCM_128);
    CU_ASSERT_EQUAL(ktla__diag_cipher_from_kernel(54), KTLA_CIPHER_CHACHA20_POLY1305);
    CU_ASSERT_EQUAL(ktla__diag_cipher_from_kernel(55), -1); /* SM4-GCM */
    CU_ASSERT_EQUAL(ktla__diag_cipher_from_kernel(0), -1);

    /* hw, active, nochange */
    CU_ASSERT_EQUAL(ktla__diag_feature_state(0, 0, 0), KTLA_DIAG_FEATURE_ABSENT);
    CU_ASSERT_EQUAL(ktla__diag_feature_state(0, 0, 1), KTLA_DIAG_FEATURE_ABSENT);
    CU_ASSERT_EQUAL(ktla__diag_feature_state(1, 0, 0), KTLA_DIAG_FEATURE_OFF);
    CU_ASSERT_EQUAL(ktla__diag_feature_state(1, 1, 0), KTLA_DIAG_FEATURE_ON);
    CU_ASSERT_EQUAL(ktla__diag_feature_state(1, 0, 1), KTLA_DIAG_FEATURE_FIXED_OFF);
    CU_ASSERT_EQUAL(ktla__diag_feature_state(1, 1, 1), KTLA_DIAG_FEATURE_FIXED_ON);
    CU_ASSERT_EQUAL(ktla__diag_feature_state(0, 1, 0), KTLA_DIAG_FEATURE_FIXED_ON);
}

/* ============================================== tls_stat parser, from text */

/* As net/tls/tls_proc.c prints it: "%-32s\t%lu\n", the 17 counters of a 6.14+ kernel. */
static const char *const kernel_names[] = {
    "TlsCurrTxSw",       "TlsCurrRxSw",   "TlsCurrTxDevice",     "TlsCurrRxDevice", "TlsTxSw",        "TlsRxSw",
    "TlsTxDevice",       "TlsRxDevice",   "TlsDecryptError",     "TlsRxDeviceResync", "TlsDecryptRetry",
    "TlsRxNoPadViolation", "TlsRxRekeyOk", "TlsRxRekeyError",    "TlsTxRekeyOk",    "TlsTxRekeyError",
    "TlsRxRekeyReceived"};
#define N_KERNEL_NAMES (sizeof kernel_names / sizeof kernel_names[0])

static int parse_text(const char *text, struct ktla_diag_counter **c, size_t *n)
{
    return ktla__diag_tls_stat_parse(text, strlen(text), c, n);
}

static void test_tls_stat_sample(void)
{
    char text[2048];
    size_t len = 0, n = 0;
    struct ktla_diag_counter *c = NULL;

    for (size_t i = 0; i < N_KERNEL_NAMES; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%-32s\t%lu\n", kernel_names[i], 1000UL * i + 3);
    CU_ASSERT_EQUAL_FATAL(ktla__diag_tls_stat_parse(text, len, &c, &n), 0);
    CU_ASSERT_EQUAL_FATAL(n, N_KERNEL_NAMES);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_STRING_EQUAL(c[i].name, kernel_names[i]);
        CU_ASSERT_EQUAL(c[i].value, 1000ULL * i + 3);
    }
    free(c);
    /* not NUL-terminated: only len bytes are read */
    text[len] = 'X';
    CU_ASSERT_EQUAL(ktla__diag_tls_stat_parse(text, len, &c, &n), 0);
    free(c);
}

static void test_tls_stat_edges(void)
{
    struct ktla_diag_counter *c = NULL;
    size_t n = 0;
    char name47[64], line[128];

    CU_ASSERT_EQUAL(parse_text("", &c, &n), 0);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_EQUAL(ktla__diag_tls_stat_parse(NULL, 0, &c, &n), 0);
    CU_ASSERT_EQUAL(parse_text("TlsTxSw 1\n\nTlsRxSw\t \t2   ", &c, &n), 0); /* blank line, no final newline */
    CU_ASSERT_EQUAL(n, 2);
    if (n == 2)
        CU_ASSERT(c[1].value == 2 && strcmp(c[1].name, "TlsRxSw") == 0);
    free(c);
    CU_ASSERT_EQUAL(parse_text("TlsTxSw 18446744073709551615\n", &c, &n), 0);
    CU_ASSERT_EQUAL(n == 1 ? c[0].value : 0, 18446744073709551615ULL);
    free(c);
    memset(name47, 'A', 47);
    name47[47] = '\0';
    snprintf(line, sizeof line, "%s 5\n", name47);
    CU_ASSERT_EQUAL(parse_text(line, &c, &n), 0);
    CU_ASSERT_EQUAL(n == 1 ? strlen(c[0].name) : 0, 47);
    free(c);
}

static void test_tls_stat_malformed(void)
{
    static const char *const bad[] = {
        "TlsTxSw abc\n",                   /* not a number */
        "TlsTxSw 12x\n",                   /* trailing junk */
        "TlsTxSw -1\n",                    /* negative */
        "TlsTxSw\n",                       /* no value */
        "TlsTxSw 1 2\n",                   /* two values */
        "TlsTxSw 18446744073709551616\n",  /* one past 64 bits */
        "TlsTxSw 99999999999999999999999\n",
        " TlsTxSw 1\n",                    /* leading space */
        "Tls-Tx 1\n",                      /* not a name character */
        "TlsTxSw1\n",                      /* no separator */
        "TlsTxSw 1\nTlsRxSw x\n",          /* a good line, then a bad one */
        "TlsTxSw 0x10\n",
    };
    static struct ktla_diag_counter sentinel;
    struct ktla_diag_counter *c = &sentinel;
    char name48[64], buf[8192];
    size_t n = 99, len = 0;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_text(bad[i], &c, &n);
        CU_ASSERT_EQUAL(rc, KTLA_E_PARSE);
        if (rc != KTLA_E_PARSE)
            printf("\n  accepted: \"%s\"", bad[i]);
        CU_ASSERT_PTR_NULL(c);
        CU_ASSERT_EQUAL(n, 0);
    }
    memset(name48, 'A', 48); /* does not fit name[48] with its NUL */
    memcpy(name48 + 48, " 1\n", 4);
    CU_ASSERT_EQUAL(parse_text(name48, &c, &n), KTLA_E_PARSE);
    CU_ASSERT_EQUAL(ktla__diag_tls_stat_parse("TlsTxSw 1\0\n", 11, &c, &n), KTLA_E_PARSE); /* NUL inside */
    for (int i = 0; i <= KTLA__TLS_STAT_MAX_COUNTERS; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "C%d 1\n", i);
    CU_ASSERT_EQUAL(ktla__diag_tls_stat_parse(buf, len, &c, &n), KTLA_E_PARSE); /* 257 lines */
    /* refused on its length alone, before a byte is read */
    CU_ASSERT_EQUAL(ktla__diag_tls_stat_parse(buf, KTLA__TLS_STAT_MAX_BYTES + 1, &c, &n), KTLA_E_PARSE);
    CU_ASSERT_EQUAL(ktla__diag_tls_stat_parse(NULL, 5, &c, &n), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla__diag_tls_stat_parse("a 1", 3, NULL, &n), KTLA_E_INVAL);
}

/* ===================================== crafted netlink: a writer written here */

/* A netlink message under construction, 4-byte aligned as the kernel's are. */
struct nlb {
    uint32_t words[512];
    size_t len;
};

static void *nlb_put(struct nlb *b, const void *data, size_t len)
{
    unsigned char *p = (unsigned char *)b->words + b->len;

    CU_ASSERT_FATAL(b->len + NLA_ALIGN(len) <= sizeof b->words);
    memset(p, 0, NLA_ALIGN(len));
    if (data)
        memcpy(p, data, len);
    b->len += NLA_ALIGN(len);
    return p;
}

/* Start an attribute (nested or not); nlb_end() fixes its length. */
static size_t nlb_start(struct nlb *b, uint16_t type)
{
    struct nlattr a = {.nla_len = NLA_HDRLEN, .nla_type = type};
    size_t off = b->len;

    nlb_put(b, &a, sizeof a);
    return off;
}

static void nlb_end(struct nlb *b, size_t off)
{
    ((struct nlattr *)((unsigned char *)b->words + off))->nla_len = (uint16_t)(b->len - off);
}

/* An attribute with len bytes of payload (nla_len unpadded, as the kernel writes it). */
static void nlb_attr(struct nlb *b, uint16_t type, const void *data, size_t len)
{
    struct nlattr a = {.nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type};

    nlb_put(b, &a, sizeof a);
    if (len)
        nlb_put(b, data, len);
}

static void nlb_u16(struct nlb *b, uint16_t type, uint16_t v)
{
    nlb_attr(b, type, &v, sizeof v);
}

static void nlb_u32(struct nlb *b, uint16_t type, uint32_t v)
{
    nlb_attr(b, type, &v, sizeof v);
}

static void nlb_str(struct nlb *b, uint16_t type, const char *s)
{
    nlb_attr(b, type, s, strlen(s) + 1);
}

static struct nlmsghdr *nlb_msg(struct nlb *b)
{
    struct nlmsghdr *h = (struct nlmsghdr *)b->words;

    h->nlmsg_len = (uint32_t)b->len;
    return h;
}

/* ============================================ crafted sock_diag replies */

/* An inet_diag reply for 10.0.0.1:443 -> 10.0.0.2:50000 (or [2001:db8::1]...), inode 4242. */
static void diag_msg_start(struct nlb *b, int family)
{
    struct nlmsghdr h = {.nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_MULTI};
    struct inet_diag_msg m;

    memset(b, 0, sizeof *b);
    memset(&m, 0, sizeof m);
    m.idiag_family = (uint8_t)family;
    m.idiag_state = TCP_ESTABLISHED;
    m.idiag_inode = 4242;
    m.id.idiag_sport = htons(443);
    m.id.idiag_dport = htons(50000);
    if (family == AF_INET) {
        m.id.idiag_src[0] = htonl(0x0a000001);
        m.id.idiag_dst[0] = htonl(0x0a000002);
    } else {
        inet_pton(AF_INET6, "2001:db8::1", m.id.idiag_src);
        inet_pton(AF_INET6, "2001:db8::2", m.id.idiag_dst);
    }
    nlb_put(b, &h, sizeof h);
    nlb_put(b, &m, sizeof m);
}

/* INET_DIAG_ULP_INFO as tls_get_info() writes it for 1.3 / AES-GCM-256 / TX SW / RX base, both flags. */
static void put_tls_ulp(struct nlb *b, uint16_t cipher)
{
    size_t ulp = nlb_start(b, INET_DIAG_ULP_INFO), tls;
    uint8_t pad = 0;

    nlb_str(b, INET_ULP_INFO_NAME, "tls");
    tls = nlb_start(b, INET_ULP_INFO_TLS | NLA_F_NESTED);
    nlb_u16(b, TLS_INFO_VERSION, 0x0304);
    nlb_u16(b, TLS_INFO_CIPHER, cipher);
    nlb_u16(b, TLS_INFO_TXCONF, TLS_CONF_SW);
    nlb_u16(b, TLS_INFO_RXCONF, TLS_CONF_BASE);
    nlb_attr(b, TLS_INFO_ZC_RO_TX, NULL, 0);
    nlb_attr(b, TLS_INFO_RX_NO_PAD, NULL, 0);
    nlb_attr(b, 30, &pad, 1); /* an attribute from a newer kernel: skipped */
    nlb_end(b, tls);
    nlb_end(b, ulp);
}

static void test_sock_parse(void)
{
    struct nlb b;
    struct ktla_diag_socket d;
    int seen = 0;
    uint8_t proto = IPPROTO_TCP;

    diag_msg_start(&b, AF_INET);
    nlb_attr(&b, INET_DIAG_PROTOCOL, &proto, 1);
    put_tls_ulp(&b, TLS_CIPHER_AES_GCM_256);
    CU_ASSERT_EQUAL_FATAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), 0);
    CU_ASSERT_EQUAL(seen, 1);
    CU_ASSERT_EQUAL(d.family, AF_INET);
    CU_ASSERT_STRING_EQUAL(d.local, "10.0.0.1:443");
    CU_ASSERT_STRING_EQUAL(d.remote, "10.0.0.2:50000");
    CU_ASSERT_EQUAL(d.state, TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(d.inode, 4242);
    CU_ASSERT_STRING_EQUAL(d.ulp, "tls");
    CU_ASSERT_EQUAL(d.tls_version, 0x0304);
    CU_ASSERT_EQUAL(d.cipher, KTLA_CIPHER_AES_GCM_256);
    CU_ASSERT_EQUAL(d.tx, KTLA_DIAG_CONF_SW);
    CU_ASSERT_EQUAL(d.rx, KTLA_DIAG_CONF_BASE);
    CU_ASSERT_EQUAL(d.tx_zerocopy, 1);
    CU_ASSERT_EQUAL(d.rx_no_pad, 1);

    /* IPv6, a cipher ktla does not know (SM4-GCM), no ULP at all */
    diag_msg_start(&b, AF_INET6);
    put_tls_ulp(&b, 55);
    CU_ASSERT_EQUAL_FATAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), 0);
    CU_ASSERT_STRING_EQUAL(d.local, "[2001:db8::1]:443");
    CU_ASSERT_STRING_EQUAL(d.remote, "[2001:db8::2]:50000");
    CU_ASSERT_EQUAL(d.cipher, -1);
    seen = 0;
    diag_msg_start(&b, AF_INET);
    CU_ASSERT_EQUAL_FATAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), 0);
    CU_ASSERT_EQUAL(seen, 0);
    assert_no_tls(&d);
}

static void test_sock_parse_malformed(void)
{
    struct nlb b;
    struct ktla_diag_socket d;
    size_t ulp, tls;
    int seen = 0;
    uint8_t one = 1;

    /* shorter than struct inet_diag_msg */
    diag_msg_start(&b, AF_INET);
    b.len = NLMSG_HDRLEN + 8;
    CU_ASSERT_EQUAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), KTLA_E_PARSE);
    /* nlmsg_len beyond the bytes there are */
    diag_msg_start(&b, AF_INET);
    CU_ASSERT_EQUAL(ktla__diag_sock_parse(nlb_msg(&b), b.len - 4, &d, &seen), KTLA_E_PARSE);
    /* wrong message type, unknown family */
    diag_msg_start(&b, AF_INET);
    nlb_msg(&b)->nlmsg_type = NLMSG_ERROR;
    CU_ASSERT_EQUAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), KTLA_E_PARSE);
    diag_msg_start(&b, AF_UNIX);
    CU_ASSERT_EQUAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), KTLA_E_PARSE);
    /* a u16 with one byte */
    diag_msg_start(&b, AF_INET);
    ulp = nlb_start(&b, INET_DIAG_ULP_INFO);
    nlb_str(&b, INET_ULP_INFO_NAME, "tls");
    tls = nlb_start(&b, INET_ULP_INFO_TLS);
    nlb_attr(&b, TLS_INFO_VERSION, &one, 1);
    nlb_end(&b, tls);
    nlb_end(&b, ulp);
    CU_ASSERT_EQUAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), KTLA_E_PARSE);
    /* a u16 with four bytes */
    diag_msg_start(&b, AF_INET);
    ulp = nlb_start(&b, INET_DIAG_ULP_INFO);
    tls = nlb_start(&b, INET_ULP_INFO_TLS);
    nlb_u32(&b, TLS_INFO_CIPHER, 51);
    nlb_end(&b, tls);
    nlb_end(&b, ulp);
    CU_ASSERT_EQUAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), KTLA_E_PARSE);
    /* ULP name without its NUL, and one too long for any kernel */
    diag_msg_start(&b, AF_INET);
    ulp = nlb_start(&b, INET_DIAG_ULP_INFO);
    nlb_attr(&b, INET_ULP_INFO_NAME, "tls", 3);
    nlb_end(&b, ulp);
    CU_ASSERT_EQUAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), KTLA_E_PARSE);
    diag_msg_start(&b, AF_INET);
    ulp = nlb_start(&b, INET_DIAG_ULP_INFO);
    nlb_str(&b, INET_ULP_INFO_NAME, "a-name-of-twenty-chars");
    nlb_end(&b, ulp);
    CU_ASSERT_EQUAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), KTLA_E_PARSE);
    /* INET_DIAG_PROTOCOL says UDP */
    diag_msg_start(&b, AF_INET);
    one = IPPROTO_UDP;
    nlb_attr(&b, INET_DIAG_PROTOCOL, &one, 1);
    CU_ASSERT_EQUAL(ktla__diag_sock_parse(nlb_msg(&b), b.len, &d, &seen), KTLA_E_PARSE);
}

/* ========================================== crafted ethtool features replies */

/* A bitset of the verbose form: names[i] listed, with VALUE where value[i] (mask form) or as a list (nomask). */
static void put_bitset(struct nlb *b, uint16_t type, int nomask, const char *const *names, const int *value, size_t n)
{
    size_t set = nlb_start(b, type | NLA_F_NESTED), bits;

    if (nomask)
        nlb_attr(b, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
    nlb_u32(b, ETHTOOL_A_BITSET_SIZE, 64);
    bits = nlb_start(b, ETHTOOL_A_BITSET_BITS | NLA_F_NESTED);
    for (size_t i = 0; i < n; i++) {
        size_t bit = nlb_start(b, ETHTOOL_A_BITSET_BITS_BIT | NLA_F_NESTED);
        nlb_u32(b, ETHTOOL_A_BITSET_BIT_INDEX, (uint32_t)(40 + i));
        nlb_str(b, ETHTOOL_A_BITSET_BIT_NAME, names[i]);
        if (!nomask && value[i])
            nlb_attr(b, ETHTOOL_A_BITSET_BIT_VALUE, NULL, 0);
        nlb_end(b, bit);
    }
    nlb_end(b, bits);
    nlb_end(b, set);
}

static void features_start(struct nlb *b, const char *dev)
{
    struct nlmsghdr h = {.nlmsg_type = 0x1c}; /* a dynamic family id */
    struct genlmsghdr g = {.cmd = ETHTOOL_MSG_FEATURES_GET_REPLY, .version = ETHTOOL_GENL_VERSION};
    size_t hdr;

    memset(b, 0, sizeof *b);
    nlb_put(b, &h, sizeof h);
    nlb_put(b, &g, sizeof g);
    hdr = nlb_start(b, ETHTOOL_A_FEATURES_HEADER | NLA_F_NESTED);
    nlb_u32(b, ETHTOOL_A_HEADER_DEV_INDEX, 3);
    nlb_str(b, ETHTOOL_A_HEADER_DEV_NAME, dev);
    nlb_end(b, hdr);
}

static void test_features_parse(void)
{
    static const char *const hw[] = {"rx-checksum", "tls-hw-tx-offload", "tls-hw-rx-offload", "tls-hw-record"};
    static const char *const active[] = {"rx-checksum", "tls-hw-tx-offload", "tls-hw-record"};
    static const char *const nochange[] = {"tls-hw-rx-offload", "tls-hw-record"};
    static const int yes[] = {1, 1, 1, 1};
    static const int mask_value[] = {1, 0, 1}; /* in the mask: rx-checksum set, tls-hw-tx-offload clear, record set */
    struct ktla_diag_netdev d;
    struct nlb b;

    /* lo-like: no TLS bit anywhere */
    features_start(&b, "lo");
    put_bitset(&b, ETHTOOL_A_FEATURES_HW, 1, hw, yes, 1);
    put_bitset(&b, ETHTOOL_A_FEATURES_WANTED, 1, hw, yes, 1);
    put_bitset(&b, ETHTOOL_A_FEATURES_ACTIVE, 1, hw, yes, 1);
    put_bitset(&b, ETHTOOL_A_FEATURES_NOCHANGE, 1, NULL, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(ktla__diag_features_parse(nlb_msg(&b), b.len, &d), 0);
    CU_ASSERT_STRING_EQUAL(d.name, "lo");
    CU_ASSERT(d.tls_tx == KTLA_DIAG_FEATURE_ABSENT && d.tls_rx == KTLA_DIAG_FEATURE_ABSENT &&
              d.tls_record == KTLA_DIAG_FEATURE_ABSENT);

    /* a TLS NIC: tx on, rx changeable but off then fixed, record fixed on */
    features_start(&b, "eth7");
    put_bitset(&b, ETHTOOL_A_FEATURES_HW, 1, hw, yes, 4);
    put_bitset(&b, ETHTOOL_A_FEATURES_ACTIVE, 1, active, yes, 3);
    put_bitset(&b, ETHTOOL_A_FEATURES_NOCHANGE, 1, nochange, yes, 2);
    CU_ASSERT_EQUAL_FATAL(ktla__diag_features_parse(nlb_msg(&b), b.len, &d), 0);
    CU_ASSERT_STRING_EQUAL(d.name, "eth7");
    CU_ASSERT_EQUAL(d.tls_tx, KTLA_DIAG_FEATURE_ON);
    CU_ASSERT_EQUAL(d.tls_rx, KTLA_DIAG_FEATURE_FIXED_OFF);
    CU_ASSERT_EQUAL(d.tls_record, KTLA_DIAG_FEATURE_FIXED_ON);

    /* the mask form: a listed bit counts only with VALUE */
    features_start(&b, "eth8");
    put_bitset(&b, ETHTOOL_A_FEATURES_HW, 1, hw, yes, 4);
    put_bitset(&b, ETHTOOL_A_FEATURES_ACTIVE, 0, active, mask_value, 3);
    CU_ASSERT_EQUAL_FATAL(ktla__diag_features_parse(nlb_msg(&b), b.len, &d), 0);
    CU_ASSERT_EQUAL(d.tls_tx, KTLA_DIAG_FEATURE_OFF);
    CU_ASSERT_EQUAL(d.tls_rx, KTLA_DIAG_FEATURE_OFF);
    CU_ASSERT_EQUAL(d.tls_record, KTLA_DIAG_FEATURE_ON);
}

static void test_features_parse_malformed(void)
{
    static const char *const hw[] = {"tls-hw-tx-offload"};
    static const int yes[] = {1};
    struct ktla_diag_netdev d;
    struct nlb b;
    size_t set, bits, bit;
    uint32_t compact = 1;

    /* no ACTIVE bitset */
    features_start(&b, "eth0");
    put_bitset(&b, ETHTOOL_A_FEATURES_HW, 1, hw, yes, 1);
    CU_ASSERT_EQUAL(ktla__diag_features_parse(nlb_msg(&b), b.len, &d), KTLA_E_PARSE);
    /* a device name too long for IFNAMSIZ */
    features_start(&b, "a-very-long-interface-name");
    put_bitset(&b, ETHTOOL_A_FEATURES_HW, 1, hw, yes, 1);
    put_bitset(&b, ETHTOOL_A_FEATURES_ACTIVE, 1, hw, yes, 1);
    CU_ASSERT_EQUAL(ktla__diag_features_parse(nlb_msg(&b), b.len, &d), KTLA_E_PARSE);
    /* a compact bitset (VALUE, no BITS): not what was asked for */
    features_start(&b, "eth0");
    put_bitset(&b, ETHTOOL_A_FEATURES_HW, 1, hw, yes, 1);
    set = nlb_start(&b, ETHTOOL_A_FEATURES_ACTIVE);
    nlb_u32(&b, ETHTOOL_A_BITSET_SIZE, 32);
    nlb_attr(&b, ETHTOOL_A_BITSET_VALUE, &compact, sizeof compact);
    nlb_end(&b, set);
    CU_ASSERT_EQUAL(ktla__diag_features_parse(nlb_msg(&b), b.len, &d), KTLA_E_PARSE);
    /* a bit name without its NUL */
    features_start(&b, "eth0");
    put_bitset(&b, ETHTOOL_A_FEATURES_HW, 1, hw, yes, 1);
    set = nlb_start(&b, ETHTOOL_A_FEATURES_ACTIVE);
    bits = nlb_start(&b, ETHTOOL_A_BITSET_BITS);
    bit = nlb_start(&b, ETHTOOL_A_BITSET_BITS_BIT);
    nlb_attr(&b, ETHTOOL_A_BITSET_BIT_NAME, "tls-hw-record", 13);
    nlb_end(&b, bit);
    nlb_end(&b, bits);
    nlb_end(&b, set);
    CU_ASSERT_EQUAL(ktla__diag_features_parse(nlb_msg(&b), b.len, &d), KTLA_E_PARSE);
    /* an empty BITS_BIT entry is a bit without a name: ignored, so tls-hw-tx-offload is not active */
    features_start(&b, "eth0");
    put_bitset(&b, ETHTOOL_A_FEATURES_HW, 1, hw, yes, 1);
    set = nlb_start(&b, ETHTOOL_A_FEATURES_ACTIVE);
    bits = nlb_start(&b, ETHTOOL_A_BITSET_BITS);
    nlb_attr(&b, ETHTOOL_A_BITSET_BITS_BIT, NULL, 0);
    nlb_end(&b, bits);
    nlb_end(&b, set);
    CU_ASSERT_EQUAL(ktla__diag_features_parse(nlb_msg(&b), b.len, &d), 0);
    CU_ASSERT_EQUAL(d.tls_tx, KTLA_DIAG_FEATURE_OFF);
    /* the wrong command, and a header cut short */
    features_start(&b, "eth0");
    ((struct genlmsghdr *)NLMSG_DATA(nlb_msg(&b)))->cmd = ETHTOOL_MSG_FEATURES_SET_REPLY;
    CU_ASSERT_EQUAL(ktla__diag_features_parse(nlb_msg(&b), b.len, &d), KTLA_E_PARSE);
    features_start(&b, "eth0");
    CU_ASSERT_EQUAL(ktla__diag_features_parse(nlb_msg(&b), NLMSG_HDRLEN - 1, &d), KTLA_E_PARSE);
}

/* ================================================================ suite */

int add_diag_suite(void)
{
    static const struct {
        const char *name;
        CU_TestFunc fn;
    } tests[] = {
        {"names cover every enum value; kernel cipher and feature mapping", test_names},
        {"tls_stat: the kernel's 17 counters parse", test_tls_stat_sample},
        {"tls_stat: edge cases accepted", test_tls_stat_edges},
        {"tls_stat: malformed text refused, bounds kept", test_tls_stat_malformed},
        {"sock_diag parser: crafted kTLS replies", test_sock_parse},
        {"sock_diag parser: malformed replies refused", test_sock_parse_malformed},
        {"ethtool parser: crafted FEATURES replies", test_features_parse},
        {"ethtool parser: malformed replies refused", test_features_parse_malformed},
        {"ktla_diag_lookup: loopback pair, no ULP", test_socket_loopback},
        {"ktla_diag_lookup: IPv6 and a listener", test_socket_ipv6_and_listener},
        {"ktla_diag_lookup: bad input", test_socket_bad_input},
        {"ktla_diag_list: all TCP vs tls only", test_list},
        {"ktla_diag_lookup/list: a kTLS socket (where the kernel has kTLS)", test_ktls_socket},
        {"without CAP_NET_ADMIN: complete or KTLA_E_PERM", test_without_net_admin},
        {"ktla_diag_netdev: lo, nonexistent0, the list", test_netdev},
        {"ktla_diag_tls_stat: matches /proc/net/tls_stat", test_tls_stat_live},
    };
    CU_pSuite s = CU_add_suite("diag", NULL, NULL);

    if (s == NULL)
        return -1;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
            return -1;
    return 0;
}
