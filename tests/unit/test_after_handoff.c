/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_after_handoff.c - bad records from the client once the handshake is
 * over, on loopback sockets with an mbedTLS client, in all 8 version x
 * cipher combinations: ktla must report the failure with the right alert,
 * and the client must actually receive that alert (RFC 8446 6.2, RFC 5246
 * 7.2.2), not only ktla record it.
 *
 * - a record whose tag does not verify: bad_record_mac (20);
 * - a record longer than TLS allows: record_overflow (22), and a handshake
 *   message the server must refuse (TLS 1.2 renegotiation, a TLS 1.3
 *   ClientHello after the handshake): unexpected_message (10).
 * Each runs on whichever record engine the machine gives: the kernel's in
 * the VM, ktla's user engine on a host without kTLS.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fixture.h"
#include "loopback.h"
#include "socket_peer.h"
#include "suite_socket.h"
#include "suites.h"
#include "wire/tls_wire.h"

static const char *combo_name(int version, int suite)
{
    static char name[32];
    snprintf(name, sizeof name, "TLS %s 0x%04x", version == 0x0304 ? "1.3" : "1.2", (unsigned)suite);
    return name;
}

/* One connection whose client does `act` after the handshake; ktla_read must fail with `alert`, and send it. */
static void expect_alert(int version, int suite, enum socket_peer_act act, int alert)
{
    static const struct timeval patience = {60, 0};
    ktla_config *cfg = fixture_config("ecdsa-p256");
    struct socket_peer peer = {.version = version, .suite = suite, .act = act};
    ktla_conn *c = NULL;
    char buf[64];
    int server_fd;
    long n = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&peer.fd, &server_fd), 0);
    /* A kernel that waits for more instead of answering fails the test; it never hangs it. */
    setsockopt(server_fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    setsockopt(peer.fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(cfg, &c), 0);
    CU_ASSERT_EQUAL(ktla_set_fd(c, server_fd), 0);
    CU_ASSERT_EQUAL_FATAL(socket_peer_start(&peer), 0);
    if (ktla_accept(c) == 1) {
        CU_ASSERT_EQUAL(ktla_get_offload(c, KTLA_DIR_RX), socket_expected_offload());
        n = ktla_read(c, buf, sizeof buf);
        CU_ASSERT_EQUAL(n, -1); /* never data */
        CU_ASSERT_EQUAL(ktla_get_error(c, n), KTLA_ERROR_TLS);
        CU_ASSERT_EQUAL(ktla_get_alert(c), alert);
    } else {
        CU_FAIL("handshake");
        printf("\n    accept: %s", ktla_get_reason(c));
    }
    /* The alert is on its way (or not): end the connection so that the client stops reading. */
    shutdown(server_fd, SHUT_RDWR);
    socket_peer_join(&peer);
    CU_ASSERT_EQUAL(peer.handshake_rc, 0);
    CU_ASSERT(peer.ok);
    CU_ASSERT_EQUAL(peer.alert, alert);
    if (peer.alert != alert || ktla_get_alert(c) != alert)
        printf("\n    %s: ktla read %ld (%s), alert %d; the client received alert %d, want %d",
               combo_name(version, suite), n, ktla_get_reason(c), ktla_get_alert(c), peer.alert, alert);
    socket_peer_free(&peer);
    ktla_conn_free(c);
    ktla_config_free(cfg);
    close(server_fd);
    close(peer.fd);
}

static void every_combo(enum socket_peer_act act, int alert)
{
    for (size_t i = 0; i < SOCKET_N_COMBOS; i++)
        expect_alert(socket_combos[i].version, socket_combos[i].suite, act, alert);
}

static void test_tampered_record(void)
{
    every_combo(PEER_TAMPER, TLS_ALERT_BAD_RECORD_MAC);
}

/* Both engines: the kernel's in the VM, ktla's user engine on the host (record/user_engine.c). */
static void test_oversized_record(void)
{
    every_combo(PEER_OVERSIZED, TLS_ALERT_RECORD_OVERFLOW);
}

static void test_unexpected_handshake(void)
{
    every_combo(PEER_UNEXPECTED, TLS_ALERT_UNEXPECTED_MESSAGE);
}

int add_after_handoff_suite(void)
{
    CU_pSuite s = CU_add_suite("after the hand-off: bad records get their alert, at the client", NULL, NULL);

    return s && CU_add_test(s, "tampered record: bad_record_mac, 8 combos", test_tampered_record) &&
                   CU_add_test(s, "oversized record: record_overflow, 8 combos", test_oversized_record) &&
                   CU_add_test(s, "renegotiation / ClientHello: unexpected_message, 8 combos",
                               test_unexpected_handshake)
               ? 0
               : -1;
}
