/* SPDX-License-Identifier: Apache-2.0 */
/* peer_server.h - a real TLS server (openssl s_server, gnutls-serv) in a child process, for client tests. */
#ifndef KTLA_TEST_PEER_SERVER_H
#define KTLA_TEST_PEER_SERVER_H

#include <sys/types.h>

/* A loopback TCP port free at the time of asking, or -1. */
int peer_free_port(void);

/* Connect to 127.0.0.1:port, retrying while the server starts (5 s); the socket or -1. */
int peer_connect(int port);

/*
 * Start argv (NULL-terminated; an argument "PORT" becomes port) with its
 * standard output and error going to out_path (NULL: dropped).  The pid, or -1.
 */
pid_t peer_start(const char *const *argv, int port, const char *out_path);

/* SIGTERM the peer and reap it. */
void peer_stop(pid_t pid);

#endif
