/* SPDX-License-Identifier: Apache-2.0 */
/* suite_socket.c - ktla over loopback TCP against an mbedTLS client thread (see suite_socket.h). */
#define _GNU_SOURCE
#include "suite_socket.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "loopback.h"
#include "socket_peer.h"
#include "test_skip.h"

/* No case takes this long, even under emulation: a peer that hangs is a failure, not a stuck suite. */
#define CASE_DEADLINE_MS (300 * 1000)

static enum ktla_offload expected_offload;
static unsigned big_mib;

const struct socket_combo socket_combos[SOCKET_N_COMBOS] = {
    {0x0304, 0x1301}, {0x0304, 0x1302}, {0x0304, 0x1303}, {0x0304, 0x1304},
    {0x0303, 0xC02B}, {0x0303, 0xC02C}, {0x0303, 0xCCA9}, {0x0303, 0xC0AC},
};

enum ktla_offload socket_expected_offload(void)
{
    return expected_offload;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int socket_wait(ktla_conn *c, int fd, long ret, long long deadline_ms)
{
    struct pollfd p = {.fd = fd, .events = ktla_get_error(c, ret) == KTLA_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
    long long left = deadline_ms - now_ms();

    if (left <= 0) {
        CU_FAIL("the peer did not move within the case's deadline");
        return -1;
    }
    poll(&p, 1, left > 5000 ? 5000 : (int)left);
    return 0;
}

long long socket_deadline(void)
{
    return now_ms() + CASE_DEADLINE_MS;
}

int socket_is_want(ktla_conn *c, long ret)
{
    enum ktla_error e = ktla_get_error(c, ret);
    return ret < 0 && (e == KTLA_ERROR_WANT_READ || e == KTLA_ERROR_WANT_WRITE);
}

static int pattern_file(unsigned long long size)
{
    char path[] = "/tmp/ktla-sendfile-XXXXXX";
    unsigned char buf[65536];
    int fd = mkstemp(path);

    if (fd < 0)
        return -1;
    unlink(path);
    for (unsigned long long at = 0; at < size;) {
        size_t n = size - at < sizeof buf ? (size_t)(size - at) : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern_at(at + i);
        if (test_write_full(fd, buf, n) != 0) {
            close(fd);
            return -1;
        }
        at += n;
    }
    return fd;
}

/* One connection: handshake, optional early data check, sendfile of `size` bytes, close. */
static void run_case(int version, int suite, unsigned long long size, int nonblock, const char *early)
{
    ktla_config *cfg = fixture_config("ecdsa-p256");
    struct socket_peer peer = {.version = version, .suite = suite, .early = early, .pattern = 1};
    long long deadline = socket_deadline();
    ktla_conn *c = NULL;
    int server_fd, rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&peer.fd, &server_fd), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(cfg, &c), 0);
    CU_ASSERT_EQUAL(ktla_set_fd(c, server_fd), 0);
    if (nonblock)
        fcntl(server_fd, F_SETFL, fcntl(server_fd, F_GETFL) | O_NONBLOCK);
    CU_ASSERT_EQUAL_FATAL(socket_peer_start(&peer), 0);
    while ((rc = ktla_accept(c)) < 0 && socket_is_want(c, rc) && socket_wait(c, server_fd, rc, deadline) == 0)
        ;
    CU_ASSERT_EQUAL(rc, 1);
    if (rc != 1)
        printf("\n    accept: %s", ktla_get_reason(c));
    CU_ASSERT_EQUAL((int)ktla_get_tls_version(c), version);
    CU_ASSERT_EQUAL(ktla_get_ciphersuite(c), suite);
    CU_ASSERT_EQUAL(ktla_get_offload(c, KTLA_DIR_TX), expected_offload);
    CU_ASSERT_EQUAL(ktla_get_offload(c, KTLA_DIR_RX), expected_offload);
    if (ktla_get_offload(c, KTLA_DIR_TX) != expected_offload)
        printf("\n    offload: %s", ktla_get_offload_reason(c, KTLA_DIR_TX));
    if (rc == 1 && early) {
        char buf[256] = {0};
        size_t got = 0, want = strlen(early);
        long n;
        while (got < want && ((n = ktla_read(c, buf + got, want - got)) > 0 || socket_is_want(c, n))) {
            if (n > 0)
                got += (size_t)n;
            else if (socket_wait(c, server_fd, n, deadline) != 0)
                break;
        }
        CU_ASSERT_STRING_EQUAL(buf, early); /* nothing lost at the hand-off */
    }
    if (rc == 1) {
        int file = pattern_file(size);
        long long off = 0;
        CU_ASSERT_FATAL(file >= 0);
        while ((unsigned long long)off < size) {
            long n = ktla_sendfile(c, file, &off, (size_t)(size - (unsigned long long)off));
            if (n < 0 && socket_is_want(c, n)) {
                if (socket_wait(c, server_fd, n, deadline) != 0)
                    break;
            } else if (n <= 0) {
                break;
            }
        }
        CU_ASSERT_EQUAL((unsigned long long)off, size);
        close(file);
        while ((rc = ktla_shutdown(c)) != 1 && socket_is_want(c, rc) && socket_wait(c, server_fd, rc, deadline) == 0)
            ;
        CU_ASSERT_EQUAL(rc, 1);
    } else {
        shutdown(server_fd, SHUT_RDWR); /* a failed handshake: let the peer go */
    }
    socket_peer_join(&peer);
    CU_ASSERT_EQUAL(peer.handshake_rc, 0);
    CU_ASSERT(peer.ok);
    CU_ASSERT_EQUAL(peer.got, size);
    CU_ASSERT(peer.close_notify);
    socket_peer_free(&peer);
    ktla_conn_free(c);
    ktla_config_free(cfg);
    close(server_fd);
    close(peer.fd);
}

static void test_every_suite_sendfile_sizes(void)
{
    static const unsigned long long sizes[] = {0, 1, 16384, 1 << 20};
    for (size_t i = 0; i < SOCKET_N_COMBOS; i++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            run_case(socket_combos[i].version, socket_combos[i].suite, sizes[s], 0, NULL);
}

static void test_big_file(void)
{
    run_case(0x0304, 0x1301, (unsigned long long)big_mib << 20, 0, NULL);
}

static void test_nonblocking(void)
{
    run_case(0x0304, 0x1303, 100000, 1, NULL);
    run_case(0x0303, 0xC02C, 100000, 1, NULL);
}

static void test_client_data_right_after_finished(void)
{
    for (size_t i = 0; i < SOCKET_N_COMBOS; i++)
        run_case(socket_combos[i].version, socket_combos[i].suite, 10, 0, "client data sent right after Finished");
}

int add_socket_suite(unsigned big_file_mib)
{
    CU_pSuite s;
    int err = test_kernel_ulp_errno();

    big_mib = big_file_mib;
    /* Asked of the kernel here, not of the library's probe; inside the VM the kernel path is a must. */
    expected_offload = err == 0 || test_in_vm() ? KTLA_OFFLOAD_KERNEL : KTLA_OFFLOAD_USER;
    s = CU_add_suite(expected_offload == KTLA_OFFLOAD_KERNEL ? "sockets, record layer in the kernel"
                                                             : "sockets, record layer in user space (no kTLS here)",
                     NULL, NULL);
    return s && CU_add_test(s, "every suite, sendfile 0 B, 1 B, 16 KiB, 1 MiB", test_every_suite_sendfile_sizes) &&
                   CU_add_test(s, "one big file", test_big_file) &&
                   CU_add_test(s, "non-blocking server socket", test_nonblocking) &&
                   CU_add_test(s, "client data right after Finished is not lost", test_client_data_right_after_finished)
               ? 0
               : -1;
}
