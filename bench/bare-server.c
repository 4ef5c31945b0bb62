/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bare-server.c - the mbedTLS bound for scripts/bench: a TLS server on
 * mbedTLS 3.6 alone, with nothing of ktla in it.  It is a yardstick, not part
 * of the library or its tools, and is built only by the benchmark.
 *
 * It is configured as ktla configures mbedTLS (see lib/handshake/config_freeze.c): the
 * same versions (TLS 1.2 and 1.3), the kernel's AEAD suites in ktla's
 * default order, groups P-256, X25519, P-384, ALPN "http/1.1", PSA's random
 * generator, and session tickets (AES-256-GCM, one TLS 1.3 ticket per
 * handshake).  What ktla then adds (SNI certificate selection, the key export
 * callback, the hand-off, its record layer, ktla-serve's event loop) is not
 * here, so that the two can be compared instruction by instruction.
 *
 * One connection at a time, blocking: accept, handshake, read one request
 * head, answer it with the body file and "Connection: close", close_notify,
 * close.  That is what `openssl s_time -www` and the benchmark's Python
 * client need.
 *
 *   bare-server --cert FILE --key FILE --body FILE [--listen ADDR:PORT]
 *               [--port-file FILE] [--count N]
 *
 * --count N exits after N connections (for profiling runs).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <psa/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* The suites ktla offers by default (lib/keys/keys.c ktla__kernel_ciphersuites,
 * grouped by ktla's default cipher order: AES-128-GCM, AES-256-GCM,
 * ChaCha20-Poly1305, AES-128-CCM). */
static const int suites[] = {
    0x1301, 0xC02B, 0xC02F, /* AES-128-GCM */
    0x1302, 0xC02C, 0xC030, /* AES-256-GCM */
    0x1303, 0xCCA9, 0xCCA8, /* ChaCha20-Poly1305 */
    0x1304, 0xC0AC,         /* AES-128-CCM */
    0,
};
static const uint16_t groups[] = {
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1, MBEDTLS_SSL_IANA_TLS_GROUP_X25519, MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_NONE,
};
static const char *alpn[] = {"http/1.1", NULL};
enum { TICKET_LIFETIME_S = 7200, MAX_HEAD = 16384 };

struct options {
    const char *cert, *key, *body, *listen, *port_file;
    long count;
};

static void die(const char *what, int rc)
{
    char msg[160];

    mbedtls_strerror(rc, msg, sizeof msg);
    fprintf(stderr, "bare-server: %s: %s (-0x%04x)\n", what, msg, (unsigned)-rc);
    exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: bare-server --cert FILE --key FILE --body FILE [--listen ADDR:PORT] "
                    "[--port-file FILE] [--count N]\n");
    exit(2);
}

static struct options parse_options(int argc, char **argv)
{
    struct options o = {.listen = "127.0.0.1:0", .count = -1};

    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            usage();
        if (strcmp(argv[i], "--cert") == 0)
            o.cert = v;
        else if (strcmp(argv[i], "--key") == 0)
            o.key = v;
        else if (strcmp(argv[i], "--body") == 0)
            o.body = v;
        else if (strcmp(argv[i], "--listen") == 0)
            o.listen = v;
        else if (strcmp(argv[i], "--port-file") == 0)
            o.port_file = v;
        else if (strcmp(argv[i], "--count") == 0)
            o.count = strtol(v, NULL, 10);
        else
            usage();
        i++;
    }
    if (o.cert == NULL || o.key == NULL || o.body == NULL)
        usage();
    return o;
}

/* The whole body file, read once: every response is the same. */
static unsigned char *read_body(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *buf;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0 || (buf = malloc((size_t)st.st_size + 1)) == NULL) {
        perror(path);
        exit(1);
    }
    if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
        perror(path);
        exit(1);
    }
    close(fd);
    *len = (size_t)st.st_size;
    return buf;
}

static int listen_on(const char *spec, const char *port_file)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    struct sockaddr_in addr = {.sin_family = AF_INET};
    socklen_t alen = sizeof addr;
    int one = 1, fd;

    if (colon == NULL || (size_t)(colon - spec) >= sizeof host)
        usage();
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    addr.sin_port = htons((unsigned short)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
        usage();
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 511) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
        perror(spec);
        exit(1);
    }
    if (port_file) {
        char tmp[4096];
        FILE *f;
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        f = fopen(tmp, "w");
        if (f == NULL || fprintf(f, "%u\n", ntohs(addr.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, port_file) != 0) {
            perror(port_file);
            exit(1);
        }
    }
    return fd;
}

static void configure(mbedtls_ssl_config *conf, mbedtls_x509_crt *crt, mbedtls_pk_context *key,
                      mbedtls_ssl_ticket_context *tickets, const struct options *o)
{
    int rc;

    if ((rc = mbedtls_x509_crt_parse_file(crt, o->cert)) != 0)
        die(o->cert, rc);
    if ((rc = mbedtls_pk_parse_keyfile(key, o->key, NULL, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE)) != 0)
        die(o->key, rc);
    if ((rc = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
        die("defaults", rc);
    mbedtls_ssl_conf_rng(conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_3);
    mbedtls_ssl_conf_ciphersuites(conf, suites);
    mbedtls_ssl_conf_groups(conf, groups);
    if ((rc = mbedtls_ssl_conf_own_cert(conf, crt, key)) != 0)
        die("own cert", rc);
    if ((rc = mbedtls_ssl_conf_alpn_protocols(conf, alpn)) != 0)
        die("alpn", rc);
    mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
    if ((rc = mbedtls_ssl_ticket_setup(tickets, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE,
                                       MBEDTLS_CIPHER_AES_256_GCM, TICKET_LIFETIME_S)) != 0)
        die("tickets", rc);
    mbedtls_ssl_conf_session_tickets_cb(conf, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse, tickets);
    mbedtls_ssl_conf_new_session_tickets(conf, 1);
}

/* Read up to the end of the request head; 0 when it came, -1 otherwise. */
static int read_head(mbedtls_ssl_context *ssl)
{
    unsigned char buf[MAX_HEAD];
    size_t have = 0;

    while (have < sizeof buf - 1) {
        int n = mbedtls_ssl_read(ssl, buf + have, sizeof buf - 1 - have);
        if (n == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
            continue;
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buf[have] = '\0';
        if (strstr((char *)buf, "\r\n\r\n"))
            return 0;
    }
    return -1;
}

static int write_all(mbedtls_ssl_context *ssl, const unsigned char *p, size_t len)
{
    while (len > 0) {
        int n = mbedtls_ssl_write(ssl, p, len);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void serve_one(mbedtls_ssl_config *conf, int fd, const unsigned char *body, size_t body_len)
{
    mbedtls_ssl_context ssl;
    mbedtls_net_context net = {.fd = fd};
    char head[256];
    int one = 1, n;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    mbedtls_ssl_init(&ssl);
    if (mbedtls_ssl_setup(&ssl, conf) != 0)
        goto out;
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, NULL);
    if (mbedtls_ssl_handshake(&ssl) != 0 || read_head(&ssl) != 0)
        goto out;
    n = snprintf(head, sizeof head,
                 "HTTP/1.1 200 OK\r\nServer: bare-server\r\nContent-Type: application/octet-stream\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 body_len);
    if (write_all(&ssl, (const unsigned char *)head, (size_t)n) == 0 && write_all(&ssl, body, body_len) == 0)
        mbedtls_ssl_close_notify(&ssl);
out:
    mbedtls_ssl_free(&ssl);
    close(fd);
}

int main(int argc, char **argv)
{
    struct options o = parse_options(argc, argv);
    mbedtls_ssl_config conf;
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
    mbedtls_ssl_ticket_context tickets;
    unsigned char *body;
    size_t body_len;
    int lfd;

    signal(SIGPIPE, SIG_IGN);
    if (psa_crypto_init() != PSA_SUCCESS)
        return fprintf(stderr, "bare-server: psa_crypto_init failed\n"), 1;
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&key);
    mbedtls_ssl_ticket_init(&tickets);
    configure(&conf, &crt, &key, &tickets, &o);
    body = read_body(o.body, &body_len);
    lfd = listen_on(o.listen, o.port_file);
    for (long served = 0; o.count < 0 || served < o.count; served++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("accept");
            return 1;
        }
        serve_one(&conf, fd, body, body_len);
    }
    close(lfd);
    free(body);
    mbedtls_ssl_ticket_free(&tickets);
    mbedtls_ssl_config_free(&conf);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&crt);
    mbedtls_psa_crypto_free();
    return 0;
}
