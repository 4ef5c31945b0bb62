/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_client.c - the TLS client: configuration, a non-blocking BIO, the
 * handshake, reads that keep session tickets, and resumption detection.
 */
#include "tls_client.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <sys/socket.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/platform_util.h>
#include <psa/crypto.h>

/*
 * Wire values, by name: content types and alert levels libktla's
 * (KTLA_RECORD_*, KTLA_ALERT_*), alert descriptions mbedTLS's
 * (MBEDTLS_SSL_ALERT_MSG_*); KeyUpdate mbedTLS keeps private (RFC 8446 4:
 * key_update(24)).
 */
#define HS_KEY_UPDATE 24
#define HS_HEADER_LEN 4 /* type, 24-bit length */

/*
 * --cipher: each AEAD kind by IANA id, TLS 1.3 first, then the TLS 1.2
 * ECDHE-ECDSA, ECDHE-RSA and DHE-RSA suites (mbedTLS skips what it lacks).
 */
static const int suites_by_kind[][8] = {
    [BENCH_CIPHER_AES_128_GCM] = {0x1301, 0xC02B, 0xC02F, 0x009E, 0},
    [BENCH_CIPHER_AES_256_GCM] = {0x1302, 0xC02C, 0xC030, 0x009F, 0},
    [BENCH_CIPHER_CHACHA20_POLY1305] = {0x1303, 0xCCA9, 0xCCA8, 0xCCAA, 0},
    [BENCH_CIPHER_AES_128_CCM] = {0x1304, 0xC0AC, 0xC09E, 0},
};

static int conf_fail(char *err, size_t errlen, const char *what, int code)
{
    char msg[128];

    mbedtls_strerror(code, msg, sizeof msg);
    snprintf(err, errlen, "%s: %s (-0x%04x)", what, msg, (unsigned)-code);
    return -1;
}

static void conf_versions(mbedtls_ssl_config *conf, int v)
{
    mbedtls_ssl_conf_min_tls_version(conf, v == 13 ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(conf, v == 12 ? MBEDTLS_SSL_VERSION_TLS1_2 : MBEDTLS_SSL_VERSION_TLS1_3);
}

static void conf_suites(struct tls_shared *ts, enum bench_cipher c)
{
    if (c == BENCH_CIPHER_ANY || (size_t)c >= sizeof suites_by_kind / sizeof suites_by_kind[0])
        return;
    memcpy(ts->suites, suites_by_kind[c], sizeof ts->suites);
    mbedtls_ssl_conf_ciphersuites(&ts->conf, ts->suites);
}

/* RFC 6066 allows no IP address in SNI; mbedTLS would send one. */
static int is_ip_literal(const char *host)
{
    unsigned char addr[16];

    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

int tls_shared_init(struct tls_shared *ts, const struct bench_opts *o, char *err, size_t errlen)
{
    int r;

    memset(ts, 0, sizeof *ts);
    mbedtls_ssl_config_init(&ts->conf);
    mbedtls_x509_crt_init(&ts->ca);
    if (psa_crypto_init() != PSA_SUCCESS) {
        snprintf(err, errlen, "psa_crypto_init failed");
        return -1;
    }
    r = mbedtls_ssl_config_defaults(&ts->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
    if (r != 0)
        return conf_fail(err, errlen, "mbedtls_ssl_config_defaults", r);
    mbedtls_ssl_conf_rng(&ts->conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    conf_versions(&ts->conf, o->tls_version);
    conf_suites(ts, o->cipher);
    if (o->cacert) {
        if ((r = mbedtls_x509_crt_parse_file(&ts->ca, o->cacert)) != 0)
            return conf_fail(err, errlen, o->cacert, r);
        mbedtls_ssl_conf_ca_chain(&ts->conf, &ts->ca, NULL);
        mbedtls_ssl_conf_authmode(&ts->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    } else {
        /* OPTIONAL, not NONE, so the verify callback counts certificates (see the header). */
        mbedtls_ssl_conf_authmode(&ts->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
    }
    ts->resume = o->resume;
    ts->ktls = o->ktls;
    ts->no_sni = !o->cacert && is_ip_literal(o->url.host);
    if (o->resume)
        mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
            &ts->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
    return 0;
}

void tls_shared_free(struct tls_shared *ts)
{
    mbedtls_ssl_config_free(&ts->conf);
    mbedtls_x509_crt_free(&ts->ca);
}

/* ---- the non-blocking BIO over l->fd ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct tls_link *l = ctx;
    ssize_t n;

    if (len > INT_MAX)
        len = INT_MAX;
    do
        n = send(l->fd, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    l->sys_err = errno;
    return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct tls_link *l = ctx;
    ssize_t n;

    if (len > INT_MAX)
        len = INT_MAX;
    do
        n = recv(l->fd, buf, len, 0);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return MBEDTLS_ERR_SSL_WANT_READ;
    l->sys_err = errno;
    return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* Runs once per certificate the server sends; never changes the verdict. */
static int count_cert(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    struct tls_link *l = ctx;

    (void)crt;
    (void)depth;
    (void)flags;
    l->certs++;
    return 0;
}

/*
 * mbedTLS's key export: keep what the kernel will need.  It may run before
 * the server's Finished is verified, so nothing is done with it until the
 * handshake has succeeded.
 */
static void export_keys(void *ctx, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t secret_len,
                        const unsigned char client_random[32], const unsigned char server_random[32],
                        mbedtls_tls_prf_types prf)
{
    struct tls_link *l = ctx;
    struct ktla_session_keys *k = &l->keys;

    (void)prf; /* ktla_install_keys() takes the PRF hash from the suite */
    switch (type) {
    case MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET:
        if (secret_len != sizeof k->master_secret)
            return;
        memcpy(k->master_secret, secret, sizeof k->master_secret);
        memcpy(k->client_random, client_random, sizeof k->client_random);
        memcpy(k->server_random, server_random, sizeof k->server_random);
        l->have_keys |= 1;
        break;
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET:
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_SERVER_APPLICATION_TRAFFIC_SECRET: {
        int client = type == MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET;

        if (secret_len > sizeof k->client_secret)
            return;
        memcpy(client ? k->client_secret : k->server_secret, secret, secret_len);
        k->secret_len = secret_len;
        l->have_keys |= client ? 2 : 4;
        break;
    }
    default:
        break;
    }
}

static void wipe_keys(struct tls_link *l)
{
    mbedtls_platform_zeroize(&l->keys, sizeof l->keys);
    l->have_keys = 0;
}

/* ---- the connection ---- */

void tls_link_init(struct tls_link *l)
{
    memset(l, 0, sizeof *l);
    mbedtls_ssl_init(&l->ssl);
    mbedtls_ssl_session_init(&l->session);
    l->fd = -1;
}

void tls_link_free(struct tls_link *l)
{
    wipe_keys(l);
    mbedtls_ssl_free(&l->ssl);
    mbedtls_ssl_session_free(&l->session);
}

static int io_error(struct tls_link *l, int code)
{
    l->mbed_err = code;
    return TLS_IO_ERROR;
}

/* Map an mbedTLS return code that is not a byte count. */
static int io_code(struct tls_link *l, int r)
{
    switch (r) {
    case MBEDTLS_ERR_SSL_WANT_READ: return TLS_IO_WANT_READ;
    case MBEDTLS_ERR_SSL_WANT_WRITE: return TLS_IO_WANT_WRITE;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY: return TLS_IO_CLOSED;
    case 0:
    case MBEDTLS_ERR_SSL_CONN_EOF: return TLS_IO_EOF;
    default: return io_error(l, r);
    }
}

/* Keep the newest session (TLS 1.2: after the handshake; TLS 1.3: each ticket). */
static void save_session(struct tls_link *l)
{
    mbedtls_ssl_session s;

    mbedtls_ssl_session_init(&s);
    if (mbedtls_ssl_get_session(&l->ssl, &s) != 0) {
        mbedtls_ssl_session_free(&s);
        return;
    }
    mbedtls_ssl_session_free(&l->session);
    l->session = s; /* moved: s is not freed */
    l->have_session = 1;
}

int tls_link_start(struct tls_link *l, const struct tls_shared *ts, int fd, const char *host)
{
    int r;

    l->fd = fd;
    l->offered = 0;
    l->certs = 0;
    l->mbed_err = 0;
    l->sys_err = 0;
    l->kernel = 0;
    l->key_update_owed = 0;
    l->kerr[0] = '\0';
    wipe_keys(l);
    r = l->set_up ? mbedtls_ssl_session_reset(&l->ssl) : mbedtls_ssl_setup(&l->ssl, &ts->conf);
    if (r != 0)
        return io_error(l, r);
    l->set_up = 1;
    l->resume = ts->resume;
    /* The name for SNI and, under --cacert, the certificate check (an explicit NULL: neither). */
    if ((r = mbedtls_ssl_set_hostname(&l->ssl, ts->no_sni ? NULL : host)) != 0)
        return io_error(l, r);
    mbedtls_ssl_set_bio(&l->ssl, l, bio_send, bio_recv, NULL);
    mbedtls_ssl_set_verify(&l->ssl, count_cert, l);
    mbedtls_ssl_set_export_keys_cb(&l->ssl, export_keys, l);
    if (l->resume && l->have_session) {
        if ((r = mbedtls_ssl_set_session(&l->ssl, &l->session)) != 0)
            return io_error(l, r);
        l->offered = 1;
    }
    return 0;
}

int tls_link_handshake(struct tls_link *l)
{
    for (;;) {
        int r = mbedtls_ssl_handshake(&l->ssl);

        if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            save_session(l); /* only signalled under --resume */
            continue;
        }
        if (r != 0)
            return r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE ? io_code(l, r) : io_error(l, r);
        if (l->resume && mbedtls_ssl_get_version_number(&l->ssl) == MBEDTLS_SSL_VERSION_TLS1_2)
            save_session(l);
        return 0;
    }
}

static unsigned long long be64(const unsigned char *p)
{
    unsigned long long v = 0;

    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Why the record layer must stay in mbedTLS, or NULL when the kernel may have it. */
static const char *keep_user_space(const struct tls_link *l, const struct tls_shared *ts)
{
    if (!ts->ktls)
        return "--ktls off";
    if (l->resume) /* TLS 1.3 tickets arrive after the handshake, and only mbedTLS can turn them into a session */
        return "--resume keeps the record layer in mbedTLS, which must catch the session tickets";
    if (mbedtls_ssl_check_pending(&l->ssl) != 0)
        return "mbedTLS holds received bytes not yet read; the kernel would miss them";
    return NULL;
}

int tls_link_offload(struct tls_link *l, const struct tls_shared *ts, char *why, size_t size)
{
    struct ktla_session_keys *k = &l->keys;
    const char *no = keep_user_space(l, ts);
    int r;

    k->version = (enum ktla_tls_version)mbedtls_ssl_get_version_number(&l->ssl);
    k->ciphersuite = mbedtls_ssl_get_ciphersuite_id_from_ssl(&l->ssl);
    if (no == NULL && l->have_keys != (k->version == KTLA_TLS_1_3 ? 6u : 1u))
        no = k->version == KTLA_TLS_1_3 ? "mbedTLS did not export the TLS 1.3 application traffic secrets"
                                        : "mbedTLS did not export the TLS 1.2 master secret";
    if (no) {
        snprintf(why, size, "%s", no);
        wipe_keys(l);
        return 0;
    }
    /* The next record each way, as mbedTLS counted them: never assumed. */
    k->client_seq = be64(l->ssl.MBEDTLS_PRIVATE(cur_out_ctr));
    k->server_seq = be64(l->ssl.MBEDTLS_PRIVATE(in_ctr));
    r = ktla_install_keys(l->fd, 1, k, why, size);
    /* TLS 1.3 keeps the secrets: a KeyUpdate derives the next ones from them (ktla_recv_key_update()). */
    if (r != 0 || k->version != KTLA_TLS_1_3)
        wipe_keys(l);
    if (r == KTLA_E_SYSCALL) {
        l->sys_err = errno;
        snprintf(l->kerr, sizeof l->kerr, "kTLS: %s", why);
        return TLS_IO_ERROR;
    }
    if (r != 0)
        return 0;
    /* The kernel has the record layer; mbedTLS's state is stale from now on. */
    mbedtls_ssl_free(&l->ssl);
    mbedtls_ssl_init(&l->ssl);
    l->set_up = 0;
    l->kernel = 1;
    return 1;
}

/* ---- the record layer in the kernel, through libktla's record calls ---- */

static int k_error(struct tls_link *l, int err, const char *what)
{
    l->sys_err = err;
    snprintf(l->kerr, sizeof l->kerr, "kTLS %s", what);
    return TLS_IO_ERROR;
}

/* A libktla record call's failure: WANT_* for EAGAIN, else an error naming the call. */
static int k_fail(struct tls_link *l, int rc, int want, const char *what)
{
    if (rc == KTLA_E_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))
        return want;
    if (rc == KTLA_E_SYSCALL)
        return k_error(l, errno, errno == EBADMSG ? "read (a record failed authentication)" : what);
    l->sys_err = 0;
    snprintf(l->kerr, sizeof l->kerr, "kTLS %s: %s", what, ktla_strerror(rc));
    return TLS_IO_ERROR;
}

/* Send the KeyUpdate the server asked for, if one is owed: 0, TLS_IO_WANT_WRITE, or TLS_IO_ERROR. */
static int k_flush_key_update(struct tls_link *l)
{
    char why[160];
    int rc;

    if (!l->key_update_owed)
        return 0;
    rc = ktla_send_key_update(l->fd, 1, &l->keys, 0, why, sizeof why);
    if (rc == KTLA_E_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))
        return TLS_IO_WANT_WRITE;
    if (rc != 0) {
        l->sys_err = 0;
        snprintf(l->kerr, sizeof l->kerr, "kTLS: our KeyUpdate, which the server asked for: %s", why);
        return TLS_IO_ERROR;
    }
    l->key_update_owed = 0;
    return 0;
}

static int k_write(struct tls_link *l, const unsigned char *buf, size_t len)
{
    ssize_t n;
    int r = k_flush_key_update(l);

    if (r != 0)
        return r;
    if (len > INT_MAX)
        len = INT_MAX;
    do
        n = send(l->fd, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        return (int)n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return TLS_IO_WANT_WRITE;
    return k_error(l, n < 0 ? errno : EPIPE, "send");
}

/* The server's KeyUpdate (the last message of its record): the next receive key, and ours when asked. */
static int k_key_update(struct tls_link *l, const unsigned char *msg, size_t len)
{
    char why[160];
    int rc = ktla_recv_key_update(l->fd, 1, &l->keys, msg, len, why, sizeof why);

    if (rc < 0) {
        l->sys_err = 0;
        snprintf(l->kerr, sizeof l->kerr, "kTLS: the server's KeyUpdate: %s", why);
        return TLS_IO_ERROR;
    }
    if (rc == 1)
        l->key_update_owed = 1;
    rc = k_flush_key_update(l);
    return rc == TLS_IO_WANT_WRITE ? 0 : rc; /* still owed: sent before the next write */
}

/* A handshake record after the switch: tickets are skipped, a KeyUpdate is followed. */
static int k_handshake_record(struct tls_link *l, const unsigned char *p, size_t n)
{
    while (n >= HS_HEADER_LEN) {
        size_t len = ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];

        if (p[0] == HS_KEY_UPDATE) /* keys change after it: it must end the record */
            return k_key_update(l, p, n);
        if (len > n - HS_HEADER_LEN)
            break;
        p += HS_HEADER_LEN + len;
        n -= HS_HEADER_LEN + len;
    }
    return 0;
}

static int k_read(struct tls_link *l, unsigned char *buf, size_t cap)
{
    for (;;) {
        unsigned char type = 0;
        long n = ktla_recv_record(l->fd, buf, cap, &type, 0);

        if (n < 0)
            return k_fail(l, (int)n, TLS_IO_WANT_READ, "read");
        if (type == KTLA_RECORD_APPLICATION_DATA) {
            if (n == 0)
                return TLS_IO_EOF;
            if (n > INT_MAX)
                n = INT_MAX;
            return (int)n;
        }
        if (type == KTLA_RECORD_HANDSHAKE) { /* e.g. the server's TLS 1.3 NewSessionTickets, sent after the switch */
            if (k_handshake_record(l, buf, (size_t)n) != 0)
                return TLS_IO_ERROR;
            continue;
        }
        if (type == KTLA_RECORD_ALERT && n >= 2 && buf[0] == KTLA_ALERT_WARNING &&
            buf[1] == MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY)
            return TLS_IO_CLOSED;
        if (type == KTLA_RECORD_ALERT && n >= 2)
            snprintf(l->kerr, sizeof l->kerr, "kTLS: the server sent alert %u (level %u)", buf[1], buf[0]);
        else
            snprintf(l->kerr, sizeof l->kerr, "kTLS: unexpected record of content type %u", type);
        return TLS_IO_ERROR;
    }
}

static int k_close_notify(struct tls_link *l)
{
    int rc = k_flush_key_update(l);

    if (rc != 0)
        return rc;
    rc = ktla_send_close_notify(l->fd);
    return rc == 0 ? 0 : k_fail(l, rc, TLS_IO_WANT_WRITE, "close_notify");
}

int tls_link_resumed(const struct tls_link *l)
{
    return l->offered && l->certs == 0;
}

int tls_link_write(struct tls_link *l, const unsigned char *buf, size_t len)
{
    if (l->kernel)
        return k_write(l, buf, len);
    for (;;) {
        int r = mbedtls_ssl_write(&l->ssl, buf, len);

        if (r > 0)
            return r;
        if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            save_session(l);
            continue;
        }
        return r == 0 ? io_error(l, MBEDTLS_ERR_SSL_INTERNAL_ERROR) : io_code(l, r);
    }
}

int tls_link_read(struct tls_link *l, unsigned char *buf, size_t cap)
{
    if (l->kernel)
        return k_read(l, buf, cap);
    for (;;) {
        int r = mbedtls_ssl_read(&l->ssl, buf, cap);

        if (r > 0)
            return r;
        if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            save_session(l);
            continue;
        }
        return io_code(l, r);
    }
}

int tls_link_pending(const struct tls_link *l)
{
    if (l->kernel)
        return 0; /* the kernel's unread records keep the socket readable for epoll */
    return mbedtls_ssl_get_bytes_avail(&l->ssl) > 0 || mbedtls_ssl_check_pending(&l->ssl) != 0;
}

int tls_link_close_notify(struct tls_link *l)
{
    int r;

    if (l->kernel)
        return k_close_notify(l);
    r = mbedtls_ssl_close_notify(&l->ssl);
    return r == 0 ? 0 : io_code(l, r);
}

void tls_link_forget_session(struct tls_link *l)
{
    mbedtls_ssl_session_free(&l->session);
    mbedtls_ssl_session_init(&l->session);
    l->have_session = 0;
}

void tls_link_describe_error(const struct tls_link *l, char *buf, size_t size)
{
    char msg[96], why[160] = "";
    uint32_t flags;

    if (l->kerr[0]) {
        if (l->sys_err)
            snprintf(buf, size, "%s: %s", l->kerr, strerror(l->sys_err));
        else
            snprintf(buf, size, "%s", l->kerr);
        return;
    }
    mbedtls_strerror(l->mbed_err, msg, sizeof msg);
    if (l->mbed_err == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && (flags = mbedtls_ssl_get_verify_result(&l->ssl)) != 0) {
        int n = mbedtls_x509_crt_verify_info(why, sizeof why, ": ", flags);

        if (n > 0 && why[n - 1] == '\n')
            why[n - 1] = '\0';
    }
    if (l->sys_err)
        snprintf(buf, size, "%s (-0x%04x)%s: %s", msg, (unsigned)-l->mbed_err, why, strerror(l->sys_err));
    else
        snprintf(buf, size, "%s (-0x%04x)%s", msg, (unsigned)-l->mbed_err, why);
}
