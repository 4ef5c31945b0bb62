/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ktls_query.h - what the kernel has installed on a socket (internal).
 * Part of the kernel engine (with ktls.c): the public record helpers ask
 * it before they send or read, so that a socket without kTLS never gets a
 * record type cmsg the TCP stack would ignore, sending the bytes in clear.
 */
#ifndef KTLA_KTLS_QUERY_H
#define KTLA_KTLS_QUERY_H

#include "ktla.h"

/*
 * 0 when fd has kTLS keys for dir; -ENOPROTOOPT when no "tls" ULP is
 * attached (also on a kernel without kTLS), -EBUSY when the ULP is there
 * but this direction has no keys; another -errno (EBADF, ENOTSOCK...)
 * otherwise.
 */
int ktla__ktls_installed(int fd, enum ktla_direction dir);

#endif
