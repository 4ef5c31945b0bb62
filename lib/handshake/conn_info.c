/* SPDX-License-Identifier: Apache-2.0 */
/* conn_info.c - what a connection negotiated, and where its record layer runs. */
#include "config.h"

#include <mbedtls/ssl_ciphersuites.h>

#include "conn_internal.h"

enum ktla_tls_version ktla_get_tls_version(const ktla_conn *conn)
{
    return conn ? conn->version : 0;
}

int ktla_get_ciphersuite(const ktla_conn *conn)
{
    return conn ? conn->suite : 0;
}

const char *ktla_get_ciphersuite_name(const ktla_conn *conn)
{
    return conn && conn->suite ? mbedtls_ssl_get_ciphersuite_name(conn->suite) : NULL;
}

const char *ktla_get_alpn(const ktla_conn *conn)
{
    return conn ? conn->alpn : NULL;
}

const char *ktla_get_sni(const ktla_conn *conn)
{
    return conn ? conn->sni : NULL;
}

int ktla_get_session_resumed(const ktla_conn *conn)
{
    /* A ticket that decrypted counts only once the handshake it started has succeeded. */
    return conn && conn->offload[KTLA_DIR_TX] != KTLA_OFFLOAD_NONE ? conn->resumed : 0;
}

int ktla_get_peer_cert_verified(const ktla_conn *conn)
{
    return conn ? conn->peer_verified : 0;
}

const unsigned char *ktla_get_peer_cert(const ktla_conn *conn, size_t *len)
{
    if (len)
        *len = conn && conn->peer_cert ? conn->peer_cert_len : 0;
    return conn ? conn->peer_cert : NULL;
}

enum ktla_offload ktla_get_offload(const ktla_conn *conn, enum ktla_direction dir)
{
    if (conn == NULL || (dir != KTLA_DIR_TX && dir != KTLA_DIR_RX))
        return KTLA_OFFLOAD_NONE;
    return conn->offload[dir];
}

const char *ktla_get_offload_reason(const ktla_conn *conn, enum ktla_direction dir)
{
    if (conn == NULL || (dir != KTLA_DIR_TX && dir != KTLA_DIR_RX))
        return "no connection";
    if (conn->offload[dir] == KTLA_OFFLOAD_KERNEL)
        return NULL;
    if (conn->offload[dir] == KTLA_OFFLOAD_NONE)
        return conn->state == KTLA__FAILED ? "the connection failed before its record layer was placed (see ktla_get_reason())"
                                           : "the handshake has not finished";
    return conn->offload_reason[dir] ? conn->offload_reason[dir] : "unknown";
}
