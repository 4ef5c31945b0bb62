/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_client.c - the TLS client on libktla's client side: the shared
 * configuration, and each connection's handshake, data and close through
 * ktla_connect(), ktla_read(), ktla_write() and ktla_shutdown(), with their
 * outcomes mapped to TLS_IO_* codes.
 */
#include "tls_client.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

/* --cipher: each AEAD kind as the library names it. */
static const enum ktla_cipher cipher_by_kind[] = {
    [BENCH_CIPHER_AES_128_GCM] = KTLA_CIPHER_AES_GCM_128,
    [BENCH_CIPHER_AES_256_GCM] = KTLA_CIPHER_AES_GCM_256,
    [BENCH_CIPHER_CHACHA20_POLY1305] = KTLA_CIPHER_CHACHA20_POLY1305,
    [BENCH_CIPHER_AES_128_CCM] = KTLA_CIPHER_AES_CCM_128,
};

/* RFC 6066 allows no IP address in SNI. */
static int is_ip_literal(const char *host)
{
    unsigned char addr[16];

    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

static int conf_fail(const struct tls_shared *ts, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, ktla_config_error(ts->cfg));
    return -1;
}

int tls_shared_init(struct tls_shared *ts, const struct bench_opts *o, char *err, size_t errlen)
{
    enum ktla_tls_version lo = o->tls_version == 13 ? KTLA_TLS_1_3 : KTLA_TLS_1_2;
    enum ktla_tls_version hi = o->tls_version == 12 ? KTLA_TLS_1_2 : KTLA_TLS_1_3;
    int rc;

    memset(ts, 0, sizeof *ts);
    if ((rc = ktla_config_new_client(&ts->cfg)) != 0) {
        snprintf(err, errlen, "ktla_config_new_client: %s", ktla_strerror(rc));
        return -1;
    }
    if (ktla_config_set_versions(ts->cfg, lo, hi) != 0)
        return conf_fail(ts, err, errlen, "--tls");
    if (o->cipher != BENCH_CIPHER_ANY && (size_t)o->cipher < sizeof cipher_by_kind / sizeof cipher_by_kind[0] &&
        ktla_config_set_ciphers(ts->cfg, &cipher_by_kind[o->cipher], 1) != 0)
        return conf_fail(ts, err, errlen, "--cipher");
    if (o->cacert ? ktla_config_set_ca(ts->cfg, o->cacert, NULL) != 0
                  : ktla_config_set_verify(ts->cfg, KTLA_VERIFY_NONE) != 0)
        return conf_fail(ts, err, errlen, o->cacert ? o->cacert : "verification");
    if (!o->ktls && ktla_config_set_offload(ts->cfg, KTLA_OFFLOAD_POLICY_NEVER) != 0)
        return conf_fail(ts, err, errlen, "--ktls off");
    if (ktla_config_check(ts->cfg) != 0)
        return conf_fail(ts, err, errlen, "configuration");
    ts->resume = o->resume;
    ts->ktls = o->ktls;
    ts->no_sni = !o->cacert && is_ip_literal(o->url.host);
    return 0;
}

void tls_shared_free(struct tls_shared *ts)
{
    ktla_config_free(ts->cfg);
    ts->cfg = NULL;
}

void tls_link_init(struct tls_link *l)
{
    memset(l, 0, sizeof *l);
}

void tls_link_free(struct tls_link *l)
{
    ktla_conn_free(l->conn);
    l->conn = NULL;
    tls_link_forget_session(l);
}

static int link_error(struct tls_link *l, const char *what, int rc)
{
    snprintf(l->err, sizeof l->err, "%s: %s", what, ktla_strerror(rc));
    return TLS_IO_ERROR;
}

/* Map a failed call's return (ret) through ktla_get_error(). */
static int io_code(struct tls_link *l, long ret)
{
    int err;

    switch (ktla_get_error(l->conn, ret)) {
    case KTLA_ERROR_WANT_READ: return TLS_IO_WANT_READ;
    case KTLA_ERROR_WANT_WRITE: return TLS_IO_WANT_WRITE;
    case KTLA_ERROR_ZERO_RETURN: return TLS_IO_CLOSED;
    case KTLA_ERROR_SYSCALL:
        err = ktla_get_errno(l->conn);
        if (err == 0 && l->established) /* the transport ended without close_notify (ktla_read(3)) */
            return TLS_IO_EOF;
        if (err != 0)
            snprintf(l->err, sizeof l->err, "%s: %s", ktla_get_reason(l->conn), strerror(err));
        else
            snprintf(l->err, sizeof l->err, "%s", ktla_get_reason(l->conn));
        return TLS_IO_ERROR;
    default:
        snprintf(l->err, sizeof l->err, "%s", ktla_get_reason(l->conn));
        return TLS_IO_ERROR;
    }
}

int tls_link_start(struct tls_link *l, const struct tls_shared *ts, int fd, const char *host)
{
    int rc;

    tls_link_end(l);
    l->offered = 0;
    l->err[0] = '\0';
    l->resume = ts->resume;
    l->ktls = ts->ktls;
    if ((rc = ktla_conn_new(ts->cfg, &l->conn)) != 0)
        return link_error(l, "ktla_conn_new", rc);
    if ((rc = ktla_set_fd(l->conn, fd)) != 0)
        return link_error(l, "ktla_set_fd", rc);
    /* The name for SNI and, under --cacert, the certificate check; none for an IP address unverified. */
    if (!ts->no_sni && (rc = ktla_set_server_name(l->conn, host)) != 0)
        return link_error(l, "ktla_set_server_name", rc);
    if (l->resume && l->session) {
        if ((rc = ktla_set_session(l->conn, l->session)) != 0)
            return link_error(l, "ktla_set_session", rc);
        l->offered = 1;
    }
    return 0;
}

int tls_link_handshake(struct tls_link *l)
{
    int r = ktla_connect(l->conn);

    if (r == 1) {
        l->established = 1;
        return 0;
    }
    if (r == 0) {
        snprintf(l->err, sizeof l->err, "the server ended the handshake: %s", ktla_get_reason(l->conn));
        return TLS_IO_ERROR;
    }
    return io_code(l, r);
}

int tls_link_in_kernel(const struct tls_link *l, char *why, size_t size)
{
    static const enum ktla_direction dirs[] = {KTLA_DIR_TX, KTLA_DIR_RX};

    if (!l->ktls) {
        snprintf(why, size, "--ktls off");
        return 0;
    }
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (ktla_get_offload(l->conn, dirs[i]) != KTLA_OFFLOAD_KERNEL) {
            const char *reason = ktla_get_offload_reason(l->conn, dirs[i]);

            snprintf(why, size, "%s", reason ? reason : "user space");
            return 0;
        }
    }
    return 1;
}

int tls_link_resumed(const struct tls_link *l)
{
    return l->offered && ktla_get_session_resumed(l->conn) == 1;
}

/* The names ktla-bench's reports have always used (mbedTLS's), not ktla_tls_version_name()'s "TLS1.3". */
const char *tls_link_version_name(const struct tls_link *l)
{
    switch (ktla_get_tls_version(l->conn)) {
    case KTLA_TLS_1_2: return "TLSv1.2";
    case KTLA_TLS_1_3: return "TLSv1.3";
    default: return "?";
    }
}

const char *tls_link_cipher_name(const struct tls_link *l)
{
    const char *name = ktla_get_ciphersuite_name(l->conn);

    return name ? name : "?";
}

int tls_link_write(struct tls_link *l, const unsigned char *buf, size_t len)
{
    long n;

    if (len > INT_MAX)
        len = INT_MAX;
    n = ktla_write(l->conn, buf, len);
    return n > 0 ? (int)n : io_code(l, n);
}

int tls_link_read(struct tls_link *l, unsigned char *buf, size_t cap)
{
    long n;

    if (cap > INT_MAX)
        cap = INT_MAX;
    n = ktla_read(l->conn, buf, cap);
    if (n > 0)
        return (int)n;
    return n == 0 ? TLS_IO_CLOSED : io_code(l, n);
}

int tls_link_pending(const struct tls_link *l)
{
    return l->conn != NULL && ktla_pending(l->conn) > 0;
}

int tls_link_close_notify(struct tls_link *l)
{
    int r = ktla_shutdown(l->conn);

    return r == 1 ? 0 : io_code(l, r);
}

void tls_link_end(struct tls_link *l)
{
    ktla_session *s = NULL;

    if (l->conn == NULL)
        return;
    /* TLS 1.2: the handshake's session; TLS 1.3: the last ticket read (none yet: keep the old one). */
    if (l->resume && l->established && ktla_get_session(l->conn, &s) == 0) {
        ktla_session_free(l->session);
        l->session = s;
    }
    ktla_conn_free(l->conn);
    l->conn = NULL;
    l->established = 0;
}

void tls_link_forget_session(struct tls_link *l)
{
    ktla_session_free(l->session);
    l->session = NULL;
}

void tls_link_describe_error(const struct tls_link *l, char *buf, size_t size)
{
    snprintf(buf, size, "%s", l->err[0] ? l->err : "unknown TLS error");
}
