/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_tls.c - one request's handshake.
 *
 * A SERVERHELLO request runs ktla_accept() with the server certificate the
 * request names as key serials, else the configured one (and requests a
 * client certificate when client_auth says so); a CLIENTHELLO runs
 * ktla_connect() with the request's peer name for SNI and verification,
 * against ca_file or the system store, offering for x509 requests the
 * client certificate the request names, else the configured one.  A PSK
 * request is TLS 1.3 with an external PSK from the kernel keyring
 * (hsd_keys.c): a client offers the key its request names, a server looks
 * the client's identity up in the request's keyring.  The kernel consumer reads and
 * writes records itself, so a connection whose record layer stayed in user
 * space is a failure: the socket goes back without keys.
 *
 * Status mapping (what tlshd, ktls-utils, reports; include/net/handshake.h
 * leaves it to the agent): EACCES when the handshake failed (peer not
 * trusted, alert, protocol error), ETIMEDOUT when the request's timeout
 * ran out, EIO for a socket error (the peer gone), EOPNOTSUPP when the keys could not go
 * into kTLS, EINVAL for an unusable configuration, and keyctl's own errno
 * (ENOKEY, EKEYREVOKED, EKEYEXPIRED, EACCES...) when a key the request
 * names cannot be read.
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

#include "hsd_keys.h"
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

/*
 * The request's certificate from the keyring, else the config file's.  0,
 * or -1 with out filled.  A request naming keys that cannot be read fails:
 * it does not quietly fall back to another identity.
 */
static int add_own_cert(ktla_config *cfg, const struct hsd_request *req, const char *file, const char *key_file,
                        int required, const char *side, struct hsd_outcome *out)
{
    char why[512];
    int rc = hsd_keys_add_cert(cfg, req, why, sizeof why);

    if (rc < 0) {
        fail(out, (uint32_t)-rc, side, why);
        return -1;
    }
    if (rc == 1)
        return 0;
    if (file[0] == '\0' || key_file[0] == '\0') {
        if (required)
            fail(out, EINVAL, side, "no certificate in the request and none in the config");
        return required ? -1 : 0;
    }
    if (ktla_config_add_cert_file(cfg, file, key_file, NULL) != 0) {
        fail(out, EINVAL, side, ktla_config_error(cfg));
        return -1;
    }
    return 0;
}

static ktla_config *server_config(const struct hsd_config *c, const struct hsd_request *req, struct hsd_outcome *out)
{
    ktla_config *cfg;
    enum ktla_client_auth mode = KTLA_CLIENT_AUTH_NONE;

    if (ktla_config_new(&cfg) != 0) {
        fail(out, ENOMEM, "out of memory", NULL);
        return NULL;
    }
    if (add_own_cert(cfg, req, c->server_certificate, c->server_private_key, 1, "serverhello: ", out) != 0)
        goto bad;
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
    if (req->auth_mode == HSD_AUTH_X509 &&
        add_own_cert(cfg, req, c->client_certificate, c->client_private_key, 0, "clienthello: ", out) != 0)
        goto bad;
    return cfg;
bad:
    ktla_config_free(cfg);
    return NULL;
}

/*
 * A PSK request's config: TLS 1.3 only (RFC 8446 external PSKs; the
 * kernel's PSK consumer, NVMe/TCP, requires it).  A client offers the key
 * its request names (*serial: that key); a server looks the client's
 * identity up through search.
 */
static ktla_config *psk_config(const struct hsd_request *req, struct hsd_psk_search *search, int32_t *serial,
                               struct hsd_outcome *out)
{
    int server = req->msg_type == HSD_MSG_TYPE_SERVERHELLO;
    const char *side = server ? "serverhello psk: " : "clienthello psk: ";
    ktla_config *cfg;
    char why[512];
    int rc;

    if ((server ? ktla_config_new(&cfg) : ktla_config_new_client(&cfg)) != 0) {
        fail(out, ENOMEM, "out of memory", NULL);
        return NULL;
    }
    if (server) {
        hsd_psk_search_init(search, req);
        rc = ktla_config_set_psk_lookup(cfg, hsd_psk_lookup, search) == 0 ? 0 : -EINVAL;
        snprintf(why, sizeof why, "%s", ktla_config_error(cfg));
    } else {
        rc = hsd_keys_set_client_psk(cfg, req, serial, why, sizeof why);
    }
    if (rc != 0) {
        fail(out, (uint32_t)-rc, side, why);
        ktla_config_free(cfg);
        return NULL;
    }
    return cfg;
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
    int psk = req->auth_mode == HSD_AUTH_PSK;
    struct hsd_psk_search search = {.found = 0};
    int32_t psk_serial = 0;
    ktla_config *cfg;
    ktla_conn *conn = NULL;
    int flags, ret;

    memset(out, 0, sizeof *out);
    if (psk)
        cfg = psk_config(req, &search, &psk_serial, out);
    else
        cfg = server ? server_config(c, req, out) : client_config(c, req, out);
    if (cfg == NULL)
        return;
    if (psk || !c->allow_tls12)
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
    /* A PSK authenticates the peer by the key: that key is the identity the kernel gets. */
    if (psk_serial > 0 || search.found > 0) {
        out->remote[out->n_remote++] = psk_serial > 0 ? psk_serial : search.found;
    } else if (server ? ktla_get_peer_cert_verified(conn) : 1) {
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
