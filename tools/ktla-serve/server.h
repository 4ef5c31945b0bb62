/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h - the running server: what all workers share (worker.h has a
 * worker, session.h a connection).
 *
 * Threads: N workers, each with its own SO_REUSEPORT listener and epoll set,
 * so that a connection lives and dies on one thread and needs no lock.
 * What they share is read-only after start-up (the root directory, the
 * options), atomic (counters), or behind a lock: the current TLS
 * configuration, which a reload replaces (tls_config.c).
 */
#ifndef KTLA_SERVE_SERVER_H
#define KTLA_SERVE_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ktla.h>

#include "files.h"
#include "http.h"
#include "serve.h"

struct serve_tls;

struct server {
    const struct serve_options *opt;
    int argc; /* the command line, parsed again by a reload */
    char **argv;
    pthread_mutex_t tls_lock; /* guards tls, and taking a reference on it */
    struct serve_tls *tls;    /* what new connections get */
    struct files_root root;
    int stop_fd;           /* an eventfd in every worker's epoll set: readable once stopping */
    unsigned max_conn;
    atomic_uint conns;     /* open connections, all workers */
    atomic_uint peak;
    atomic_uint refused;   /* closed at once: over --max-conn */
    atomic_ullong next_id; /* connection numbers for the log */
    atomic_int failed;     /* a worker hit an error it could not recover from */
};

/*
 * tls_config.c: the current TLS configuration, counted.  start builds the
 * first from srv->opt (0, or -1 printed); acquire takes a reference on the
 * current one for a new connection, release drops one (the last frees it);
 * reload parses the command line and config file again and, when the new
 * configuration builds, makes it the current one (0), else says why and
 * keeps the old (-1).
 */
int tls_config_start(struct server *srv);
void tls_config_stop(struct server *srv);
struct serve_tls *tls_config_acquire(struct server *srv);
void tls_config_release(struct serve_tls *t);
int tls_config_reload(struct server *srv);
ktla_config *tls_config_get(const struct serve_tls *t);
enum ktla_client_auth tls_config_client_auth(const struct serve_tls *t);

/* net.c */
int net_listen(const char *host, const char *port, int *fd, unsigned *bound_port);
int net_write_port_file(const char *path, unsigned port);
void net_peer_name(const struct sockaddr *sa, socklen_t len, char *out, size_t size);

#endif
