/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_keyupdate.c - a TLS 1.3 client KeyUpdate on a connection whose
 * record layer is in the kernel, with `openssl s_client -msg` as the client
 * (its "k" and "K" commands).  On Linux >= 6.14 ktla installs the new
 * receive key (and for "K" sends its own KeyUpdate and installs a new
 * transmit key) and data keeps flowing; on older kernels the read ends with
 * an error that says re-keying needs 6.14 - never garbage, never a hang.
 *
 * That ktla's own KeyUpdate went out is checked where it shows: s_client
 * prints every handshake message it receives ("<<< ... KeyUpdate"), and
 * the kernel counts every new key (TlsTxRekeyOk, TlsRxRekeyOk in
 * /proc/net/tls_stat).  OpenSSL would go on reading under the old key if
 * ktla sent none, so the echoed lines alone would prove nothing.
 *
 * s_client reads each command letter from stdin on its own, so every line
 * is written only once the previous one has had its effect (the server read
 * it, or s_client printed that it sent its KeyUpdate), each wait bounded.
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
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "fixture.h"
#include "test_keyupdate.h"

/* Each step under emulation: a handshake, a line, a KeyUpdate.  Far more than any of them takes. */
#define STEP_DEADLINE_S 60

static const char sent_key_update[] = ">>> TLS 1.3, Handshake [length 0005], KeyUpdate";
static const char received_key_update[] = "<<< TLS 1.3, Handshake [length 0005], KeyUpdate";

int kernel_rekeys(void)
{
    struct utsname u;
    int major = 0, minor = 0;

    uname(&u);
    sscanf(u.release, "%d.%d", &major, &minor);
    return major > 6 || (major == 6 && minor >= 14);
}

struct server {
    int listener;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int accepted, done;
    char lines[4][64]; /* what the server read, line by line */
    int n_lines;
    long last;         /* ktla_read's last return */
    enum ktla_error last_error;
    char reason[256];
    enum ktla_offload rx;
};

static void update(struct server *s, void (*change)(struct server *, const void *), const void *arg)
{
    pthread_mutex_lock(&s->lock);
    change(s, arg);
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

static void set_accepted(struct server *s, const void *arg)
{
    s->accepted = *(const int *)arg;
}

static void add_line(struct server *s, const void *line)
{
    snprintf(s->lines[s->n_lines++], sizeof s->lines[0], "%.63s", (const char *)line);
}

static void set_done(struct server *s, const void *arg)
{
    (void)arg;
    s->done = 1;
}

static void *serve(void *arg)
{
    struct server *s = arg;
    ktla_config *cfg = fixture_config("ecdsa-p256");
    ktla_conn *c = NULL;
    char buf[256];
    size_t have = 0;
    int fd = accept(s->listener, NULL, NULL), ok;

    ok = cfg != NULL && fd >= 0 && ktla_conn_new(cfg, &c) == 0 && ktla_set_fd(c, fd) == 0 && ktla_accept(c) == 1;
    s->rx = ok ? ktla_get_offload(c, KTLA_DIR_RX) : KTLA_OFFLOAD_NONE;
    update(s, set_accepted, &(int){ok ? 1 : -1});
    while (ok && s->n_lines < 4) {
        long n = ktla_read(c, buf + have, sizeof buf - have - 1);
        s->last = n;
        if (n <= 0) {
            s->last_error = ktla_get_error(c, n);
            snprintf(s->reason, sizeof s->reason, "%s", ktla_get_reason(c));
            break;
        }
        have += (size_t)n;
        buf[have] = '\0';
        for (char *nl; s->n_lines < 4 && (nl = strchr(buf, '\n')) != NULL;) {
            *nl = '\0';
            /* echo it back: after a "K" this goes out under the server's new key */
            ktla_write(c, buf, strlen(buf));
            ktla_write(c, "\n", 1);
            update(s, add_line, buf);
            have -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have + 1);
        }
    }
    if (ok)
        ktla_shutdown(c);
    ktla_conn_free(c);
    ktla_config_free(cfg);
    if (fd >= 0)
        close(fd);
    update(s, set_done, NULL);
    return NULL;
}

static int accepted(const struct server *s, const void *arg)
{
    (void)arg;
    return s->accepted != 0;
}

static int has_lines(const struct server *s, const void *n)
{
    return s->n_lines >= *(const int *)n;
}

/* Wait until cond holds or the server thread ended; 0, or -1 after STEP_DEADLINE_S. */
static int wait_server(struct server *s, int (*cond)(const struct server *, const void *), const void *arg)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += STEP_DEADLINE_S;
    pthread_mutex_lock(&s->lock);
    while (!cond(s, arg) && !s->done && rc == 0)
        rc = pthread_cond_timedwait(&s->changed, &s->lock, &until);
    pthread_mutex_unlock(&s->lock);
    return rc == 0 ? 0 : -1;
}

static int file_has(const char *path, const char *text)
{
    char line[512];
    FILE *f = fopen(path, "r");
    int found = 0;

    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, text) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* Wait until s_client's output has text (it flushes after every message); 0 or -1 after STEP_DEADLINE_S. */
static int wait_output(const char *path, const char *text)
{
    for (int i = 0; i < STEP_DEADLINE_S * 20; i++) {
        struct timespec tick = {0, 50 * 1000 * 1000};
        if (file_has(path, text))
            return 0;
        nanosleep(&tick, NULL);
    }
    return -1;
}

/* One of the kernel's TLS counters; -1 when it has no such counter. */
static long long tls_counter(const char *name)
{
    struct ktla_diag_counter *c = NULL;
    size_t n = 0;
    long long v = -1;

    if (ktla_diag_tls_stat(&c, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0)
            v = (long long)c[i].value;
    free(c);
    return v;
}

/* s_client -msg with stdin from a pipe; stdout and stderr into out_path. */
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
        execlp("openssl", "openssl", "s_client", "-connect", addr, "-tls1_3", "-msg", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    *stdin_fd = in[1];
    return pid;
}

/* Feed s_client a line, unless the server has ended (an old kernel): then s_client may be gone. */
static void say(struct server *s, int fd, const char *line)
{
    int done;

    pthread_mutex_lock(&s->lock);
    done = s->done;
    pthread_mutex_unlock(&s->lock);
    if (!done && write(fd, line, strlen(line)) < 0)
        CU_FAIL("s_client's stdin closed while the server was still reading");
}

static void run(const char *letter)
{
    struct server s = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    char out_path[] = "/tmp/ktla-keyupdate-XXXXXX";
    long long tx_before = tls_counter("TlsTxRekeyOk"), rx_before = tls_counter("TlsRxRekeyOk");
    int requests_ours = strcmp(letter, "K\n") == 0;
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
    CU_ASSERT_EQUAL(wait_server(&s, accepted, NULL), 0);
    CU_ASSERT_EQUAL(s.accepted, 1);
    say(&s, in_fd, "before\n");
    CU_ASSERT_EQUAL(wait_server(&s, has_lines, &(int){1}), 0);
    say(&s, in_fd, letter);
    CU_ASSERT_EQUAL(wait_output(out_path, sent_key_update), 0); /* s_client sent its KeyUpdate */
    say(&s, in_fd, "after\n");
    CU_ASSERT_EQUAL(wait_server(&s, has_lines, &(int){2}), 0);
    say(&s, in_fd, "again\n");
    CU_ASSERT_EQUAL(wait_server(&s, has_lines, &(int){3}), 0);
    say(&s, in_fd, "last\n");
    CU_ASSERT_EQUAL(wait_server(&s, has_lines, &(int){4}), 0);
    shutdown(s.listener, SHUT_RDWR); /* a server still in accept() gives up */
    pthread_join(t, NULL);
    if (kernel_rekeys() && s.n_lines == 4)
        CU_ASSERT_EQUAL(wait_output(out_path, "last"), 0); /* the echo of the last line came back */
    close(in_fd);
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    close(s.listener);

    CU_ASSERT_EQUAL(s.rx, KTLA_OFFLOAD_KERNEL);
    CU_ASSERT_STRING_EQUAL(s.lines[0], "before");
    if (kernel_rekeys()) {
        long long tx = tls_counter("TlsTxRekeyOk") - tx_before, rx = tls_counter("TlsRxRekeyOk") - rx_before;

        CU_ASSERT_STRING_EQUAL(s.lines[1], "after");
        CU_ASSERT_STRING_EQUAL(s.lines[2], "again");
        if (strcmp(s.lines[1], "after") != 0)
            printf("\n    read ended: %s", s.reason);
        /* the client decrypted what the server sent after it (for "K": under its new key) */
        CU_ASSERT(file_has(out_path, "again"));
        /* and ktla's own KeyUpdate reached the client exactly when asked for */
        CU_ASSERT_EQUAL(file_has(out_path, received_key_update), requests_ours);
        CU_ASSERT(tx_before >= 0 && rx_before >= 0);
        CU_ASSERT_EQUAL(rx, 1);
        CU_ASSERT_EQUAL(tx, requests_ours);
        printf("\n    %s: the kernel counted %lld new receive and %lld new transmit key(s); s_client %s ktla's KeyUpdate",
               requests_ours ? "K" : "k", rx, tx, file_has(out_path, received_key_update) ? "received" : "did not receive");
    } else {
        /* The old kernel cannot take a new key: a clear error, nothing after it read as data. */
        CU_ASSERT_EQUAL(s.n_lines, 1);
        CU_ASSERT_EQUAL(s.last, -1);
        CU_ASSERT_EQUAL(s.last_error, KTLA_ERROR_TLS);
        CU_ASSERT_PTR_NOT_NULL(strstr(s.reason, "KeyUpdate"));
        CU_ASSERT_PTR_NOT_NULL(strstr(s.reason, "6.14"));
        printf("\n    as expected on a kernel before 6.14: %s", s.reason);
    }
    if (CU_get_number_of_failures() > 0) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "echo '    s_client said:'; grep -v '^    ' %s | sed 's/^/      /' | tail -30", out_path);
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
