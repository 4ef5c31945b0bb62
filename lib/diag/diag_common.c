/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag_common.c - what the diagnostics calls share: errors, privileges, and
 * what the kernel can tell us about ULPs without netlink.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <netlink/errno.h>

#include "diag_internal.h"

/* The nearest errno for a libnl error code (libnl has no inverse of nl_syserr2nlerr). */
static int nlerr_to_errno(int nlerr)
{
    switch (nlerr < 0 ? -nlerr : nlerr) {
    case NLE_NOMEM:
        return ENOMEM;
    case NLE_PERM:
        return EPERM;
    case NLE_NOACCESS:
        return EACCES;
    case NLE_AGAIN:
        return EAGAIN;
    case NLE_INTR:
        return EINTR;
    case NLE_BAD_SOCK:
        return EBADF;
    case NLE_OBJ_NOTFOUND:
        return ENOENT;
    case NLE_NODEV:
        return ENODEV;
    case NLE_PROTO_MISMATCH:
        return EPROTONOSUPPORT;
    case NLE_MSG_TRUNC:
        return EMSGSIZE;
    default:
        return EPROTO;
    }
}

int ktla__diag_nl_fail(int nlerr, int kernel_errno)
{
    int err = kernel_errno > 0 ? kernel_errno : nlerr_to_errno(nlerr);

    errno = err;
    if (err == ENOMEM)
        return KTLA_E_NOMEM;
    if (err == EPERM || err == EACCES)
        return KTLA_E_PERM;
    return KTLA_E_NETLINK;
}

int ktla__diag_have_net_admin(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &hdr, data) != 0)
        return 0;
    return (data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN)) != 0;
}

int ktla__diag_fd_ulp(int fd, char *name, size_t size)
{
    char buf[32]; /* the kernel copies at most TCP_ULP_NAME_MAX (16) bytes */
    socklen_t len = sizeof buf;

    if (size == 0)
        return -EINVAL;
    memset(buf, 0, sizeof buf);
    if (getsockopt(fd, SOL_TCP, TCP_ULP, buf, &len) != 0)
        return -errno;
    if (len > sizeof buf - 1)
        len = sizeof buf - 1;
    buf[len] = '\0';
    snprintf(name, size, "%s", buf);
    return 0;
}

int ktla__diag_ulp_registered(int any_ulp)
{
    char buf[512], *tok, *save = NULL;
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "re");
    size_t n;

    if (f == NULL)
        return 1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    if (n == sizeof buf - 1)
        return 1; /* longer than any real list: do not guess */
    buf[n] = '\0';
    for (tok = strtok_r(buf, " \t\n", &save); tok != NULL; tok = strtok_r(NULL, " \t\n", &save))
        if (any_ulp || strcmp(tok, "tls") == 0)
            return 1;
    return 0;
}
