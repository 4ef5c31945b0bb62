/* SPDX-License-Identifier: Apache-2.0 */
/* mem_link.c - in-memory pipes between a ktla server and an mbedTLS client (see mem_link.h). */
#include "mem_link.h"

#include <mbedtls/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "ktla.h"

int mem_link_init(struct mem_link *l, size_t cap, int dribble)
{
    memset(l, 0, sizeof *l);
    l->c2s.buf = malloc(cap);
    l->s2c.buf = malloc(cap);
    l->c2s.cap = l->s2c.cap = cap;
    l->dribble = dribble;
    return l->c2s.buf && l->s2c.buf ? 0 : -1;
}

void mem_link_free(struct mem_link *l)
{
    free(l->c2s.buf);
    free(l->s2c.buf);
}

int mem_pipe_put(struct mem_pipe *p, const void *data, size_t len)
{
    if (p->cap - p->w < len)
        return -1;
    memcpy(p->buf + p->w, data, len);
    p->w += len;
    return 0;
}

/* Bytes movable in one call: 1 in dribble mode, and none on every other call. */
static size_t allowance(const struct mem_link *l, unsigned long tick, size_t len)
{
    if (!l->dribble)
        return len;
    return tick % 2 ? 0 : (len ? 1 : 0);
}

static long pipe_read(struct mem_pipe *p, unsigned char *buf, size_t len, size_t allow)
{
    size_t n = p->w - p->r;

    if (n == 0)
        return p->closed ? 0 : -1;
    if (allow == 0)
        return -1;
    if (n > len)
        n = len;
    if (n > allow)
        n = allow;
    memcpy(buf, p->buf + p->r, n);
    p->r += n;
    return (long)n;
}

static long pipe_write(struct mem_pipe *p, const unsigned char *buf, size_t len, size_t allow)
{
    size_t n = len < allow ? len : allow;

    if (n == 0 || p->cap - p->w < n)
        return -1;
    memcpy(p->buf + p->w, buf, n);
    p->w += n;
    return (long)n;
}

long mem_link_server_recv(void *arg, unsigned char *buf, size_t len)
{
    struct mem_link *l = arg;
    long n = pipe_read(&l->c2s, buf, len, allowance(l, l->server_ticks++, len));
    return n >= 0 ? n : KTLA_IO_WANT_READ;
}

long mem_link_server_send(void *arg, const unsigned char *buf, size_t len)
{
    struct mem_link *l = arg;
    long n = pipe_write(&l->s2c, buf, len, allowance(l, l->server_ticks++, len));
    return n > 0 ? n : KTLA_IO_WANT_WRITE;
}

int mem_link_client_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct mem_link *l = ctx;
    long n = pipe_read(&l->s2c, buf, len, allowance(l, l->client_ticks++, len));
    return n >= 0 ? (int)n : MBEDTLS_ERR_SSL_WANT_READ;
}

int mem_link_client_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct mem_link *l = ctx;
    long n = pipe_write(&l->c2s, buf, len, allowance(l, l->client_ticks++, len));
    return n > 0 ? (int)n : MBEDTLS_ERR_SSL_WANT_WRITE;
}
