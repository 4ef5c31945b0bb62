/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_connect_resume.c - ktla_connect()'s sessions offered again to real
 * servers, `openssl s_server` and `gnutls-serv`, with tickets only (their
 * session caches off), TLS 1.2 (RFC 5077 tickets) and TLS 1.3 (RFC 8446
 * 4.6.1 tickets).  Against each, two server processes A and B (each with its
 * own random ticket keys) and four connections:
 *   1. to A, offering nothing: a full handshake, and a session;
 *   2. to A, offering it: resumed, said by ktla_get_session_resumed() AND
 *      by the server (s_server's page says "Reused," and not "New,";
 *      gnutls-serv prints "*** This is a resumed session");
 *   3. to A, offering the session of 2 (TLS 1.3: a ticket from a resumed
 *      connection): resumed again;
 *   4. to B, offering the session of 3: B cannot open A's ticket, so a full
 *      handshake, cleanly, with data both ways; neither side says resumed.
 * Where the kernel takes TLS keys (the VM), both directions are offloaded.
 *
 * Sessions kept across processes (ktla_session_save()/ktla_session_load()):
 * a session from s_server, saved; every shorter prefix, a trailing byte, a
 * wrong magic, format version or mbedTLS header refused; loaded back, it
 * saves to the same bytes; and a fresh copy of this program (exec'd, with
 * only the file) loads it and resumes at that s_server, which says so.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktla.h"
#include "loopback.h"
#include "peer_server.h"
#include "self_copy.h"
#include "suites.h"
#include "test_skip.h"

#define CA(name) TEST_DATA_DIR "/" name ".crt"
#define KEY(name) TEST_DATA_DIR "/" name ".key"

/* s_server -www answers with a page on the connection; these words say whether the handshake resumed. */
#define S_SERVER_REQUEST "GET / HTTP/1.0\r\n\r\n"
#define S_SERVER_PAGE_END "</HTML>"
#define S_SERVER_RESUMED "Reused, TLSv1."
#define S_SERVER_FULL "New, TLSv1."
/* gnutls-serv --echo sends back what it reads, and prints a line per connection. */
#define GNUTLS_REQUEST "ping\n"
#define GNUTLS_ACCEPTED "* Accepted connection"
#define GNUTLS_RESUMED "*** This is a resumed session"

#define SUITE_NAME "ktla_connect: resumption with openssl s_server and gnutls-serv"
/* What the fresh copy of this program is given: the saved session's file, s_server's port, the version. */
#define ENV_SAVED_FILE "KTLA_TEST_SAVED_SESSION"
#define ENV_SAVED_PORT "KTLA_TEST_SAVED_PORT"
#define ENV_SAVED_VERSION "KTLA_TEST_SAVED_VERSION"
/* The saved format's layout (ktla_session_save(3)): magic, then its format version byte. */
#define SAVED_MAGIC_LEN 4
#define SAVED_VERSION_AT 4
#define SAVED_NAME_LEN_AT 5

/* What a connection of this suite came to. */
struct visit {
    int rc, resumed, offloaded;
    char reply[8192];
    ktla_session *session; /* the one to offer next, taken after the reply was read */
};

/* A peer server with its output in a file of the test's temporary directory. */
struct peer {
    pid_t pid;
    int port;
    char out[64];
};

static int peer_up(struct peer *p, const char *const *argv, const char *tag)
{
    p->port = peer_free_port();
    snprintf(p->out, sizeof p->out, "/tmp/ktla-resume-%d-%s.out", (int)getpid(), tag);
    p->pid = p->port > 0 ? peer_start(argv, p->port, p->out) : -1;
    return p->pid > 0 ? 0 : -1;
}

static void peer_down(struct peer *p)
{
    peer_stop(p->pid);
    p->pid = -1;
}

/* The peer's whole output (after peer_down(), so that it is all there); NULL when unreadable. */
static char *peer_output(const struct peer *p)
{
    FILE *f = fopen(p->out, "r");
    char *text = NULL;
    size_t cap = 0;

    if (f == NULL)
        return NULL;
    if (getdelim(&text, &cap, '\0', f) < 0) {
        free(text);
        text = NULL;
    }
    fclose(f);
    unlink(p->out);
    return text;
}

static int count(const char *text, const char *what)
{
    int n = 0;

    for (const char *p = text; p && (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

static ktla_config *client_for(enum ktla_tls_version v)
{
    ktla_config *cfg = NULL;

    CU_ASSERT_EQUAL_FATAL(ktla_config_new_client(&cfg), 0);
    CU_ASSERT_EQUAL(ktla_config_set_ca(cfg, CA("ecdsa-p256"), NULL), 0);
    CU_ASSERT_EQUAL(ktla_config_set_versions(cfg, v, v), 0);
    return cfg;
}

/* One connection to the peer, offering offer (NULL: none): send request, read until the reply holds until. */
static void visit(const struct peer *p, ktla_config *cfg, const ktla_session *offer, const char *request,
                  const char *until, struct visit *v)
{
    ktla_conn *conn = NULL;
    size_t got = 0;
    int fd = peer_connect(p->port);

    memset(v, 0, sizeof *v);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(cfg, &conn), 0);
    CU_ASSERT_EQUAL(ktla_set_fd(conn, fd), 0);
    CU_ASSERT_EQUAL(ktla_set_server_name(conn, "localhost"), 0);
    if (offer)
        CU_ASSERT_EQUAL(ktla_set_session(conn, offer), 0);
    v->rc = ktla_connect(conn);
    if (v->rc != 1)
        fprintf(stderr, "\n  ktla_connect: %s\n", ktla_get_reason(conn));
    if (v->rc == 1) {
        v->resumed = ktla_get_session_resumed(conn);
        v->offloaded = ktla_get_offload(conn, KTLA_DIR_TX) == KTLA_OFFLOAD_KERNEL &&
                       ktla_get_offload(conn, KTLA_DIR_RX) == KTLA_OFFLOAD_KERNEL;
        CU_ASSERT_EQUAL(ktla_write(conn, request, strlen(request)), (long)strlen(request));
        while (got + 1 < sizeof v->reply && strstr(v->reply, until) == NULL) {
            long n = ktla_read(conn, v->reply + got, sizeof v->reply - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            v->reply[got] = '\0';
        }
        CU_ASSERT_PTR_NOT_NULL(strstr(v->reply, until));
        CU_ASSERT_EQUAL(ktla_get_session(conn, &v->session), 0);
    }
    ktla_conn_free(conn);
    close(fd);
}

/* The kernel took both directions wherever it can (the VM). */
static void check_offload(const struct visit *v)
{
    if (test_kernel_ulp_errno() == 0)
        CU_ASSERT(v->offloaded);
}

/* Connections 1-4 of the head comment; the server's own word on each is checked by the caller. */
struct run {
    struct visit v[4];
};

static void four_visits(struct peer *a, struct peer *b, enum ktla_tls_version version, const char *request,
                        const char *until, struct run *r)
{
    ktla_config *cfg = client_for(version);

    visit(a, cfg, NULL, request, until, &r->v[0]);
    CU_ASSERT_EQUAL(r->v[0].rc, 1);
    CU_ASSERT_EQUAL(r->v[0].resumed, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->v[0].session);
    visit(a, cfg, r->v[0].session, request, until, &r->v[1]);
    CU_ASSERT_EQUAL(r->v[1].rc, 1);
    CU_ASSERT_EQUAL(r->v[1].resumed, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->v[1].session);
    visit(a, cfg, r->v[1].session, request, until, &r->v[2]);
    CU_ASSERT_EQUAL(r->v[2].rc, 1);
    CU_ASSERT_EQUAL(r->v[2].resumed, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->v[2].session);
    visit(b, cfg, r->v[2].session, request, until, &r->v[3]);
    CU_ASSERT_EQUAL(r->v[3].rc, 1);
    CU_ASSERT_EQUAL(r->v[3].resumed, 0);
    for (int i = 0; i < 4; i++)
        check_offload(&r->v[i]);
    ktla_config_free(cfg);
}

static void run_free(struct run *r)
{
    for (int i = 0; i < 4; i++)
        ktla_session_free(r->v[i].session);
}

/* s_server -www with its session cache off: resumption by ticket only, and the page says which. */
static void with_openssl(enum ktla_tls_version version, const char *version_flag)
{
    const char *const argv[] = {"openssl", "s_server", "-accept", "PORT", "-www", "-no_cache", "-cert", CA("ecdsa-p256"),
                                "-key", KEY("ecdsa-p256"), version_flag, NULL};
    const int resumed_at_a[4] = {0, 1, 1, 0};
    struct peer a, b;
    struct run r = {0};

    CU_ASSERT_EQUAL_FATAL(peer_up(&a, argv, "a"), 0);
    CU_ASSERT_EQUAL_FATAL(peer_up(&b, argv, "b"), 0);
    four_visits(&a, &b, version, S_SERVER_REQUEST, S_SERVER_PAGE_END, &r);
    for (int i = 0; i < 4; i++) {
        int said_resumed = strstr(r.v[i].reply, S_SERVER_RESUMED) != NULL;
        int said_full = strstr(r.v[i].reply, S_SERVER_FULL) != NULL;
        CU_ASSERT_EQUAL(said_resumed, resumed_at_a[i]);
        CU_ASSERT_EQUAL(said_full, !resumed_at_a[i]);
        if (said_resumed != resumed_at_a[i])
            fprintf(stderr, "\n  connection %d: s_server said %s\n", i + 1, said_resumed ? "reused" : "new");
    }
    run_free(&r);
    peer_down(&a);
    peer_down(&b);
    unlink(a.out);
    unlink(b.out);
}

static void t_openssl_tls12(void)
{
    with_openssl(KTLA_TLS_1_2, "-tls1_2");
}

static void t_openssl_tls13(void)
{
    with_openssl(KTLA_TLS_1_3, "-tls1_3");
}

/* gnutls-serv --echo without its resumption database (--nodb): tickets only; its output says which resumed. */
static void with_gnutls(enum ktla_tls_version version, const char *priority)
{
    const char *const argv[] = {"gnutls-serv", "--port", "PORT", "--echo", "--nodb", "--x509certfile", CA("ecdsa-p256"),
                                "--x509keyfile", KEY("ecdsa-p256"), "--priority", priority, NULL};
    struct peer a, b;
    struct run r = {0};
    char *out_a, *out_b;

    CU_ASSERT_EQUAL_FATAL(peer_up(&a, argv, "a"), 0);
    CU_ASSERT_EQUAL_FATAL(peer_up(&b, argv, "b"), 0);
    four_visits(&a, &b, version, GNUTLS_REQUEST, GNUTLS_REQUEST, &r);
    run_free(&r);
    peer_down(&a);
    peer_down(&b);
    out_a = peer_output(&a);
    out_b = peer_output(&b);
    CU_ASSERT_PTR_NOT_NULL(out_a);
    CU_ASSERT_PTR_NOT_NULL(out_b);
    /* A: the first connection full, the next two resumed; B: one connection, full. */
    CU_ASSERT_EQUAL(count(out_a, GNUTLS_ACCEPTED), 3);
    CU_ASSERT_EQUAL(count(out_a, GNUTLS_RESUMED), 2);
    CU_ASSERT_EQUAL(count(out_b, GNUTLS_ACCEPTED), 1);
    CU_ASSERT_EQUAL(count(out_b, GNUTLS_RESUMED), 0);
    if (count(out_a, GNUTLS_RESUMED) != 2 || count(out_b, GNUTLS_RESUMED) != 0)
        fprintf(stderr, "\n  gnutls-serv resumed %d at A, %d at B\n", count(out_a, GNUTLS_RESUMED),
                count(out_b, GNUTLS_RESUMED));
    free(out_a);
    free(out_b);
}

static void t_gnutls_tls12(void)
{
    with_gnutls(KTLA_TLS_1_2, "NORMAL:-VERS-ALL:+VERS-TLS1.2");
}

static void t_gnutls_tls13(void)
{
    with_gnutls(KTLA_TLS_1_3, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
}

/* ---- sessions saved and loaded ---- */

static ktla_session *load(const unsigned char *bytes, size_t len, int *rc)
{
    static char marker;
    ktla_session *s = (ktla_session *)&marker; /* ktla_session_load() must set it, to NULL on failure */

    *rc = ktla_session_load(&s, bytes, len);
    return s;
}

/* Every malformed variant of saved (len bytes) refused with KTLA_E_PARSE and no session. */
static void check_refusals(const unsigned char *saved, size_t len)
{
    unsigned char *copy = malloc(len + 1);
    size_t name_len = (size_t)saved[SAVED_NAME_LEN_AT] << 8 | saved[SAVED_NAME_LEN_AT + 1];
    size_t body_at = SAVED_NAME_LEN_AT + 2 + name_len + 4;
    int rc, refused = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    for (size_t n = 0; n < len; n++) /* cut short anywhere */
        refused += load(saved, n, &rc) == NULL && rc == KTLA_E_PARSE;
    CU_ASSERT_EQUAL(refused, (int)len);
    memcpy(copy, saved, len);
    copy[len] = 0;
    CU_ASSERT_PTR_NULL(load(copy, len + 1, &rc)); /* a trailing byte */
    CU_ASSERT_EQUAL(rc, KTLA_E_PARSE);
    copy[0] ^= 1; /* not ktla's magic */
    CU_ASSERT_PTR_NULL(load(copy, len, &rc));
    CU_ASSERT_EQUAL(rc, KTLA_E_PARSE);
    copy[0] ^= 1;
    copy[SAVED_VERSION_AT]++; /* a format version this ktla does not know */
    CU_ASSERT_PTR_NULL(load(copy, len, &rc));
    CU_ASSERT_EQUAL(rc, KTLA_E_PARSE);
    copy[SAVED_VERSION_AT]--;
    CU_ASSERT_FATAL(body_at < len);
    copy[body_at] ^= 0x80; /* mbedTLS's version in its own header: another mbedTLS */
    CU_ASSERT_PTR_NULL(load(copy, len, &rc));
    CU_ASSERT_EQUAL(rc, KTLA_E_PARSE);
    copy[body_at] ^= 0x80;
    CU_ASSERT_EQUAL(ktla_session_load(NULL, copy, len), KTLA_E_INVAL);
    CU_ASSERT_PTR_NULL(load(NULL, len, &rc));
    CU_ASSERT_EQUAL(rc, KTLA_E_INVAL);
    free(copy);
}

/* The child's role: ENV_SAVED_FILE's session offered to s_server at ENV_SAVED_PORT resumes there. */
static void t_saved_child(void)
{
    const char *path = getenv(ENV_SAVED_FILE);
    struct peer a = {.pid = -1, .port = atoi(getenv(ENV_SAVED_PORT))};
    enum ktla_tls_version version = atoi(getenv(ENV_SAVED_VERSION)) == 13 ? KTLA_TLS_1_3 : KTLA_TLS_1_2;
    ktla_config *cfg = client_for(version);
    ktla_session *session = NULL;
    unsigned char bytes[65536];
    struct visit v;
    size_t len = 0;
    FILE *f = fopen(path, "rb");

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    len = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(ktla_session_load(&session, bytes, len), 0);
    visit(&a, cfg, session, S_SERVER_REQUEST, S_SERVER_PAGE_END, &v);
    CU_ASSERT_EQUAL(v.rc, 1);
    CU_ASSERT_EQUAL(v.resumed, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(v.reply, S_SERVER_RESUMED));
    ktla_session_free(v.session);
    ktla_session_free(session);
    ktla_config_free(cfg);
}

/* The fresh copy's test lines and failures, shown here. */
static void on_child_line(const char *line, void *arg)
{
    (void)arg;
    if (strstr(line, "Test:") || strstr(line, "FAILED") || strstr(line, ".c:"))
        fprintf(stderr, "\n  (fresh process) %s\n", line);
}

/* A fresh copy of this program, running only t_saved_child(); its exit status. */
static int run_child(const char *path, int port, int version)
{
    char portstr[16], versionstr[16];
    const char *const env[] = {ENV_SAVED_FILE, path, ENV_SAVED_PORT, portstr, ENV_SAVED_VERSION, versionstr, NULL};

    snprintf(portstr, sizeof portstr, "%d", port);
    snprintf(versionstr, sizeof versionstr, "%d", version);
    return test_run_copy(SUITE_NAME, env, on_child_line, NULL);
}

static void saved_version(enum ktla_tls_version version, const char *version_flag, int version_number)
{
    const char *const argv[] = {"openssl", "s_server", "-accept", "PORT", "-www", "-no_cache", "-cert", CA("ecdsa-p256"),
                                "-key", KEY("ecdsa-p256"), version_flag, NULL};
    ktla_config *cfg = client_for(version);
    unsigned char *saved = NULL, *again = NULL;
    ktla_session *loaded = NULL;
    size_t len = 0, len2 = 0;
    char path[64];
    struct peer a;
    struct visit v;
    int fd;

    CU_ASSERT_EQUAL_FATAL(peer_up(&a, argv, "saved"), 0);
    visit(&a, cfg, NULL, S_SERVER_REQUEST, S_SERVER_PAGE_END, &v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v.session);
    /* The size first (no buffer, then one byte short), then the bytes. */
    CU_ASSERT_EQUAL(ktla_session_save(v.session, NULL, 0, &len), KTLA_E_INVAL);
    CU_ASSERT_FATAL(len > SAVED_NAME_LEN_AT + 2);
    saved = malloc(len);
    again = malloc(len);
    CU_ASSERT_FATAL(saved && again);
    CU_ASSERT_EQUAL(ktla_session_save(v.session, saved, len - 1, &len2), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(len2, len);
    CU_ASSERT_EQUAL_FATAL(ktla_session_save(v.session, saved, len, &len2), 0);
    CU_ASSERT_EQUAL(memcmp(saved, "KTLA", SAVED_MAGIC_LEN), 0);
    check_refusals(saved, len);
    /* Loaded back, it saves to the same bytes. */
    CU_ASSERT_EQUAL_FATAL(ktla_session_load(&loaded, saved, len), 0);
    CU_ASSERT_EQUAL(ktla_session_save(loaded, again, len, &len2), 0);
    CU_ASSERT_EQUAL(len2, len);
    CU_ASSERT_EQUAL(memcmp(saved, again, len), 0);
    /* A fresh process with only the file resumes at the same server. */
    snprintf(path, sizeof path, "/tmp/ktla-resume-%d.session", (int)getpid());
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, saved, len), (ssize_t)len);
    close(fd);
    if (UNDER_VALGRIND())
        test_skip("under valgrind /proc/self/exe is valgrind's tool: the fresh process runs in the plain runs");
    else
        CU_ASSERT_EQUAL(run_child(path, a.port, version_number), 0);
    unlink(path);
    peer_down(&a);
    unlink(a.out);
    ktla_session_free(loaded);
    ktla_session_free(v.session);
    free(saved);
    free(again);
    ktla_config_free(cfg);
}

static void t_saved_tls12(void)
{
    saved_version(KTLA_TLS_1_2, "-tls1_2", 12);
}

static void t_saved_tls13(void)
{
    saved_version(KTLA_TLS_1_3, "-tls1_3", 13);
}

int add_connect_resume_suite(void)
{
    CU_pSuite s = CU_add_suite(SUITE_NAME, NULL, NULL);

    if (s == NULL)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    /* The fresh process of saved_version(): only the loading end. */
    if (getenv(ENV_SAVED_FILE) && getenv(ENV_SAVED_PORT) && getenv(ENV_SAVED_VERSION))
        return CU_add_test(s, "a saved session loaded in a fresh process resumes", t_saved_child) == NULL ? -1 : 0;
    return CU_add_test(s, "s_server TLS 1.2 ticket: resumed at both ends; at another server, full", t_openssl_tls12) ==
                       NULL ||
                   CU_add_test(s, "s_server TLS 1.3 ticket: resumed at both ends; at another server, full", t_openssl_tls13) ==
                       NULL ||
                   CU_add_test(s, "gnutls-serv TLS 1.2 ticket: resumed at both ends; at another server, full", t_gnutls_tls12) ==
                       NULL ||
                   CU_add_test(s, "gnutls-serv TLS 1.3 ticket: resumed at both ends; at another server, full", t_gnutls_tls13) ==
                       NULL ||
                   CU_add_test(s, "saved TLS 1.2 session: bounds-checked load; resumes from a fresh process", t_saved_tls12) ==
                       NULL ||
                   CU_add_test(s, "saved TLS 1.3 session: bounds-checked load; resumes from a fresh process", t_saved_tls13) ==
                       NULL
               ? -1
               : 0;
}
