/* SPDX-License-Identifier: Apache-2.0 */
/* peer_server.c - a real TLS server in a child process (peer_server.h). */
#define _GNU_SOURCE
#include "peer_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Arguments a peer's command line may have (the longest is under 24). */
#define MAX_PEER_ARGS 32
/* connect() attempts, PEER_RETRY_MS apart, while the server starts. */
#define PEER_RETRIES 100
#define PEER_RETRY_MS 50

int peer_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

int peer_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

    for (int i = 0; i < PEER_RETRIES; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        close(fd);
        poll(NULL, 0, PEER_RETRY_MS);
    }
    return -1;
}

pid_t peer_start(const char *const *argv, int port, const char *out_path)
{
    char portstr[16], *args[MAX_PEER_ARGS];
    size_t i;
    pid_t pid;

    snprintf(portstr, sizeof portstr, "%d", port);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        int out = out_path ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : null;
        for (i = 0; argv[i] && i + 1 < MAX_PEER_ARGS; i++)
            args[i] = strdup(strcmp(argv[i], "PORT") == 0 ? portstr : argv[i]);
        args[i] = NULL;
        dup2(null, 0);
        dup2(out, 1);
        dup2(out, 2);
        execvp(args[0], args);
        _exit(127);
    }
    return pid;
}

void peer_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}
