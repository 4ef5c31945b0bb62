/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_handoff_preconditions.c - the checks the hand-off makes before it
 * touches the socket, each driven by a real handshake (an mbedTLS client
 * over memory, keys to a watched loopback socket, the kernel's answers
 * staged): a "no" must keep both directions in user space, with the
 * reason, and not one setsockopt may reach the socket.
 *
 * - the kernel does not implement the negotiated cipher (its probe refused
 *   the keys);
 * - the client negotiated a max_fragment_length below 16 KiB (the kernel
 *   would send full records);
 * - mbedTLS holds received bytes no record engine would see (a client
 *   Finished followed by another handshake message in the same record):
 *   since the mbedTLS context is freed after every handshake, that is no
 *   reason to stay in user space but the protocol error RFC 8446 5.1 names
 *   (a message after a key change in its record): unexpected_message, and
 *   the socket untouched;
 * - a kernel without the TLS ULP, heard by the previous hand-off: no second
 *   attempt (no keys derived, the socket untouched) until a second has passed;
 * and the probe's cached answer does not outlive a staged kernel.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kernel/kernel_caps.h"
#include "keys/keys.h"
#include "staged_run.h"
#include "suites.h"
#include "tls_record.h"
#include "wire/tls_wire.h"

static int setup(void)
{
    staged_kernel_install();
    return test_record_init();
}

static int teardown(void)
{
    staged_kernel_remove();
    return 0;
}

static void assert_user_space_because(struct run *r, const char *why)
{
    const char *tx = ktla_get_offload_reason(r->conn, KTLA_DIR_TX), *rx = ktla_get_offload_reason(r->conn, KTLA_DIR_RX);

    CU_ASSERT_EQUAL(r->rc, 1);
    CU_ASSERT_EQUAL(ktla_get_offload(r->conn, KTLA_DIR_TX), KTLA_OFFLOAD_USER);
    CU_ASSERT_EQUAL(ktla_get_offload(r->conn, KTLA_DIR_RX), KTLA_OFFLOAD_USER);
    CU_ASSERT(tx && strstr(tx, why) && rx && strstr(rx, why));
    CU_ASSERT_EQUAL(stage.calls_on_watch_fd, 0); /* the socket was never touched */
    if (r->rc != 1 || !tx || !strstr(tx, why))
        printf("\n    rc %d, reason \"%s\", want \"%s\"", r->rc, r->rc == 1 && tx ? tx : ktla_get_reason(r->conn), why);
}

static int drive(struct run *r)
{
    unsigned long wants = 0;
    int crc;

    r->rc = fixture_handshake(r->conn, &r->cli, &r->link, &crc, &wants);
    return crc;
}

static void test_kernel_without_the_cipher(void)
{
    struct run r;

    staged_kernel_reset();
    stage.refuse_cipher = TLS_CIPHER_CHACHA20_POLY1305; /* like a kernel before 5.11 */
    ktla__kernel_caps_reset();                           /* the hand-off probes this kernel afresh */
    staged_run_open(&r, fixture_config("ecdsa-p256"), 0x0304, 0x1303);
    CU_ASSERT_EQUAL(drive(&r), 0);
    assert_user_space_because(&r, "does not offload TLS1.3 ChaCha20-Poly1305");
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_offload_reason(r.conn, KTLA_DIR_TX), "(EINVAL)"));
    staged_run_close(&r);

    /* ... and a cipher it has still goes to the kernel. */
    staged_run_open(&r, fixture_config("ecdsa-p256"), 0x0304, 0x1301);
    CU_ASSERT_EQUAL(drive(&r), 0);
    CU_ASSERT_EQUAL(ktla_get_offload(r.conn, KTLA_DIR_TX), KTLA_OFFLOAD_KERNEL);
    CU_ASSERT_EQUAL(stage.calls_on_watch_fd, 3);
    staged_run_close(&r);
}

static void test_max_fragment_length(void)
{
    struct run r;

    staged_kernel_reset();
    staged_run_open(&r, fixture_config("ecdsa-p256"), 0x0303, 0xC02B);
    CU_ASSERT_EQUAL_FATAL(mbedtls_ssl_conf_max_frag_len(&r.cli.conf, MBEDTLS_SSL_MAX_FRAG_LEN_512), 0);
    CU_ASSERT_EQUAL(drive(&r), 0);
    assert_user_space_because(&r, "max_fragment_length");
    staged_run_close(&r);
}

/* The client's TLS 1.2 secrets, from its export callback. */
struct client_secrets {
    unsigned char master[48], client_random[32], server_random[32];
    mbedtls_tls_prf_types prf;
    int have;
};

static void export_keys(void *ctx, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t len,
                        const unsigned char client_random[32], const unsigned char server_random[32],
                        mbedtls_tls_prf_types prf)
{
    struct client_secrets *cs = ctx;

    if (type != MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET || len != sizeof cs->master)
        return;
    memcpy(cs->master, secret, len);
    memcpy(cs->client_random, client_random, 32);
    memcpy(cs->server_random, server_random, 32);
    cs->prf = prf;
    cs->have = 1;
}

/* Where the record after the client's ChangeCipherSpec starts in the client's bytes, or -1. */
static long finished_record(const struct mem_pipe *p)
{
    size_t at = p->r;

    while (at + TLS_RECORD_HEADER_LEN <= p->w) {
        size_t len = test_record_body_len(p->buf + at);
        if (p->buf[at] == TLS_CT_CHANGE_CIPHER_SPEC && at + TLS_RECORD_HEADER_LEN + len < p->w)
            return (long)(at + TLS_RECORD_HEADER_LEN + len);
        at += TLS_RECORD_HEADER_LEN + len;
    }
    return -1;
}

/*
 * Reseal the client's Finished with a HelloRequest after it, in the same
 * record: once the handshake is over, mbedTLS still holds those bytes.
 */
static int append_to_finished(struct mem_pipe *p, const struct client_secrets *cs)
{
    static const unsigned char hello_request[TLS_HS_HEADER_LEN] = {TLS_HS_HELLO_REQUEST, 0, 0, 0}; /* empty body */
    struct ktla__traffic_keys cw, sw;
    unsigned char plain[64], rec[128];
    unsigned char type = 0;
    long at = finished_record(p), n, m;

    if (at < 0 || !cs->have ||
        ktla__tls12_traffic_keys(KTLA_CIPHER_AES_GCM_128, cs->prf, cs->master, cs->client_random, cs->server_random,
                                 0, 0, &cw, &sw) != 0)
        return -1;
    n = test_record_open(&cw, p->buf + at, p->w - (size_t)at, plain, sizeof plain, &type);
    if (n <= 0 || type != TLS_CT_HANDSHAKE || (size_t)n + sizeof hello_request > sizeof plain)
        return -1;
    memcpy(plain + n, hello_request, sizeof hello_request);
    m = test_record_seal(&cw, TLS_CT_HANDSHAKE, plain, (size_t)n + sizeof hello_request, rec, sizeof rec);
    if (m <= 0 || (size_t)at + (size_t)m > p->cap)
        return -1;
    memcpy(p->buf + at, rec, (size_t)m);
    p->w = (size_t)at + (size_t)m;
    return 0;
}

static void test_bytes_pending_in_mbedtls(void)
{
    struct client_secrets cs = {.have = 0};
    struct run r;
    int srv = -1, cli = MBEDTLS_ERR_SSL_WANT_READ, resealed = 0;

    staged_kernel_reset();
    staged_run_open(&r, fixture_config("ecdsa-p256"), 0x0303, 0xC02B);
    mbedtls_ssl_set_export_keys_cb(&r.cli.ssl, export_keys, &cs);
    mbedtls_ssl_set_bio(&r.cli.ssl, &r.link, mem_link_client_send, mem_link_client_recv, NULL);
    for (int i = 0; i < 1000 && (srv != 1 || cli != 0); i++) {
        if (srv != 1) {
            srv = ktla_accept(r.conn);
            if (srv < 0 && ktla_get_error(r.conn, srv) != KTLA_ERROR_WANT_READ &&
                ktla_get_error(r.conn, srv) != KTLA_ERROR_WANT_WRITE)
                break;
        }
        if (cli != 0)
            cli = mbedtls_ssl_handshake(&r.cli.ssl);
        /* The client has written its Finished and waits for ours: change it before the server reads it. */
        if (!resealed && finished_record(&r.link.c2s) >= 0) {
            CU_ASSERT_EQUAL_FATAL(append_to_finished(&r.link.c2s, &cs), 0);
            resealed = 1;
        }
    }
    r.rc = srv;
    CU_ASSERT(resealed);
    CU_ASSERT_EQUAL(r.rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, r.rc), KTLA_ERROR_TLS);
    CU_ASSERT_EQUAL(ktla_get_alert(r.conn), 10); /* unexpected_message */
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), "mbedTLS holds received bytes not yet read"));
    CU_ASSERT_EQUAL(stage.calls_on_watch_fd, 0); /* the socket was never touched */
    staged_run_close(&r);
}

static void handshake_on_kernel(struct run *r, int want_calls, const char *want)
{
    staged_run_open(r, fixture_config("ecdsa-p256"), 0x0303, 0xC02B);
    CU_ASSERT_EQUAL(drive(r), 0);
    CU_ASSERT_EQUAL(r->rc, 1);
    CU_ASSERT_EQUAL(ktla_get_offload(r->conn, KTLA_DIR_TX), KTLA_OFFLOAD_USER);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_offload_reason(r->conn, KTLA_DIR_RX), want));
    if (stage.calls_on_watch_fd != want_calls)
        printf("\n    %d setsockopt calls on the socket, want %d", stage.calls_on_watch_fd, want_calls);
    CU_ASSERT_EQUAL(stage.calls_on_watch_fd, want_calls);
    staged_run_close(r);
}

/*
 * A kernel without the tls module answers TCP_ULP with ENOENT: the next
 * hand-offs must not derive keys and ask again (each TLS 1.2 key block costs
 * as much as a sixth of a resumed handshake), but must ask again later.
 */
static void test_no_ulp_remembered_for_a_second(void)
{
    struct timespec pause = {1, 100 * 1000 * 1000};
    struct run r;

    staged_kernel_reset();
    ktla__kernel_caps_reset();
    stage.ulp_errno = ENOENT;
    handshake_on_kernel(&r, 1, "no tls module"); /* the kernel is asked: TCP_ULP */
    handshake_on_kernel(&r, 0, "no tls module"); /* believed: the socket is not touched */
    nanosleep(&pause, NULL);
    handshake_on_kernel(&r, 1, "no tls module"); /* expired: asked again */
    ktla__kernel_caps_reset();
    stage.ulp_errno = 0;
}

/* A probe run under a staged kernel must not stay cached after the stage is gone. */
static void test_probe_does_not_outlive_the_stage(void)
{
    char why[256] = "";

    staged_kernel_reset();
    stage.refuse_cipher = TLS_CIPHER_CHACHA20_POLY1305;
    ktla__kernel_caps_reset();
    CU_ASSERT_EQUAL(ktla__kernel_refuses(KTLA_TLS_1_3, KTLA_CIPHER_CHACHA20_POLY1305, why, sizeof why), 1);
    staged_kernel_remove();
    /* The real kernel: no ULP here (the probe cannot tell, so "let it try"), or one that takes ChaCha20. */
    CU_ASSERT_EQUAL(ktla__kernel_refuses(KTLA_TLS_1_3, KTLA_CIPHER_CHACHA20_POLY1305, why, sizeof why), 0);
    staged_kernel_install();
}

int add_handoff_preconditions_suite(void)
{
    CU_pSuite s = CU_add_suite("hand-off preconditions (staged kernel answers)", setup, teardown);

    return s && CU_add_test(s, "a cipher the kernel lacks: user space, socket untouched",
                            test_kernel_without_the_cipher) &&
                   CU_add_test(s, "max_fragment_length 512: user space, socket untouched", test_max_fragment_length) &&
                   CU_add_test(s, "bytes pending in mbedTLS: unexpected_message, socket untouched",
                               test_bytes_pending_in_mbedtls) &&
                   CU_add_test(s, "no TLS ULP: believed for a second, socket untouched, then asked again",
                               test_no_ulp_remembered_for_a_second) &&
                   CU_add_test(s, "the probe cache does not outlive a staged kernel",
                               test_probe_does_not_outlive_the_stage)
               ? 0
               : -1;
}
