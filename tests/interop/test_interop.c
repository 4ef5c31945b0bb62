/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_interop.c - ktla-interop: the ktla server (ktla-test-server, run as a
 * child process) against real TLS peers: openssl s_client, gnutls-cli and
 * curl, each a child process with a time limit, so that a hang is a failure
 * and never a hang of the suite.
 *
 *   ktla-interop [PATH-TO-ktla-test-server]
 *
 * The server is argv[1], else $KTLA_TEST_SERVER, else ktla-test-server next
 * to this program.  Certificates (ECDSA P-256, ECDSA P-384, RSA 2048, all
 * for DNS:localhost) are made with `openssl req -x509` in a temporary
 * directory that is removed at the end (kept when $KTLA_INTEROP_KEEP is set).
 *
 * Where the record layer runs is asserted on every connection: tx and rx must
 * be $KTLA_EXPECT_OFFLOAD ("kernel" or "user") when that is set; otherwise
 * "kernel" if this host's kernel lets a TCP socket take the "tls" ULP, else
 * "user".  Servers started with --user must always say "user".
 *
 * $KTLA_INTEROP_ONLY=TEXT runs only the tests whose name contains TEXT (an
 * empty selection fails, like any run that tests nothing).
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "interop_util.h"
#include "wire/tls_wire.h"

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

#define KIB 1024ULL
#define MIB (1024ULL * 1024ULL)

/* ---------------------------------------------------------------- suite state */

enum cert_kind { CERT_P256 = 0, CERT_P384, CERT_RSA, CERT_COUNT };

static const struct {
    const char *name, *cn, *keyopts[4];
} cert_specs[CERT_COUNT] = {
    {"p256", "ktla-test-p256", {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"}},
    {"p384", "ktla-test-p384", {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"}},
    {"rsa2048", "ktla-test-rsa2048", {"-newkey", "rsa:2048", NULL, NULL}},
};

static char workdir[512] = ""; /* short, so that every path made from it fits PATH_MAX */
static char server_path[PATH_MAX];
static char cert_path[CERT_COUNT][PATH_MAX], key_path[CERT_COUNT][PATH_MAX];
static const char *expect_offload = "user"; /* for servers not forced to user space */
static char expect_why[256];
static unsigned file_seq;

/* ---------------------------------------------------------------- assertions with messages */

static void check_at(int ok, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check_at(int ok, unsigned line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    if (ok) {
        CU_assertImplementation(CU_TRUE, line, "ok", __FILE__, "", CU_FALSE);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    CU_assertImplementation(CU_FALSE, line, msg, __FILE__, "", CU_FALSE);
}
#define CHECK(cond, ...) check_at((cond) != 0, __LINE__, __VA_ARGS__)

/* A path in the work directory, unique per call: "<workdir>/<seq>-<what>". */
static void work_path(char *out, size_t size, const char *what)
{
    snprintf(out, size, "%s/%04u-%s", workdir, ++file_seq, what);
}

/* The last line(s) of a file, for messages (static buffer). */
static const char *file_tail(const char *path)
{
    static char buf[600];
    size_t len;
    char *text = path ? file_read(path, &len) : NULL;

    if (text == NULL)
        return "";
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    snprintf(buf, sizeof buf, "%s", len > sizeof buf - 1 ? text + len - (sizeof buf - 1) : text);
    for (char *p = buf; *p; p++)
        if (*p == '\n')
            *p = '|';
    free(text);
    return buf;
}

/* ---------------------------------------------------------------- the server */

enum { MODE_DEFAULT = 0, MODE_USER = 1, MODE_NONBLOCK = 2 };

struct server {
    pid_t pid;
    int port, mode, client_failed, described;
    char out[PATH_MAX], err[PATH_MAX], portfile[PATH_MAX];
    char *log;
};

/* Start the server with cert and options; wait for its PORTFILE.  0 on success (else a failure is recorded). */
static int server_start(struct server *s, enum cert_kind cert, int mode, int count, const char *const *opts)
{
    struct args a;
    struct timespec nap = {.tv_nsec = 5 * 1000 * 1000};
    int st;

    memset(s, 0, sizeof *s);
    s->mode = mode;
    work_path(s->out, sizeof s->out, "server.out");
    work_path(s->err, sizeof s->err, "server.err");
    work_path(s->portfile, sizeof s->portfile, "server.port");
    args_init(&a);
    args_add(&a, "%s", server_path);
    args_add(&a, "--count");
    args_add(&a, "%d", count);
    if (mode & MODE_USER)
        args_add(&a, "--user");
    if (mode & MODE_NONBLOCK)
        args_add(&a, "--nonblock");
    args_add_list(&a, opts);
    args_add(&a, "%s", cert_path[cert]);
    args_add(&a, "%s", key_path[cert]);
    args_add(&a, "%s", s->portfile);
    s->pid = proc_spawn(&a, NULL, s->out, s->err);
    CHECK(s->pid > 0, "could not start %s: %s", args_str(&a), strerror(errno));
    if (s->pid <= 0)
        return -1;
    for (int i = 0; i < 2000; i++) { /* 10 s */
        char *text = file_read(s->portfile, NULL);
        if (text != NULL && strchr(text, '\n') != NULL) {
            s->port = atoi(text);
            free(text);
            if (s->port > 0)
                return 0;
        }
        free(text);
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = -1;
            CHECK(0, "the server exited before it listened: %s: %s", args_str(&a), file_tail(s->err));
            return -1;
        }
        nanosleep(&nap, NULL);
    }
    CHECK(0, "the server wrote no port within 10 s: %s", args_str(&a));
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &st, 0);
    s->pid = -1;
    return -1;
}

/*
 * Wait for the server to exit (it does after --count connections) and read
 * its log.  Returns 0 when it exited with status 0.
 */
static int server_finish(struct server *s)
{
    struct run r;

    if (s->pid > 0) {
        /* After a client failure the server may still wait for a connection that never comes. */
        proc_wait(s->pid, s->client_failed ? 3000 : 30000, &r);
        s->pid = -1;
        if (!s->client_failed)
            CHECK(r.exited && r.status == 0, "the server did not end cleanly: %s; stderr: %s", run_str(&r),
                  file_tail(s->err));
    }
    s->log = file_read(s->out, NULL);
    CHECK(s->log != NULL, "no server log in %s", s->out);
    return s->log != NULL ? 0 : -1;
}

static void server_free(struct server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    free(s->log);
    s->log = NULL;
}

/* What a connection's lines must say. */
struct want {
    const char *version; /* "TLS1.2", "TLS1.3"; NULL: any */
    const char *suite;   /* the suite's name; NULL: any */
    const char *alpn;    /* NULL: not checked; "-" for none */
    const char *sni;     /* NULL: not checked; "-" for none */
    int resumed;         /* -1: not checked */
    const char *line;    /* a line of the block (e.g. "  get size=1 sent"); NULL: none */
    int close_notify;    /* 1: the client's close_notify must have been seen */
    /*
     * 1: the client may close its side right after its Finished (s_client at
     * the end of its input).  A socket the client has half-closed cannot take
     * the TLS ULP (ENOTCONN): the library keeps it in user space, correctly.
     */
    int may_half_close_early;
};

/* The block of connection n (reported when missing); the caller frees it. */
static char *server_conn(const struct server *s, int n)
{
    char *b = s->log ? conn_block(s->log, n) : NULL;

    CHECK(b != NULL, "the server printed no line for connection %d; its log: %s", n, s->log ? s->log : "(none)");
    return b;
}

static void check_conn(struct server *s, int n, const struct want *w)
{
    char *b = server_conn(s, n);
    char first[512], val[512], tx[32] = "?", rx[32] = "?", version[32] = "?", suite[96] = "?";
    const char *want_offload = (s->mode & MODE_USER) ? "user" : expect_offload;

    if (b == NULL)
        return;
    snprintf(first, sizeof first, "%.*s", (int)strcspn(b, "\n"), b);
    if (conn_field(b, "version", version, sizeof version) != 0) {
        CHECK(0, "connection %d was not established: %s", n, first);
        free(b);
        return;
    }
    conn_field(b, "suite", suite, sizeof suite);
    conn_field(b, "tx", tx, sizeof tx);
    conn_field(b, "rx", rx, sizeof rx);
    if (!s->described) {
        /* One note per test on what was negotiated and where the record layer ran (and why, when that changes). */
        static char last_reason[512];
        conn_field(b, "reason", val, sizeof val);
        printf("[%s %s tx=%s rx=%s%s%s%s%s] ", version, suite, tx, rx, s->mode & MODE_USER ? " --user" : "",
               s->mode & MODE_NONBLOCK ? " --nonblock" : "", strcmp(val, last_reason) ? ", reason=" : "",
               strcmp(val, last_reason) ? val : "");
        snprintf(last_reason, sizeof last_reason, "%s", val);
        s->described = 1;
    }
    if (w->version)
        CHECK(strcmp(version, w->version) == 0, "conn %d: version %s, expected %s: %s", n, version, w->version, first);
    if (w->suite)
        CHECK(strcmp(suite, w->suite) == 0, "conn %d: suite %s, expected %s: %s", n, suite, w->suite, first);
    conn_field(b, "reason", val, sizeof val);
    if (w->may_half_close_early && strcmp(tx, "user") == 0 && strstr(val, "(ENOTCONN)") != NULL)
        printf("[half-closed before the hand-off: user space, as it must] ");
    else
        CHECK(strcmp(tx, want_offload) == 0 && strcmp(rx, want_offload) == 0,
              "conn %d: tx=%s rx=%s, expected %s (%s): %s", n, tx, rx, want_offload,
              s->mode & MODE_USER ? "server run with --user" : expect_why, first);
    if (w->alpn) {
        conn_field(b, "alpn", val, sizeof val);
        CHECK(strcmp(val, w->alpn) == 0, "conn %d: alpn=%s, expected %s", n, val, w->alpn);
    }
    if (w->sni) {
        conn_field(b, "sni", val, sizeof val);
        CHECK(strcmp(val, w->sni) == 0, "conn %d: sni=%s, expected %s", n, val, w->sni);
    }
    if (w->resumed >= 0) {
        conn_field(b, "resumed", val, sizeof val);
        CHECK(atoi(val) == w->resumed, "conn %d: resumed=%s, expected %d", n, val, w->resumed);
    }
    if (w->line)
        CHECK(strstr(b, w->line) != NULL, "conn %d: no line \"%s\" in: %s", n, w->line, b);
    if (w->close_notify)
        CHECK(strstr(b, "\n  peer close_notify\n") != NULL && strstr(b, "read ended") == NULL,
              "conn %d: the server did not see the client's close_notify: %s", n, b);
    free(b);
}

/*
 * The connection's handshake must have failed (accept=-1) with a reason
 * containing `reason`, and the alert `alert` (-2: not checked).
 */
static void check_refused(struct server *s, int n, const char *reason, int alert)
{
    char *b = server_conn(s, n);
    char acc[16] = "", why[512] = "", al[16] = "";

    if (b == NULL)
        return;
    conn_field(b, "accept", acc, sizeof acc);
    conn_field(b, "reason", why, sizeof why);
    conn_field(b, "alert", al, sizeof al);
    if (alert != -2)
        CHECK(al[0] && atoi(al) == alert, "conn %d: alert=%s, expected %d: %.*s", n, al, alert, (int)strcspn(b, "\n"),
              b);
    CHECK(strcmp(acc, "-1") == 0, "conn %d: expected accept=-1: %.*s", n, (int)strcspn(b, "\n"), b);
    CHECK(strcasestr(why, reason) != NULL, "conn %d: reason \"%s\" does not mention \"%s\"", n, why, reason);
    printf("[refused: alert=%s reason=%s] ", al, why);
    free(b);
}

/* ---------------------------------------------------------------- clients */

enum client { OPENSSL, GNUTLS, CURL };
enum op { GET, PUT, ECHO };

struct xfer {
    enum client client;
    enum op op;
    unsigned long long size;  /* GET/PUT */
    const char *const *extra; /* more client arguments */
    const char *echo;         /* ECHO: what to send */
    int no_quiet;             /* openssl: leave out -quiet (so EOF on stdin sends close_notify) */
    int expect_output;        /* ECHO: the echo must come back */
    char err_path[PATH_MAX];  /* out: the client's stderr (or gnutls-cli's log) */
    char log_path[PATH_MAX];
};

/* The request file for op and size (made once). */
static int request_file(enum op op, unsigned long long size, char *path, size_t pathsize)
{
    char head[64];
    int hl;
    unsigned char *buf;
    int rc;

    snprintf(path, pathsize, "%s/%s-%llu.in", workdir, op == GET ? "get" : "put", size);
    if (access(path, R_OK) == 0)
        return 0;
    hl = snprintf(head, sizeof head, "%s /%llu\n", op == GET ? "GET" : "PUT", size);
    if (op == GET)
        return file_write(path, head, (size_t)hl);
    buf = malloc((size_t)hl + size);
    if (buf == NULL)
        return -1;
    memcpy(buf, head, (size_t)hl);
    pattern_fill(buf + hl, size, 0);
    rc = file_write(path, buf, (size_t)hl + size);
    free(buf);
    return rc;
}

/* Check a GET reply: the test server's HTTP header (unless body_only) and then size pattern bytes. */
static int check_get_output(const char *who, const unsigned char *out, size_t len, unsigned long long size,
                            int body_only)
{
    char head[128];
    size_t hl = 0, bad;

    if (!body_only)
        hl = (size_t)snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\nConnection: close\r\n\r\n",
                              size);
    if (len < hl || memcmp(out, head, hl) != 0) {
        CHECK(0, "%s GET %llu: the reply does not start with the HTTP header (%zu bytes: %.60s)", who, size, len,
              (const char *)out);
        return -1;
    }
    bad = pattern_check(out + hl, len - hl, 0);
    if (len - hl != size || bad != len - hl) {
        CHECK(0, "%s GET %llu: %zu body bytes, first wrong byte at offset %zu", who, size, len - hl,
              bad < len - hl ? bad : len - hl);
        return -1;
    }
    return 0;
}

/* Run one client against the server and check what it got.  0 when all is well. */
static int run_client(struct server *s, struct xfer *x)
{
    struct args a;
    struct run r;
    char in[PATH_MAX], out[PATH_MAX], who[600], *data;
    size_t len;
    unsigned timeout = 30000 + (unsigned)(x->size / MIB) * 3000;
    int ok;

    if (x->op == ECHO) {
        work_path(in, sizeof in, "echo.in");
        if (file_write(in, x->echo, strlen(x->echo)) != 0) {
            CHECK(0, "cannot write %s", in);
            return -1;
        }
    } else if (x->client != CURL && request_file(x->op, x->size, in, sizeof in) != 0) {
        CHECK(0, "cannot write the request file %s", in);
        return -1;
    }
    work_path(out, sizeof out, "client.out");
    work_path(x->err_path, sizeof x->err_path, "client.err");
    x->log_path[0] = '\0';
    args_init(&a);
    switch (x->client) {
    case OPENSSL:
        args_add(&a, "openssl");
        args_add(&a, "s_client");
        args_add(&a, "-connect");
        args_add(&a, "127.0.0.1:%d", s->port);
        if (!x->no_quiet)
            args_add(&a, "-quiet"); /* only the data on stdout; implies -ign_eof: read to the server's close_notify */
        args_add_list(&a, x->extra);
        break;
    case GNUTLS:
        work_path(x->log_path, sizeof x->log_path, "gnutls.log");
        args_add(&a, "gnutls-cli");
        args_add(&a, "--insecure");
        args_add(&a, "--logfile=%s", x->log_path); /* its chatter there, only the data on stdout */
        args_add(&a, "--port=%d", s->port);
        args_add_list(&a, x->extra);
        args_add(&a, "127.0.0.1");
        break;
    case CURL:
        args_add(&a, "curl");
        args_add(&a, "-sSk");
        args_add(&a, "--max-time");
        args_add(&a, "%u", timeout / 1000);
        args_add(&a, "--resolve");
        args_add(&a, "localhost:%d:127.0.0.1", s->port);
        args_add_list(&a, x->extra);
        args_add(&a, "https://localhost:%d/%llu", s->port, x->size);
        break;
    }
    snprintf(who, sizeof who, "%s", args_str(&a));
    proc_run(&a, x->client == CURL ? NULL : in, out, x->err_path, timeout + 5000, &r);
    ok = r.exited && r.status == 0;
    CHECK(ok, "%s: %s; stderr: %s %s", who, run_str(&r), file_tail(x->err_path),
          x->log_path[0] ? file_tail(x->log_path) : "");
    data = file_read(out, &len);
    if (data == NULL) {
        CHECK(0, "%s: no output file", who);
        ok = 0;
    } else if (x->op == GET) {
        ok &= check_get_output(who, (const unsigned char *)data, len, x->size, x->client == CURL) == 0;
    } else if (x->op == PUT) {
        char want[64];
        snprintf(want, sizeof want, "OK %llu\n", x->size);
        CHECK(strcmp(data, want) == 0, "%s PUT %llu: the server answered \"%.60s\"", who, x->size, data);
        ok &= strcmp(data, want) == 0;
    } else if (x->expect_output) {
        CHECK(strcmp(data, x->echo) == 0, "%s: echo \"%s\" came back as \"%.60s\"", who, x->echo, data);
        ok &= strcmp(data, x->echo) == 0;
    }
    free(data);
    if (!ok)
        s->client_failed = 1;
    return ok ? 0 : -1;
}

static int client_op(struct server *s, enum client c, enum op op, unsigned long long size, const char *const *extra)
{
    struct xfer x = {.client = c, .op = op, .size = size, .extra = extra};
    return run_client(s, &x);
}

/* A want for the GET/PUT lines the server prints. */
static const char *get_line(char *buf, size_t size, unsigned long long n)
{
    snprintf(buf, size, "  get size=%llu sent\n", n);
    return buf;
}

static const char *put_line(char *buf, size_t size, unsigned long long n)
{
    snprintf(buf, size, "  put size=%llu got=%llu result=OK %llu\n", n, n, n);
    return buf;
}

/*
 * The common case: one server (cert, mode), then client c GETs and PUTs size
 * bytes with the extra arguments; the server must report version and suite
 * for both, and the client's close_notify.
 */
static void get_and_put(enum cert_kind cert, int mode, enum client c, const char *const *extra, unsigned long long size,
                        const char *version, const char *suite)
{
    struct server s;
    char l0[128], l1[128];

    if (server_start(&s, cert, mode, 2, NULL) != 0)
        return;
    client_op(&s, c, GET, size, extra);
    client_op(&s, c, PUT, size, extra);
    if (server_finish(&s) == 0) {
        /*
         * After a GET the server closes first; gnutls-cli may exit on its close_notify
         * without sending its own (seen once in 6.1 under emulation). Whether gnutls-cli
         * sends close_notify is checked by the echo test made for it.
         */
        int get_needs_close_notify = c != GNUTLS;
        check_conn(&s, 0, &(struct want){version, suite, NULL, NULL, -1, get_line(l0, sizeof l0, size),
                                          get_needs_close_notify, 0});
        check_conn(&s, 1, &(struct want){version, suite, NULL, NULL, -1, put_line(l1, sizeof l1, size), 1, 0});
    }
    server_free(&s);
}

/* ---------------------------------------------------------------- openssl: versions x ciphers */

#define TLS13(fn, cs, suite)                                                                                           \
    static void fn(void)                                                                                               \
    {                                                                                                                  \
        get_and_put(CERT_P256, MODE_DEFAULT, OPENSSL, (const char *const[]){"-tls1_3", "-ciphersuites", cs, NULL},     \
                    100 * KIB, "TLS1.3", suite);                                                                       \
    }
#define TLS12(fn, cs, suite)                                                                                           \
    static void fn(void)                                                                                               \
    {                                                                                                                  \
        get_and_put(CERT_P256, MODE_DEFAULT, OPENSSL, (const char *const[]){"-tls1_2", "-cipher", cs, NULL},           \
                    100 * KIB, "TLS1.2", suite);                                                                       \
    }

TLS13(t_ossl13_aes128gcm, "TLS_AES_128_GCM_SHA256", "TLS1-3-AES-128-GCM-SHA256")
TLS13(t_ossl13_aes256gcm, "TLS_AES_256_GCM_SHA384", "TLS1-3-AES-256-GCM-SHA384")
TLS13(t_ossl13_chacha, "TLS_CHACHA20_POLY1305_SHA256", "TLS1-3-CHACHA20-POLY1305-SHA256")
TLS13(t_ossl13_aes128ccm, "TLS_AES_128_CCM_SHA256", "TLS1-3-AES-128-CCM-SHA256")
TLS12(t_ossl12_aes128gcm, "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256")
TLS12(t_ossl12_aes256gcm, "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384")
TLS12(t_ossl12_chacha, "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256")
TLS12(t_ossl12_aes128ccm, "ECDHE-ECDSA-AES128-CCM", "TLS-ECDHE-ECDSA-WITH-AES-128-CCM")

/* ---------------------------------------------------------------- sizes */

static const char *const tls13_aes128gcm[] = {"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", NULL};
static const char *const tls12_aes256gcm[] = {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384", NULL};
#define SUITE13_128 "TLS1-3-AES-128-GCM-SHA256"
#define SUITE12_256 "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384"

#define SIZES(fn13, fn12, n)                                                                                           \
    static void fn13(void)                                                                                             \
    {                                                                                                                  \
        get_and_put(CERT_P256, MODE_DEFAULT, OPENSSL, tls13_aes128gcm, n, "TLS1.3", SUITE13_128);                      \
    }                                                                                                                  \
    static void fn12(void)                                                                                             \
    {                                                                                                                  \
        get_and_put(CERT_P256, MODE_DEFAULT, OPENSSL, tls12_aes256gcm, n, "TLS1.2", SUITE12_256);                      \
    }

SIZES(t_size13_0, t_size12_0, 0)
SIZES(t_size13_1, t_size12_1, 1)
SIZES(t_size13_16k, t_size12_16k, 16 * KIB)
SIZES(t_size13_1m, t_size12_1m, MIB)
SIZES(t_size13_16m, t_size12_16m, 16 * MIB)

/*
 * The check itself: a PUT body with one wrong byte must be answered
 * "BAD at OFFSET" (else the "OK" answers above would prove nothing).
 */
static void t_put_corrupted(void)
{
    struct server s;
    struct args a;
    struct run r;
    char in[PATH_MAX], out[PATH_MAX], *reply, *b;
    unsigned char *buf;
    const unsigned long long size = 100 * KIB, bad = 54321;
    int hl;

    if (server_start(&s, CERT_P256, MODE_DEFAULT, 1, NULL) != 0)
        return;
    work_path(in, sizeof in, "put-corrupted.in");
    work_path(out, sizeof out, "client.out");
    buf = malloc(64 + size);
    CHECK(buf != NULL, "out of memory");
    if (buf == NULL) {
        server_free(&s);
        return;
    }
    hl = snprintf((char *)buf, 64, "PUT /%llu\n", size);
    pattern_fill(buf + hl, size, 0);
    buf[hl + bad] ^= 0x40;
    file_write(in, buf, (size_t)hl + size);
    free(buf);
    args_init(&a);
    args_add(&a, "openssl");
    args_add(&a, "s_client");
    args_add(&a, "-connect");
    args_add(&a, "127.0.0.1:%d", s.port);
    args_add(&a, "-quiet");
    proc_run(&a, in, out, NULL, 30000, &r);
    CHECK(r.exited && r.status == 0, "%s: %s", args_str(&a), run_str(&r));
    reply = file_read(out, NULL);
    CHECK(reply != NULL && strcmp(reply, "BAD at 54321\n") == 0, "a corrupted PUT was answered \"%s\"",
          reply ? reply : "(nothing)");
    free(reply);
    if (server_finish(&s) == 0 && (b = server_conn(&s, 0)) != NULL) {
        CHECK(strstr(b, "  put size=102400 got=102400 result=BAD at 54321\n") != NULL, "server log: %s", b);
        free(b);
    }
    server_free(&s);
}

/* ---------------------------------------------------------------- certificate types */

/*
 * One GET with openssl; the certificate s_client saw (its CN, in the verify
 * lines on stderr) must be `cert`'s.
 */
static void cert_case(int n_certs, const enum cert_kind *certs, enum cert_kind expect, const char *const *extra,
                      const char *version, const char *suite)
{
    struct server s;
    struct xfer x = {.client = OPENSSL, .op = GET, .size = 16 * KIB, .extra = extra};
    char opt[2 * PATH_MAX + 16], cn[64], l0[128], *err;
    const char *opts[] = {"--extra-cert", opt, NULL};

    snprintf(opt, sizeof opt, "%s,%s", n_certs > 1 ? cert_path[certs[1]] : "", n_certs > 1 ? key_path[certs[1]] : "");
    if (server_start(&s, certs[0], MODE_DEFAULT, 1, n_certs > 1 ? opts : NULL) != 0)
        return;
    run_client(&s, &x);
    snprintf(cn, sizeof cn, "depth=0 CN = %s\n", cert_specs[expect].cn);
    err = file_read(x.err_path, NULL);
    CHECK(err != NULL && strstr(err, cn) != NULL, "the client did not get the %s certificate (%s); its stderr: %s",
          cert_specs[expect].name, cert_specs[expect].cn, file_tail(x.err_path));
    free(err);
    if (server_finish(&s) == 0)
        check_conn(&s, 0, &(struct want){version, suite, NULL, NULL, -1, get_line(l0, sizeof l0, 16 * KIB), 1, 0});
    server_free(&s);
}

static void t_cert_p384_tls12(void)
{
    cert_case(1, (const enum cert_kind[]){CERT_P384}, CERT_P384,
              (const char *const[]){"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", NULL}, "TLS1.2",
              "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256");
}

static void t_cert_p384_tls13(void)
{
    cert_case(1, (const enum cert_kind[]){CERT_P384}, CERT_P384, (const char *const[]){"-tls1_3", NULL}, "TLS1.3",
              NULL);
}

static void t_cert_rsa_tls12(void)
{
    cert_case(1, (const enum cert_kind[]){CERT_RSA}, CERT_RSA,
              (const char *const[]){"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", NULL}, "TLS1.2",
              "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256");
}

static void t_cert_rsa_tls13(void)
{
    cert_case(1, (const enum cert_kind[]){CERT_RSA}, CERT_RSA, (const char *const[]){"-tls1_3", NULL}, "TLS1.3", NULL);
}

/* A server with both a P-256 and an RSA certificate picks what the client can verify. */
static void t_cert_select_ecdsa_and_rsa(void)
{
    static const enum cert_kind both[] = {CERT_P256, CERT_RSA};

    cert_case(2, both, CERT_RSA, (const char *const[]){"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", NULL},
              "TLS1.2", "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256");
    cert_case(2, both, CERT_P256, (const char *const[]){"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", NULL},
              "TLS1.2", "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256");
    cert_case(2, both, CERT_RSA, (const char *const[]){"-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256", NULL}, "TLS1.3",
              NULL);
    cert_case(2, both, CERT_P256, (const char *const[]){"-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256", NULL},
              "TLS1.3", NULL);
}

/* ---------------------------------------------------------------- curl and gnutls-cli */

static void curl_get(int mode, const char *const *extra, const char *version)
{
    struct server s;
    char l0[128];

    if (server_start(&s, CERT_P256, mode, 1, NULL) != 0)
        return;
    client_op(&s, CURL, GET, MIB, extra);
    if (server_finish(&s) == 0)
        check_conn(&s, 0, &(struct want){version, NULL, NULL, "localhost", -1, get_line(l0, sizeof l0, MIB), 0, 0});
    server_free(&s);
}

static void t_curl_tls12(void)
{
    curl_get(MODE_DEFAULT, (const char *const[]){"--tlsv1.2", "--tls-max", "1.2", NULL}, "TLS1.2");
}

static void t_curl_tls13(void)
{
    curl_get(MODE_DEFAULT, (const char *const[]){"--tlsv1.3", NULL}, "TLS1.3");
}

static void t_gnutls_tls12(void)
{
    get_and_put(CERT_P256, MODE_DEFAULT, GNUTLS,
                (const char *const[]){"--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL}, 100 * KIB, "TLS1.2", NULL);
}

static void t_gnutls_tls13(void)
{
    get_and_put(CERT_P256, MODE_DEFAULT, GNUTLS,
                (const char *const[]){"--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL}, 100 * KIB, "TLS1.3", NULL);
}

static void t_gnutls_tls13_chacha(void)
{
    get_and_put(CERT_P256, MODE_DEFAULT, GNUTLS,
                (const char *const[]){"--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305", NULL},
                100 * KIB, "TLS1.3", "TLS1-3-CHACHA20-POLY1305-SHA256");
}

/* ---------------------------------------------------------------- close_notify */

/* s_client without -ign_eof sends close_notify at the end of its input: the server must see it. */
static void t_close_notify_from_openssl(void)
{
    struct server s;

    if (server_start(&s, CERT_P256, MODE_DEFAULT, 2, NULL) != 0)
        return;
    for (int i = 0; i < 2; i++) {
        struct xfer x = {.client = OPENSSL,
                         .op = ECHO,
                         .echo = "hello\n",
                         .extra = (const char *const[]){i ? "-tls1_2" : "-tls1_3", "-no_ign_eof", NULL}};
        run_client(&s, &x);
    }
    if (server_finish(&s) == 0) {
        check_conn(&s, 0, &(struct want){"TLS1.3", NULL, NULL, NULL, -1, "  echo bytes=6\n", 1, 1});
        check_conn(&s, 1, &(struct want){"TLS1.2", NULL, NULL, NULL, -1, "  echo bytes=6\n", 1, 1});
    }
    server_free(&s);
}

/*
 * gnutls-cli sends close_notify at the end of its input and reads on: the
 * echo comes back, the server sees the close_notify, and gnutls-cli sees the
 * server's ("Peer has closed the GnuTLS connection").
 */
static void t_close_notify_gnutls_both_ways(void)
{
    struct server s;
    char *log[2] = {NULL, NULL};

    if (server_start(&s, CERT_P256, MODE_DEFAULT, 2, NULL) != 0)
        return;
    for (int i = 0; i < 2; i++) {
        struct xfer x = {.client = GNUTLS,
                         .op = ECHO,
                         .echo = "hello, echo\n",
                         .expect_output = 1,
                         .extra = (const char *const[]){i ? "--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2"
                                                          : "--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3",
                                                        NULL}};
        run_client(&s, &x);
        log[i] = file_read(x.log_path, NULL);
        CHECK(log[i] != NULL && strstr(log[i], "Peer has closed the GnuTLS connection") != NULL,
              "gnutls-cli did not report the server's close_notify: %s", file_tail(x.log_path));
        free(log[i]);
    }
    if (server_finish(&s) == 0) {
        check_conn(&s, 0, &(struct want){"TLS1.3", NULL, NULL, NULL, -1, "  echo bytes=12\n", 1, 0});
        check_conn(&s, 1, &(struct want){"TLS1.2", NULL, NULL, NULL, -1, "  echo bytes=12\n", 1, 0});
    }
    server_free(&s);
}

/*
 * Clients that check accept the server's close_notify: s_client -quiet reads
 * to it and exits 0 with no error on stderr (OpenSSL 3 reports "unexpected
 * eof while reading" for a bare TCP close); curl exits 0.  All three answer
 * with their own close_notify, which the server must see.
 */
static void t_close_notify_from_server(void)
{
    struct server s;
    char l0[128], l1[128], l2[128];

    if (server_start(&s, CERT_P256, MODE_DEFAULT, 3, NULL) != 0)
        return;
    for (int i = 0; i < 2; i++) {
        struct xfer x = {.client = OPENSSL,
                         .op = GET,
                         .size = 1000,
                         .extra = (const char *const[]){i ? "-tls1_2" : "-tls1_3", NULL}};
        char *err;
        run_client(&s, &x);
        err = file_read(x.err_path, NULL);
        CHECK(err != NULL && strstr(err, "unexpected eof") == NULL && strstr(err, ":error:") == NULL,
              "s_client reported an error at the end: %s", file_tail(x.err_path));
        free(err);
    }
    client_op(&s, CURL, GET, 1000, NULL);
    if (server_finish(&s) == 0) {
        check_conn(&s, 0, &(struct want){"TLS1.3", NULL, NULL, NULL, -1, get_line(l0, sizeof l0, 1000), 1, 0});
        check_conn(&s, 1, &(struct want){"TLS1.2", NULL, NULL, NULL, -1, get_line(l1, sizeof l1, 1000), 1, 0});
        check_conn(&s, 2, &(struct want){NULL, NULL, NULL, NULL, -1, get_line(l2, sizeof l2, 1000), 1, 0});
    }
    server_free(&s);
}

/*
 * The other side of the same check: a client that vanishes without
 * close_notify (s_client -ign_eof, killed at its time limit) must NOT be
 * reported as a clean close: the server's "read ended" line must say so.
 */
static void missing_close_notify(int mode, const char *version_flag)
{
    struct server s;
    struct args a;
    struct run r;
    char in[PATH_MAX], out[PATH_MAX], *b;
    struct timespec nap = {.tv_nsec = 5 * 1000 * 1000};
    pid_t pid;
    int echoed = 0;

    if (server_start(&s, CERT_P256, mode, 1, NULL) != 0)
        return;
    work_path(in, sizeof in, "hello.in");
    work_path(out, sizeof out, "client.out");
    file_write(in, "hello\n", 6);
    args_init(&a);
    args_add(&a, "openssl");
    args_add(&a, "s_client");
    args_add(&a, "-connect");
    args_add(&a, "127.0.0.1:%d", s.port);
    args_add(&a, "%s", version_flag);
    args_add(&a, "-quiet"); /* -ign_eof: it waits for the server, which echoes and waits for it */
    pid = proc_spawn(&a, in, out, NULL);
    CHECK(pid > 0, "could not start %s: %s", args_str(&a), strerror(errno));
    if (pid > 0) {
        /* Once the echo is back (at most 20 s), kill it: the kernel closes the TCP connection, no close_notify. */
        for (int i = 0; i < 4000 && !echoed; i++) {
            char *text = file_read(out, NULL);
            echoed = text != NULL && strcmp(text, "hello\n") == 0;
            free(text);
            if (!echoed)
                nanosleep(&nap, NULL);
        }
        kill(pid, SIGKILL);
        proc_wait(pid, 10000, &r);
        CHECK(echoed && r.signaled && r.status == SIGKILL, "s_client was to get the echo and wait until killed: %s, %s",
              echoed ? "echo received" : "no echo within 20 s", run_str(&r));
    }
    if (server_finish(&s) == 0 && (b = server_conn(&s, 0)) != NULL) {
        CHECK(strstr(b, "  echo bytes=6\n") != NULL, "the echo did not happen: %s", b);
        CHECK(strstr(b, "peer close_notify") == NULL && strstr(b, "read ended") != NULL &&
                  strstr(b, "without close_notify") != NULL,
              "a client killed without close_notify was reported as: %s", b);
        free(b);
    }
    server_free(&s);
}

static void t_close_notify_missing_tls13(void)
{
    missing_close_notify(MODE_DEFAULT, "-tls1_3");
}

static void t_close_notify_missing_tls12(void)
{
    missing_close_notify(MODE_DEFAULT, "-tls1_2");
}

/* ---------------------------------------------------------------- ALPN and SNI */

static void t_alpn(void)
{
    struct server s;
    char l[128];

    if (server_start(&s, CERT_P256, MODE_DEFAULT, 3, (const char *const[]){"--alpn", "http/1.1", NULL}) != 0)
        return;
    client_op(&s, CURL, GET, 16 * KIB, (const char *const[]){"--http1.1", NULL});
    client_op(&s, OPENSSL, GET, 16 * KIB, (const char *const[]){"-alpn", "http/1.1", NULL});
    client_op(&s, OPENSSL, GET, 16 * KIB, NULL); /* no ALPN offered: none chosen */
    if (server_finish(&s) == 0) {
        get_line(l, sizeof l, 16 * KIB);
        check_conn(&s, 0, &(struct want){NULL, NULL, "http/1.1", NULL, -1, l, 0, 0});
        check_conn(&s, 1, &(struct want){NULL, NULL, "http/1.1", NULL, -1, l, 1, 0});
        check_conn(&s, 2, &(struct want){NULL, NULL, "-", NULL, -1, l, 1, 0});
    }
    server_free(&s);
}

static void t_sni(void)
{
    struct server s;
    char l[128];

    if (server_start(&s, CERT_P256, MODE_DEFAULT, 3, NULL) != 0)
        return;
    client_op(&s, OPENSSL, GET, 100, (const char *const[]){"-servername", "localhost", NULL});
    client_op(&s, OPENSSL, GET, 100, (const char *const[]){"-noservername", NULL});
    client_op(&s, GNUTLS, GET, 100, (const char *const[]){"--sni-hostname=localhost", NULL});
    if (server_finish(&s) == 0) {
        get_line(l, sizeof l, 100);
        check_conn(&s, 0, &(struct want){NULL, NULL, NULL, "localhost", -1, l, 1, 0});
        check_conn(&s, 1, &(struct want){NULL, NULL, NULL, "-", -1, l, 1, 0});
        check_conn(&s, 2, &(struct want){NULL, NULL, NULL, "localhost", -1, l, 0, 0}); /* gnutls: see get_and_put */
    }
    server_free(&s);
}

/* ---------------------------------------------------------------- ticket resumption */

static void resumption(int mode, const char *version_flag, const char *version)
{
    struct server s;
    char sess[PATH_MAX], l[128];

    work_path(sess, sizeof sess, "session.pem");
    if (server_start(&s, CERT_P256, mode, 2, NULL) != 0)
        return;
    /* A GET, so that s_client reads the server's ticket (TLS 1.3 sends it after the handshake). */
    client_op(&s, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_out", sess, NULL});
    CHECK(access(sess, R_OK) == 0, "s_client wrote no session to %s", sess);
    client_op(&s, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_in", sess, NULL});
    if (server_finish(&s) == 0) {
        get_line(l, sizeof l, 1000);
        check_conn(&s, 0, &(struct want){version, NULL, NULL, NULL, 0, l, 1, 0});
        check_conn(&s, 1, &(struct want){version, NULL, NULL, NULL, 1, l, 1, 0});
    }
    server_free(&s);
}

static void t_resume_tls12(void)
{
    resumption(MODE_DEFAULT, "-tls1_2", "TLS1.2");
}

static void t_resume_tls13(void)
{
    resumption(MODE_DEFAULT, "-tls1_3", "TLS1.3");
}

/* ---------------------------------------------------------------- refusals */

/* One s_client GET the server must refuse (its handshake fails); returns how the client ended. */
static void run_refused_client(struct server *s, const char *const *extra, struct run *r)
{
    struct args a;
    char in[PATH_MAX], err[PATH_MAX];

    request_file(GET, 100, in, sizeof in);
    work_path(err, sizeof err, "client.err");
    args_init(&a);
    args_add(&a, "openssl");
    args_add(&a, "s_client");
    args_add(&a, "-connect");
    args_add(&a, "127.0.0.1:%d", s->port);
    args_add(&a, "-quiet");
    args_add_list(&a, extra);
    proc_run(&a, in, NULL, err, 20000, r);
}

/* One openssl client the server must refuse; the client must fail too. */
static void refused(int mode, const char *const *extra, const char *reason, int alert)
{
    struct server s;
    struct run r;

    if (server_start(&s, CERT_P256, mode, 1, NULL) != 0)
        return;
    run_refused_client(&s, extra, &r);
    CHECK(r.exited && r.status != 0, "s_client %s: expected to fail, %s", extra[0], run_str(&r));
    if (server_finish(&s) == 0)
        check_refused(&s, 0, reason, alert);
    server_free(&s);
}

static void t_refuse_tls11(void)
{
    /* OpenSSL 3 allows TLS 1.1 only at security level 0.  The server must answer protocol_version. */
    refused(MODE_DEFAULT, (const char *const[]){"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", NULL}, "protocol",
            TLS_ALERT_PROTOCOL_VERSION);
}

static void t_refuse_cbc_only(void)
{
    /* No suite in common: handshake_failure. */
    refused(MODE_DEFAULT, (const char *const[]){"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256", NULL},
            "negotiation failed", TLS_ALERT_HANDSHAKE_FAILURE);
}

/* A plain HTTP request on the TLS port: the server's reason must say so. */
static void plain_http(int mode)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct server s;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {.tv_sec = 10};
    char buf[512];
    long got = 0, n;
    int fd;

    if (server_start(&s, CERT_P256, mode, 1, NULL) != 0)
        return;
    sa.sin_port = htons((unsigned short)s.port);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect to the server: %s", strerror(errno));
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        CHECK(write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1), "write the request: %s", strerror(errno));
        while ((n = read(fd, buf, sizeof buf)) > 0) /* to the server's close */
            got += n;
        CHECK(n == 0 || errno == ECONNRESET, "the server did not close the connection: %s", strerror(errno));
        close(fd);
        printf("[client got %ld bytes back] ", got);
    }
    if (server_finish(&s) == 0)
        check_refused(&s, 0, "plain HTTP", -2);
    server_free(&s);
}

static void t_refuse_plain_http(void)
{
    plain_http(MODE_DEFAULT);
}

/* ---------------------------------------------------------------- resumption across servers, client auth */

static char client_crt[PATH_MAX], client_key[PATH_MAX], client_ca[PATH_MAX];

/* A ticket key file (36 random bytes, mode 0600) in the work directory, made once. */
static const char *ticket_key_file(void)
{
    static char path[PATH_MAX];
    unsigned char key[36];
    FILE *f;

    if (path[0])
        return path;
    snprintf(path, sizeof path, "%s/ticket.key", workdir);
    f = fopen("/dev/urandom", "rb");
    CHECK(f != NULL && fread(key, 1, sizeof key, f) == sizeof key, "cannot read /dev/urandom");
    if (f)
        fclose(f);
    CHECK(file_write(path, key, sizeof key) == 0 && chmod(path, 0600) == 0, "cannot write %s", path);
    return path;
}

/* The value of key= on connection n's line, as a number (-1 when missing). */
static int conn_number(const struct server *s, int n, const char *key)
{
    char *b = server_conn(s, n), val[32] = "";
    int v = -1;

    if (b && conn_field(b, key, val, sizeof val) == 0)
        v = atoi(val);
    free(b);
    return v;
}

/*
 * Two servers with one ticket key file: a session from the first resumes at
 * the second (s_client -sess_out there, -sess_in here), in TLS 1.2 and 1.3.
 */
static void resume_across_servers(const char *version_flag, const char *version)
{
    const char *const key_opts[] = {"--ticket-key", ticket_key_file(), NULL};
    struct server a, b;
    char sess[PATH_MAX], l[128];

    work_path(sess, sizeof sess, "session.pem");
    if (server_start(&a, CERT_P256, MODE_DEFAULT, 1, key_opts) != 0)
        return;
    if (server_start(&b, CERT_P256, MODE_DEFAULT, 1, key_opts) != 0) {
        server_free(&a);
        return;
    }
    client_op(&a, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_out", sess, NULL});
    client_op(&b, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_in", sess, NULL});
    get_line(l, sizeof l, 1000);
    if (server_finish(&a) == 0)
        check_conn(&a, 0, &(struct want){version, NULL, NULL, NULL, 0, l, 1, 0});
    if (server_finish(&b) == 0)
        check_conn(&b, 0, &(struct want){version, NULL, NULL, NULL, 1, l, 1, 0});
    server_free(&a);
    server_free(&b);
}

static void t_resume_across_servers_tls12(void)
{
    resume_across_servers("-tls1_2", "TLS1.2");
}

static void t_resume_across_servers_tls13(void)
{
    resume_across_servers("-tls1_3", "TLS1.3");
}

/*
 * A key rotation, as ktla_config_set_ticket_key_file(3) describes it, over
 * three servers: A seals at the first ([A]); the second holds [B, A] (B
 * prepended: it seals, A still opens) and resumes the first's session, then
 * issues a B ticket; the third holds [B] (A retired): the A ticket gets a
 * full handshake (and the connection still works), the B ticket resumes.
 */
static void ticket_key_rotation(const char *version_flag, const char *version)
{
    unsigned char a_key[36], b_key[36], ba[72];
    char only_a[PATH_MAX], b_then_a[PATH_MAX], only_b[PATH_MAX], sess_a[PATH_MAX], sess_b[PATH_MAX], l[128];
    struct server first, second, third;
    FILE *f = fopen("/dev/urandom", "rb");

    CHECK(f != NULL && fread(a_key, 1, 36, f) == 36 && fread(b_key, 1, 36, f) == 36, "cannot read /dev/urandom");
    if (f)
        fclose(f);
    memcpy(ba, b_key, 36);
    memcpy(ba + 36, a_key, 36);
    work_path(only_a, sizeof only_a, "ticket-a.key");
    work_path(b_then_a, sizeof b_then_a, "ticket-ba.key");
    work_path(only_b, sizeof only_b, "ticket-b.key");
    CHECK(file_write(only_a, a_key, 36) == 0 && chmod(only_a, 0600) == 0 && file_write(b_then_a, ba, 72) == 0 &&
              chmod(b_then_a, 0600) == 0 && file_write(only_b, b_key, 36) == 0 && chmod(only_b, 0600) == 0,
          "cannot write the ticket key files");
    work_path(sess_a, sizeof sess_a, "session-a.pem");
    work_path(sess_b, sizeof sess_b, "session-b.pem");
    get_line(l, sizeof l, 1000);

    if (server_start(&first, CERT_P256, MODE_DEFAULT, 1, (const char *const[]){"--ticket-key", only_a, NULL}) != 0)
        return;
    client_op(&first, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_out", sess_a, NULL});
    if (server_finish(&first) == 0)
        check_conn(&first, 0, &(struct want){version, NULL, NULL, NULL, 0, l, 1, 0});
    server_free(&first);

    if (server_start(&second, CERT_P256, MODE_DEFAULT, 2, (const char *const[]){"--ticket-key", b_then_a, NULL}) != 0)
        return;
    client_op(&second, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_in", sess_a, NULL});
    client_op(&second, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_out", sess_b, NULL});
    if (server_finish(&second) == 0) {
        check_conn(&second, 0, &(struct want){version, NULL, NULL, NULL, 1, l, 1, 0}); /* A still opens */
        check_conn(&second, 1, &(struct want){version, NULL, NULL, NULL, 0, l, 1, 0});
    }
    server_free(&second);

    if (server_start(&third, CERT_P256, MODE_DEFAULT, 2, (const char *const[]){"--ticket-key", only_b, NULL}) != 0)
        return;
    client_op(&third, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_in", sess_a, NULL});
    client_op(&third, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_in", sess_b, NULL});
    if (server_finish(&third) == 0) {
        check_conn(&third, 0, &(struct want){version, NULL, NULL, NULL, 0, l, 1, 0}); /* A retired: full handshake */
        check_conn(&third, 1, &(struct want){version, NULL, NULL, NULL, 1, l, 1, 0}); /* B sealed it: resumed */
    }
    server_free(&third);
}

static void t_ticket_rotation_tls12(void)
{
    ticket_key_rotation("-tls1_2", "TLS1.2");
}

static void t_ticket_rotation_tls13(void)
{
    ticket_key_rotation("-tls1_3", "TLS1.3");
}

/*
 * KTLA_CLIENT_AUTH_REQUIRED on resumption, with s_client.  One REQUIRED
 * server; a client that authenticated comes back with its session, with and
 * without its certificate.  A TLS 1.2 ticket holds the verified
 * certificate: resumed.  TLS 1.3 tickets carry none, so a REQUIRED server
 * issues none (s_client has no session to save) and every handshake is a
 * full one: with the certificate verified, without it refused.
 */
static void client_auth_same_server(const char *version_flag, const char *version)
{
    const char *const auth_opts[] = {"--client-auth", "required", "--client-ca", client_ca, NULL};
    int tls13 = strcmp(version, "TLS1.3") == 0;
    struct server s;
    struct run r;
    char sess[PATH_MAX], l[128];

    work_path(sess, sizeof sess, "session.pem");
    if (server_start(&s, CERT_P256, MODE_DEFAULT, 3, auth_opts) != 0)
        return;
    client_op(&s, OPENSSL, GET, 1000,
              (const char *const[]){version_flag, "-cert", client_crt, "-key", client_key, "-sess_out", sess, NULL});
    if (tls13) {
        CHECK(access(sess, R_OK) != 0, "a REQUIRED server issued a TLS 1.3 ticket (s_client saved %s)", sess);
        /* offer the session when one was saved after all (the list then ends at the NULL in its place) */
        client_op(&s, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-cert", client_crt, "-key", client_key,
                                                                access(sess, R_OK) == 0 ? "-sess_in" : NULL, sess,
                                                                NULL});
        run_refused_client(&s, (const char *const[]){version_flag, access(sess, R_OK) == 0 ? "-sess_in" : NULL, sess,
                                                     NULL},
                           &r);
    } else {
        client_op(&s, OPENSSL, GET, 1000,
                  (const char *const[]){version_flag, "-cert", client_crt, "-key", client_key, "-sess_in", sess, NULL});
        client_op(&s, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_in", sess, NULL});
    }
    get_line(l, sizeof l, 1000);
    if (server_finish(&s) == 0) {
        check_conn(&s, 0, &(struct want){version, NULL, NULL, NULL, 0, l, 1, 0});
        CHECK(conn_number(&s, 0, "verified") == 1, "conn 0: the client certificate did not verify");
        check_conn(&s, 1, &(struct want){version, NULL, NULL, NULL, tls13 ? 0 : 1, l, 1, 0});
        CHECK(conn_number(&s, 1, "verified") == 1, "conn 1: no verified client certificate");
        if (tls13) {
            check_refused(&s, 2, "No client certification", -2);
        } else {
            check_conn(&s, 2, &(struct want){version, NULL, NULL, NULL, 1, l, 1, 0});
            CHECK(conn_number(&s, 2, "verified") == 1, "conn 2: the TLS 1.2 ticket's certificate is not verified");
        }
    }
    server_free(&s);
}

static void t_client_auth_resume_tls12(void)
{
    client_auth_same_server("-tls1_2", "TLS1.2");
}

static void t_client_auth_resume_tls13(void)
{
    client_auth_same_server("-tls1_3", "TLS1.3");
}

/*
 * A session from a server without client authentication, shown to a
 * REQUIRED server that shares its ticket key file: never resumed there.
 * Without a certificate the client is refused; with one, it gets a full
 * handshake and its certificate is verified.
 */
static void client_auth_cross_server(const char *version_flag, const char *version)
{
    const char *const open_opts[] = {"--ticket-key", ticket_key_file(), NULL};
    const char *const auth_opts[] = {"--ticket-key", ticket_key_file(), "--client-auth", "required",
                                     "--client-ca",  client_ca,         NULL};
    struct server a, b;
    struct run r;
    char sess[PATH_MAX], l[128];

    work_path(sess, sizeof sess, "session.pem");
    if (server_start(&a, CERT_P256, MODE_DEFAULT, 1, open_opts) != 0)
        return;
    if (server_start(&b, CERT_P256, MODE_DEFAULT, 2, auth_opts) != 0) {
        server_free(&a);
        return;
    }
    client_op(&a, OPENSSL, GET, 1000, (const char *const[]){version_flag, "-sess_out", sess, NULL});
    run_refused_client(&b, (const char *const[]){version_flag, "-sess_in", sess, NULL}, &r);
    client_op(&b, OPENSSL, GET, 1000,
              (const char *const[]){version_flag, "-cert", client_crt, "-key", client_key, "-sess_in", sess, NULL});
    get_line(l, sizeof l, 1000);
    if (server_finish(&a) == 0)
        check_conn(&a, 0, &(struct want){version, NULL, NULL, NULL, 0, l, 1, 0});
    if (server_finish(&b) == 0) {
        check_refused(&b, 0, "No client certification", -2);
        check_conn(&b, 1, &(struct want){version, NULL, NULL, NULL, 0, l, 1, 0});
        CHECK(conn_number(&b, 1, "verified") == 1, "conn 1: the client certificate did not verify");
    }
    server_free(&a);
    server_free(&b);
}

static void t_client_auth_cross_server_tls12(void)
{
    client_auth_cross_server("-tls1_2", "TLS1.2");
}

static void t_client_auth_cross_server_tls13(void)
{
    client_auth_cross_server("-tls1_3", "TLS1.3");
}

/* ---------------------------------------------------------------- --user and --nonblock */

static void t_user_tls13(void)
{
    get_and_put(CERT_P256, MODE_USER, OPENSSL, tls13_aes128gcm, MIB, "TLS1.3", SUITE13_128);
}

static void t_user_tls12(void)
{
    get_and_put(CERT_P256, MODE_USER, OPENSSL, tls12_aes256gcm, MIB, "TLS1.2", SUITE12_256);
}

static void t_user_gnutls_tls13(void)
{
    get_and_put(CERT_P256, MODE_USER, GNUTLS, (const char *const[]){"--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL},
                100 * KIB, "TLS1.3", NULL);
}

static void t_user_close_notify_missing(void)
{
    missing_close_notify(MODE_USER, "-tls1_3");
}

static void t_nonblock_tls13(void)
{
    get_and_put(CERT_P256, MODE_NONBLOCK, OPENSSL, tls13_aes128gcm, MIB, "TLS1.3", SUITE13_128);
}

static void t_nonblock_tls12(void)
{
    get_and_put(CERT_P256, MODE_NONBLOCK, OPENSSL, tls12_aes256gcm, MIB, "TLS1.2", SUITE12_256);
}

static void t_nonblock_16m(void)
{
    get_and_put(CERT_P256, MODE_NONBLOCK, OPENSSL,
                (const char *const[]){"-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", NULL}, 16 * MIB,
                "TLS1.3", "TLS1-3-CHACHA20-POLY1305-SHA256");
}

static void t_nonblock_user_tls13(void)
{
    get_and_put(CERT_P256, MODE_NONBLOCK | MODE_USER, OPENSSL, tls13_aes128gcm, MIB, "TLS1.3", SUITE13_128);
}

static void t_nonblock_curl(void)
{
    curl_get(MODE_NONBLOCK, (const char *const[]){"--tlsv1.3", NULL}, "TLS1.3");
}

static void t_nonblock_resume_tls13(void)
{
    resumption(MODE_NONBLOCK, "-tls1_3", "TLS1.3");
}

static void t_nonblock_plain_http(void)
{
    plain_http(MODE_NONBLOCK);
}

static void t_nonblock_close_notify_missing(void)
{
    missing_close_notify(MODE_NONBLOCK, "-tls1_2");
}

/* ---------------------------------------------------------------- set-up */

/* 1 if this kernel lets a connected TCP socket take the "tls" ULP, 0 if not (why in why), -1 if untestable. */
static int host_has_tls_ulp(char *why, size_t size)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), a = -1, ret = -1;

    snprintf(why, size, "could not make a loopback connection");
    if (l >= 0 && c >= 0 && bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 1) == 0 &&
        getsockname(l, (struct sockaddr *)&sa, &len) == 0 && connect(c, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        (a = accept(l, NULL, NULL)) >= 0) {
        if (setsockopt(a, IPPROTO_TCP, TCP_ULP, "tls", 4) == 0) {
            snprintf(why, size, "this kernel attaches the TCP ULP \"tls\"");
            ret = 1;
        } else {
            snprintf(why, size, "this kernel does not attach the TCP ULP \"tls\": %s", strerror(errno));
            ret = 0;
        }
    }
    if (a >= 0)
        close(a);
    if (c >= 0)
        close(c);
    if (l >= 0)
        close(l);
    return ret;
}

static int make_cert(enum cert_kind k)
{
    struct args a;
    struct run r;
    char err[PATH_MAX];

    snprintf(cert_path[k], sizeof cert_path[k], "%s/%s.crt", workdir, cert_specs[k].name);
    snprintf(key_path[k], sizeof key_path[k], "%s/%s.key", workdir, cert_specs[k].name);
    snprintf(err, sizeof err, "%s/%s.req.err", workdir, cert_specs[k].name);
    args_init(&a);
    args_add(&a, "openssl");
    args_add(&a, "req");
    args_add(&a, "-x509");
    for (int i = 0; i < 4 && cert_specs[k].keyopts[i]; i++)
        args_add(&a, "%s", cert_specs[k].keyopts[i]);
    args_add(&a, "-nodes");
    args_add(&a, "-days");
    args_add(&a, "2");
    args_add(&a, "-subj");
    args_add(&a, "/CN=%s", cert_specs[k].cn);
    args_add(&a, "-addext");
    args_add(&a, "subjectAltName=DNS:localhost");
    args_add(&a, "-keyout");
    args_add(&a, "%s", key_path[k]);
    args_add(&a, "-out");
    args_add(&a, "%s", cert_path[k]);
    if (proc_run(&a, NULL, NULL, err, 60000, &r) != 0) {
        fprintf(stderr, "ktla-interop: %s: %s: %s\n", args_str(&a), run_str(&r), file_tail(err));
        return -1;
    }
    return 0;
}

static int suite_init(void)
{
    const char *env = getenv("KTLA_EXPECT_OFFLOAD"), *tmp = getenv("TMPDIR");
    int ulp;

    snprintf(workdir, sizeof workdir, "%s/ktla-interop.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(workdir) == NULL) {
        fprintf(stderr, "ktla-interop: mkdtemp %s: %s\n", workdir, strerror(errno));
        workdir[0] = '\0';
        return -1;
    }
    for (int k = 0; k < CERT_COUNT; k++)
        if (make_cert((enum cert_kind)k) != 0)
            goto failed;
    snprintf(client_crt, sizeof client_crt, "%s/client.crt", TEST_DATA_DIR);
    snprintf(client_key, sizeof client_key, "%s/client.key", TEST_DATA_DIR);
    snprintf(client_ca, sizeof client_ca, "%s/client-ca.crt", TEST_DATA_DIR);
    ulp = host_has_tls_ulp(expect_why, sizeof expect_why);
    if (env && *env) {
        if (strcmp(env, "kernel") != 0 && strcmp(env, "user") != 0) {
            fprintf(stderr, "ktla-interop: KTLA_EXPECT_OFFLOAD must be \"kernel\" or \"user\", not \"%s\"\n", env);
            goto failed;
        }
        expect_offload = env;
        snprintf(expect_why + strlen(expect_why), sizeof expect_why - strlen(expect_why), "; KTLA_EXPECT_OFFLOAD=%s",
                 env);
    } else if (ulp < 0) {
        fprintf(stderr, "ktla-interop: cannot tell whether the kernel has kTLS: %s\n", expect_why);
        goto failed;
    } else {
        expect_offload = ulp ? "kernel" : "user";
    }
    printf("\nktla-interop: server %s\nktla-interop: expecting tx/rx=%s by default (%s)\n", server_path, expect_offload,
           expect_why);
    return 0;

failed: /* CUnit runs no clean-up for a suite whose set-up failed */
    remove_tree(workdir);
    workdir[0] = '\0';
    return -1;
}

static int suite_cleanup(void)
{
    if (workdir[0] && getenv("KTLA_INTEROP_KEEP") == NULL)
        remove_tree(workdir);
    else if (workdir[0])
        printf("ktla-interop: kept %s\n", workdir);
    return 0;
}

/* The server: argv[1], $KTLA_TEST_SERVER, or ktla-test-server beside this program. */
static int find_server(int argc, char **argv)
{
    const char *env = getenv("KTLA_TEST_SERVER");
    char self[PATH_MAX], *slash;
    ssize_t n;

    if (argc > 1)
        snprintf(server_path, sizeof server_path, "%s", argv[1]);
    else if (env && *env)
        snprintf(server_path, sizeof server_path, "%s", env);
    else {
        n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return -1;
        self[n] = '\0';
        slash = strrchr(self, '/');
        *slash = '\0';
        /* a libtool-built program runs from .libs/; the wrapper script is one level up */
        if (strlen(self) >= 6 && strcmp(self + strlen(self) - 6, "/.libs") == 0)
            self[strlen(self) - 6] = '\0';
        snprintf(server_path, sizeof server_path, "%.*s/ktla-test-server", PATH_MAX - 20, self);
    }
    if (access(server_path, X_OK) != 0) {
        fprintf(stderr, "ktla-interop: no test server at %s: %s\n", server_path, strerror(errno));
        return -1;
    }
    return 0;
}

struct test {
    const char *name;
    CU_TestFunc fn;
};

static const struct test tests[] = {
    {"openssl TLS1.3 TLS_AES_128_GCM_SHA256: GET+PUT 100 KiB", t_ossl13_aes128gcm},
    {"openssl TLS1.3 TLS_AES_256_GCM_SHA384: GET+PUT 100 KiB", t_ossl13_aes256gcm},
    {"openssl TLS1.3 TLS_CHACHA20_POLY1305_SHA256: GET+PUT 100 KiB", t_ossl13_chacha},
    {"openssl TLS1.3 TLS_AES_128_CCM_SHA256: GET+PUT 100 KiB", t_ossl13_aes128ccm},
    {"openssl TLS1.2 ECDHE-ECDSA-AES128-GCM-SHA256: GET+PUT 100 KiB", t_ossl12_aes128gcm},
    {"openssl TLS1.2 ECDHE-ECDSA-AES256-GCM-SHA384: GET+PUT 100 KiB", t_ossl12_aes256gcm},
    {"openssl TLS1.2 ECDHE-ECDSA-CHACHA20-POLY1305: GET+PUT 100 KiB", t_ossl12_chacha},
    {"openssl TLS1.2 ECDHE-ECDSA-AES128-CCM: GET+PUT 100 KiB", t_ossl12_aes128ccm},
    {"size 0 B, TLS1.3 AES-128-GCM: GET+PUT", t_size13_0},
    {"size 1 B, TLS1.3 AES-128-GCM: GET+PUT", t_size13_1},
    {"size 16 KiB, TLS1.3 AES-128-GCM: GET+PUT", t_size13_16k},
    {"size 1 MiB, TLS1.3 AES-128-GCM: GET+PUT", t_size13_1m},
    {"size 16 MiB, TLS1.3 AES-128-GCM: GET+PUT", t_size13_16m},
    {"size 0 B, TLS1.2 AES-256-GCM: GET+PUT", t_size12_0},
    {"size 1 B, TLS1.2 AES-256-GCM: GET+PUT", t_size12_1},
    {"size 16 KiB, TLS1.2 AES-256-GCM: GET+PUT", t_size12_16k},
    {"size 1 MiB, TLS1.2 AES-256-GCM: GET+PUT", t_size12_1m},
    {"size 16 MiB, TLS1.2 AES-256-GCM: GET+PUT", t_size12_16m},
    {"PUT 100 KiB with one wrong byte is answered BAD at its offset", t_put_corrupted},
    {"certificate ECDSA P-384, TLS1.2 ECDHE-ECDSA-AES128-GCM-SHA256", t_cert_p384_tls12},
    {"certificate ECDSA P-384, TLS1.3", t_cert_p384_tls13},
    {"certificate RSA 2048, TLS1.2 ECDHE-RSA-AES128-GCM-SHA256", t_cert_rsa_tls12},
    {"certificate RSA 2048, TLS1.3", t_cert_rsa_tls13},
    {"certificate selection, P-256 + RSA server: RSA-only and ECDSA-only clients", t_cert_select_ecdsa_and_rsa},
    {"curl TLS1.2: GET 1 MiB", t_curl_tls12},
    {"curl TLS1.3: GET 1 MiB", t_curl_tls13},
    {"gnutls-cli TLS1.2: GET+PUT 100 KiB", t_gnutls_tls12},
    {"gnutls-cli TLS1.3: GET+PUT 100 KiB", t_gnutls_tls13},
    {"gnutls-cli TLS1.3 CHACHA20-POLY1305: GET+PUT 100 KiB", t_gnutls_tls13_chacha},
    {"close_notify from the client (s_client, TLS1.3 and 1.2): server sees it", t_close_notify_from_openssl},
    {"close_notify both ways with gnutls-cli (echo, TLS1.3 and 1.2)", t_close_notify_gnutls_both_ways},
    {"close_notify from the server: s_client and curl accept it", t_close_notify_from_server},
    {"no close_notify (client killed), TLS1.3: server reports a truncated close", t_close_notify_missing_tls13},
    {"no close_notify (client killed), TLS1.2: server reports a truncated close", t_close_notify_missing_tls12},
    {"ALPN http/1.1: curl --http1.1, s_client -alpn, and none offered", t_alpn},
    {"SNI: s_client -servername localhost / -noservername, gnutls-cli", t_sni},
    {"ticket resumption TLS1.2 (s_client -sess_out/-sess_in)", t_resume_tls12},
    {"ticket resumption TLS1.3 (s_client -sess_out/-sess_in)", t_resume_tls13},
    {"ticket key file shared by two servers, TLS1.2: resumed at the other", t_resume_across_servers_tls12},
    {"ticket key file shared by two servers, TLS1.3: resumed at the other", t_resume_across_servers_tls13},
    {"ticket key rotation, TLS1.2: [A] -> [B,A] resumes A -> [B] refuses A, resumes B", t_ticket_rotation_tls12},
    {"ticket key rotation, TLS1.3: [A] -> [B,A] resumes A -> [B] refuses A, resumes B", t_ticket_rotation_tls13},
    {"client auth required, TLS1.2: back with its ticket, with and without certificate", t_client_auth_resume_tls12},
    {"client auth required, TLS1.3: back with its ticket, with and without certificate", t_client_auth_resume_tls13},
    {"client auth required, TLS1.2: a ticket from a server without client auth", t_client_auth_cross_server_tls12},
    {"client auth required, TLS1.3: a ticket from a server without client auth", t_client_auth_cross_server_tls13},
    {"refused: TLS1.1-only client", t_refuse_tls11},
    {"refused: TLS1.2 client offering only CBC suites", t_refuse_cbc_only},
    {"refused: plain HTTP on the TLS port", t_refuse_plain_http},
    {"--user: openssl TLS1.3 AES-128-GCM GET+PUT 1 MiB", t_user_tls13},
    {"--user: openssl TLS1.2 AES-256-GCM GET+PUT 1 MiB", t_user_tls12},
    {"--user: gnutls-cli TLS1.3 GET+PUT 100 KiB", t_user_gnutls_tls13},
    {"--user: no close_notify (client killed), TLS1.3", t_user_close_notify_missing},
    {"--nonblock: openssl TLS1.3 AES-128-GCM GET+PUT 1 MiB", t_nonblock_tls13},
    {"--nonblock: openssl TLS1.2 AES-256-GCM GET+PUT 1 MiB", t_nonblock_tls12},
    {"--nonblock: openssl TLS1.3 CHACHA20-POLY1305 GET+PUT 16 MiB", t_nonblock_16m},
    {"--nonblock --user: openssl TLS1.3 AES-128-GCM GET+PUT 1 MiB", t_nonblock_user_tls13},
    {"--nonblock: curl TLS1.3 GET 1 MiB", t_nonblock_curl},
    {"--nonblock: ticket resumption TLS1.3", t_nonblock_resume_tls13},
    {"--nonblock: refused plain HTTP", t_nonblock_plain_http},
    {"--nonblock: no close_notify (client killed), TLS1.2", t_nonblock_close_notify_missing},
};

int main(int argc, char **argv)
{
    CU_pSuite suite;
    const char *only = getenv("KTLA_INTEROP_ONLY"); /* run only the tests whose name contains this */
    unsigned failed;
    struct timespec t0, t1;

    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IONBF, 0);
    if (find_server(argc, argv) != 0)
        return 1;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    suite = CU_add_suite("interop: ktla-test-server against openssl, gnutls-cli, curl", suite_init, suite_cleanup);
    if (suite == NULL)
        goto registry_failed;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if ((only == NULL || strstr(tests[i].name, only) != NULL) &&
            CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
            goto registry_failed;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("\nktla-interop: %.1f s\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    /* An empty run is a failure too: a runner that tests nothing must not pass. */
    if (CU_get_number_of_tests_run() == 0)
        failed++;
    CU_cleanup_registry();
    return failed ? 1 : 0;

registry_failed:
    fprintf(stderr, "ktla-interop: could not register the tests: %s\n", CU_get_error_msg());
    CU_cleanup_registry();
    return 1;
}
