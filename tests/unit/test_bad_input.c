/*
 * test_bad_input.c - what a client can throw at ktla_accept(): garbage,
 * plain HTTP, SSL 2.0 and TLS 1.0/1.1 hellos, no usable suite, truncated and
 * oversized records, and a client that vanishes at every step.  Each must
 * give the right return value, error class and alert, and nothing worse.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "client_hello.h"
#include "fixture.h"
#include "suites.h"

struct probe_run {
    ktla_config *cfg;
    ktla_conn *conn;
    struct mem_link link;
};

static void start(struct probe_run *r)
{
    memset(r, 0, sizeof *r);
    r->cfg = fixture_config("ecdsa-p256");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->cfg);
    CU_ASSERT_EQUAL_FATAL(mem_link_init(&r->link, 1 << 16, 0), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(r->cfg, &r->conn), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_set_io(r->conn, mem_link_server_recv, mem_link_server_send, &r->link), 0);
}

static void stop(struct probe_run *r)
{
    ktla_conn_free(r->conn);
    mem_link_free(&r->link);
    ktla_config_free(r->cfg);
}

/* Feed bytes (then EOF if eof), run the server until it stops asking for more; return accept's value. */
static int feed(struct probe_run *r, const void *bytes, size_t len, int eof)
{
    int rc = -1;

    CU_ASSERT_EQUAL_FATAL(mem_pipe_put(&r->link.c2s, bytes, len), 0);
    r->link.c2s.closed = eof;
    for (int i = 0; i < 100; i++) {
        rc = ktla_accept(r->conn);
        if (rc >= 0 || ktla_get_error(r->conn, rc) != KTLA_ERROR_WANT_READ)
            break;
        if (r->link.c2s.r == r->link.c2s.w)
            break; /* the server has read everything and wants more */
    }
    return rc;
}

static int sent_alert(const struct probe_run *r)
{
    return first_plain_alert(r->link.s2c.buf, r->link.s2c.w);
}

static void expect_tls_failure(struct probe_run *r, int rc, int alert)
{
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r->conn, rc), KTLA_ERROR_TLS);
    CU_ASSERT(strlen(ktla_get_reason(r->conn)) > 0);
    if (alert >= 0) {
        CU_ASSERT_EQUAL(ktla_get_alert(r->conn), alert);
        CU_ASSERT_EQUAL(sent_alert(r), alert);
    }
    CU_ASSERT_EQUAL(ktla_accept(r->conn), -1); /* sticky */
    CU_ASSERT_EQUAL(ktla_read(r->conn, (char[4]){0}, 4), -1);
}

static void test_garbage(void)
{
    struct probe_run r;
    unsigned char junk[64];

    memset(junk, 0xff, sizeof junk);
    start(&r);
    expect_tls_failure(&r, feed(&r, junk, sizeof junk, 1), -1);
    stop(&r);
}

static void test_plain_http(void)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n";
    struct probe_run r;

    start(&r);
    expect_tls_failure(&r, feed(&r, req, sizeof req - 1, 0), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), "plain HTTP"));
    stop(&r);
}

static void test_sslv2_hello(void)
{
    unsigned char hello[128];
    size_t n = client_hello_sslv2(hello, sizeof hello);
    struct probe_run r;

    start(&r);
    expect_tls_failure(&r, feed(&r, hello, n, 0), -1);
    stop(&r);
}

static void test_old_versions(void)
{
    static const uint16_t suites[] = {0xC009, 0xC013, 0x002F};
    static const uint16_t versions[] = {0x0301, 0x0302};

    for (int i = 0; i < 2; i++) {
        unsigned char hello[512];
        size_t n = client_hello_build(hello, sizeof hello, versions[i], suites, 3);
        struct probe_run r;

        start(&r);
        expect_tls_failure(&r, feed(&r, hello, n, 0), 70); /* protocol_version */
        stop(&r);
    }
}

static void test_only_unknown_suites(void)
{
    /* AES-CBC with SHA-1/SHA-256 and CCM-8: real suites, none the kernel can take. */
    static const uint16_t suites[] = {0x002F, 0x0035, 0xC023, 0xC0AE};
    unsigned char hello[512];
    size_t n = client_hello_build(hello, sizeof hello, 0x0303, suites, 4);
    struct probe_run r;

    start(&r);
    expect_tls_failure(&r, feed(&r, hello, n, 0), 40); /* handshake_failure */
    stop(&r);
}

static void test_truncated_hello(void)
{
    static const uint16_t suites[] = {0xC02B};
    unsigned char hello[512];
    size_t n = client_hello_build(hello, sizeof hello, 0x0303, suites, 1);
    struct probe_run r;
    int rc;

    start(&r);
    rc = feed(&r, hello, n / 2, 0);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, rc), KTLA_ERROR_WANT_READ); /* waiting, not failing */
    rc = feed(&r, "", 0, 1);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, rc), KTLA_ERROR_SYSCALL);
    CU_ASSERT_EQUAL(ktla_get_errno(r.conn), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), "closed"));
    stop(&r);
}

static void test_oversized_record(void)
{
    unsigned char rec[5 + 300] = {22, 3, 3, 0x48, 0x01}; /* claims 18433 bytes: over 2^14 + 2048 */
    struct probe_run r;

    start(&r);
    expect_tls_failure(&r, feed(&r, rec, sizeof rec, 0), -1);
    stop(&r);
}

/* The client stops after k of its handshake steps and closes: every k ends cleanly. */
static void test_client_vanishes_at_every_step(void)
{
    int finished = 0, vanished = 0;

    for (int k = 0; k < 64 && !finished; k++) {
        for (int version = 0x0303; version <= 0x0304; version++) {
            struct probe_run r;
            struct mbed_client cli;
            int srv = -1, c = MBEDTLS_ERR_SSL_WANT_READ;

            start(&r);
            CU_ASSERT_EQUAL_FATAL(mbed_client_init(&cli, version, 0, NULL, NULL), 0);
            mbedtls_ssl_set_bio(&cli.ssl, &r.link, mem_link_client_send, mem_link_client_recv, NULL);
            for (int step = 0; step < k && c != 0; step++) {
                c = mbedtls_ssl_handshake(&cli.ssl);
                srv = ktla_accept(r.conn);
            }
            r.link.c2s.closed = 1;
            for (int i = 0; i < 100; i++) {
                srv = ktla_accept(r.conn);
                if (srv >= 0 || ktla_get_error(r.conn, srv) != KTLA_ERROR_WANT_READ)
                    break;
            }
            if (srv == 1) {
                finished += version == 0x0304;
            } else {
                enum ktla_error e = ktla_get_error(r.conn, srv);
                CU_ASSERT_EQUAL(srv, -1);
                CU_ASSERT(e == KTLA_ERROR_SYSCALL || e == KTLA_ERROR_TLS);
                CU_ASSERT(strlen(ktla_get_reason(r.conn)) > 0);
                vanished++;
            }
            mbed_client_free(&cli);
            stop(&r);
        }
    }
    CU_ASSERT(vanished >= 4); /* the loop really cut handshakes short */
}

int add_bad_input_suite(void)
{
    CU_pSuite s = CU_add_suite("bad input to ktla_accept", NULL, NULL);
    return s && CU_add_test(s, "garbage", test_garbage) &&
                   CU_add_test(s, "plain HTTP on the TLS port", test_plain_http) &&
                   CU_add_test(s, "SSL 2.0 ClientHello", test_sslv2_hello) &&
                   CU_add_test(s, "TLS 1.0 and 1.1 ClientHello: protocol_version", test_old_versions) &&
                   CU_add_test(s, "only suites the kernel cannot take: handshake_failure", test_only_unknown_suites) &&
                   CU_add_test(s, "truncated ClientHello then EOF", test_truncated_hello) &&
                   CU_add_test(s, "oversized record", test_oversized_record) &&
                   CU_add_test(s, "client vanishes at every step", test_client_vanishes_at_every_step)
               ? 0
               : -1;
}
