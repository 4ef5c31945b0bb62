/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ktla-psk-peer - one TLS 1.3 connection with an external PSK, through
 * ktla's public API, for tests/interop/check-psk to drive against openssl
 * and gnutls-cli.
 *
 *   ktla-psk-peer server PORTFILE IDENTITY HEXKEY [--lookup] [--psk-ke] [--cert CRT KEY]
 *       listens on 127.0.0.1 (a free port, written to PORTFILE), accepts one
 *       client, and answers its first line with "echo: LINE".  --lookup
 *       knows the identity through ktla_config_set_psk_lookup() instead of
 *       ktla_config_set_psk().
 *   ktla-psk-peer client PORT IDENTITY HEXKEY
 *       connects to 127.0.0.1:PORT, sends "hello psk", prints the reply.
 *
 * Prints "handshake ok version=... suite=... tx=kernel|user rx=..." or
 * "handshake failed alert=N reason=...", and exits 0 only when the
 * handshake and the exchange worked.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ktla.h"

struct psk {
    unsigned char identity[KTLA_PSK_MAX_IDENTITY];
    size_t identity_len;
    unsigned char key[KTLA_PSK_MAX_KEY];
    size_t key_len;
};

static int hex_decode(const char *hex, unsigned char *out, size_t size, size_t *len)
{
    size_t n = strlen(hex);

    if (n == 0 || n % 2 != 0 || n / 2 > size)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    *len = n / 2;
    return 0;
}

static size_t lookup(void *arg, const unsigned char *identity, size_t identity_len, unsigned char *key,
                     size_t key_size)
{
    const struct psk *psk = arg;

    printf("lookup identity=%.*s\n", (int)identity_len, (const char *)identity);
    if (identity_len != psk->identity_len || memcmp(identity, psk->identity, identity_len) != 0 ||
        psk->key_len > key_size)
        return 0;
    memcpy(key, psk->key, psk->key_len);
    return psk->key_len;
}

static const char *offload_name(enum ktla_offload o)
{
    return o == KTLA_OFFLOAD_KERNEL ? "kernel" : o == KTLA_OFFLOAD_USER ? "user" : "none";
}

static int report(ktla_conn *conn, int rc)
{
    if (rc != 1) {
        printf("handshake failed alert=%d reason=%s\n", ktla_get_alert(conn), ktla_get_reason(conn));
        return -1;
    }
    printf("handshake ok version=%s suite=%s tx=%s rx=%s\n", ktla_tls_version_name(ktla_get_tls_version(conn)),
           ktla_get_ciphersuite_name(conn), offload_name(ktla_get_offload(conn, KTLA_DIR_TX)),
           offload_name(ktla_get_offload(conn, KTLA_DIR_RX)));
    return 0;
}

static int listen_any(const char *port_file)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    FILE *f;

    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    f = fopen(port_file, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%u\n", ntohs(a.sin_port));
    fclose(f);
    return fd;
}

static int serve(int argc, char **argv, struct psk *psk)
{
    ktla_config *cfg;
    ktla_conn *conn;
    char line[256];
    long n;
    int use_lookup = 0, lfd, fd, rc;

    if (ktla_config_new(&cfg) != 0)
        return 1;
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--lookup") == 0)
            use_lookup = 1;
        else if (strcmp(argv[i], "--psk-ke") == 0)
            ktla_config_set_psk_ke(cfg, 1);
        else if (strcmp(argv[i], "--cert") == 0 && i + 2 < argc) {
            if (ktla_config_add_cert_file(cfg, argv[i + 1], argv[i + 2], NULL) != 0)
                return fprintf(stderr, "cert: %s\n", ktla_config_error(cfg)), 1;
            i += 2;
        }
    }
    rc = use_lookup ? ktla_config_set_psk_lookup(cfg, lookup, psk)
                    : ktla_config_set_psk(cfg, psk->identity, psk->identity_len, psk->key, psk->key_len);
    if (rc != 0 || ktla_config_check(cfg) != 0)
        return fprintf(stderr, "config: %s\n", ktla_config_error(cfg)), 1;
    lfd = listen_any(argv[2]);
    if (lfd < 0)
        return perror("listen"), 1;
    fflush(stdout);
    fd = accept(lfd, NULL, NULL);
    if (fd < 0 || ktla_conn_new(cfg, &conn) != 0 || ktla_set_fd(conn, fd) != 0)
        return 1;
    rc = report(conn, ktla_accept(conn));
    if (rc == 0) {
        n = ktla_read(conn, line, sizeof line - 1);
        rc = n > 0 ? 0 : -1;
        if (n > 0) {
            char reply[300];
            line[n] = '\0';
            line[strcspn(line, "\r\n")] = '\0';
            snprintf(reply, sizeof reply, "echo: %s\n", line);
            printf("received %s\n", line);
            rc = ktla_write(conn, reply, strlen(reply)) == (long)strlen(reply) ? 0 : -1;
            ktla_shutdown(conn);
        }
    }
    ktla_conn_free(conn);
    close(fd);
    ktla_config_free(cfg);
    return rc == 0 ? 0 : 1;
}

static int connect_to(int argc, char **argv, struct psk *psk)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    static const char hello[] = "hello psk\n";
    ktla_config *cfg;
    ktla_conn *conn;
    char reply[256];
    long n;
    int fd, rc;

    (void)argc;
    a.sin_port = htons((unsigned short)atoi(argv[2]));
    if (ktla_config_new_client(&cfg) != 0 ||
        ktla_config_set_psk(cfg, psk->identity, psk->identity_len, psk->key, psk->key_len) != 0 ||
        ktla_config_check(cfg) != 0)
        return fprintf(stderr, "config: %s\n", ktla_config_error(cfg)), 1;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return perror("connect"), 1;
    if (ktla_conn_new(cfg, &conn) != 0 || ktla_set_fd(conn, fd) != 0)
        return 1;
    rc = report(conn, ktla_connect(conn));
    if (rc == 0) {
        rc = ktla_write(conn, hello, sizeof hello - 1) == (long)sizeof hello - 1 ? 0 : -1;
        n = rc == 0 ? ktla_read(conn, reply, sizeof reply - 1) : -1;
        if (n > 0) {
            reply[n] = '\0';
            printf("reply %s", reply);
        } else {
            rc = -1;
            printf("no reply: %s\n", ktla_get_reason(conn));
        }
    }
    ktla_conn_free(conn);
    close(fd);
    ktla_config_free(cfg);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    static struct psk psk;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 5 || strlen(argv[3]) > sizeof psk.identity ||
        hex_decode(argv[4], psk.key, sizeof psk.key, &psk.key_len) != 0) {
        fprintf(stderr, "usage: ktla-psk-peer server PORTFILE IDENTITY HEXKEY [--lookup] [--psk-ke] [--cert CRT KEY]\n"
                        "       ktla-psk-peer client PORT IDENTITY HEXKEY\n");
        return 2;
    }
    psk.identity_len = strlen(argv[3]);
    memcpy(psk.identity, argv[3], psk.identity_len);
    if (strcmp(argv[1], "server") == 0)
        return serve(argc, argv, &psk);
    if (strcmp(argv[1], "client") == 0)
        return connect_to(argc, argv, &psk);
    return 2;
}
