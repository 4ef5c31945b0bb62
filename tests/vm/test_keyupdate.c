/*
 * test_keyupdate.c - a TLS 1.3 client KeyUpdate on a connection whose
 * record layer is in the kernel, with `openssl s_client` as the client (its
 * "k" and "K" commands).  On Linux >= 6.14 ktla installs the new receive key
 * (and for "K" answers with its own KeyUpdate and a new transmit key) and
 * data keeps flowing; on older kernels the read ends with an error that
 * says re-keying needs 6.14 - never garbage, never a hang.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "fixture.h"
#include "test_keyupdate.h"

int kernel_rekeys(void)
{
    struct utsname u;
    int major = 0, minor = 0;

    uname(&u);
    sscanf(u.release, "%d.%d", &major, &minor);
    return major > 6 || (major == 6 && minor >= 14);
}

struct server {
    int listener, port;
    char lines[4][64]; /* what the server read, line by line */
    int n_lines;
    long last;         /* ktla_read's last return */
    enum ktla_error last_error;
    char reason[256];
    enum ktla_offload rx;
};

static void *serve(void *arg)
{
    struct server *s = arg;
    ktla_config *cfg = fixture_config("ecdsa-p256");
    ktla_conn *c = NULL;
    char buf[256];
    size_t have = 0;
    int fd = accept(s->listener, NULL, NULL);

    if (cfg == NULL || fd < 0 || ktla_conn_new(cfg, &c) != 0 || ktla_set_fd(c, fd) != 0 || ktla_accept(c) != 1)
        goto out;
    s->rx = ktla_get_offload(c, KTLA_DIR_RX);
    while (s->n_lines < 4) {
        long n = ktla_read(c, buf + have, sizeof buf - have - 1);
        s->last = n;
        if (n <= 0) {
            s->last_error = ktla_get_error(c, n);
            snprintf(s->reason, sizeof s->reason, "%s", ktla_get_reason(c));
            break;
        }
        have += (size_t)n;
        buf[have] = '\0';
        for (char *nl; (nl = strchr(buf, '\n')) != NULL;) {
            *nl = '\0';
            snprintf(s->lines[s->n_lines++], sizeof s->lines[0], "%.63s", buf);
            /* echo it back: after a "K" this goes out under the server's new key */
            ktla_write(c, buf, strlen(buf));
            ktla_write(c, "\n", 1);
            have -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have + 1);
            if (s->n_lines == 4)
                break;
        }
    }
    ktla_shutdown(c);
out:
    ktla_conn_free(c);
    ktla_config_free(cfg);
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* s_client with stdin fed line by line with pauses, as its command letters need. */
static pid_t start_client(int port, int *stdin_fd, const char *out_path)
{
    char addr[32];
    int in[2];
    pid_t pid;

    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    if (pipe(in) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        FILE *out = fopen(out_path, "w");
        dup2(in[0], 0);
        if (out)
            dup2(fileno(out), 1);
        dup2(1, 2);
        close(in[1]);
        /* no -quiet or -ign_eof: either turns the command letters off */
        execlp("openssl", "openssl", "s_client", "-connect", addr, "-tls1_3", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    *stdin_fd = in[1];
    return pid;
}

static void say(int fd, const char *line)
{
    if (write(fd, line, strlen(line)) < 0)
        return;
    usleep(1500 * 1000); /* each command letter must be its own read in s_client */
}

static void run(const char *letter)
{
    struct server s = {0};
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    char out_path[] = "/tmp/ktla-keyupdate-XXXXXX";
    pthread_t t;
    int in_fd = -1, status, tmp;
    pid_t pid;

    signal(SIGPIPE, SIG_IGN); /* s_client may be gone when a line is fed */
    s.listener = socket(AF_INET, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(s.listener >= 0 && bind(s.listener, (struct sockaddr *)&a, sizeof a) == 0 &&
                    listen(s.listener, 1) == 0 && getsockname(s.listener, (struct sockaddr *)&a, &len) == 0);
    tmp = mkstemp(out_path);
    CU_ASSERT_FATAL(tmp >= 0);
    close(tmp);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, serve, &s), 0);
    pid = start_client(ntohs(a.sin_port), &in_fd, out_path);
    CU_ASSERT_FATAL(pid > 0);
    usleep(3000 * 1000); /* handshake under emulation */
    say(in_fd, "before\n");
    say(in_fd, letter);
    say(in_fd, "after\n");
    say(in_fd, "again\n");
    say(in_fd, "last\n");
    close(in_fd);
    shutdown(s.listener, SHUT_RDWR);
    pthread_join(t, NULL);
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    close(s.listener);

    CU_ASSERT_EQUAL(s.rx, KTLA_OFFLOAD_KERNEL);
    CU_ASSERT_STRING_EQUAL(s.lines[0], "before");
    if (kernel_rekeys()) {
        CU_ASSERT_STRING_EQUAL(s.lines[1], "after");
        CU_ASSERT_STRING_EQUAL(s.lines[2], "again");
        if (strcmp(s.lines[1], "after") != 0)
            printf("\n    read ended: %s", s.reason);
        /* and the client decrypted what the server sent after it (for "K": under its new key) */
        char cmd[256];
        snprintf(cmd, sizeof cmd, "grep -qx again %s", out_path);
        CU_ASSERT_EQUAL(system(cmd), 0);
    } else {
        /* The old kernel cannot take a new key: a clear error, nothing after it read as data. */
        CU_ASSERT_EQUAL(s.n_lines, 1);
        CU_ASSERT_EQUAL(s.last, -1);
        CU_ASSERT_EQUAL(s.last_error, KTLA_ERROR_TLS);
        CU_ASSERT_PTR_NOT_NULL(strstr(s.reason, "KeyUpdate"));
        CU_ASSERT_PTR_NOT_NULL(strstr(s.reason, "6.14"));
        printf("\n    as expected on %s: %s", kernel_rekeys() ? "" : "a kernel before 6.14", s.reason);
    }
    if (CU_get_number_of_failures() > 0) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "echo '    s_client said:'; sed 's/^/      /' %s | tail -20", out_path);
        if (system(cmd) != 0)
            printf("\n    (no s_client output)");
    }
    unlink(out_path);
}

static void test_client_keyupdate(void)
{
    run("k\n");
}

static void test_client_keyupdate_requesting_ours(void)
{
    run("K\n");
}

int add_keyupdate_suite(void)
{
    CU_pSuite s = CU_add_suite("vm: TLS 1.3 KeyUpdate from openssl s_client", NULL, NULL);
    return s && CU_add_test(s, "client KeyUpdate (k)", test_client_keyupdate) &&
                   CU_add_test(s, "client KeyUpdate asking for ours (K)", test_client_keyupdate_requesting_ours)
               ? 0
               : -1;
}
