/* suite_socket.c - ktla over loopback TCP against an mbedTLS client thread (see suite_socket.h). */
#define _GNU_SOURCE
#include "suite_socket.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "conn_internal.h"
#include "loopback.h"

static enum ktla_offload expected_offload;
static unsigned big_mib;
static size_t max_offloaded_bytes;

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
    return n >= 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t n = recv(*(int *)ctx, buf, len, 0);
    return n >= 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

/* What the client thread does after its handshake, and what it found. */
struct client_job {
    int fd, version, suite;
    const char *early;         /* written right after the client's Finished */
    unsigned long long expect; /* pattern bytes to read from the server */
    int tamper;                /* send a record that fails authentication */
    int handshake_rc, ok;
    unsigned long long got;
};

static unsigned char pattern_at(unsigned long long i)
{
    return (unsigned char)(i % 251);
}

static void *client_main(void *arg)
{
    struct client_job *j = arg;
    struct mbed_client cli;
    unsigned char buf[16384];
    int n;

    j->ok = 1;
    if (mbed_client_init(&cli, j->version, j->suite, NULL, NULL) != 0) {
        j->ok = 0;
        return NULL;
    }
    mbedtls_ssl_set_bio(&cli.ssl, &j->fd, bio_send, bio_recv, NULL);
    j->handshake_rc = mbedtls_ssl_handshake(&cli.ssl);
    if (j->handshake_rc == 0 && j->early)
        j->ok &= mbedtls_ssl_write(&cli.ssl, (const unsigned char *)j->early, strlen(j->early)) == (int)strlen(j->early);
    if (j->handshake_rc == 0 && j->tamper) {
        /* A well-formed application_data record whose tag cannot verify. */
        unsigned char rec[5 + 40] = {23, 3, 3, 0, 40};
        memset(rec + 5, 0x5a, 40);
        j->ok &= test_write_full(j->fd, rec, sizeof rec) == 0;
        /* Stay connected until the server gives up: a half-closed socket could not take the ULP. */
        while (recv(j->fd, buf, sizeof buf, 0) > 0)
            ;
    }
    while (j->handshake_rc == 0 && !j->tamper) {
        n = mbedtls_ssl_read(&cli.ssl, buf, sizeof buf);
        if (n == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
            continue;
        if (n <= 0)
            break; /* PEER_CLOSE_NOTIFY ends the transfer */
        for (int i = 0; i < n; i++)
            if (buf[i] != pattern_at(j->got + (unsigned)i))
                j->ok = 0;
        j->got += (unsigned)n;
    }
    if (j->handshake_rc == 0 && !j->tamper)
        mbedtls_ssl_close_notify(&cli.ssl);
    mbed_client_free(&cli);
    shutdown(j->fd, SHUT_WR);
    return NULL;
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

static void wait_io(ktla_conn *c, int fd, long ret)
{
    struct pollfd p = {.fd = fd, .events = ktla_get_error(c, ret) == KTLA_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
    poll(&p, 1, 5000);
}

static int is_want(ktla_conn *c, long ret)
{
    enum ktla_error e = ktla_get_error(c, ret);
    return ret < 0 && (e == KTLA_ERROR_WANT_READ || e == KTLA_ERROR_WANT_WRITE);
}

/* One connection: handshake, optional early data check, sendfile of `size` bytes, close. */
static void run_case(int version, int suite, unsigned long long size, int nonblock, const char *early, int tamper)
{
    ktla_config *cfg = fixture_config("ecdsa-p256");
    struct client_job job = {.version = version, .suite = suite, .early = early, .expect = size, .tamper = tamper};
    pthread_t thread;
    ktla_conn *c = NULL;
    int server_fd, rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&job.fd, &server_fd), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(cfg, &c), 0);
    CU_ASSERT_EQUAL(ktla_set_fd(c, server_fd), 0);
    if (nonblock)
        fcntl(server_fd, F_SETFL, fcntl(server_fd, F_GETFL) | O_NONBLOCK);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, client_main, &job), 0);
    while ((rc = ktla_accept(c)) < 0 && is_want(c, rc))
        wait_io(c, server_fd, rc);
    CU_ASSERT_EQUAL(rc, 1);
    if (rc != 1)
        printf("\n    accept: %s", ktla_get_reason(c));
    CU_ASSERT_EQUAL((int)ktla_get_version(c), version);
    CU_ASSERT_EQUAL(ktla_get_ciphersuite(c), suite);
    CU_ASSERT_EQUAL(ktla_get_offload(c, KTLA_DIR_TX), expected_offload);
    CU_ASSERT_EQUAL(ktla_get_offload(c, KTLA_DIR_RX), expected_offload);
    if (ktla_get_offload(c, KTLA_DIR_TX) != expected_offload)
        printf("\n    offload: %s", ktla_get_offload_reason(c, KTLA_DIR_TX));
    if (rc == 1 && ktla_get_offload(c, KTLA_DIR_TX) == KTLA_OFFLOAD_KERNEL) {
        /* After the hand-off only the connection's own small state stays in user space. */
        size_t bytes = ktla__conn_memory(c);
        CU_ASSERT(bytes < 1024);
        if (bytes > max_offloaded_bytes)
            max_offloaded_bytes = bytes;
    }
    if (rc == 1 && early) {
        char buf[256] = {0};
        size_t got = 0, want = strlen(early);
        long n;
        while (got < want && ((n = ktla_read(c, buf + got, want - got)) > 0 || is_want(c, n))) {
            if (n > 0)
                got += (size_t)n;
            else
                wait_io(c, server_fd, n);
        }
        CU_ASSERT_STRING_EQUAL(buf, early); /* nothing lost at the hand-off */
    }
    if (rc == 1 && tamper) {
        char buf[64];
        long n;
        while ((n = ktla_read(c, buf, sizeof buf)) < 0 && is_want(c, n))
            wait_io(c, server_fd, n);
        CU_ASSERT_EQUAL(n, -1); /* never data */
        CU_ASSERT_EQUAL(ktla_get_error(c, n), KTLA_ERROR_TLS);
        CU_ASSERT_EQUAL(ktla_get_alert(c), 20); /* bad_record_mac */
    }
    if (rc == 1 && !tamper) {
        int file = pattern_file(size);
        long long off = 0;
        CU_ASSERT_FATAL(file >= 0);
        while ((unsigned long long)off < size) {
            long n = ktla_sendfile(c, file, &off, (size_t)(size - (unsigned long long)off));
            if (n < 0 && is_want(c, n))
                wait_io(c, server_fd, n);
            else if (n <= 0)
                break;
        }
        CU_ASSERT_EQUAL((unsigned long long)off, size);
        close(file);
        while ((rc = ktla_shutdown(c)) != 1 && is_want(c, rc))
            wait_io(c, server_fd, rc);
        CU_ASSERT_EQUAL(rc, 1);
    }
    if (tamper)
        shutdown(server_fd, SHUT_RDWR);
    pthread_join(thread, NULL);
    CU_ASSERT_EQUAL(job.handshake_rc, 0);
    CU_ASSERT(job.ok);
    if (!tamper)
        CU_ASSERT_EQUAL(job.got, size);
    ktla_conn_free(c);
    ktla_config_free(cfg);
    close(server_fd);
    close(job.fd);
}

static const struct {
    int version, suite;
} combos[] = {
    {0x0304, 0x1301}, {0x0304, 0x1302}, {0x0304, 0x1303}, {0x0304, 0x1304},
    {0x0303, 0xC02B}, {0x0303, 0xC02C}, {0x0303, 0xCCA9}, {0x0303, 0xC0AC},
};
#define N_COMBOS (sizeof combos / sizeof combos[0])

static void test_every_suite_sendfile_sizes(void)
{
    static const unsigned long long sizes[] = {0, 1, 16384, 1 << 20};
    for (size_t i = 0; i < N_COMBOS; i++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            run_case(combos[i].version, combos[i].suite, sizes[s], 0, NULL, 0);
}

static void test_big_file(void)
{
    run_case(0x0304, 0x1301, (unsigned long long)big_mib << 20, 0, NULL, 0);
}

static void test_nonblocking(void)
{
    run_case(0x0304, 0x1303, 100000, 1, NULL, 0);
    run_case(0x0303, 0xC02C, 100000, 1, NULL, 0);
}

static void test_client_data_right_after_finished(void)
{
    for (size_t i = 0; i < N_COMBOS; i++)
        run_case(combos[i].version, combos[i].suite, 10, 0, "client data sent right after Finished", 0);
}

static void test_memory_report(void)
{
    /* Not a limit test (that is asserted per connection above): the figure, for the README. */
    if (expected_offload == KTLA_OFFLOAD_KERNEL) {
        printf("\n    largest user-space footprint of an offloaded connection: %zu bytes", max_offloaded_bytes);
        CU_ASSERT(max_offloaded_bytes > 0);
    }
}

static void test_tampered_record(void)
{
    run_case(0x0304, 0x1301, 0, 0, NULL, 1);
    run_case(0x0303, 0xC02B, 0, 0, NULL, 1);
}

int add_socket_suite(unsigned big_file_mib)
{
    ktla_probe *p = NULL;
    CU_pSuite s;

    big_mib = big_file_mib;
    if (ktla_probe_run(&p) != 0)
        return -1;
    expected_offload = ktla_probe_ulp_available(p) ? KTLA_OFFLOAD_KERNEL : KTLA_OFFLOAD_USER;
    ktla_probe_free(p);
    s = CU_add_suite(expected_offload == KTLA_OFFLOAD_KERNEL ? "sockets, record layer in the kernel"
                                                             : "sockets, record layer in user space (no kTLS here)",
                     NULL, NULL);
    return s && CU_add_test(s, "every suite, sendfile 0 B, 1 B, 16 KiB, 1 MiB", test_every_suite_sendfile_sizes) &&
                   CU_add_test(s, "one big file", test_big_file) &&
                   CU_add_test(s, "non-blocking server socket", test_nonblocking) &&
                   CU_add_test(s, "client data right after Finished is not lost", test_client_data_right_after_finished) &&
                   CU_add_test(s, "a tampered record is an error, never data", test_tampered_record) &&
                   CU_add_test(s, "user-space memory per offloaded connection", test_memory_report)
               ? 0
               : -1;
}
