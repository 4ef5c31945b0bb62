/* SPDX-License-Identifier: Apache-2.0 */
/* loopback.h - a connected TCP pair over 127.0.0.1, for tests. */
#ifndef KTLA_TEST_LOOPBACK_H
#define KTLA_TEST_LOOPBACK_H

/* 0 on success, -1 with errno set.  *server is the accepted end. */
int test_loopback_pair(int *client, int *server);

/* The same with the client's SO_RCVBUF set before it connects (0: the default), to make a client that can hold little. */
int test_loopback_pair_rcvbuf(int *client, int *server, int client_rcvbuf);

/* Read exactly len bytes (blocking); 0, or -1 on error or early EOF. */
int test_read_full(int fd, void *buf, unsigned long len);

/* Write all len bytes (blocking); 0 or -1. */
int test_write_full(int fd, const void *buf, unsigned long len);

/*
 * 0 if this kernel attaches the "tls" ULP to a loopback TCP socket, else
 * the errno it gave: asked here, independently of the library's probe.
 */
int test_kernel_ulp_errno(void);

#endif
