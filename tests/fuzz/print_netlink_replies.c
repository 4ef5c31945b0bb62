/* SPDX-License-Identifier: Apache-2.0 */
/*
 * print_netlink_replies.c - print every netlink reply the diagnostics parsers
 * see while ktla_diag_lookup(), ktla_diag_list() and ktla_diag_netdev*()
 * ask this kernel, as seeds for the fuzz targets diag-sock and
 * diag-ethtool (tests/fuzz/capture-netlink writes them).
 *
 * On the host it asks only about its own sockets and lo; the listings
 * (ktla_diag_list, ktla_diag_netdev_list) run only in the VM, where every
 * socket and device is the test's.
 *
 * Linked with -Wl,--wrap for ktla__diag_sock_parse and
 * ktla__diag_features_parse: the wrappers print the message as the kernel
 * sent it ("sock HEX" or "ethtool HEX" lines), then call the parser.  The
 * tls_stat text is read here ("tls_stat HEX").  Where
 * the kernel has kTLS (the test VM) the sockets asked about carry the tls
 * ULP: one with TLS 1.3 AES-GCM-128 keys both ways, one with TLS 1.2
 * ChaCha20-Poly1305, one with the ULP and no keys.  Elsewhere they are
 * plain TCP sockets.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "diag/diag_internal.h"
#include "loopback.h"

int __real_ktla__diag_sock_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_socket *out, int *ulp_seen);
int __wrap_ktla__diag_sock_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_socket *out, int *ulp_seen);
int __real_ktla__diag_features_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_netdev *out);
int __wrap_ktla__diag_features_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_netdev *out);

static void print_message(const char *what, const struct nlmsghdr *nlh, size_t len)
{
    const unsigned char *p = (const unsigned char *)nlh;
    size_t n = len >= NLMSG_HDRLEN && nlh->nlmsg_len <= len ? nlh->nlmsg_len : len;

    printf("%s ", what);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

int __wrap_ktla__diag_sock_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_socket *out, int *ulp_seen)
{
    print_message("sock", nlh, len);
    return __real_ktla__diag_sock_parse(nlh, len, out, ulp_seen);
}

int __wrap_ktla__diag_features_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_netdev *out)
{
    print_message("ethtool", nlh, len);
    return __real_ktla__diag_features_parse(nlh, len, out);
}

/* The text ktla_diag_tls_stat() parses (a call inside its own file, which --wrap cannot see). */
static void print_tls_stat(void)
{
    FILE *f = fopen("/proc/net/tls_stat", "r");
    int c;

    if (f == NULL)
        return;
    printf("tls_stat ");
    while ((c = getc(f)) != EOF)
        printf("%02x", (unsigned)c);
    printf("\n");
    fclose(f);
}

/* A connected pair whose server end gets keys of this version and suite (0: the ULP alone); -1 if no pair. */
static int tls_socket(enum ktla_tls_version version, int suite, int *peer)
{
    struct ktla_session_keys keys;
    char why[256];
    int fd;

    if (test_loopback_pair(peer, &fd) != 0)
        return -1;
    if (suite == 0) {
        if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof "tls") != 0)
            printf("# capture-netlink: no tls ULP here (plain TCP socket)\n");
        return fd;
    }
    memset(&keys, 0x5a, sizeof keys);
    keys.version = version;
    keys.ciphersuite = suite;
    keys.secret_len = 32;
    keys.client_seq = keys.server_seq = 1;
    if (ktla_install_keys(fd, 0, &keys, why, sizeof why) != 0)
        printf("# capture-netlink: no keys on this kernel (plain TCP socket): %s\n", why);
    return fd;
}

int main(void)
{
    static const struct {
        enum ktla_tls_version version;
        int suite;
    } kinds[] = {{KTLA_TLS_1_3, 0x1301}, {KTLA_TLS_1_2, 0xCCA8}, {KTLA_TLS_1_3, 0}};
    struct ktla_diag_socket one, *all = NULL;
    struct ktla_diag_netdev dev, *devs = NULL;
    struct ktla_diag_counter *counters = NULL;
    size_t n = 0;

    /* One stream for everything: in the VM stdout and stderr arrive merged. */
    setvbuf(stdout, NULL, _IOFBF, 1 << 20);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        int peer, fd = tls_socket(kinds[i].version, kinds[i].suite, &peer);
        if (fd < 0)
            return 1;
        printf("# capture-netlink: ktla_diag_lookup: %s\n", ktla_err_name(ktla_diag_lookup(fd, &one)));
    }
    printf("# capture-netlink: ktla_diag_tls_stat: %s\n", ktla_err_name(ktla_diag_tls_stat(&counters, &n)));
    free(counters);
    print_tls_stat();
    printf("# capture-netlink: ktla_diag_netdev(lo): %s\n", ktla_err_name(ktla_diag_netdev("lo", &dev)));
    /* The listings show every socket and device of the namespace: only in the VM, where all are ours. */
    if (getenv("KTLA_IN_VM")) {
        printf("# capture-netlink: ktla_diag_list: %s\n", ktla_err_name(ktla_diag_list(0, &all, &n)));
        free(all);
        printf("# capture-netlink: ktla_diag_netdev_list: %s\n",
                ktla_err_name(ktla_diag_netdev_list(&devs, &n)));
        free(devs);
    }
    fflush(stdout);
    return 0;
}
