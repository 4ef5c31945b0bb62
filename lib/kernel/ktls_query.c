/* SPDX-License-Identifier: Apache-2.0 */
/* ktls_query.c - whether a direction of a socket is in the kernel's TLS offload. */
#include "config.h"

#include "ktls_query.h"

#include <errno.h>
#include <sys/socket.h>
#include <linux/tls.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

int ktla__ktls_installed(int fd, enum ktla_direction dir)
{
    struct tls_crypto_info header;
    socklen_t len = sizeof header; /* the header alone: the kernel copies no key out */

    /*
     * TCP hands SOL_TLS to the attached ULP; without one the answer is
     * ENOPROTOOPT, and with one but no keys in this direction, EBUSY.
     */
    if (getsockopt(fd, SOL_TLS, dir == KTLA_DIR_TX ? TLS_TX : TLS_RX, &header, &len) != 0)
        return -errno;
    return 0;
}
