/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc_fail.c - every allocation the library makes, made to fail in turn
 * (the s2n-tls malloc-failure tests' idea): for each scenario, a first run
 * counts the allocations made inside ktla calls (mbedTLS's and libnl's
 * included), then the scenario runs again once per n with the n-th one
 * failing.  Every run must end cleanly:
 * - each call returns success or a documented error, with a reason where
 *   the API gives one;
 * - what reports success really worked (a config then serves a handshake;
 *   an established connection reports what was negotiated, moves data and
 *   closes; both directions in user space, or both in the kernel);
 * - a failed connection is closed for good: nothing more goes out, in
 *   clear or otherwise, and never half of it is in the kernel;
 * - nothing allocated during the run stays allocated: what is left after
 *   the objects are freed is watched until the end of the test, since
 *   mbedTLS replaces some process-wide state now and then (see
 *   alloc_hook_suspect()); still there after everything is freed, it has
 *   leaked (alloc_hook.c tracks every block; no LeakSanitizer here).  Leaks
 *   of mbedTLS's own handshake error paths are shown, not failed
 *   (judge_leaks()).
 * The kernel outcome of ktla_accept and ktla_install_keys uses the staged
 * kernel (tests/common/staged_kernel.h) on a real loopback socket; the peer
 * (an mbedTLS client over memory) allocates without counting or failing.
 *
 * The diagnostics run in a network namespace of their own when the test
 * may make one (root), so that their listings hold only the test's sockets.
 *
 * Prints one line per scenario and ends with "alloc-fail: N passed, N
 * failed"; exits 1 on any failure.  For debugging: KTLA_ALLOC_SCENARIO=TEXT
 * runs the scenarios whose name has TEXT, KTLA_ALLOC_FAIL=N only the run
 * where allocation N fails, KTLA_ALLOC_SHOW=N shows N broken runs of each
 * scenario (default 5), and KTLA_ALLOC_TRACE=N (alloc_hook.c) shows where
 * allocation N comes from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <psa/crypto.h>

#include "alloc_hook.h"
#include "fixture.h"
#include "loopback.h"
#include "staged_kernel.h"
#include "wire/tls_wire.h"

static int passed, failed;

/* A broken promise of the run: the message, and -1. */
static int broken(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int broken(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* Armed only around the calls under test, and not while checking that a config works. */
static int checking;
#define ARMED(expr) (alloc_hook_arm(!checking), __extension__({ __typeof__(expr) r_ = (expr); alloc_hook_arm(0); r_; }))
#define ARMED_VOID(expr) do { alloc_hook_arm(!checking); expr; alloc_hook_arm(0); } while (0)

/* Close a test socket with a reset: no TIME_WAIT entries piling up in the diagnostics' listings. */
static void close_now(int fd)
{
    struct linger abortive = {.l_onoff = 1, .l_linger = 0};

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    close(fd);
}

/* ------------------------------------------------------------ configuration */

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf = malloc(1 << 16);

    snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, name);
    if (buf == NULL || (f = fopen(path, "rb")) == NULL) {
        perror(path);
        exit(1);
    }
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static char *ecdsa_crt, *ecdsa_key, ticket_key_path[] = "/tmp/ktla-alloc-fail-ticket-XXXXXX";
static size_t ecdsa_crt_len, ecdsa_key_len;

/* One unarmed handshake on cfg with an mbedTLS client: does the config work? */
static int config_serves(ktla_config *cfg);

static int config_step_ok(ktla_config *cfg, int rc, const char *what, char *why, size_t size)
{
    if (rc == 0 || rc == KTLA_E_NOMEM)
        return 0;
    if ((rc == KTLA_E_CERT || rc == KTLA_E_CONFIG) && ktla_config_error(cfg)[0] != '\0')
        return 0;
    return broken(why, size, "%s returned %s (%s)", what, ktla_err_name(rc), ktla_config_error(cfg));
}

/* Every setter, then the first connection (which builds the mbedTLS configuration). */
static int run_config(const void *arg, char *why, size_t size)
{
    (void)arg;
    static const char *const alpn[] = {"h2", "http/1.1"};
    static const enum ktla_cipher ciphers[] = {KTLA_CIPHER_CHACHA20_POLY1305, KTLA_CIPHER_AES_GCM_128};
    static const enum ktla_group groups[] = {KTLA_GROUP_P256, KTLA_GROUP_X25519};
    char rsa_crt[512], rsa_key[512], ca[512];
    ktla_config *cfg = NULL;
    ktla_conn *conn = NULL;
    int rc, ok = 1, verdict = 0;

    snprintf(rsa_crt, sizeof rsa_crt, "%s/rsa2048.crt", TEST_DATA_DIR);
    snprintf(rsa_key, sizeof rsa_key, "%s/rsa2048.key", TEST_DATA_DIR);
    snprintf(ca, sizeof ca, "%s/ecdsa-p256.crt", TEST_DATA_DIR);
    rc = ARMED(ktla_config_new(&cfg));
    if (rc != 0)
        return rc == KTLA_E_NOMEM && cfg == NULL ? 0 : broken(why, size, "ktla_config_new: %s", ktla_err_name(rc));
#define STEP(call)                                                                                                   \
    do {                                                                                                             \
        if (ok && verdict == 0) {                                                                                    \
            rc = ARMED(call);                                                                                        \
            verdict = config_step_ok(cfg, rc, #call, why, size);                                                     \
            ok = rc == 0;                                                                                            \
        }                                                                                                            \
    } while (0)
    STEP(ktla_config_add_cert_mem(cfg, ecdsa_crt, ecdsa_crt_len, ecdsa_key, ecdsa_key_len, NULL));
    STEP(ktla_config_add_cert_file(cfg, rsa_crt, rsa_key, NULL));
    STEP(ktla_config_set_alpn(cfg, alpn, 2));
    STEP(ktla_config_set_versions(cfg, KTLA_TLS_1_2, KTLA_TLS_1_3));
    STEP(ktla_config_set_ciphers(cfg, ciphers, 2));
    STEP(ktla_config_set_groups(cfg, groups, 2));
    STEP(ktla_config_set_tickets(cfg, 1, 600));
    STEP(ktla_config_set_ticket_key_file(cfg, ticket_key_path));
    STEP(ktla_config_set_client_auth(cfg, KTLA_CLIENT_AUTH_OPTIONAL, ca));
    STEP(ktla_config_set_handshake_timeout(cfg, 10000));
    STEP(ktla_config_set_offload(cfg, KTLA_OFFLOAD_POLICY_AUTO));
#undef STEP
    if (ok && verdict == 0) {
        rc = ARMED(ktla_conn_new(cfg, &conn));
        if (rc != 0 && rc != KTLA_E_NOMEM && rc != KTLA_E_CONFIG)
            verdict = broken(why, size, "ktla_conn_new: %s", ktla_err_name(rc));
        ARMED_VOID(ktla_conn_free(conn));
        /* Whatever failed while building is undone: the same config builds now, and serves. */
        if (verdict == 0 && config_serves(cfg) != 0)
            verdict = broken(why, size, "the config does not serve a handshake after ktla_conn_new returned %s",
                             ktla_err_name(rc));
    }
    ARMED_VOID(ktla_config_free(cfg));
    return verdict;
}

/* ------------------------------------------------------------ connections */

struct peer {
    struct mem_link link;
    struct mbed_client cli;
    int client_rc;
};

static int peer_open(struct peer *p, int version)
{
    memset(p, 0, sizeof *p);
    p->client_rc = MBEDTLS_ERR_SSL_WANT_READ;
    if (mem_link_init(&p->link, 1 << 20, 0) != 0 || mbed_client_init(&p->cli, version, 0, "http/1.1", "localhost") != 0)
        return -1;
    mbedtls_ssl_set_bio(&p->cli.ssl, &p->link, mem_link_client_send, mem_link_client_recv, NULL);
    return 0;
}

static void peer_close(struct peer *p)
{
    mbed_client_free(&p->cli);
    mem_link_free(&p->link);
}

/* The client's next handshake step; when it fails, it is gone (the server then reads EOF). */
static void peer_step(struct peer *p)
{
    if (p->client_rc != MBEDTLS_ERR_SSL_WANT_READ && p->client_rc != MBEDTLS_ERR_SSL_WANT_WRITE)
        return;
    p->client_rc = mbedtls_ssl_handshake(&p->cli.ssl);
    if (p->client_rc != 0 && p->client_rc != MBEDTLS_ERR_SSL_WANT_READ && p->client_rc != MBEDTLS_ERR_SSL_WANT_WRITE)
        p->link.c2s.closed = 1;
}

/* ktla_accept (armed) against the client (not), until the server is done one way or the other. */
static int handshake(ktla_conn *conn, struct peer *p)
{
    int rc = -1;

    for (int i = 0; i < 100000; i++) {
        enum ktla_error e;

        rc = ARMED(ktla_accept(conn));
        e = ktla_get_error(conn, rc);
        if (rc >= 0 || (e != KTLA_ERROR_WANT_READ && e != KTLA_ERROR_WANT_WRITE))
            return rc;
        peer_step(p);
    }
    return rc;
}

static ktla_config *shared_cfg;

static int config_serves(ktla_config *cfg)
{
    struct peer p;
    ktla_conn *conn = NULL;
    int rc = -1;

    checking = 1;
    if (peer_open(&p, KTLA_TLS_1_3) == 0 && ktla_conn_new(cfg, &conn) == 0 &&
        ktla_set_io(conn, mem_link_server_recv, mem_link_server_send, &p.link) == 0)
        rc = handshake(conn, &p) == 1 ? 0 : -1;
    if (rc != 0 && getenv("KTLA_ALLOC_FAIL"))
        fprintf(stderr, "config_serves: %s / %s\n", conn ? ktla_get_reason(conn) : "no connection", ktla_config_error(cfg));
    ktla_conn_free(conn);
    peer_close(&p);
    checking = 0;
    return rc;
}

static int peer_received_nothing(int fd)
{
    char byte;
    return recv(fd, &byte, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/*
 * What an established connection must show: what the client asked for, and
 * one place for its records: user space, or (kernel) both directions in
 * the kernel, or both in user space with the reason (a key derivation that
 * ran out of memory keeps the connection there).
 */
static int check_negotiated(ktla_conn *conn, int version, int kernel, char *why, size_t size)
{
    enum ktla_offload want = kernel && ktla_get_offload(conn, KTLA_DIR_TX) == KTLA_OFFLOAD_KERNEL
                                 ? KTLA_OFFLOAD_KERNEL
                                 : KTLA_OFFLOAD_USER;

    if ((int)ktla_get_tls_version(conn) != version)
        return broken(why, size, "version %04x, not %04x", ktla_get_tls_version(conn), version);
    if (ktla_get_alpn(conn) == NULL || strcmp(ktla_get_alpn(conn), "http/1.1") != 0)
        return broken(why, size, "ALPN %s, though the client asked for http/1.1", ktla_get_alpn(conn));
    if (ktla_get_sni(conn) == NULL || strcmp(ktla_get_sni(conn), "localhost") != 0)
        return broken(why, size, "SNI %s, though the client sent localhost", ktla_get_sni(conn));
    for (int d = KTLA_DIR_TX; d <= KTLA_DIR_RX; d++) {
        if (ktla_get_offload(conn, d) != want)
            return broken(why, size, "%s record layer in %s, not %s", d == KTLA_DIR_TX ? "TX" : "RX",
                          ktla_get_offload(conn, d) == KTLA_OFFLOAD_KERNEL ? "the kernel" : "user space",
                          kernel ? "the kernel" : "user space");
        if (want == KTLA_OFFLOAD_USER && ktla_get_offload_reason(conn, d) == NULL)
            return broken(why, size, "user space without a reason");
    }
    return 0;
}

/* After the handshake in user space: the client's "ping" in, "pong" out, close_notify. */
static int talk_user(ktla_conn *conn, struct peer *p, char *why, size_t size)
{
    unsigned char buf[16];
    long n = -1;
    int c = -1;

    for (int i = 0; i < 100 && p->client_rc != 0; i++)
        peer_step(p);
    if (p->client_rc != 0) {
        /*
         * mbedTLS 3.6 can report a finished handshake whose last message it
         * could not compute (TLS 1.2 Finished, out of memory): the client
         * refuses it and is gone.  The server's next read must fail.
         */
        p->link.c2s.closed = 1;
        n = ARMED(ktla_read(conn, buf, sizeof buf));
        return n < 0 ? 0
                     : broken(why, size, "the client failed its handshake (-0x%04x), yet ktla_read returned %ld",
                              (unsigned)-p->client_rc, n);
    }
    if (mbedtls_ssl_write(&p->cli.ssl, (const unsigned char *)"ping", 4) != 4)
        return broken(why, size, "the client could not write");
    for (int i = 0; i < 10 && n < 0; i++) /* TLS 1.3: the ticket reaches the client first */
        n = ARMED(ktla_read(conn, buf, sizeof buf));
    if (n < 0)
        return ktla_get_error(conn, n) == KTLA_ERROR_SYSCALL || ktla_get_error(conn, n) == KTLA_ERROR_TLS
                   ? 0
                   : broken(why, size, "ktla_read: error %d", ktla_get_error(conn, n));
    if (n != 4 || memcmp(buf, "ping", 4) != 0)
        return broken(why, size, "ktla_read returned %ld bytes, not ping", n);
    if (ARMED(ktla_write(conn, "pong", 4)) != 4)
        return 0; /* a failed write is a clean error */
    for (int i = 0; i < 10 && c <= 0; i++)
        c = mbedtls_ssl_read(&p->cli.ssl, buf, sizeof buf);
    if (c != 4 || memcmp(buf, "pong", 4) != 0)
        return broken(why, size, "the client read %d bytes, not pong", c);
    ARMED(ktla_shutdown(conn));
    return 0;
}

static int check_failed(ktla_conn *conn, int rc, int peer_fd, char *why, size_t size);

/* After the hand-off to the (staged) kernel: a KeyUpdate asking for ours, "ping" in, "pong" out. */
static int talk_kernel(ktla_conn *conn, int version, int peer_fd, char *why, size_t size)
{
    static const unsigned char key_update[TLS_KEY_UPDATE_LEN] = {TLS_HS_KEY_UPDATE, 0, 0, TLS_KEY_UPDATE_BODY_LEN,
                                                                TLS_KEY_UPDATE_REQUESTED};
    const struct staged_read reads[] = {{TLS_CT_HANDSHAKE, key_update, sizeof key_update, 0},
                                        {TLS_CT_APPLICATION_DATA, (const unsigned char *)"ping", 4, 0}};
    unsigned char buf[16];
    long n;

    if (ktla_get_offload(conn, KTLA_DIR_TX) != KTLA_OFFLOAD_KERNEL)
        return 0; /* kept in user space: nothing here to play */
    stage.play_records = 1;
    stage.reads = version == KTLA_TLS_1_3 ? reads : reads + 1;
    stage.n_reads = version == KTLA_TLS_1_3 ? 2 : 1;
    n = ARMED(ktla_read(conn, buf, sizeof buf));
    if (n < 0) /* the KeyUpdate's next key could not be derived: closed, and saying why */
        return strstr(ktla_get_reason(conn), "out of memory") ? check_failed(conn, (int)n, peer_fd, why, size)
                                                               : broken(why, size, "ktla_read on the kernel: %s",
                                                                        ktla_get_reason(conn));
    if (n != 4 || memcmp(buf, "ping", 4) != 0)
        return broken(why, size, "ktla_read on the kernel: %ld (%s)", n, ktla_get_reason(conn));
    if (ARMED(ktla_write(conn, "pong", 4)) != 4 || recv(peer_fd, buf, sizeof buf, 0) != 4)
        return broken(why, size, "ktla_write on the kernel: %s", ktla_get_reason(conn));
    if (ARMED(ktla_shutdown(conn)) != 1 || stage.sent_type != TLS_CT_ALERT)
        return broken(why, size, "ktla_shutdown on the kernel: %s", ktla_get_reason(conn));
    return 0;
}

/* A failed connection stays failed and lets nothing out. */
static int check_failed(ktla_conn *conn, int rc, int peer_fd, char *why, size_t size)
{
    enum ktla_error e = ktla_get_error(conn, rc);
    unsigned char buf[8];

    if (rc == 0)
        return broken(why, size, "returned 0 (%s)", ktla_get_reason(conn));
    if (e != KTLA_ERROR_SYSCALL && e != KTLA_ERROR_TLS)
        return broken(why, size, "failed with error class %d", e);
    if (ktla_get_reason(conn)[0] == '\0')
        return broken(why, size, "failed without a reason");
    if (ARMED(ktla_write(conn, "secret", 6)) != -1 || ARMED(ktla_read(conn, buf, sizeof buf)) != -1 ||
        ARMED(ktla_accept(conn)) != -1)
        return broken(why, size, "a failed connection still reads, writes or accepts");
    if (peer_fd >= 0 && !peer_received_nothing(peer_fd))
        return broken(why, size, "bytes reached the socket after the failure");
    return 0;
}

struct accept_case {
    int version, kernel;
};

static int run_accept(const void *arg, char *why, size_t size)
{
    const struct accept_case *c = arg;
    struct peer p;
    ktla_conn *conn = NULL;
    int client_fd = -1, server_fd = -1, rc, verdict = 0;

    memset(&stage, 0, sizeof stage);
    if (peer_open(&p, c->version) != 0 || (c->kernel && test_loopback_pair(&client_fd, &server_fd) != 0)) {
        peer_close(&p);
        return broken(why, size, "test set-up failed");
    }
    rc = ARMED(ktla_conn_new(shared_cfg, &conn));
    if (rc != 0) {
        verdict = rc == KTLA_E_NOMEM ? 0 : broken(why, size, "ktla_conn_new: %s", ktla_err_name(rc));
        goto out;
    }
    if (ARMED(ktla_set_io(conn, mem_link_server_recv, mem_link_server_send, &p.link)) != 0 ||
        (c->kernel && ARMED(ktla_set_fd(conn, server_fd)) != 0)) {
        verdict = broken(why, size, "ktla_set_io/ktla_set_fd failed");
        goto out;
    }
    rc = handshake(conn, &p);
    if (rc == 1) {
        verdict = check_negotiated(conn, c->version, c->kernel, why, size);
        if (verdict == 0)
            verdict = c->kernel ? talk_kernel(conn, c->version, client_fd, why, size) : talk_user(conn, &p, why, size);
    } else {
        verdict = check_failed(conn, rc, client_fd, why, size);
    }
out:
    ARMED_VOID(ktla_conn_free(conn));
    peer_close(&p);
    if (client_fd >= 0) {
        close_now(client_fd);
        close_now(server_fd);
    }
    return verdict;
}

/* ktla_install_keys on the staged kernel: all or nothing. */
static int run_install_keys(const void *arg, char *why, size_t size)
{
    (void)arg;
    struct ktla_session_keys keys;
    char reason[256];
    int a, b, rc;

    memset(&stage, 0, sizeof stage);
    memset(&keys, 0x3c, sizeof keys);
    keys.version = KTLA_TLS_1_3;
    keys.ciphersuite = 0x1302;
    keys.secret_len = 48;
    if (test_loopback_pair(&a, &b) != 0)
        return broken(why, size, "test set-up failed");
    rc = ARMED(ktla_install_keys(b, 1, &keys, reason, sizeof reason));
    if (rc == 0 && (stage.tx_len == 0 || stage.rx_len == 0))
        rc = broken(why, size, "ktla_install_keys returned 0 without installing both keys");
    else if (rc != 0 && rc != KTLA_E_NOMEM && rc != KTLA_E_INVAL)
        rc = broken(why, size, "ktla_install_keys: %s (%s)", ktla_err_name(rc), reason);
    else if (rc != 0 && (stage.tx_len != 0 || reason[0] == '\0'))
        rc = broken(why, size, "ktla_install_keys failed (%s) after installing a key, or without a reason", reason);
    else
        rc = 0;
    close_now(a);
    close_now(b);
    return rc;
}

/* ------------------------------------------------------------ diagnostics */

static int diag_ok(int rc, const char *what, char *why, size_t size)
{
    if (rc == 0 || rc == KTLA_E_NOMEM || rc == KTLA_E_NOKTLS)
        return 0;
    return broken(why, size, "%s returned %s (errno %d)", what, ktla_err_name(rc), errno);
}

static int run_diag(const void *arg, char *why, size_t size)
{
    (void)arg;
    struct ktla_diag_socket one, *socks = NULL;
    struct ktla_diag_netdev dev, *devs = NULL;
    struct ktla_diag_counter *counters = NULL;
    size_t n = 0;
    int a, b, verdict;

    if (test_loopback_pair(&a, &b) != 0)
        return broken(why, size, "test set-up failed");
    verdict = diag_ok(ARMED(ktla_diag_lookup(b, &one)), "ktla_diag_lookup", why, size);
    if (verdict == 0)
        verdict = diag_ok(ARMED(ktla_diag_list(1, &socks, &n)), "ktla_diag_list", why, size);
    ARMED_VOID(free(socks));
    if (verdict == 0)
        verdict = diag_ok(ARMED(ktla_diag_netdev("lo", &dev)), "ktla_diag_netdev", why, size);
    if (verdict == 0)
        verdict = diag_ok(ARMED(ktla_diag_netdev_list(&devs, &n)), "ktla_diag_netdev_list", why, size);
    ARMED_VOID(free(devs));
    if (verdict == 0)
        verdict = diag_ok(ARMED(ktla_diag_tls_stat(&counters, &n)), "ktla_diag_tls_stat", why, size);
    ARMED_VOID(free(counters));
    close_now(a);
    close_now(b);
    return verdict;
}

static int run_probe(const void *arg, char *why, size_t size)
{
    (void)arg;
    ktla_probe *probe = NULL;
    int rc = ARMED(ktla_probe_run(&probe));

    ARMED_VOID(ktla_probe_free(probe));
    if (rc != 0 && rc != KTLA_E_NOMEM && rc != KTLA_E_LOOPBACK)
        return broken(why, size, "ktla_probe_run: %s", ktla_err_name(rc));
    return 0;
}

/* ------------------------------------------------------------ the sweep */

/*
 * Run once to warm up (what the process creates once and keeps: the kernel
 * capability probe, PSA's key store), once to count, then once per
 * allocation with that one failing; one verdict.  KTLA_ALLOC_FAIL=N runs
 * only n = N, for debugging.
 */
static void sweep(const char *name, int (*run)(const void *arg, char *why, size_t size), const void *arg)
{
    const char *only = getenv("KTLA_ALLOC_FAIL");
    unsigned long shown = getenv("KTLA_ALLOC_SHOW") ? strtoul(getenv("KTLA_ALLOC_SHOW"), NULL, 10) : 5;
    char why[512] = "";
    unsigned long total, first = 1, clean = 0, fine = 0, bad = 0, left = 0;
    time_t started = time(NULL);

    alloc_hook_reset(0);
    if (run(arg, why, sizeof why) != 0) {
        printf("FAIL %s: fails with no allocation failing: %s\n", name, why);
        failed++;
        return;
    }
    alloc_hook_reset(0);
    if (run(arg, why, sizeof why) != 0 || alloc_hook_live() != 0) {
        printf("FAIL %s: fails or leaks with no allocation failing: %s\n", name, why);
        alloc_hook_print_live(stdout);
        failed++;
        return;
    }
    total = alloc_hook_count();
    if (only)
        first = total = strtoul(only, NULL, 10);
    for (unsigned long n = first; n <= total; n++) {
        int rc;

        why[0] = '\0';
        alloc_hook_reset(n);
        rc = run(arg, why, sizeof why);
        if (rc == 0) {
            /* Blocks left are judged at the end (alloc_hook_suspect): mbedTLS replaces some global state. */
            if (alloc_hook_live()) {
                alloc_hook_suspect(name, n, alloc_hook_leak_inside("libmbed", "mbedtls_ssl_handshake"));
                left++;
            }
            alloc_hook_failed() ? clean++ : fine++;
            continue;
        }
        if (bad++ < shown) {
            printf("  %s, allocation %lu failing: %s\n", name, n, why);
            printf("    the failed allocation:\n");
            alloc_hook_print_failure(stdout);
        }
    }
    printf("%s %s: %lu allocations, each failed in turn: %lu runs ended cleanly, %lu did not reach it, "
           "%lu broke; %lu left blocks (judged at the end) (%ld s)\n",
           bad ? "FAIL" : "PASS", name, total, clean, fine, bad, left, (long)(time(NULL) - started));
    fflush(stdout);
    bad ? failed++ : passed++;
}

/*
 * With everything freed, PSA's global state included, what a run left and
 * nothing freed since has leaked.  Leaks whose failed allocation and leaked
 * blocks are all mbedTLS's, inside mbedtls_ssl_handshake (nothing ktla
 * holds), are mbedTLS's own error paths: shown, not failed.
 */
static void judge_leaks(void)
{
    size_t ours, upstream;

    mbedtls_psa_crypto_free();
    printf("leaks inside mbedTLS's handshake (its own error paths; not ktla's to fix):\n");
    upstream = alloc_hook_print_leaks(stdout, 1);
    printf("  %zu\nleaks of ours:\n", upstream);
    ours = alloc_hook_print_leaks(stdout, 0);
    printf("  %zu\n", ours);
    printf("%s leaks: %zu blocks left by the runs above and never freed, %zu of them mbedTLS's own\n",
           ours ? "FAIL" : "PASS", ours + upstream, upstream);
    ours ? failed++ : passed++;
}

static int make_ticket_key_file(void)
{
    unsigned char key[36];
    int fd = mkstemp(ticket_key_path);

    memset(key, 0xa5, sizeof key);
    if (fd < 0 || write(fd, key, sizeof key) != (ssize_t)sizeof key) {
        perror("ticket key file");
        return -1;
    }
    close(fd);
    return 0;
}

/*
 * The diagnostics list every socket and device of the network namespace,
 * and allocate for each: in a namespace of its own (root only) there are
 * only the test's, and the number of runs does not depend on the machine.
 */
static void own_network_namespace(void)
{
    struct ifreq ifr;
    int fd;

    if (unshare(CLONE_NEWNET) != 0) {
        printf("alloc-fail: in this machine's network namespace (unshare: %s)\n", strerror(errno));
        return;
    }
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) != 0 || (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr)) != 0) {
        perror("alloc-fail: bringing lo up in a new network namespace");
        exit(1);
    }
    close(fd);
    printf("alloc-fail: in a network namespace of its own\n");
}

int main(void)
{
    static const char *const alpn[] = {"h2", "http/1.1"};
    static const struct accept_case user12 = {KTLA_TLS_1_2, 0}, user13 = {KTLA_TLS_1_3, 0},
                                     kernel12 = {KTLA_TLS_1_2, 1}, kernel13 = {KTLA_TLS_1_3, 1};
    static const struct {
        const char *name;
        int (*run)(const void *arg, char *why, size_t size);
        const void *arg;
    } scenarios[] = {
        {"configuration (every setter, then ktla_conn_new)", run_config, NULL},
        {"ktla_accept TLS 1.2, user space", run_accept, &user12},
        {"ktla_accept TLS 1.3, user space", run_accept, &user13},
        {"ktla_accept TLS 1.2, kernel (staged)", run_accept, &kernel12},
        {"ktla_accept TLS 1.3, kernel (staged), KeyUpdate", run_accept, &kernel13},
        {"ktla_install_keys (staged kernel)", run_install_keys, NULL},
        {"diagnostics (ktla_diag_*)", run_diag, NULL},
        {"ktla_probe_run", run_probe, NULL},
    };

    setvbuf(stdout, NULL, _IOLBF, 0);
    own_network_namespace();
    ecdsa_crt = slurp("ecdsa-p256.crt", &ecdsa_crt_len);
    ecdsa_key = slurp("ecdsa-p256.key", &ecdsa_key_len);
    shared_cfg = fixture_config("ecdsa-p256");
    if (shared_cfg == NULL || ktla_config_set_alpn(shared_cfg, alpn, 2) != 0 || make_ticket_key_file() != 0 ||
        config_serves(shared_cfg) != 0) /* built once, before the scenarios count */
        return 1;
    staged_kernel_install();
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (getenv("KTLA_ALLOC_SCENARIO") == NULL || strstr(scenarios[i].name, getenv("KTLA_ALLOC_SCENARIO")))
            sweep(scenarios[i].name, scenarios[i].run, scenarios[i].arg);
    staged_kernel_remove();
    ktla_config_free(shared_cfg);
    unlink(ticket_key_path);
    free(ecdsa_crt);
    free(ecdsa_key);
    judge_leaks();
    printf("alloc-fail: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
