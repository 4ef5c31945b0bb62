/* loopback.h - a connected TCP pair over 127.0.0.1, for tests. */
#ifndef KTLA_TEST_LOOPBACK_H
#define KTLA_TEST_LOOPBACK_H

/* 0 on success, -1 with errno set.  *server is the accepted end. */
int test_loopback_pair(int *client, int *server);

/* Read exactly len bytes (blocking); 0, or -1 on error or early EOF. */
int test_read_full(int fd, void *buf, unsigned long len);

/* Write all len bytes (blocking); 0 or -1. */
int test_write_full(int fd, const void *buf, unsigned long len);

#endif
