/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_diag_sock.c - the sock_diag reply parser (ktla__diag_sock_parse in
 * lib/diag/diag_sock_parse.c): struct inet_diag_msg, its attributes and the
 * INET_DIAG_ULP_INFO / INET_ULP_INFO_TLS nests.
 *
 * Input: one flags byte (bit 0: make nlmsg_len the message's length, bit 1:
 * make nlmsg_type SOCK_DIAG_BY_FAMILY, so the fuzzer need not find either),
 * then the message.  Seeds: replies of Linux 6.1, 6.12 and 7 for sockets
 * with the tls ULP, captured by tests/fuzz/capture-netlink.
 * Oracles: a parsed socket has terminated strings, a known family, cipher
 * and configuration values in range.
 */
#include <linux/sock_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "diag/diag_internal.h"
#include "fuzz.h"

static void check(const struct ktla_diag_socket *s)
{
    if ((s->family != AF_INET && s->family != AF_INET6) || !memchr(s->local, '\0', sizeof s->local) ||
        !memchr(s->remote, '\0', sizeof s->remote) || !memchr(s->ulp, '\0', sizeof s->ulp))
        abort();
    if (s->cipher < -1 || s->cipher >= KTLA_CIPHER_COUNT || s->tx > KTLA_DIAG_CONF_HW_RECORD ||
        s->rx > KTLA_DIAG_CONF_HW_RECORD || (s->tx_zerocopy != 0 && s->tx_zerocopy != 1) ||
        (s->rx_no_pad != 0 && s->rx_no_pad != 1))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    uint8_t flags = fuzz_u8(&in);
    struct ktla_diag_socket out;
    struct nlmsghdr *nlh = malloc(in.left ? in.left : 1); /* exactly the bytes: ASan sees any read past them */
    int seen = 0, rc;

    if (nlh == NULL)
        return 0;
    memcpy(nlh, in.p, in.left);
    if (in.left >= NLMSG_HDRLEN) {
        if (flags & 1)
            nlh->nlmsg_len = (uint32_t)in.left;
        if (flags & 2)
            nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    }
    rc = ktla__diag_sock_parse(nlh, in.left, &out, &seen);
    if (rc == 0)
        check(&out);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "%s: %s ulp \"%s\" version %04x cipher %d tx %d rx %d\n", ktla_err_name(rc),
                rc ? "" : out.local, rc ? "" : out.ulp, rc ? 0 : out.tls_version, rc ? -1 : out.cipher, rc ? 0 : (int)out.tx,
                rc ? 0 : (int)out.rx);
    free(nlh);
    return 0;
}
