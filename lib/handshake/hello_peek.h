/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hello_peek.h - which of a server's configurations a connection starts on,
 * from a look at the client's ClientHello before mbedTLS reads it
 * (internal; see config_groups.c for why).
 */
#ifndef KTLA_HELLO_PEEK_H
#define KTLA_HELLO_PEEK_H

#include "conn_internal.h"

/*
 * *conf = the configuration for mbedtls_ssl_setup(): a one-group copy when
 * the client sent a key share for a group the server prefers (earlier in
 * its group list) to the one mbedTLS would take (the client's first allowed
 * share), else the configuration itself.  Looks only on a server's socket
 * (ktla_set_fd()) when there is a choice (cfg->n_by_group); a ClientHello
 * not whole in the bytes there, or not understood, keeps the configuration
 * itself (mbedTLS then judges it).  0, or the transport's
 * MBEDTLS_ERR_SSL_WANT_READ (nothing came yet), KTLA__ERR_TIMEOUT or
 * MBEDTLS_ERR_NET_RECV_FAILED.
 */
int ktla__hello_choose_config(ktla_conn *conn, const mbedtls_ssl_config **conf);

#endif
