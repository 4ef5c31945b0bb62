/* SPDX-License-Identifier: Apache-2.0 */
/* conn.c - ktla_conn life cycle and ktla_accept(): the handshake driver. */
#include "config.h"

#include <errno.h>
#include <mbedtls/platform_util.h>
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"
#include "deadline.h"
#include "hello_peek.h"
#include "record/engine.h"
#include "transport.h"

int ktla_conn_new(ktla_config *cfg, ktla_conn **out)
{
    ktla_conn *conn;
    int rc;

    if (out == NULL || cfg == NULL)
        return KTLA_E_INVAL;
    *out = NULL;
    rc = ktla__config_freeze(cfg);
    if (rc != 0)
        return rc;
    conn = calloc(1, sizeof *conn);
    if (conn == NULL)
        return KTLA_E_NOMEM;
    conn->cfg = cfg;
    conn->fd = -1;
    conn->alert = -1;
    *out = conn;
    return 0;
}

void ktla__free_handshake_state(ktla_conn *conn)
{
    if (conn->ssl) {
        mbedtls_ssl_free(conn->ssl);
        free(conn->ssl);
        conn->ssl = NULL;
    }
    if (conn->secrets) {
        mbedtls_platform_zeroize(conn->secrets, sizeof *conn->secrets);
        free(conn->secrets);
        conn->secrets = NULL;
    }
}

void ktla_conn_free(ktla_conn *conn)
{
    if (conn == NULL)
        return;
    ktla__free_handshake_state(conn);
    ktla__record_free(&conn->rec);
    free(conn->alpn);
    free(conn->sni);
    free(conn->peer_cert);
    free(conn->offload_reason[0]);
    free(conn->offload_reason[1]);
    free(conn->reason);
    free(conn);
}

int ktla_set_fd(ktla_conn *conn, int fd)
{
    if (conn == NULL || fd < 0)
        return KTLA_E_INVAL;
    if (conn->state != KTLA__NEW)
        return KTLA_E_STATE;
    conn->fd = fd;
    return 0;
}

int ktla_set_io(ktla_conn *conn, ktla_recv_fn recv_fn, ktla_send_fn send_fn, void *arg)
{
    if (conn == NULL || recv_fn == NULL || send_fn == NULL)
        return KTLA_E_INVAL;
    if (conn->state != KTLA__NEW)
        return KTLA_E_STATE;
    conn->recv_fn = recv_fn;
    conn->send_fn = send_fn;
    conn->io_arg = arg;
    return 0;
}

/* First call: there must be I/O; the handshake (and its timeout) starts. */
static int begin_handshake(ktla_conn *conn)
{
    if (conn->fd < 0 && conn->recv_fn == NULL) {
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, EBADF, -1, "no socket: call ktla_set_fd() or ktla_set_io() first");
        return -1;
    }
    ktla__silence_init(conn, conn->cfg->handshake_timeout_ms);
    conn->state = KTLA__HANDSHAKE;
    return 0;
}

/* The mbedTLS context for this handshake, on the shared configuration conf (hello_peek.h chose it). */
static int setup_mbedtls(ktla_conn *conn, const mbedtls_ssl_config *conf)
{
    int rc;

    conn->ssl = calloc(1, sizeof *conn->ssl);
    conn->secrets = calloc(1, sizeof *conn->secrets);
    if (conn->ssl == NULL || conn->secrets == NULL) {
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, ENOMEM, -1, "out of memory");
        return -1;
    }
    mbedtls_ssl_init(conn->ssl);
    rc = mbedtls_ssl_setup(conn->ssl, conf);
    if (rc != 0)
        return ktla__fail_from_mbedtls(conn, rc, "setting up the handshake");
    mbedtls_ssl_set_user_data_p(conn->ssl, conn);
    /* Secrets are only stored here; nothing is installed before the handshake has verified Finished. */
    mbedtls_ssl_set_export_keys_cb(conn->ssl, ktla__export_keys, conn);
    ktla__transport_attach(conn);
    return 0;
}

/*
 * Before mbedTLS: a server may first look at the client's key shares to
 * choose the configuration (hello_peek.h), which can mean waiting for the
 * ClientHello like any other read.  0 once the mbedTLS context is set up.
 */
static int start_mbedtls(ktla_conn *conn, int (*prepare)(ktla_conn *conn))
{
    const mbedtls_ssl_config *conf;
    int rc = ktla__hello_choose_config(conn, &conf);

    if (rc == MBEDTLS_ERR_SSL_WANT_READ)
        ktla__silence_begin(conn, KTLA__WAIT_READ);
    if (rc != 0) {
        ktla__fail_from_mbedtls(conn, rc, "waiting for the ClientHello");
        return -1;
    }
    if (setup_mbedtls(conn, conf) != 0 || (prepare && prepare(conn) != 0))
        return -1;
    return 0;
}

int ktla__handshake_drive(ktla_conn *conn, int (*prepare)(ktla_conn *conn))
{
    struct ktla__ticket_watch watch = {0};
    int rc;

    switch (conn->state) {
    case KTLA__ESTABLISHED:
        return 1;
    case KTLA__FAILED:
        return -1;
    case KTLA__NEW:
        if (begin_handshake(conn) != 0)
            return -1;
        break;
    case KTLA__HANDSHAKE:
        break;
    }
    conn->last_error = KTLA_ERROR_NONE;
    /* Back after WANT_READ/WANT_WRITE: charge what the client's silence cost meanwhile. */
    ktla__silence_end(conn);
    if (ktla__silence_exhausted(conn))
        return ktla__fail_from_mbedtls(conn, KTLA__ERR_TIMEOUT, "during the handshake");
    if (conn->ssl == NULL && start_mbedtls(conn, prepare) != 0)
        return -1;
    /* The ticket callbacks get no connection: lend them this handshake (config_internal.h). */
    watch.ssl = conn->ssl;
    ktla__ticket_watch_begin(&watch);
    rc = mbedtls_ssl_handshake(conn->ssl);
    ktla__ticket_watch_end();
    if (watch.resumed)
        conn->resumed = 1;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
        ktla__silence_begin(conn, rc == MBEDTLS_ERR_SSL_WANT_READ ? KTLA__WAIT_READ : KTLA__WAIT_WRITE);
    if (rc != 0)
        return ktla__fail_from_mbedtls(conn, rc, "during the handshake");
    return ktla__handoff(conn);
}

int ktla_accept(ktla_conn *conn)
{
    if (conn == NULL)
        return -1;
    if (conn->cfg->is_client)
        return (int)ktla__conn_misuse(conn, "ktla_accept() on a client config: use ktla_connect()");
    return ktla__handshake_drive(conn, NULL);
}

long long ktla_get_handshake_time_left(const ktla_conn *conn)
{
    uint64_t left;

    if (conn == NULL || conn->state != KTLA__HANDSHAKE || conn->silence.budget_ms == 0)
        return -1;
    left = ktla__silence_left(conn);
    return (long long)left;
}

enum ktla_error ktla_get_error(const ktla_conn *conn, long ret)
{
    if (conn == NULL)
        return KTLA_ERROR_SYSCALL;
    if (ret > 0)
        return KTLA_ERROR_NONE;
    if (conn->last_error == KTLA_ERROR_NONE && ret == 0)
        return KTLA_ERROR_ZERO_RETURN;
    return conn->last_error;
}

const char *ktla_get_reason(const ktla_conn *conn)
{
    if (conn == NULL)
        return "";
    /* A failure whose sentence could not be allocated still says something. */
    if (conn->reason == NULL && conn->last_error != KTLA_ERROR_NONE)
        return "out of memory (the reason could not be recorded)";
    return conn->reason ? conn->reason : "";
}

int ktla_get_errno(const ktla_conn *conn)
{
    return conn ? conn->last_errno : 0;
}

int ktla_get_alert(const ktla_conn *conn)
{
    return conn ? conn->alert : -1;
}
