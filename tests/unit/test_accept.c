/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_accept.c - ktla_accept() against an mbedTLS client over caller-moved
 * I/O (ktla_set_io), in every version and cipher, in one go and one byte at
 * a time; then data, ALPN, SNI and close_notify both ways.
 *
 * Without a socket the record layer stays in user space: these tests also
 * prove the fallback path end to end.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <psa/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "fixture.h"
#include "suites.h"
#include "wire/tls_wire.h"

struct session {
    ktla_config *cfg;
    ktla_conn *conn;
    struct mbed_client cli;
    struct mem_link link;
};

static int open_session(struct session *s, ktla_config *cfg, int version, int suite, int dribble, const char *alpn,
                        const char *sni)
{
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    if (cfg == NULL || mem_link_init(&s->link, 1 << 22, dribble) != 0 ||
        mbed_client_init(&s->cli, version, suite, alpn, sni) != 0 || ktla_conn_new(cfg, &s->conn) != 0 ||
        ktla_set_io(s->conn, mem_link_server_recv, mem_link_server_send, &s->link) != 0)
        return -1;
    return 0;
}

static void close_session(struct session *s)
{
    ktla_conn_free(s->conn);
    mbed_client_free(&s->cli);
    mem_link_free(&s->link);
    ktla_config_free(s->cfg);
}

/* Client reads exactly len bytes, skipping TLS 1.3 tickets. */
static int client_read_all(struct session *s, unsigned char *buf, size_t len)
{
    size_t got = 0;

    for (int i = 0; got < len && i < 1000000; i++) {
        int n = mbedtls_ssl_read(&s->cli.ssl, buf + got, len - got);
        if (n > 0)
            got += (size_t)n;
        else if (n != MBEDTLS_ERR_SSL_WANT_READ && n != MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
            return -1;
    }
    return got == len ? 0 : -1;
}

static int server_read_all(struct session *s, unsigned char *buf, size_t len)
{
    size_t got = 0;

    for (int i = 0; got < len && i < 1000000; i++) {
        long n = ktla_read(s->conn, buf + got, len - got);
        if (n > 0)
            got += (size_t)n;
        else if (ktla_get_error(s->conn, n) != KTLA_ERROR_WANT_READ)
            return -1;
    }
    return got == len ? 0 : -1;
}

static void exchange_and_close(struct session *s)
{
    static const char ping[] = "ping from the server", pong[] = "pong from the client";
    unsigned char buf[64];
    long n;

    do
        n = ktla_write(s->conn, ping, sizeof ping);
    while (n < 0 && ktla_get_error(s->conn, n) == KTLA_ERROR_WANT_WRITE);
    CU_ASSERT_EQUAL(n, (long)sizeof ping);
    CU_ASSERT_EQUAL(client_read_all(s, buf, sizeof ping), 0);
    CU_ASSERT_EQUAL(memcmp(buf, ping, sizeof ping), 0);

    while (mbedtls_ssl_write(&s->cli.ssl, (const unsigned char *)pong, sizeof pong) == MBEDTLS_ERR_SSL_WANT_WRITE)
        ;
    CU_ASSERT_EQUAL(server_read_all(s, buf, sizeof pong), 0);
    CU_ASSERT_EQUAL(memcmp(buf, pong, sizeof pong), 0);

    /* close_notify from the client reads as 0 / ZERO_RETURN at the server ... */
    while (mbedtls_ssl_close_notify(&s->cli.ssl) == MBEDTLS_ERR_SSL_WANT_WRITE)
        ;
    for (int i = 0; i < 100000; i++) {
        n = ktla_read(s->conn, buf, sizeof buf);
        if (n >= 0 || ktla_get_error(s->conn, n) != KTLA_ERROR_WANT_READ)
            break;
    }
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(ktla_get_error(s->conn, n), KTLA_ERROR_ZERO_RETURN);
    /* ... and the server's close_notify reads as PEER_CLOSE_NOTIFY at the client. */
    int rc;
    while ((rc = ktla_shutdown(s->conn)) != 1 && ktla_get_error(s->conn, rc) == KTLA_ERROR_WANT_WRITE)
        ;
    CU_ASSERT_EQUAL(rc, 1);
    int c;
    for (int i = 0; i < 100000; i++) {
        c = mbedtls_ssl_read(&s->cli.ssl, buf, sizeof buf);
        if (c != MBEDTLS_ERR_SSL_WANT_READ && c != MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
            break;
    }
    CU_ASSERT_EQUAL(c, MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
}

static const struct {
    int version, suite;
} combos[] = {
    {0x0304, 0x1301}, {0x0304, 0x1302}, {0x0304, 0x1303}, {0x0304, 0x1304},
    {0x0303, 0xC02B}, {0x0303, 0xC02C}, {0x0303, 0xCCA9}, {0x0303, 0xC0AC},
};

static void run_combos(int dribble)
{
    for (size_t i = 0; i < sizeof combos / sizeof combos[0]; i++) {
        struct session s;
        unsigned long wants = 0;
        int crc = -1, rc;

        CU_ASSERT_EQUAL_FATAL(open_session(&s, fixture_config("ecdsa-p256"), combos[i].version, combos[i].suite,
                                           dribble, NULL, NULL),
                              0);
        rc = fixture_handshake(s.conn, &s.cli, &s.link, &crc, &wants);
        CU_ASSERT_EQUAL(rc, 1);
        CU_ASSERT_EQUAL(crc, 0);
        if (rc != 1)
            fprintf(stderr, "\n    suite 0x%04x: accept=%d reason=%s", combos[i].suite, rc, ktla_get_reason(s.conn));
        CU_ASSERT(wants > 0); /* memory I/O without data must have asked to be called again */
        CU_ASSERT_EQUAL((int)ktla_get_tls_version(s.conn), combos[i].version);
        CU_ASSERT_EQUAL(ktla_get_ciphersuite(s.conn), combos[i].suite);
        CU_ASSERT_PTR_NOT_NULL(ktla_get_ciphersuite_name(s.conn));
        CU_ASSERT_EQUAL(ktla_get_offload(s.conn, KTLA_DIR_TX), KTLA_OFFLOAD_USER);
        CU_ASSERT_EQUAL(ktla_get_offload(s.conn, KTLA_DIR_RX), KTLA_OFFLOAD_USER);
        CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_offload_reason(s.conn, KTLA_DIR_TX), "no socket"));
        CU_ASSERT_EQUAL(ktla_accept(s.conn), 1); /* again: still done */
        if (rc == 1 && crc == 0)
            exchange_and_close(&s);
        close_session(&s);
    }
}

static void test_every_suite(void)
{
    run_combos(0);
}

static void test_every_suite_one_byte_at_a_time(void)
{
    run_combos(1);
}

/* TLS 1.2 shows the certificate choice in the suite: ECDHE-RSA or ECDHE-ECDSA. */
static int is_rsa_suite(int id)
{
    return id == 0xC02F || id == 0xC030 || id == 0xCCA8;
}

static void sni_case(const char *sni, int want_rsa)
{
    static const char *const protos[] = {"http/1.1", "h2"};
    ktla_config *cfg = fixture_config("ecdsa-p256");
    struct session s;
    unsigned long wants = 0;
    int crc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(fixture_add_cert(cfg, "rsa2048"), 0);
    CU_ASSERT_EQUAL(ktla_config_set_alpn(cfg, protos, 2), 0);
    CU_ASSERT_EQUAL_FATAL(open_session(&s, cfg, 0x0303, 0, 0, "h2", sni), 0);
    CU_ASSERT_EQUAL(fixture_handshake(s.conn, &s.cli, &s.link, &crc, &wants), 1);
    CU_ASSERT_STRING_EQUAL(ktla_get_alpn(s.conn), "h2");
    CU_ASSERT_STRING_EQUAL(ktla_get_sni(s.conn), sni);
    CU_ASSERT_EQUAL(is_rsa_suite(ktla_get_ciphersuite(s.conn)), want_rsa);
    close_session(&s);
}

static void test_alpn_and_sni(void)
{
    sni_case("rsa.test", 1);          /* only the RSA certificate names it */
    sni_case("www.example.test", 0);  /* the ECDSA certificate's wildcard */
    sni_case("unknown.invalid", 0);   /* no match: every certificate stays, ECDSA first */
}

static void test_alpn_mismatch_is_refused(void)
{
    static const char *const protos[] = {"http/1.1"};
    ktla_config *cfg = fixture_config("ecdsa-p256");
    struct session s;
    unsigned long wants = 0;
    int crc, rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(ktla_config_set_alpn(cfg, protos, 1), 0);
    CU_ASSERT_EQUAL_FATAL(open_session(&s, cfg, 0x0304, 0, 0, "h2", NULL), 0);
    rc = fixture_handshake(s.conn, &s.cli, &s.link, &crc, &wants);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(s.conn, rc), KTLA_ERROR_TLS);
    CU_ASSERT_EQUAL(ktla_get_alert(s.conn), TLS_ALERT_NO_APPLICATION_PROTOCOL);
    CU_ASSERT_EQUAL(ktla_accept(s.conn), -1);     /* failures are sticky */
    close_session(&s);
}

static void test_tls12_only_and_tls13_only(void)
{
    for (int v = 0x0303; v <= 0x0304; v++) {
        ktla_config *cfg = fixture_config("ecdsa-p256");
        struct session s;
        unsigned long wants = 0;
        int crc, other = v == 0x0303 ? 0x0304 : 0x0303;

        CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
        CU_ASSERT_EQUAL(ktla_config_set_versions(cfg, (enum ktla_tls_version)v, (enum ktla_tls_version)v), 0);
        CU_ASSERT_EQUAL_FATAL(open_session(&s, cfg, other, 0, 0, NULL, NULL), 0);
        CU_ASSERT_EQUAL(fixture_handshake(s.conn, &s.cli, &s.link, &crc, &wants), -1);
        CU_ASSERT_EQUAL(ktla_get_error(s.conn, -1), KTLA_ERROR_TLS);
        close_session(&s);
    }
}

/* Misuse is reported and harms nothing: not even a handshake in progress. */
static void test_misuse_is_harmless(void)
{
    struct session s;
    unsigned long wants = 0;
    char buf[8];
    long long off = 0;
    int crc;

    CU_ASSERT_EQUAL_FATAL(open_session(&s, fixture_config("ecdsa-p256"), 0x0304, 0, 0, NULL, NULL), 0);
    CU_ASSERT_EQUAL(ktla_read(s.conn, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(ktla_get_error(s.conn, -1), KTLA_ERROR_SYSCALL);
    CU_ASSERT_EQUAL(ktla_get_errno(s.conn), EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(s.conn), "handshake has not completed"));
    CU_ASSERT_EQUAL(fixture_handshake(s.conn, &s.cli, &s.link, &crc, &wants), 1);
    CU_ASSERT_EQUAL(ktla_read(s.conn, NULL, 4), -1);
    CU_ASSERT_EQUAL(ktla_get_errno(s.conn), EINVAL);
    CU_ASSERT_EQUAL(ktla_write(s.conn, buf, 0), -1);
    CU_ASSERT_EQUAL(ktla_read(s.conn, buf, 0), -1);
    CU_ASSERT_EQUAL(ktla_sendfile(s.conn, -1, &off, 10), -1);
    CU_ASSERT_EQUAL(ktla_sendfile(s.conn, 0, NULL, 10), -1);
    CU_ASSERT_EQUAL(ktla_set_fd(s.conn, 3), KTLA_E_STATE);
    exchange_and_close(&s); /* still a working connection */
    close_session(&s);
}

/* Client certificates: verified, unverified but tolerated (OPTIONAL), refused (REQUIRED). */
static void client_auth_case(enum ktla_client_auth mode, const char *client_cert, int want_rc, int want_verified)
{
    ktla_config *cfg = fixture_config("ecdsa-p256");
    char ca[512];
    struct session s;
    unsigned long wants = 0;
    size_t der_len = 0;
    int crc, rc;

    /* The test certificates are self-signed: the P-256 one is its own CA. */
    snprintf(ca, sizeof ca, "%s/ecdsa-p256.crt", TEST_DATA_DIR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(ktla_config_set_client_auth(cfg, mode, ca), 0);
    CU_ASSERT_EQUAL_FATAL(open_session(&s, cfg, 0x0304, 0, 0, NULL, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(mbed_client_use_cert(&s.cli, TEST_DATA_DIR, client_cert), 0);
    rc = fixture_handshake(s.conn, &s.cli, &s.link, &crc, &wants);
    CU_ASSERT_EQUAL(rc, want_rc);
    if (rc == 1) {
        CU_ASSERT_EQUAL(ktla_get_peer_cert_verified(s.conn), want_verified);
        CU_ASSERT_PTR_NOT_NULL(ktla_get_peer_cert(s.conn, &der_len));
        CU_ASSERT(der_len > 100);
    } else {
        CU_ASSERT_EQUAL(ktla_get_error(s.conn, rc), KTLA_ERROR_TLS);
        CU_ASSERT(ktla_get_alert(s.conn) > 0); /* a certificate alert went to the client */
        CU_ASSERT_EQUAL(ktla_get_peer_cert_verified(s.conn), 0);
    }
    close_session(&s);
}

static void test_client_certificates(void)
{
    client_auth_case(KTLA_CLIENT_AUTH_REQUIRED, "ecdsa-p256", 1, 1);
    client_auth_case(KTLA_CLIENT_AUTH_OPTIONAL, "rsa2048", 1, 0);
    client_auth_case(KTLA_CLIENT_AUTH_REQUIRED, "rsa2048", -1, 0);
}

/*
 * A fleet behind one load balancer: two servers sharing a ticket key file
 * resume each other's sessions; a server with another key cannot.
 */
static void test_ticket_key_file_shared_by_servers(void)
{
    char key_a[] = "/tmp/ktla-ticket-a-XXXXXX", key_b[] = "/tmp/ktla-ticket-b-XXXXXX";

    CU_ASSERT_EQUAL_FATAL(fixture_ticket_key_file(key_a), 0);
    CU_ASSERT_EQUAL_FATAL(fixture_ticket_key_file(key_b), 0);
    /* TLS 1.2, where the ticket comes inside the handshake, and TLS 1.3, where it comes after. */
    for (int version = 0x0303; version <= 0x0304; version++) {
        ktla_config *a = fixture_config_with_key_file("ecdsa-p256", key_a);
        ktla_config *a2 = fixture_config_with_key_file("ecdsa-p256", key_a);
        ktla_config *b = fixture_config_with_key_file("ecdsa-p256", key_b);
        mbedtls_ssl_session first, again;
        struct resume_result r;

        CU_ASSERT_FATAL(a && a2 && b);
        mbedtls_ssl_session_init(&first);
        mbedtls_ssl_session_init(&again);
        CU_ASSERT_EQUAL(fixture_resume(a, &(struct resume_client){version, NULL, NULL, 0}, &first, &r), 0);
        CU_ASSERT(r.rc == 1 && r.resumed == 0 && r.got_ticket);
        /* another server, same key file: resumed */
        CU_ASSERT_EQUAL(fixture_resume(a2, &(struct resume_client){version, NULL, &first, 0}, &again, &r), 0);
        CU_ASSERT(r.rc == 1 && r.resumed == 1);
        if (r.resumed != 1)
            printf("\n    TLS 1.%d: not resumed across servers sharing a key file: %s", version - 0x0301, r.reason);
        /* a server with another key: a full handshake, still successful */
        CU_ASSERT_EQUAL(fixture_resume(b, &(struct resume_client){version, NULL, &first, 0}, &again, &r), 0);
        CU_ASSERT(r.rc == 1 && r.resumed == 0);
        mbedtls_ssl_session_free(&first);
        mbedtls_ssl_session_free(&again);
        ktla_config_free(a);
        ktla_config_free(a2);
        ktla_config_free(b);
    }
    unlink(key_a);
    unlink(key_b);
}

int add_accept_suite(void)
{
    CU_pSuite s = CU_add_suite("accept (mbedTLS client, caller-moved I/O)", NULL, NULL);
    return s && CU_add_test(s, "every version and cipher", test_every_suite) &&
                   CU_add_test(s, "every version and cipher, one byte and one WANT at a time",
                               test_every_suite_one_byte_at_a_time) &&
                   CU_add_test(s, "ALPN and SNI choose right", test_alpn_and_sni) &&
                   CU_add_test(s, "ALPN mismatch: no_application_protocol", test_alpn_mismatch_is_refused) &&
                   CU_add_test(s, "version restricted to 1.2 or 1.3", test_tls12_only_and_tls13_only) &&
                   CU_add_test(s, "misuse is reported and harms nothing", test_misuse_is_harmless) &&
                   CU_add_test(s, "client certificates: verified, optional, required", test_client_certificates) &&
                   CU_add_test(s, "ticket key file shared by two servers (TLS 1.2 and 1.3)", test_ticket_key_file_shared_by_servers)
               ? 0
               : -1;
}
