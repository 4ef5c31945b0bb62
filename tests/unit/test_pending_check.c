/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pending_check.c - ktla_pending(): the plaintext a short read left
 * in user space, and none on kTLS (staged kernel); ktla_config_check(): the
 * verdict and reason of the first ktla_conn_new(), without freezing.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "staged_run.h"
#include "suites.h"
#include "wire/tls_wire.h"

#define SENT 100
#define FIRST_READ 10

/* An established user-space connection (no socket) that the client sent SENT bytes on. */
static int user_space_with_data(ktla_config *cfg, ktla_conn **conn, struct mbed_client *cli, struct mem_link *link)
{
    unsigned char data[SENT];
    unsigned long wants = 0;
    int crc, n;

    memset(data, 'x', sizeof data);
    if (cfg == NULL || mem_link_init(link, 1 << 20, 0) != 0 || mbed_client_init(cli, 0x0304, 0, NULL, NULL) != 0 ||
        ktla_conn_new(cfg, conn) != 0 || ktla_set_io(*conn, mem_link_server_recv, mem_link_server_send, link) != 0)
        return -1;
    CU_ASSERT_EQUAL(ktla_pending(*conn), 0); /* before the handshake */
    if (fixture_handshake(*conn, cli, link, &crc, &wants) != 1)
        return -1;
    while ((n = mbedtls_ssl_write(&cli->ssl, data, sizeof data)) == MBEDTLS_ERR_SSL_WANT_WRITE)
        ;
    return n == SENT ? 0 : -1;
}

static void test_pending_in_user_space(void)
{
    ktla_config *cfg = fixture_config("ecdsa-p256");
    struct mbed_client cli;
    struct mem_link link;
    ktla_conn *conn = NULL;
    unsigned char buf[SENT];
    long n;

    memset(&cli, 0, sizeof cli);
    memset(&link, 0, sizeof link);
    CU_ASSERT_EQUAL(ktla_pending(NULL), 0);
    CU_ASSERT_EQUAL_FATAL(user_space_with_data(cfg, &conn, &cli, &link), 0);
    CU_ASSERT_EQUAL(ktla_get_offload(conn, KTLA_DIR_RX), KTLA_OFFLOAD_USER);
    CU_ASSERT_EQUAL(ktla_pending(conn), 0); /* nothing read yet: the record is still in transit */
    n = ktla_read(conn, buf, FIRST_READ);
    CU_ASSERT_EQUAL(n, FIRST_READ);
    printf("\n    after reading %ld of %d bytes: ktla_pending() = %zu", n, SENT, ktla_pending(conn));
    CU_ASSERT_EQUAL(ktla_pending(conn), SENT - FIRST_READ);
    n = ktla_read(conn, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, SENT - FIRST_READ);
    CU_ASSERT_EQUAL(ktla_pending(conn), 0);
    ktla_conn_free(conn);
    mbed_client_free(&cli);
    mem_link_free(&link);
    ktla_config_free(cfg);
}

/* On kTLS the rest of a record stays in the kernel: nothing is pending in user space. */
static void test_pending_on_ktls_is_zero(void)
{
    static const unsigned char data[SENT] = {0};
    const struct staged_read reads[] = {{TLS_CT_APPLICATION_DATA, data, sizeof data, 0}};
    unsigned long wants = 0;
    unsigned char buf[SENT];
    struct run r;
    int crc;

    staged_kernel_install();
    staged_kernel_reset();
    staged_run_open(&r, fixture_config("ecdsa-p256"), 0x0304, 0x1301);
    r.rc = fixture_handshake(r.conn, &r.cli, &r.link, &crc, &wants);
    CU_ASSERT_EQUAL_FATAL(r.rc, 1);
    CU_ASSERT_EQUAL(ktla_get_offload(r.conn, KTLA_DIR_RX), KTLA_OFFLOAD_KERNEL);
    stage.play_records = 1;
    stage.reads = reads;
    stage.n_reads = 1;
    CU_ASSERT_EQUAL(ktla_read(r.conn, buf, FIRST_READ), FIRST_READ);
    CU_ASSERT_EQUAL(ktla_pending(r.conn), 0);
    stage.play_records = 0;
    staged_run_close(&r);
    staged_kernel_remove();
}

static void test_config_check(void)
{
    ktla_config *cfg = NULL, *twin = NULL;
    ktla_conn *conn = NULL;
    static const char *const h2[] = {"h2"};
    char check_reason[256];
    int rc;

    CU_ASSERT_EQUAL(ktla_config_check(NULL), KTLA_E_INVAL);
    CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_config_new(&twin), 0);

    /* No certificate: the same code and reason as the first connection would get. */
    rc = ktla_config_check(cfg);
    snprintf(check_reason, sizeof check_reason, "%s", ktla_config_error(cfg));
    printf("\n    no certificate: ktla_config_check() = %s (%s)", ktla_err_name(rc), check_reason);
    CU_ASSERT_EQUAL(rc, KTLA_E_CONFIG);
    CU_ASSERT_EQUAL(ktla_conn_new(twin, &conn), rc);
    CU_ASSERT_PTR_NULL(conn);
    CU_ASSERT_STRING_EQUAL(check_reason, ktla_config_error(twin));
    CU_ASSERT_NOT_EQUAL(check_reason[0], '\0');

    /* Fixed, checked, and still open to setters: a check freezes nothing. */
    CU_ASSERT_EQUAL(fixture_add_cert(cfg, "ecdsa-p256"), 0);
    CU_ASSERT_EQUAL(ktla_config_check(cfg), 0);
    CU_ASSERT_STRING_EQUAL(ktla_config_error(cfg), "");
    CU_ASSERT_EQUAL(ktla_config_check(cfg), 0); /* twice: the first build left nothing behind */
    CU_ASSERT_EQUAL(ktla_config_set_alpn(cfg, h2, 1), 0);

    /* A connection then freezes it, as before; a check of a frozen config is 0. */
    CU_ASSERT_EQUAL(ktla_conn_new(cfg, &conn), 0);
    CU_ASSERT_EQUAL(ktla_config_set_alpn(cfg, h2, 1), KTLA_E_FROZEN);
    CU_ASSERT_EQUAL(ktla_config_check(cfg), 0);
    ktla_conn_free(conn);
    ktla_config_free(cfg);
    ktla_config_free(twin);
}

int add_pending_check_suite(void)
{
    CU_pSuite s = CU_add_suite("ktla_pending and ktla_config_check", NULL, NULL);
    return s && CU_add_test(s, "user space: the rest of a record a short read left", test_pending_in_user_space) &&
                   CU_add_test(s, "kTLS (staged): nothing pending in user space", test_pending_on_ktls_is_zero) &&
                   CU_add_test(s, "ktla_config_check: the first connection's verdict, nothing frozen",
                               test_config_check)
               ? 0
               : -1;
}
