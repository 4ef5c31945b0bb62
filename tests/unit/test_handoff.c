/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_handoff.c - the hand-off to the kernel, with setsockopt replaced
 * (ktla__setsockopt) so every kernel answer can be staged on any machine:
 * the ULP missing, the kernel refusing keys after the ULP is attached, and
 * a kernel that takes everything, whose crypto_info bytes are then checked
 * for the sequence numbers mbedTLS reached.
 *
 * The handshake runs over caller-moved I/O; ktla_set_fd() names a real
 * loopback socket that receives the keys, as the API allows.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "kernel/ktls.h"
#include "loopback.h"
#include "staged_run.h"
#include "suites.h"
#include "wire/tls_wire.h"

static int setup(void)
{
    staged_kernel_install();
    return 0;
}

static int teardown(void)
{
    staged_kernel_remove();
    return 0;
}


/* Handshake over memory with cfg (taken over by r), keys to a real loopback socket. */
static void handshake_with(struct run *r, ktla_config *cfg, int version, int suite)
{
    unsigned long wants = 0;
    int crc;

    staged_run_open(r, cfg, version, suite);
    r->rc = fixture_handshake(r->conn, &r->cli, &r->link, &crc, &wants);
}

static void handshake(struct run *r, int version, int suite)
{
    handshake_with(r, fixture_config("ecdsa-p256"), version, suite);
}

static void finish(struct run *r)
{
    staged_run_close(r);
}

/* The peer's end of the socket: the connection has ended (EOF), and not one byte came before the end. */
static int peer_sees_the_end_and_nothing_else(int fd)
{
    char byte;
    return recv(fd, &byte, 1, MSG_DONTWAIT) == 0;
}

static void test_no_ulp_falls_back(void)
{
    struct run r;

    staged_kernel_reset();
    stage.ulp_errno = ENOENT;
    handshake(&r, 0x0304, 0x1301);
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_EQUAL(ktla_get_offload(r.conn, KTLA_DIR_TX), KTLA_OFFLOAD_USER);
    CU_ASSERT_EQUAL(ktla_get_offload(r.conn, KTLA_DIR_RX), KTLA_OFFLOAD_USER);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_offload_reason(r.conn, KTLA_DIR_RX), "TLS ULP not available (ENOENT)"));
    finish(&r);
}

static void refused_after_ulp(int tx_errno, int rx_errno, const char *what)
{
    struct run r;
    char buf[8];

    staged_kernel_reset();
    stage.tx_errno = tx_errno;
    stage.rx_errno = rx_errno;
    handshake(&r, 0x0303, 0xC02B);
    CU_ASSERT_EQUAL(r.rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, r.rc), KTLA_ERROR_SYSCALL);
    CU_ASSERT_EQUAL(ktla_get_errno(r.conn), tx_errno ? tx_errno : rx_errno);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), "refused the keys after the TLS ULP was attached"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), what));
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), "shut down"));
    /* Fail closed: the connection is ended, the peer sees it end, and not a byte goes out in clear. */
    CU_ASSERT_EQUAL(ktla_accept(r.conn), -1);
    CU_ASSERT_EQUAL(ktla_write(r.conn, "secret", 6), -1);
    CU_ASSERT_EQUAL(ktla_read(r.conn, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(ktla_shutdown(r.conn), -1);
    CU_ASSERT(peer_sees_the_end_and_nothing_else(r.client_fd));
    finish(&r);
}

static void test_tx_refused_after_ulp(void)
{
    refused_after_ulp(EINVAL, 0, "TLS_TX keys refused (EINVAL)");
}

static void test_rx_refused_after_ulp(void)
{
    refused_after_ulp(0, ENOMEM, "TLS_RX keys refused (ENOMEM)");
}

static uint64_t be64_at(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/*
 * Sequence numbers come from mbedTLS: TLS 1.2 after the handshake is 1 both
 * ways (Finished was record 0); TLS 1.3 RX is 0 and TX counts the tickets
 * sent before the switch (one by default).
 */
static void test_sequence_numbers_reach_the_kernel(void)
{
    struct run r;

    staged_kernel_reset();
    handshake(&r, 0x0303, 0xC02B); /* AES-GCM-128: rec_seq at 32, explicit nonce at 4 */
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_EQUAL(ktla_get_offload(r.conn, KTLA_DIR_TX), KTLA_OFFLOAD_KERNEL);
    CU_ASSERT_EQUAL(be64_at(stage.tx + 32), 1);
    CU_ASSERT_EQUAL(be64_at(stage.tx + 4), 1); /* never nonce 0: Finished used it */
    CU_ASSERT_EQUAL(be64_at(stage.rx + 32), 1);
    finish(&r);

    staged_kernel_reset();
    handshake(&r, 0x0304, 0x1302); /* AES-GCM-256: rec_seq at 48 */
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_EQUAL(be64_at(stage.tx + 48), 1);
    CU_ASSERT_EQUAL(be64_at(stage.rx + 48), 0);
    finish(&r);
}

static void test_tls13_without_tickets_starts_at_zero(void)
{
    ktla_config *cfg = fixture_config("ecdsa-p256");
    struct run r;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(ktla_config_set_tickets(cfg, 0, 0), 0);
    staged_kernel_reset();
    handshake_with(&r, cfg, 0x0304, 0x1301);
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_EQUAL(be64_at(stage.tx + 32), 0);
    CU_ASSERT_EQUAL(be64_at(stage.rx + 32), 0);
    finish(&r);
}

static void test_user_mode_never_touches_the_kernel(void)
{
    ktla_config *cfg = fixture_config("ecdsa-p256");
    struct run r;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL(ktla_config_set_offload(cfg, KTLA_OFFLOAD_POLICY_NEVER), 0);
    staged_kernel_reset();
    handshake_with(&r, cfg, 0x0304, 0);
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_EQUAL(stage.calls, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_offload_reason(r.conn, KTLA_DIR_TX), "KTLA_OFFLOAD_POLICY_NEVER"));
    finish(&r);
}

/* A TLS 1.3 connection handed off to the staged kernel, whose reads then return these records. */
static void on_kernel_reading(struct run *r, const struct staged_read *reads, size_t n_reads)
{
    staged_kernel_reset();
    handshake(r, 0x0304, 0x1301);
    CU_ASSERT_EQUAL_FATAL(r->rc, 1);
    CU_ASSERT_EQUAL_FATAL(ktla_get_offload(r->conn, KTLA_DIR_RX), KTLA_OFFLOAD_KERNEL);
    stage.play_records = 1;
    stage.reads = reads;
    stage.n_reads = n_reads;
}

/*
 * After the hand-off, a failure says which way records were moving: a read
 * the kernel blocks wants to read (not write), and a KeyUpdate whose new key
 * the kernel refuses names that direction's key and setsockopt.
 */
static void keyupdate_refused(int request, int tx_errno, int rx_errno, const char *key, const char *option)
{
    const unsigned char key_update[TLS_KEY_UPDATE_LEN] = {TLS_HS_KEY_UPDATE, 0, 0, TLS_KEY_UPDATE_BODY_LEN,
                                                          (unsigned char)request};
    const struct staged_read reads[] = {{TLS_CT_HANDSHAKE, key_update, sizeof key_update, 0}};
    unsigned char buf[16];
    struct run r;
    long n;

    on_kernel_reading(&r, reads, 1);
    stage.tx_errno = tx_errno;
    stage.rx_errno = rx_errno;
    n = ktla_read(r.conn, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, n), KTLA_ERROR_TLS);
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), key));
    CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), option));
    printf("\n    %s", ktla_get_reason(r.conn));
    stage.play_records = 0;
    finish(&r);
}

static void test_failures_name_their_direction(void)
{
    const struct staged_read blocked[] = {{TLS_CT_APPLICATION_DATA, NULL, 0, EAGAIN}};
    unsigned char buf[16];
    struct run r;
    long n;

    on_kernel_reading(&r, blocked, 1);
    n = ktla_read(r.conn, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, n), KTLA_ERROR_WANT_READ);
    stage.play_records = 0;
    finish(&r);

    keyupdate_refused(TLS_KEY_UPDATE_NOT_REQUESTED, 0, EBUSY, "new receive key", "TLS_RX");
    keyupdate_refused(TLS_KEY_UPDATE_REQUESTED, EBUSY, 0, "new transmit key", "TLS_TX");
}

int add_handoff_suite(void)
{
    CU_pSuite s = CU_add_suite("hand-off (staged kernel answers)", setup, teardown);
    return s && CU_add_test(s, "no TLS ULP: user space, with the reason", test_no_ulp_falls_back) &&
                   CU_add_test(s, "TX refused after the ULP: fail closed", test_tx_refused_after_ulp) &&
                   CU_add_test(s, "RX refused after the ULP: fail closed", test_rx_refused_after_ulp) &&
                   CU_add_test(s, "sequence numbers from mbedTLS reach the kernel",
                               test_sequence_numbers_reach_the_kernel) &&
                   CU_add_test(s, "TLS 1.3 without tickets starts TX at 0", test_tls13_without_tickets_starts_at_zero) &&
                   CU_add_test(s, "KTLA_OFFLOAD_POLICY_NEVER never calls the kernel",
                               test_user_mode_never_touches_the_kernel) &&
                   CU_add_test(s, "after the hand-off, failures name their direction",
                               test_failures_name_their_direction)
               ? 0
               : -1;
}
