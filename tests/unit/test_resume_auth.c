/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_resume_auth.c - resumption never weakens the handshake it stands
 * for: KTLA_CLIENT_AUTH_REQUIRED holds on resumed sessions (a ticket that
 * cannot prove a verified client certificate gives a full handshake with
 * CertificateRequest, and a client without a certificate is then refused),
 * and TLS 1.3 resumption runs (EC)DHE unless psk_ke is allowed.  The client
 * is mbedTLS 3.6 (tests/common/mbed_client.c); the client certificates are
 * tests/data/client.* (issued by client-ca.crt) and the self-signed
 * ecdsa-p256.* (its own CA).
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/platform_time.h>

#include "handshake/config_internal.h"
#include "fixture.h"
#include "suites.h"

static const char *const version_name[] = {"TLS 1.2", "TLS 1.3"};
#define VNAME(v) version_name[(v) - 0x0303]

static ktla_config *auth_config(enum ktla_client_auth mode, const char *ca, const char *key_file)
{
    ktla_config *cfg = key_file ? fixture_config_with_key_file("ecdsa-p256", key_file) : fixture_config("ecdsa-p256");
    char path[512];

    snprintf(path, sizeof path, "%s/%s.crt", TEST_DATA_DIR, ca);
    if (cfg && mode != KTLA_CLIENT_AUTH_NONE && ktla_config_set_client_auth(cfg, mode, path) != 0) {
        ktla_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* One handshake: client of version, presenting cert (NULL: none), offering offer (NULL: none). */
static int handshake(ktla_config *cfg, int version, const char *cert, const mbedtls_ssl_session *offer,
                     mbedtls_ssl_session *save, struct resume_result *r)
{
    return fixture_resume(cfg, &(struct resume_client){version, cert, offer, 0}, save, r);
}

static void show(const char *what, int version, const struct resume_result *r)
{
    printf("\n    %s, %s: accept=%d resumed=%d verified=%d alert=%d%s%s", VNAME(version), what, r->rc, r->resumed,
           r->verified, r->alert, r->rc == 1 ? "" : " reason=", r->rc == 1 ? "" : r->reason);
}

/* A handshake that must have ended with a verified client certificate from a full handshake. */
static void expect_full_and_verified(const char *what, int version, const struct resume_result *r)
{
    show(what, version, r);
    CU_ASSERT_EQUAL(r->rc, 1);
    CU_ASSERT_EQUAL(r->resumed, 0);
    CU_ASSERT_EQUAL(r->verified, 1);
}

/* A client without a certificate offering a ticket to a REQUIRED server: refused, never resumed. */
static void expect_refused(const char *what, int version, const struct resume_result *r)
{
    show(what, version, r);
    CU_ASSERT_EQUAL(r->rc, -1);
    CU_ASSERT_EQUAL(r->verified, 0);
    CU_ASSERT(r->alert > 0);
}

/*
 * One REQUIRED server; a client that authenticated comes back with its
 * ticket, with and without its certificate.  TLS 1.3: no resumption at all
 * (no certificate in the ticket); TLS 1.2: the ticket holds the verified
 * certificate, and resuming from it is allowed.
 */
static void test_same_server(void)
{
    for (int version = 0x0303; version <= 0x0304; version++) {
        ktla_config *cfg = auth_config(KTLA_CLIENT_AUTH_REQUIRED, "client-ca", NULL);
        mbedtls_ssl_session first, again;
        struct resume_result r;

        CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
        mbedtls_ssl_session_init(&first);
        mbedtls_ssl_session_init(&again);
        CU_ASSERT_EQUAL_FATAL(handshake(cfg, version, "client", NULL, &first, &r), 0);
        expect_full_and_verified("first handshake", version, &r);
        CU_ASSERT_EQUAL_FATAL(handshake(cfg, version, "client", &first, &again, &r), 0);
        if (version == 0x0304) {
            expect_full_and_verified("back with its ticket", version, &r);
        } else {
            show("back with its ticket", version, &r);
            CU_ASSERT(r.rc == 1 && r.resumed == 1 && r.verified == 1);
        }
        CU_ASSERT_EQUAL_FATAL(handshake(cfg, version, NULL, &first, NULL, &r), 0);
        if (version == 0x0304)
            expect_refused("back with its ticket, no certificate", version, &r);
        else
            CU_ASSERT(r.rc == 1 && r.resumed == 1 && r.verified == 1); /* the ticket's certificate verified */
        mbedtls_ssl_session_free(&first);
        mbedtls_ssl_session_free(&again);
        ktla_config_free(cfg);
    }
}

/*
 * Two servers share a ticket key file: one with another client-auth policy
 * issues the ticket, the REQUIRED one is shown it.  It must not resume: a
 * client without a certificate is refused, one with a certificate gets a
 * full handshake and is verified against the REQUIRED server's own CA.
 */
static void cross_server(const char *what, enum ktla_client_auth issuer_mode, const char *issuer_ca,
                         const char *issuer_client_cert)
{
    char key[] = "/tmp/ktla-ticket-auth-XXXXXX";

    CU_ASSERT_EQUAL_FATAL(fixture_ticket_key_file(key), 0);
    for (int version = 0x0303; version <= 0x0304; version++) {
        ktla_config *issuer = auth_config(issuer_mode, issuer_ca, key);
        ktla_config *required = auth_config(KTLA_CLIENT_AUTH_REQUIRED, "client-ca", key);
        mbedtls_ssl_session ticket;
        struct resume_result r;
        char line[160];

        CU_ASSERT_FATAL(issuer && required);
        mbedtls_ssl_session_init(&ticket);
        CU_ASSERT_EQUAL_FATAL(handshake(issuer, version, issuer_client_cert, NULL, &ticket, &r), 0);
        CU_ASSERT_EQUAL(r.rc, 1);
        if (issuer_mode == KTLA_CLIENT_AUTH_REQUIRED && version == 0x0304) {
            /* a REQUIRED server issues no TLS 1.3 ticket: there is nothing to carry to the other server */
            CU_ASSERT_EQUAL(r.got_ticket, 0);
            printf("\n    %s, %s: issued no ticket", VNAME(version), what);
            goto next;
        }
        CU_ASSERT_EQUAL(r.got_ticket, 1);
        snprintf(line, sizeof line, "ticket from %s, no certificate", what);
        CU_ASSERT_EQUAL(handshake(required, version, NULL, &ticket, NULL, &r), 0);
        expect_refused(line, version, &r);
        snprintf(line, sizeof line, "ticket from %s, client certificate", what);
        CU_ASSERT_EQUAL(handshake(required, version, "client", &ticket, NULL, &r), 0);
        expect_full_and_verified(line, version, &r);
        snprintf(line, sizeof line, "ticket from %s, its own certificate", what);
        if (issuer_client_cert) {
            /* the certificate the issuer accepted does not verify against the REQUIRED server's CA */
            CU_ASSERT_EQUAL(handshake(required, version, issuer_client_cert, &ticket, NULL, &r), 0);
            expect_refused(line, version, &r);
        }
next:
        mbedtls_ssl_session_free(&ticket);
        ktla_config_free(issuer);
        ktla_config_free(required);
    }
    unlink(key);
}

static void test_ticket_from_server_without_client_auth(void)
{
    cross_server("a server with client auth NONE", KTLA_CLIENT_AUTH_NONE, NULL, NULL);
}

static void test_ticket_from_server_with_another_ca(void)
{
    /* ecdsa-p256.crt is self-signed, so as a CA it verifies itself as a client certificate */
    cross_server("a REQUIRED server with another CA", KTLA_CLIENT_AUTH_REQUIRED, "ecdsa-p256", "ecdsa-p256");
}

static void test_ticket_from_optional_server(void)
{
    /* the certificate did not verify there (another issuer), which OPTIONAL tolerates */
    cross_server("an OPTIONAL server, same CA, unverified certificate", KTLA_CLIENT_AUTH_OPTIONAL, "client-ca",
                 "ecdsa-p256");
}

/*
 * The ticket parse callback itself, shown tickets sealed with the REQUIRED
 * server's own key: a TLS 1.3 session (which carries no certificate), a
 * TLS 1.2 session without a certificate, one whose certificate did not
 * verify, and one whose certificate did.
 */
static void test_parse_refuses_unproven_tickets(void)
{
    ktla_config *cfg = auth_config(KTLA_CLIENT_AUTH_REQUIRED, "client-ca", NULL);
    mbedtls_x509_crt *cert = NULL;
    char path[512];
    ktla_conn *conn = NULL;
    const struct {
        const char *what;
        mbedtls_ssl_protocol_version version;
        int with_cert;
        uint32_t verify_result;
        int accepted;
    } cases[] = {
        {"TLS 1.3 session", MBEDTLS_SSL_VERSION_TLS1_3, 0, 0, 0},
        {"TLS 1.2 session, no certificate", MBEDTLS_SSL_VERSION_TLS1_2, 0, 0, 0},
        {"TLS 1.2 session, certificate not verified", MBEDTLS_SSL_VERSION_TLS1_2, 1, MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0},
        {"TLS 1.2 session, verified certificate", MBEDTLS_SSL_VERSION_TLS1_2, 1, 0, 1},
    };

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(cfg, &conn), 0); /* freezes: the ticket callbacks are set */
    snprintf(path, sizeof path, "%s/client.crt", TEST_DATA_DIR);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mbedtls_ssl_session s, parsed;
        unsigned char ticket[4096];
        size_t len = 0;
        uint32_t lifetime;
        int rc;

        mbedtls_ssl_session_init(&s);
        mbedtls_ssl_session_init(&parsed);
        s.MBEDTLS_PRIVATE(tls_version) = cases[i].version;
        s.MBEDTLS_PRIVATE(endpoint) = MBEDTLS_SSL_IS_SERVER;
        s.MBEDTLS_PRIVATE(ciphersuite) = cases[i].version == MBEDTLS_SSL_VERSION_TLS1_3 ? 0x1301 : 0xC02B;
        s.MBEDTLS_PRIVATE(verify_result) = cases[i].verify_result;
        /* issued now (mbedtls_ssl_ticket_parse() refuses a ticket older than its lifetime) */
        s.MBEDTLS_PRIVATE(ticket_creation_time) = mbedtls_ms_time();
        if (cases[i].with_cert) {
            cert = calloc(1, sizeof *cert);
            CU_ASSERT_PTR_NOT_NULL_FATAL(cert);
            mbedtls_x509_crt_init(cert);
            CU_ASSERT_EQUAL_FATAL(mbedtls_x509_crt_parse_file(cert, path), 0);
            s.MBEDTLS_PRIVATE(peer_cert) = cert; /* owned by s from here */
        }
        CU_ASSERT_EQUAL_FATAL(mbedtls_ssl_ticket_write(&cfg->ticket_ctx, &s, ticket, ticket + sizeof ticket, &len,
                                                       &lifetime),
                              0);
        rc = cfg->ssl.MBEDTLS_PRIVATE(f_ticket_parse)(cfg->ssl.MBEDTLS_PRIVATE(p_ticket), &parsed, ticket, len);
        printf("\n    %s: %s", cases[i].what, rc == 0 ? "taken" : "refused");
        CU_ASSERT_EQUAL(rc == 0, cases[i].accepted);
        mbedtls_ssl_session_free(&s);
        mbedtls_ssl_session_free(&parsed);
    }
    ktla_conn_free(conn);
    ktla_config_free(cfg);
}

/*
 * The last line of defence: if mbedTLS ever completed a handshake without
 * a verified client certificate under REQUIRED, ktla_accept() still fails,
 * with an alert.  Made by hand: a config whose mbedTLS side was built for
 * NONE is switched to REQUIRED after freezing.
 */
static void test_required_without_certificate_fails_closed(void)
{
    for (int version = 0x0303; version <= 0x0304; version++) {
        ktla_config *cfg = fixture_config("ecdsa-p256");
        ktla_conn *conn = NULL;
        struct resume_result r;

        CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
        CU_ASSERT_EQUAL_FATAL(ktla_conn_new(cfg, &conn), 0);
        ktla_conn_free(conn);
        cfg->client_auth = KTLA_CLIENT_AUTH_REQUIRED; /* what mbedTLS was not told */
        CU_ASSERT_EQUAL_FATAL(handshake(cfg, version, NULL, NULL, NULL, &r), 0);
        show("REQUIRED, handshake without certificate", version, &r);
        CU_ASSERT_EQUAL(r.rc, -1);
        CU_ASSERT_EQUAL(r.alert, version == 0x0304 ? 116 : 40); /* certificate_required, handshake_failure */
        CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "client authentication is required"));
        ktla_config_free(cfg);
    }
}

/*
 * TLS 1.3 resumption without (EC)DHE (psk_ke), asked for by a client that
 * offers its ticket for psk_ke only, with no key share: by default refused
 * (there is then no way to agree on keys: the handshake fails), and taken
 * when ktla_config_set_psk_ke() allows it.
 */
static void test_psk_ke(void)
{
    for (int allowed = 0; allowed < 2; allowed++) {
        ktla_config *cfg = fixture_config("ecdsa-p256");
        const struct resume_client psk_only = {0x0304, NULL, NULL, MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK};
        struct resume_client client = psk_only;
        mbedtls_ssl_session first;
        struct resume_result r;

        CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
        if (allowed)
            CU_ASSERT_EQUAL(ktla_config_set_psk_ke(cfg, 1), 0);
        mbedtls_ssl_session_init(&first);
        CU_ASSERT_EQUAL_FATAL(handshake(cfg, 0x0304, NULL, NULL, &first, &r), 0);
        CU_ASSERT(r.rc == 1 && r.got_ticket);
        client.offer = &first;
        CU_ASSERT_EQUAL(fixture_resume(cfg, &client, NULL, &r), 0);
        printf("\n    psk_ke %s: accept=%d resumed=%d alert=%d", allowed ? "allowed" : "not allowed (default)", r.rc,
               r.resumed, r.alert);
        CU_ASSERT_EQUAL(r.rc, allowed ? 1 : -1);
        CU_ASSERT_EQUAL(r.resumed, allowed);
        mbedtls_ssl_session_free(&first);
        ktla_config_free(cfg);
    }
}

int add_resume_auth_suite(void)
{
    CU_pSuite s = CU_add_suite("resumption: client authentication and forward secrecy", NULL, NULL);
    return s && CU_add_test(s, "REQUIRED, same server: TLS 1.3 never resumes, TLS 1.2 with a verified certificate",
                            test_same_server) &&
                   CU_add_test(s, "REQUIRED: a ticket from a server without client auth is refused",
                               test_ticket_from_server_without_client_auth) &&
                   CU_add_test(s, "REQUIRED: a ticket from a server with another CA is refused",
                               test_ticket_from_server_with_another_ca) &&
                   CU_add_test(s, "REQUIRED: a ticket from an OPTIONAL server is refused",
                               test_ticket_from_optional_server) &&
                   CU_add_test(s, "REQUIRED: the ticket callback refuses tickets without a verified certificate",
                               test_parse_refuses_unproven_tickets) &&
                   CU_add_test(s, "REQUIRED: a handshake without a verified certificate fails closed",
                               test_required_without_certificate_fails_closed) &&
                   CU_add_test(s, "TLS 1.3 psk_ke: refused by default, taken when allowed", test_psk_ke)
               ? 0
               : -1;
}
