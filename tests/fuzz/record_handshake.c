/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record_handshake.c - record every byte a real TLS client sends to the
 * deterministic server of the handshake fuzz target (det_server.h), so the
 * recording replays there as a complete connection.
 *
 * Usage: record-handshake OUTFILE
 *        record-handshake --replay FILE...
 * Listens on 127.0.0.1 (any free port, printed on standard output), serves
 * one connection exactly as the fuzz target does, writes what the client
 * sent to OUTFILE, then replays OUTFILE as the fuzz target would and checks
 * that the replay gets as far as the real client did.  --replay says how
 * far each FILE gets.  tests/fuzz/capture-hellos drives it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "det_server.h"

struct recording {
    int fd;
    FILE *out;
};

static long record_recv(void *arg, unsigned char *buf, size_t len)
{
    struct recording *r = arg;
    ssize_t n = recv(r->fd, buf, len, 0);

    if (n < 0)
        return KTLA_IO_ERROR;
    if (n > 0 && fwrite(buf, 1, (size_t)n, r->out) != (size_t)n)
        return KTLA_IO_ERROR;
    return (long)n;
}

static long socket_send(void *arg, const unsigned char *buf, size_t len)
{
    struct recording *r = arg;
    ssize_t n = send(r->fd, buf, len, MSG_NOSIGNAL);

    return n < 0 ? KTLA_IO_ERROR : (long)n;
}

/* Replay a recording as the fuzz target does: ktla_accept's result, and how many bytes were left unread. */
static int replay(const char *path, size_t *left)
{
    static uint8_t data[1 << 20];
    FILE *f = fopen(path, "rb");
    struct fuzz_in in = {data, 0};
    int rc;

    if (f == NULL) {
        perror(path);
        return -2;
    }
    in.left = fread(data, 1, sizeof data, f);
    fclose(f);
    if (det_server_reset() != 0)
        return -2;
    rc = det_server_run(det_server_input_recv, det_server_drop_send, &in);
    *left = in.left;
    return rc;
}

static int replay_files(int n, char **paths)
{
    int bad = 0;

    for (int i = 0; i < n; i++) {
        size_t left = 0;
        int rc = replay(paths[i], &left);
        printf("%s: ktla_accept %d, %zu bytes unread\n", paths[i], rc, left);
        bad += rc != 1 || left != 0;
    }
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    struct timeval timeout = {.tv_sec = 10};
    struct recording r;
    int lfd, rc;

    if (argc > 2 && strcmp(argv[1], "--replay") == 0)
        return replay_files(argc - 2, argv + 2);
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTFILE | --replay FILE...\n", argv[0]);
        return 2;
    }
    if (det_server_reset() != 0)
        return 1;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
        perror("listen");
        return 1;
    }
    printf("%u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);
    alarm(60); /* a client that never came */
    r.fd = accept(lfd, NULL, NULL);
    r.out = fopen(argv[1], "wb");
    if (r.fd < 0 || r.out == NULL) {
        perror("accept/open");
        return 1;
    }
    setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    rc = det_server_run(record_recv, socket_send, &r);
    fclose(r.out);
    close(r.fd);
    close(lfd);
    fprintf(stderr, "record-handshake: ktla_accept returned %d with the client\n", rc);
    return rc == 1 ? replay_files(1, &argv[1]) : 1;
}
