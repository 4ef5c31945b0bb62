/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mem_link.h - two in-memory byte pipes between a ktla server (through
 * ktla_set_io) and an mbedTLS client, for driving handshakes step by step.
 *
 * In "dribble" mode every read and write moves at most one byte, and every
 * other call reports WANT_READ / WANT_WRITE, so each state of both state
 * machines is reached with an incomplete message at least once.
 */
#ifndef KTLA_TEST_MEM_LINK_H
#define KTLA_TEST_MEM_LINK_H

#include <stddef.h>

struct mem_pipe {
    unsigned char *buf;
    size_t cap, r, w;
    int closed; /* the writer is gone: reads past the end give EOF */
};

struct mem_link {
    struct mem_pipe c2s, s2c;
    int dribble;
    unsigned long server_ticks, client_ticks;
};

int mem_link_init(struct mem_link *l, size_t cap, int dribble);
void mem_link_free(struct mem_link *l);

/* Append raw bytes as if the client had sent them. */
int mem_pipe_put(struct mem_pipe *p, const void *data, size_t len);

/* ktla_set_io callbacks; arg is the mem_link. */
long mem_link_server_recv(void *arg, unsigned char *buf, size_t len);
long mem_link_server_send(void *arg, const unsigned char *buf, size_t len);

/* mbedtls_ssl_set_bio callbacks; ctx is the mem_link. */
int mem_link_client_recv(void *ctx, unsigned char *buf, size_t len);
int mem_link_client_send(void *ctx, const unsigned char *buf, size_t len);

#endif
