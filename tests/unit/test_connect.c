/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_connect.c - ktla_connect(), the client handshake, against ktla's own
 * server (ktla_accept() in a thread, over loopback TCP) and against
 * `openssl s_server` and `gnutls-serv`:
 * - TLS 1.2 and 1.3: established, data both ways, the server's TLS 1.3
 *   tickets read past; where the kernel takes keys (the VM) both directions
 *   are offloaded on the client too;
 * - verification: a server certificate from an untrusted CA fails with
 *   unknown_ca, one for another name with bad_certificate, each with a
 *   reason naming why; KTLA_VERIFY_NONE accepts them only when set; no
 *   server name with verification on is refused before any byte is sent;
 * - non-blocking sockets (WANT_READ/WANT_WRITE) and caller-moved I/O;
 * - ALPN; a client certificate for a server that requires one;
 * - the wrong call for the config's role.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "handshake/conn_internal.h"
#include "record/client_session.h"
#include "record/record_control.h"
#include "wire/tls_wire.h"
#include "loopback.h"
#include "peer_server.h"
#include "suites.h"
#include "test_skip.h"

#define ALERT_BAD_CERTIFICATE 42
#define ALERT_UNKNOWN_CA 48

#define CA(name) TEST_DATA_DIR "/" name ".crt"

/* ktla's own server, in a thread: handshake, read a line, answer it reversed (as s_server -rev), close_notify. */
struct own_server {
    ktla_config *cfg;
    int fd;
    int rc;            /* ktla_accept()'s */
    int echoed;        /* the answer went out */
    int peer_verified; /* ktla_get_peer_cert_verified() */
    int resumed;       /* ktla_get_session_resumed() */
    char alpn[32];
    pthread_t thread;
};

static void *own_server_main(void *p)
{
    struct own_server *s = p;
    ktla_conn *conn = NULL;
    char buf[256];
    long n;

    if (ktla_conn_new(s->cfg, &conn) != 0 || ktla_set_fd(conn, s->fd) != 0)
        goto out;
    s->rc = ktla_accept(conn);
    if (s->rc != 1)
        goto out;
    s->peer_verified = ktla_get_peer_cert_verified(conn);
    s->resumed = ktla_get_session_resumed(conn);
    snprintf(s->alpn, sizeof s->alpn, "%s", ktla_get_alpn(conn) ? ktla_get_alpn(conn) : "");
    n = ktla_read(conn, buf, sizeof buf);
    if (n > 0) {
        long end = buf[n - 1] == '\n' ? n - 1 : n; /* as s_server -rev: the line reversed, its newline kept */
        for (long i = 0; i < end / 2; i++) {
            char c = buf[i];
            buf[i] = buf[end - 1 - i];
            buf[end - 1 - i] = c;
        }
        s->echoed = ktla_write(conn, buf, (size_t)n) == n;
    }
    (void)ktla_shutdown(conn);
out:
    ktla_conn_free(conn);
    shutdown(s->fd, SHUT_RDWR);
    return NULL;
}

static ktla_config *server_config(void)
{
    ktla_config *cfg = fixture_config("ecdsa-p256");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    return cfg;
}

/* A client config trusting ca_file (NULL: the system store), for versions v..v (0: both). */
static ktla_config *client_config(const char *ca_file, enum ktla_tls_version v)
{
    ktla_config *cfg = NULL;

    CU_ASSERT_EQUAL_FATAL(ktla_config_new_client(&cfg), 0);
    if (ca_file)
        CU_ASSERT_EQUAL(ktla_config_set_ca(cfg, ca_file, NULL), 0);
    if (v)
        CU_ASSERT_EQUAL(ktla_config_set_versions(cfg, v, v), 0);
    return cfg;
}

/* What one client connection came to. */
struct outcome {
    int rc, error, alert, verified, round_trip, resumed;
    enum ktla_offload offload[2];
    char reason[512], alpn[32];
};

/* The client's half once the socket is set: connect, send "ping", expect answer (NULL: "gnip", reversed). */
static void client_run_expect(ktla_conn *conn, const char *name, struct outcome *o, const char *answer)
{
    char buf[16];
    long n;

    if (name)
        CU_ASSERT_EQUAL(ktla_set_server_name(conn, name), 0);
    o->rc = ktla_connect(conn);
    o->error = ktla_get_error(conn, o->rc);
    o->alert = ktla_get_alert(conn);
    snprintf(o->reason, sizeof o->reason, "%s", ktla_get_reason(conn));
    if (o->rc != 1)
        return;
    o->verified = ktla_get_peer_cert_verified(conn);
    o->offload[0] = ktla_get_offload(conn, KTLA_DIR_TX);
    o->offload[1] = ktla_get_offload(conn, KTLA_DIR_RX);
    o->resumed = ktla_get_session_resumed(conn);
    snprintf(o->alpn, sizeof o->alpn, "%s", ktla_get_alpn(conn) ? ktla_get_alpn(conn) : "");
    if (ktla_write(conn, "ping\n", 5) != 5)
        return;
    n = ktla_read(conn, buf, sizeof buf);
    o->round_trip = n == 5 && memcmp(buf, answer ? answer : "gnip\n", 5) == 0;
    if (!o->round_trip)
        fprintf(stderr, "\n  round trip: read %ld: %s\n", n, ktla_get_reason(conn));
}

static void client_run(ktla_conn *conn, const char *name, struct outcome *o)
{
    client_run_expect(conn, name, o, NULL);
}

/*
 * One client connection to ktla's own server over loopback TCP, offering
 * offer (NULL: none); the session to offer next goes to *got (NULL: not
 * asked), taken after the data went both ways.
 */
static void against_own_session(ktla_config *scfg, ktla_config *ccfg, const char *name, struct outcome *o,
                                struct own_server *srv, const ktla_session *offer, ktla_session **got)
{
    ktla_conn *conn = NULL;
    int cfd, sfd;

    memset(o, 0, sizeof *o);
    memset(srv, 0, sizeof *srv);
    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&cfd, &sfd), 0);
    srv->cfg = scfg;
    srv->fd = sfd;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&srv->thread, NULL, own_server_main, srv), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(ccfg, &conn), 0);
    CU_ASSERT_EQUAL(ktla_set_fd(conn, cfd), 0);
    if (offer)
        CU_ASSERT_EQUAL(ktla_set_session(conn, offer), 0);
    client_run(conn, name, o);
    if (got)
        CU_ASSERT_EQUAL(ktla_get_session(conn, got), 0);
    ktla_conn_free(conn);
    shutdown(cfd, SHUT_RDWR);
    pthread_join(srv->thread, NULL);
    close(cfd);
    close(sfd);
}

static void against_own(ktla_config *scfg, ktla_config *ccfg, const char *name, struct outcome *o,
                        struct own_server *srv)
{
    against_own_session(scfg, ccfg, name, o, srv, NULL, NULL);
}

/* Where the kernel takes TLS keys (the VM), a client's records must go there both ways. */
static void check_offload(const struct outcome *o)
{
    if (test_kernel_ulp_errno() != 0)
        return;
    CU_ASSERT_EQUAL(o->offload[0], KTLA_OFFLOAD_KERNEL);
    CU_ASSERT_EQUAL(o->offload[1], KTLA_OFFLOAD_KERNEL);
}

static void own_version(enum ktla_tls_version v)
{
    ktla_config *scfg = server_config(), *ccfg = client_config(CA("ecdsa-p256"), v);
    struct own_server srv;
    struct outcome o;

    against_own(scfg, ccfg, "localhost", &o, &srv);
    CU_ASSERT_EQUAL(o.rc, 1);
    if (o.rc != 1)
        fprintf(stderr, "\n  ktla_connect: %s\n", o.reason);
    CU_ASSERT_EQUAL(srv.rc, 1);
    CU_ASSERT_EQUAL(o.verified, 1);
    CU_ASSERT(o.round_trip);
    CU_ASSERT(srv.echoed);
    check_offload(&o);
    ktla_config_free(ccfg);
    ktla_config_free(scfg);
}

static void t_own_tls12(void)
{
    own_version(KTLA_TLS_1_2);
}

/* TLS 1.3: ktla's server sends a ticket after the handshake, which the client reads past. */
static void t_own_tls13(void)
{
    own_version(KTLA_TLS_1_3);
}

/* A verification failure: the handshake fails with alert and a reason containing why; the server sees it fail. */
static void verify_fails(const char *ca, const char *name, int alert, const char *why)
{
    ktla_config *scfg = server_config(), *ccfg = client_config(ca, 0);
    struct own_server srv;
    struct outcome o;

    against_own(scfg, ccfg, name, &o, &srv);
    CU_ASSERT_NOT_EQUAL(o.rc, 1);
    CU_ASSERT_EQUAL(o.error, KTLA_ERROR_TLS);
    CU_ASSERT_EQUAL(o.alert, alert);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.reason, why));
    printf("\n    alert %d, reason: %s\n", o.alert, o.reason);
    CU_ASSERT_NOT_EQUAL(srv.rc, 1);
    ktla_config_free(ccfg);
    ktla_config_free(scfg);
}

static void t_untrusted_ca(void)
{
    verify_fails(CA("rsa2048"), "localhost", ALERT_UNKNOWN_CA, "not correctly signed by the trusted CA");
}

static void t_wrong_name(void)
{
    verify_fails(CA("ecdsa-p256"), "other.test", ALERT_BAD_CERTIFICATE, "does not match with the expected CN");
}

/* KTLA_VERIFY_NONE, set explicitly, takes the untrusted certificate; it then reads as not verified. */
static void t_verify_none(void)
{
    ktla_config *scfg = server_config(), *ccfg = client_config(CA("rsa2048"), 0);
    struct own_server srv;
    struct outcome o;

    CU_ASSERT_EQUAL(ktla_config_set_verify(ccfg, KTLA_VERIFY_NONE), 0);
    against_own(scfg, ccfg, "other.test", &o, &srv);
    CU_ASSERT_EQUAL(o.rc, 1);
    CU_ASSERT_EQUAL(o.verified, 0);
    CU_ASSERT(o.round_trip);
    ktla_config_free(ccfg);
    ktla_config_free(scfg);
}

/* Verification on and no name to check: refused before anything is sent. */
static void t_no_server_name(void)
{
    ktla_config *scfg = server_config(), *ccfg = client_config(CA("ecdsa-p256"), 0);
    struct own_server srv;
    struct outcome o;

    against_own(scfg, ccfg, NULL, &o, &srv);
    CU_ASSERT_EQUAL(o.rc, -1);
    CU_ASSERT_EQUAL(o.error, KTLA_ERROR_SYSCALL);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.reason, "ktla_set_server_name"));
    ktla_config_free(ccfg);
    ktla_config_free(scfg);
}

static void t_alpn(void)
{
    static const char *const server_protos[] = {"http/1.1"};
    static const char *const client_protos[] = {"h2", "http/1.1"};
    ktla_config *scfg = server_config(), *ccfg = client_config(CA("ecdsa-p256"), 0);
    struct own_server srv;
    struct outcome o;

    CU_ASSERT_EQUAL(ktla_config_set_alpn(scfg, server_protos, 1), 0);
    CU_ASSERT_EQUAL(ktla_config_set_alpn(ccfg, client_protos, 2), 0);
    against_own(scfg, ccfg, "localhost", &o, &srv);
    CU_ASSERT_EQUAL(o.rc, 1);
    CU_ASSERT_STRING_EQUAL(o.alpn, "http/1.1");
    CU_ASSERT_STRING_EQUAL(srv.alpn, "http/1.1");
    ktla_config_free(ccfg);
    ktla_config_free(scfg);
}

/* A server that requires a client certificate: with one it verifies; without, the handshake fails. */
static void client_cert(enum ktla_tls_version v)
{
    ktla_config *scfg = server_config(), *with = client_config(CA("ecdsa-p256"), v),
                *without = client_config(CA("ecdsa-p256"), v);
    struct own_server srv;
    struct outcome o;

    CU_ASSERT_EQUAL(ktla_config_set_client_auth(scfg, KTLA_CLIENT_AUTH_REQUIRED, CA("client-ca")), 0);
    CU_ASSERT_EQUAL(ktla_config_add_cert_file(with, CA("client"), TEST_DATA_DIR "/client.key", NULL), 0);
    against_own(scfg, with, "localhost", &o, &srv);
    CU_ASSERT_EQUAL(o.rc, 1);
    CU_ASSERT_EQUAL(srv.rc, 1);
    CU_ASSERT_EQUAL(srv.peer_verified, 1);
    CU_ASSERT(o.round_trip);
    against_own(scfg, without, "localhost", &o, &srv);
    CU_ASSERT_NOT_EQUAL(srv.rc, 1);
    /* TLS 1.3: the client's handshake is over before the server refuses it; the refusal ends the first read. */
    CU_ASSERT(o.rc != 1 || !o.round_trip);
    ktla_config_free(with);
    ktla_config_free(without);
    ktla_config_free(scfg);
}

static void t_client_cert_tls12(void)
{
    client_cert(KTLA_TLS_1_2);
}

static void t_client_cert_tls13(void)
{
    client_cert(KTLA_TLS_1_3);
}

/* Both handshakes on non-blocking sockets in one thread, turn by turn: the client must ask to be called again. */
static void t_nonblocking(void)
{
    ktla_config *scfg = server_config(), *ccfg = client_config(CA("ecdsa-p256"), 0);
    ktla_conn *c = NULL, *s = NULL;
    int cfd, sfd, crc = -1, src = -1, wants = 0;

    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&cfd, &sfd), 0);
    fcntl(cfd, F_SETFL, O_NONBLOCK);
    fcntl(sfd, F_SETFL, O_NONBLOCK);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(ccfg, &c), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(scfg, &s), 0);
    ktla_set_fd(c, cfd);
    ktla_set_fd(s, sfd);
    CU_ASSERT_EQUAL(ktla_set_server_name(c, "localhost"), 0);
    for (int i = 0; i < 2000 && (crc != 1 || src != 1); i++) {
        if (crc != 1) {
            crc = ktla_connect(c);
            if (crc == -1) {
                int e = ktla_get_error(c, crc);
                CU_ASSERT(e == KTLA_ERROR_WANT_READ || e == KTLA_ERROR_WANT_WRITE);
                if (e != KTLA_ERROR_WANT_READ && e != KTLA_ERROR_WANT_WRITE)
                    break;
                wants++;
            }
        }
        if (src != 1) {
            src = ktla_accept(s);
            if (src == -1 && ktla_get_error(s, src) != KTLA_ERROR_WANT_READ &&
                ktla_get_error(s, src) != KTLA_ERROR_WANT_WRITE)
                break;
        }
        poll(NULL, 0, 1);
    }
    CU_ASSERT_EQUAL(crc, 1);
    CU_ASSERT_EQUAL(src, 1);
    CU_ASSERT(wants > 0);
    ktla_conn_free(c);
    ktla_conn_free(s);
    close(cfd);
    close(sfd);
    ktla_config_free(ccfg);
    ktla_config_free(scfg);
}

/* Caller-moved I/O: the handshake bytes go through the caller's functions, which see them all. */
struct counted_io {
    int fd;
    size_t sent, received;
};

static long counted_recv(void *arg, unsigned char *buf, size_t len)
{
    struct counted_io *io = arg;
    ssize_t n = recv(io->fd, buf, len, 0);
    if (n > 0)
        io->received += (size_t)n;
    return n;
}

static long counted_send(void *arg, const unsigned char *buf, size_t len)
{
    struct counted_io *io = arg;
    ssize_t n = send(io->fd, buf, len, MSG_NOSIGNAL);
    if (n > 0)
        io->sent += (size_t)n;
    return n;
}

static void t_caller_io(void)
{
    ktla_config *scfg = server_config(), *ccfg = client_config(CA("ecdsa-p256"), 0);
    struct own_server srv = {0};
    struct counted_io io = {0};
    ktla_conn *conn = NULL;
    int cfd, sfd, rc;

    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&cfd, &sfd), 0);
    srv.cfg = scfg;
    srv.fd = sfd;
    io.fd = cfd;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&srv.thread, NULL, own_server_main, &srv), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(ccfg, &conn), 0);
    CU_ASSERT_EQUAL(ktla_set_io(conn, counted_recv, counted_send, &io), 0);
    CU_ASSERT_EQUAL(ktla_set_server_name(conn, "localhost"), 0);
    rc = ktla_connect(conn);
    CU_ASSERT_EQUAL(rc, 1);
    if (rc != 1)
        fprintf(stderr, "\n  ktla_connect: %s\n", ktla_get_reason(conn));
    CU_ASSERT(io.sent > 0);
    CU_ASSERT(io.received > 0);
    ktla_conn_free(conn);
    shutdown(cfd, SHUT_RDWR);
    pthread_join(srv.thread, NULL);
    close(cfd);
    close(sfd);
    ktla_config_free(ccfg);
    ktla_config_free(scfg);
}

static void t_wrong_role(void)
{
    ktla_config *scfg = server_config(), *ccfg = client_config(NULL, 0);
    ktla_conn *s = NULL, *c = NULL;

    CU_ASSERT_EQUAL(ktla_config_set_ca(scfg, CA("ecdsa-p256"), NULL), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_config_set_verify(scfg, KTLA_VERIFY_NONE), KTLA_E_INVAL);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(scfg, &s), 0);
    CU_ASSERT_EQUAL(ktla_set_server_name(s, "localhost"), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_connect(s), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(s), "ktla_config_new_client"));
    /* A client config with the system store and no certificate of its own builds. */
    CU_ASSERT_EQUAL(ktla_conn_new(ccfg, &c), 0);
    CU_ASSERT_EQUAL(ktla_accept(c), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(c), "ktla_connect"));
    ktla_conn_free(s);
    ktla_conn_free(c);
    ktla_config_free(ccfg);
    ktla_config_free(scfg);
}

/* ---- openssl s_server as the peer ---- */

/* ktla_connect to a peer server; answer as client_run_expect(). */
static void against_peer(const char *const *argv, const char *answer, const char *what)
{
    ktla_config *ccfg = client_config(CA("ecdsa-p256"), 0);
    int port = peer_free_port(), fd;
    ktla_conn *conn = NULL;
    struct outcome o = {0};
    pid_t pid;

    CU_ASSERT_FATAL(port > 0);
    pid = peer_start(argv, port, NULL);
    CU_ASSERT_FATAL(pid > 0);
    fd = peer_connect(port);
    CU_ASSERT(fd >= 0);
    if (fd >= 0) {
        CU_ASSERT_EQUAL_FATAL(ktla_conn_new(ccfg, &conn), 0);
        ktla_set_fd(conn, fd);
        client_run_expect(conn, "localhost", &o, answer);
        CU_ASSERT_EQUAL(o.rc, 1);
        if (o.rc != 1)
            fprintf(stderr, "\n  ktla_connect to %s: %s\n", what, o.reason);
        CU_ASSERT_EQUAL(o.verified, 1);
        CU_ASSERT(o.round_trip);
        check_offload(&o);
        ktla_conn_free(conn);
        close(fd);
    }
    peer_stop(pid);
    ktla_config_free(ccfg);
}

static void t_openssl_tls12(void)
{
    const char *const argv[] = {"openssl", "s_server", "-accept", "PORT", "-naccept", "1", "-rev", "-cert", CA("ecdsa-p256"),
                                "-key", TEST_DATA_DIR "/ecdsa-p256.key", "-tls1_2", NULL};
    against_peer(argv, NULL, "openssl s_server -tls1_2");
}

/* TLS 1.3: s_server sends two tickets after the handshake; the client reads past them. */
static void t_openssl_tls13(void)
{
    const char *const argv[] = {"openssl", "s_server", "-accept", "PORT", "-naccept", "1", "-rev", "-cert", CA("ecdsa-p256"),
                                "-key", TEST_DATA_DIR "/ecdsa-p256.key", "-tls1_3", NULL};
    against_peer(argv, NULL, "openssl s_server -tls1_3");
}

static void gnutls_version(const char *priority)
{
    const char *const argv[] = {"gnutls-serv", "--port", "PORT", "--echo", "--x509certfile", CA("ecdsa-p256"),
                                "--x509keyfile", TEST_DATA_DIR "/ecdsa-p256.key", "--priority", priority, NULL};
    against_peer(argv, "ping\n", priority);
}

static void t_gnutls_tls12(void)
{
    gnutls_version("NORMAL:-VERS-ALL:+VERS-TLS1.2");
}

/* TLS 1.3: gnutls-serv sends its ticket after the handshake too. */
static void t_gnutls_tls13(void)
{
    gnutls_version("NORMAL:-VERS-ALL:+VERS-TLS1.3");
}

/*
 * Resumption: the session of a first connection (TLS 1.2: from its
 * handshake; TLS 1.3: from the ticket ktla_read() read, from the kernel in
 * the VM) offered on a second one resumes at the server; a third connection
 * offers the second's session (TLS 1.3: a new ticket) and resumes too.
 */
static void resume_version(enum ktla_tls_version v)
{
    ktla_config *scfg = server_config(), *ccfg = client_config(CA("ecdsa-p256"), v);
    ktla_session *first = NULL, *second = NULL, *none = NULL;
    struct own_server srv;
    struct outcome o;

    against_own_session(scfg, ccfg, "localhost", &o, &srv, NULL, &first);
    CU_ASSERT_EQUAL(o.rc, 1);
    CU_ASSERT_EQUAL(srv.resumed, 0);
    CU_ASSERT_EQUAL(o.resumed, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(first);
    against_own_session(scfg, ccfg, "localhost", &o, &srv, first, &second);
    CU_ASSERT_EQUAL(o.rc, 1);
    CU_ASSERT(o.round_trip);
    CU_ASSERT_EQUAL(srv.resumed, 1);
    CU_ASSERT_EQUAL(o.resumed, 1); /* the client knows it too */
    check_offload(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(second);
    against_own_session(scfg, ccfg, "localhost", &o, &srv, second, NULL);
    CU_ASSERT_EQUAL(o.rc, 1);
    CU_ASSERT_EQUAL(srv.resumed, 1);
    CU_ASSERT_EQUAL(o.resumed, 1);
    /* Never offered to another server name (RFC 8446 4.6.1): the same server, under another of its names. */
    against_own_session(scfg, ccfg, "www.example.test", &o, &srv, second, NULL);
    CU_ASSERT_EQUAL(o.rc, 1);
    CU_ASSERT_EQUAL(srv.resumed, 0);
    CU_ASSERT_EQUAL(o.resumed, 0);
    /* A connection that has not connected has no session. */
    {
        ktla_conn *c = NULL;
        CU_ASSERT_EQUAL_FATAL(ktla_conn_new(ccfg, &c), 0);
        CU_ASSERT_EQUAL(ktla_get_session(c, &none), KTLA_E_NOTFOUND);
        ktla_conn_free(c);
    }
    ktla_session_free(first);
    ktla_session_free(second);
    ktla_config_free(ccfg);
    ktla_config_free(scfg);
}

static void t_resume_tls12(void)
{
    resume_version(KTLA_TLS_1_2);
}

static void t_resume_tls13(void)
{
    resume_version(KTLA_TLS_1_3);
}

/*
 * The framing of the server's tickets as the record layer meets them,
 * without a peer: an established TLS 1.3 client connection (no engine; no
 * handshake session, so the tickets are read past, not kept) fed handshake
 * records directly.
 */
static ktla_conn *framing_conn(ktla_config **cfg)
{
    ktla_conn *conn = NULL;

    *cfg = client_config(CA("ecdsa-p256"), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(*cfg, &conn), 0);
    conn->state = KTLA__ESTABLISHED;
    conn->version = KTLA_TLS_1_3;
    ktla__conn_record_owner(conn);
    conn->rec.rekey = calloc(1, sizeof *conn->rec.rekey);
    CU_ASSERT_PTR_NOT_NULL_FATAL(conn->rec.rekey);
    CU_ASSERT_EQUAL_FATAL(ktla__client_session_set_offer(&conn->rec, (const unsigned char *)"x", 2), 0); /* makes its state */
    return conn;
}

/* A NewSessionTicket message of body_len bytes (lifetime 60 s, nonce 1 byte, ticket of the rest, no extensions). */
static size_t ticket_message(unsigned char *m, size_t body_len)
{
    size_t ticket_len = body_len - 4 - 4 - 2 - 2 - 2;

    memset(m, 0xab, TLS_HS_HEADER_LEN + body_len);
    m[0] = TLS_HS_NEW_SESSION_TICKET;
    m[1] = 0, m[2] = (unsigned char)(body_len >> 8), m[3] = (unsigned char)body_len;
    memcpy(m + 4, "\0\0\0\x3c", 4);                  /* lifetime */
    m[12] = 1;                                      /* nonce length, then 1 byte of nonce */
    m[14] = (unsigned char)(ticket_len >> 8), m[15] = (unsigned char)ticket_len;
    m[TLS_HS_HEADER_LEN + body_len - 2] = 0, m[TLS_HS_HEADER_LEN + body_len - 1] = 0; /* no extensions */
    return TLS_HS_HEADER_LEN + body_len;
}

static void t_ticket_framing(void)
{
    unsigned char rec[512];
    size_t one, two;
    ktla_config *cfg;
    ktla_conn *conn = framing_conn(&cfg);

    /* two tickets in one record */
    one = ticket_message(rec, 100);
    two = ticket_message(rec + one, 60);
    CU_ASSERT_EQUAL(ktla__control_record(&conn->rec, TLS_CT_HANDSHAKE, rec, one + two, one + two + 1), 1);
    CU_ASSERT_FALSE(ktla__handshake_pending(&conn->rec));
    /* one ticket in three records, the header itself split */
    one = ticket_message(rec, 100);
    CU_ASSERT_EQUAL(ktla__control_record(&conn->rec, TLS_CT_HANDSHAKE, rec, 2, 3), 1);
    CU_ASSERT_TRUE(ktla__handshake_pending(&conn->rec));
    CU_ASSERT_EQUAL(ktla__control_record(&conn->rec, TLS_CT_HANDSHAKE, rec + 2, 50, 51), 1);
    CU_ASSERT_TRUE(ktla__handshake_pending(&conn->rec));
    CU_ASSERT_EQUAL(ktla__control_record(&conn->rec, TLS_CT_HANDSHAKE, rec + 52, one - 52, one - 51), 1);
    CU_ASSERT_FALSE(ktla__handshake_pending(&conn->rec));
    /* another record type between the pieces of a ticket: unexpected_message (RFC 8446 5.1) */
    CU_ASSERT_EQUAL(ktla__control_record(&conn->rec, TLS_CT_HANDSHAKE, rec, 20, 21), 1);
    CU_ASSERT_EQUAL(ktla__control_record(&conn->rec, TLS_CT_ALERT, (const unsigned char *)"\1\0", 2, 3), -1);
    CU_ASSERT_EQUAL(ktla_get_alert(conn), TLS_ALERT_UNEXPECTED_MESSAGE);
    ktla_conn_free(conn);
    ktla_config_free(cfg);
    /* an empty ticket: decode_error */
    conn = framing_conn(&cfg);
    rec[0] = TLS_HS_NEW_SESSION_TICKET, rec[1] = rec[2] = rec[3] = 0;
    CU_ASSERT_EQUAL(ktla__control_record(&conn->rec, TLS_CT_HANDSHAKE, rec, 4, 5), -1);
    CU_ASSERT_EQUAL(ktla_get_alert(conn), TLS_ALERT_DECODE_ERROR);
    ktla_conn_free(conn);
    ktla_config_free(cfg);
}

int add_connect_suite(void)
{
    CU_pSuite s = CU_add_suite("ktla_connect: the client handshake", NULL, NULL);

    if (s == NULL)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return CU_add_test(s, "own server TLS 1.2: verified, data both ways", t_own_tls12) == NULL ||
                   CU_add_test(s, "own server TLS 1.3: verified, ticket read past, data both ways", t_own_tls13) ==
                       NULL ||
                   CU_add_test(s, "untrusted CA: unknown_ca, reason says why", t_untrusted_ca) == NULL ||
                   CU_add_test(s, "wrong host name: bad_certificate, reason says why", t_wrong_name) == NULL ||
                   CU_add_test(s, "KTLA_VERIFY_NONE takes them, only when set", t_verify_none) == NULL ||
                   CU_add_test(s, "verification without a server name is refused", t_no_server_name) == NULL ||
                   CU_add_test(s, "ALPN negotiated", t_alpn) == NULL ||
                   CU_add_test(s, "client certificate TLS 1.2", t_client_cert_tls12) == NULL ||
                   CU_add_test(s, "client certificate TLS 1.3", t_client_cert_tls13) == NULL ||
                   CU_add_test(s, "non-blocking: WANT_READ/WANT_WRITE", t_nonblocking) == NULL ||
                   CU_add_test(s, "caller-moved I/O", t_caller_io) == NULL ||
                   CU_add_test(s, "the wrong call for the role", t_wrong_role) == NULL ||
                   CU_add_test(s, "openssl s_server TLS 1.2", t_openssl_tls12) == NULL ||
                   CU_add_test(s, "openssl s_server TLS 1.3: two tickets read past", t_openssl_tls13) == NULL ||
                   CU_add_test(s, "resumption TLS 1.2 (server's ticket from the handshake)", t_resume_tls12) == NULL ||
                   CU_add_test(s, "resumption TLS 1.3 (ticket read after the hand-off)", t_resume_tls13) == NULL ||
                   CU_add_test(s, "tickets: several per record, split, interleaved, empty", t_ticket_framing) == NULL ||
                   CU_add_test(s, "gnutls-serv TLS 1.2", t_gnutls_tls12) == NULL ||
                   CU_add_test(s, "gnutls-serv TLS 1.3: its ticket read past", t_gnutls_tls13) == NULL
               ? -1
               : 0;
}
