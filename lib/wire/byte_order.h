/* SPDX-License-Identifier: Apache-2.0 */
/*
 * byte_order.h - big-endian integers as TLS and ktla's own formats carry
 * them (internal): sequence numbers, nonces, AAD, length fields.
 *
 * One pair for every room (wire/ is a leaf), so that no file keeps its own
 * copy of the same loop.
 */
#ifndef KTLA_BYTE_ORDER_H
#define KTLA_BYTE_ORDER_H

#include <stddef.h>
#include <stdint.h>

/* v's low n bytes (n <= 8) into p, most significant first. */
static inline void ktla__put_be(unsigned char *p, size_t n, uint64_t v)
{
    for (size_t i = n; i-- > 0; v >>= 8)
        p[i] = (unsigned char)v;
}

/* The n-byte (n <= 8) big-endian integer at p. */
static inline uint64_t ktla__get_be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

#endif
