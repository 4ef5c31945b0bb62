/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client - the smallest complete ktla client.
 *
 *     client HOST PORT [CA.pem]
 *
 * Connects to HOST:PORT (a name or an address), runs the TLS handshake with
 * ktla_connect() on the blocking socket, verifying the server's certificate
 * for HOST against CA.pem (or the system's trusted CAs), prints where the
 * record layer ended up (the kernel, or user space and why), sends one line
 * read from standard input, prints the server's answer and sends
 * close_notify.  Try it against
 *     openssl s_server -accept 4433 -rev -cert tests/data/ecdsa-p256.crt -key tests/data/ecdsa-p256.key
 * with:  echo hello | build/examples/client localhost 4433 tests/data/ecdsa-p256.crt
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ktla.h>

static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
    int fd = -1;

    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

int main(int argc, char **argv)
{
    ktla_config *cfg = NULL;
    ktla_conn *conn = NULL;
    char line[1024], buf[4096];
    int fd, rc = -1;
    long n;

    if (argc != 3 && argc != 4)
        return fprintf(stderr, "usage: %s HOST PORT [CA.pem]\n", argv[0]), 2;
    if (ktla_config_new_client(&cfg) != 0 || (argc == 4 && ktla_config_set_ca(cfg, argv[3], NULL) != 0))
        return fprintf(stderr, "configuration: %s\n", ktla_config_error(cfg)), 1;
    if ((fd = tcp_connect(argv[1], argv[2])) < 0)
        return fprintf(stderr, "cannot connect to %s port %s\n", argv[1], argv[2]), 1;
    if (ktla_conn_new(cfg, &conn) == 0 && ktla_set_fd(conn, fd) == 0 && ktla_set_server_name(conn, argv[1]) == 0 &&
        (rc = ktla_connect(conn)) == 1) {
        printf("%s %s\n", ktla_tls_version_name(ktla_get_tls_version(conn)), ktla_get_ciphersuite_name(conn));
        for (int dir = KTLA_DIR_TX; dir <= KTLA_DIR_RX; dir++) {
            const char *why = ktla_get_offload_reason(conn, dir); /* NULL when the kernel has it */
            printf("%s: %s%s\n", dir == KTLA_DIR_TX ? "tx" : "rx", why ? "user space, " : "kernel", why ? why : "");
        }
        if (fgets(line, sizeof line, stdin) && ktla_write(conn, line, strlen(line)) != (long)strlen(line))
            fprintf(stderr, "write: %s\n", ktla_get_reason(conn));
        /* s_server -rev answers and waits: one answer is enough here; a server that closes ends the loop too. */
        if ((n = ktla_read(conn, buf, sizeof buf)) > 0)
            fwrite(buf, 1, (size_t)n, stdout);
        (void)ktla_shutdown(conn);
    } else {
        fprintf(stderr, "handshake failed (%d): %s\n", rc, conn ? ktla_get_reason(conn) : ktla_config_error(cfg));
    }
    ktla_conn_free(conn); /* closes nothing and sends nothing: the socket is ours */
    close(fd);
    ktla_config_free(cfg);
    return rc == 1 ? 0 : 1;
}
