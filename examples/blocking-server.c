/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blocking-server - the smallest complete ktla server.
 *
 *     blocking-server CERT.pem KEY.pem PORT
 *
 * Listens on 127.0.0.1:PORT, accepts one client, runs the TLS handshake on
 * the blocking socket, prints where the record layer ended up (the kernel,
 * or user space and why), writes a greeting, sends close_notify and exits.
 * Try it with:  openssl s_client -connect 127.0.0.1:PORT
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ktla.h>

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ktla_config *cfg = NULL;
    ktla_conn *conn = NULL;
    int one = 1, lfd, fd, rc = -1;

    if (argc != 4)
        return fprintf(stderr, "usage: %s CERT KEY PORT\n", argv[0]), 2;
    if (ktla_config_new(&cfg) != 0 || ktla_config_add_cert_file(cfg, argv[1], argv[2], NULL) != 0)
        return fprintf(stderr, "configuration: %s\n", ktla_config_error(cfg)), 1;
    addr.sin_port = htons((unsigned short)atoi(argv[3]));
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1) != 0 ||
        (fd = accept(lfd, NULL, NULL)) < 0)
        return perror("listen/accept"), 1;
    if (ktla_conn_new(cfg, &conn) == 0 && ktla_set_fd(conn, fd) == 0 && (rc = ktla_accept(conn)) == 1) {
        printf("%s %s\n", ktla_tls_version_name(ktla_get_tls_version(conn)), ktla_get_ciphersuite_name(conn));
        for (int dir = KTLA_DIR_TX; dir <= KTLA_DIR_RX; dir++) {
            const char *why = ktla_get_offload_reason(conn, dir); /* NULL when the kernel has it */
            printf("%s: %s%s\n", dir == KTLA_DIR_TX ? "tx" : "rx", why ? "user space, " : "kernel", why ? why : "");
        }
        if (ktla_write(conn, "hello from ktla\n", 16) != 16 || ktla_shutdown(conn) != 1)
            fprintf(stderr, "write: %s\n", ktla_get_reason(conn));
    } else {
        fprintf(stderr, "handshake failed (%d): %s\n", rc, ktla_get_reason(conn));
    }
    ktla_conn_free(conn); /* closes nothing and sends nothing: the socket is ours */
    close(fd);
    close(lfd);
    ktla_config_free(cfg);
    return rc == 1 ? 0 : 1;
}
