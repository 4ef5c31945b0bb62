/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_tls.c - one request's handshake.
 *
 * A SERVERHELLO request runs ktla_accept() with the configured server
 * certificate (and requests a client certificate when client_auth says so);
 * a CLIENTHELLO runs ktla_connect() with the request's peer name for SNI and
 * verification, against ca_file or the system store, offering the configured
 * client certificate for x509 requests.  The kernel consumer reads and
 * writes records itself, so a connection whose record layer stayed in user
 * space is a failure: the socket goes back without keys.
 *
 * Status mapping (what tlshd, ktls-utils, reports; include/net/handshake.h
 * leaves it to the agent): EACCES when the handshake failed (peer not
 * trusted, alert, protocol error), ETIMEDOUT when the request's timeout
 * ran out, EIO for a socket error (the peer gone), EOPNOTSUPP when the keys could not go
 * into kTLS or the auth mode is not supported, EINVAL for an unusable
 * configuration.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ktla.h>

#include "hsd_proto.h"
#include "hsd_tls.h"

/* keyctl(2) values (linux/keyctl.h), for the peer identity we report. */
#define HSD_KEY_SPEC_PROCESS_KEYRING (-2)
#define HSD_KEYCTL_SET_TIMEOUT 15
#define HSD_PEER_KEY_TTL_S 600
/* A request without a timeout (NFS's have none: sunrpc bounds its wait itself and then
 * cancels the request, which does not wake a thread blocked on the socket) still gets
 * one, so that no thread waits for a silent peer forever. */
#define HSD_DEFAULT_TIMEOUT_MS 30000

/* Set a failure: status, and the log line what followed by detail (may be NULL). */
static void fail(struct hsd_outcome *out, uint32_t status, const char *what, const char *detail)
{
    out->status = status;
    snprintf(out->why, sizeof out->why, "%s%s", what, detail ? detail : "");
}

static ktla_config *server_config(const struct hsd_config *c, const struct hsd_request *req, struct hsd_outcome *out)
{
    ktla_config *cfg;
    enum ktla_client_auth mode = KTLA_CLIENT_AUTH_NONE;

    (void)req;
    if (ktla_config_new(&cfg) != 0) {
        fail(out, ENOMEM, "out of memory", NULL);
        return NULL;
    }
    if (c->server_certificate[0] == '\0' || c->server_private_key[0] == '\0') {
        fail(out, EINVAL, "serverhello: no server_certificate / server_private_key in the config", NULL);
        goto bad;
    }
    if (ktla_config_add_cert_file(cfg, c->server_certificate, c->server_private_key, NULL) != 0) {
        fail(out, EINVAL, "serverhello: ", ktla_config_error(cfg));
        goto bad;
    }
    if (c->client_auth != HSD_CLIENT_AUTH_NONE && c->ca_file[0] != '\0')
        mode = c->client_auth == HSD_CLIENT_AUTH_REQUIRED ? KTLA_CLIENT_AUTH_REQUIRED : KTLA_CLIENT_AUTH_OPTIONAL;
    if (mode != KTLA_CLIENT_AUTH_NONE && ktla_config_set_client_auth(cfg, mode, c->ca_file) != 0) {
        fail(out, EINVAL, "serverhello: ", ktla_config_error(cfg));
        goto bad;
    }
    return cfg;
bad:
    ktla_config_free(cfg);
    return NULL;
}

static ktla_config *client_config(const struct hsd_config *c, const struct hsd_request *req, struct hsd_outcome *out)
{
    ktla_config *cfg;

    if (ktla_config_new_client(&cfg) != 0) {
        fail(out, ENOMEM, "out of memory", NULL);
        return NULL;
    }
    if (c->ca_file[0] && ktla_config_set_ca(cfg, c->ca_file, NULL) != 0) {
        fail(out, EINVAL, "clienthello: ", ktla_config_error(cfg));
        goto bad;
    }
    if (req->auth_mode == HSD_AUTH_X509 && c->client_certificate[0] && c->client_private_key[0] &&
        ktla_config_add_cert_file(cfg, c->client_certificate, c->client_private_key, NULL) != 0) {
        fail(out, EINVAL, "clienthello: ", ktla_config_error(cfg));
        goto bad;
    }
    return cfg;
bad:
    ktla_config_free(cfg);
    return NULL;
}

/* The verified peer certificate as a key in our process keyring: the
 * kernel only records that the peer was authenticated (nfsd's
 * XPT_PEER_AUTH) by a serial other than TLS_NO_PEERID.  -1 if it fails. */
static int32_t peer_key(const ktla_conn *conn)
{
    size_t len = 0;
    const unsigned char *der = ktla_get_peer_cert(conn, &len);
    long serial;

    if (der == NULL || len == 0)
        return -1;
    serial = syscall(SYS_add_key, "user", "ktla-handshaked:peer", der, len, HSD_KEY_SPEC_PROCESS_KEYRING);
    if (serial <= 0)
        return -1;
    syscall(SYS_keyctl, HSD_KEYCTL_SET_TIMEOUT, serial, HSD_PEER_KEY_TTL_S);
    return (int32_t)serial;
}

static int tcp_established(int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof info;

    return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 && info.tcpi_state == TCP_ESTABLISHED;
}

static uint32_t failure_status(ktla_conn *conn, int ret)
{
    int err = ktla_get_errno(conn);

    if (ret < 0 && ktla_get_error(conn, ret) == KTLA_ERROR_SYSCALL)
        return err == ETIMEDOUT ? ETIMEDOUT : EIO;
    return EACCES;
}

void hsd_handshake(const struct hsd_config *c, const struct hsd_request *req, struct hsd_outcome *out)
{
    int server = req->msg_type == HSD_MSG_TYPE_SERVERHELLO;
    const char *side = server ? "serverhello" : "clienthello";
    ktla_config *cfg;
    ktla_conn *conn = NULL;
    int flags, ret;

    memset(out, 0, sizeof *out);
    if (req->auth_mode == HSD_AUTH_PSK) {
        fail(out, EOPNOTSUPP, server ? "serverhello: " : "clienthello: ", "auth mode psk is not supported by this agent");
        return;
    }
    cfg = server ? server_config(c, req, out) : client_config(c, req, out);
    if (cfg == NULL)
        return;
    if (!c->allow_tls12)
        ktla_config_set_versions(cfg, KTLA_TLS_1_3, KTLA_TLS_1_3);
    ktla_config_set_handshake_timeout(cfg, req->timeout_ms ? req->timeout_ms : HSD_DEFAULT_TIMEOUT_MS);
    if (ktla_conn_new(cfg, &conn) != 0) {
        fail(out, EINVAL, "ktla_conn_new: ", ktla_config_error(cfg));
        goto done;
    }
    if (!server && req->peername[0] && ktla_set_server_name(conn, req->peername) != 0) {
        fail(out, EINVAL, "clienthello: unusable peer name ", req->peername);
        goto done;
    }
    /* The consumer's socket may be non-blocking (sunrpc's is): block during the handshake, with
     * ktla's timeout bounding every wait, and give the flag back after. */
    flags = fcntl(req->sockfd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK))
        fcntl(req->sockfd, F_SETFL, flags & ~O_NONBLOCK);
    ktla_set_fd(conn, req->sockfd);
    ret = server ? ktla_accept(conn) : ktla_connect(conn);
    if (flags >= 0 && (flags & O_NONBLOCK))
        fcntl(req->sockfd, F_SETFL, flags);
    if (ret != 1) {
        char detail[256];

        snprintf(detail, sizeof detail, "%s (%s)", ktla_get_reason(conn),
                 ktla_get_errno(conn) ? strerror(ktla_get_errno(conn)) : "tls");
        out->status = failure_status(conn, ret);
        snprintf(out->why, sizeof out->why, "%s with %s failed: %s", side, req->peername[0] ? req->peername : "peer",
                 detail);
        goto done;
    }
    if (ktla_get_offload(conn, KTLA_DIR_TX) != KTLA_OFFLOAD_KERNEL ||
        ktla_get_offload(conn, KTLA_DIR_RX) != KTLA_OFFLOAD_KERNEL) {
        const char *r = ktla_get_offload_reason(conn, KTLA_DIR_TX);

        /* A peer that closed right after its side finished (a TLS 1.3 server refusing our
         * certificate) leaves no connection to attach the ULP to: that is a failed
         * handshake, not a kernel without kTLS. */
        if (!tcp_established(req->sockfd))
            fail(out, EIO, "the peer closed the connection as the handshake ended: ",
                 r ? r : ktla_get_offload_reason(conn, KTLA_DIR_RX));
        else
            fail(out, EOPNOTSUPP, "handshake done but the keys did not go into kTLS: ",
                 r ? r : ktla_get_offload_reason(conn, KTLA_DIR_RX));
        goto done;
    }
    if (server ? ktla_get_peer_cert_verified(conn) : 1) {
        int32_t serial = peer_key(conn);

        if (serial > 0)
            out->remote[out->n_remote++] = serial;
    }
    out->status = 0;
    snprintf(out->why, sizeof out->why, "%s with %s: %s %s, kTLS%s", side, req->peername[0] ? req->peername : "peer",
             ktla_tls_version_name(ktla_get_tls_version(conn)), ktla_get_ciphersuite_name(conn),
             out->n_remote ? ", peer authenticated" : "");
done:
    ktla_conn_free(conn);
    ktla_config_free(cfg);
}
