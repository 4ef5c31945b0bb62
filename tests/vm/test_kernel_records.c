/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_kernel_records.c - what a peer can send a ktla server whose record
 * layer is in the kernel, record by record, and what must come back on the
 * wire.  The peer is a "raw" TLS client: mbedTLS runs its handshake, then
 * the test seals and opens every record itself (tests/common/tls_record.c)
 * with the exported secrets, so it can send what no TLS library would:
 *
 * - a KeyUpdate asking for ours while the client reads nothing (the server's
 *   send buffer full): a non-blocking ktla_read() must return WANT_WRITE at
 *   once, not wait, and the next ktla_write/ktla_sendfile/ktla_read must
 *   send the KeyUpdate, under the old key, before anything under the new one
 *   (Linux >= 6.14; older kernels cannot re-key and must say so, at once);
 * - a KeyUpdate with request_update 2: illegal_parameter;
 * - a KeyUpdate split across records with application data between the
 *   pieces, and a KeyUpdate followed by more handshake bytes in its record:
 *   unexpected_message;
 * - a record of a type with no place after the handshake: unexpected_message.
 *
 * Every expected alert is read and decrypted from the wire.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "keys/keys.h"
#include "loopback.h"
#include "test_kernel_records.h"
#include "test_keyupdate.h"
#include "tls_record.h"
#include "wire/tls_wire.h"

/* A KeyUpdate handshake message (RFC 8446 4.6.3), byte by byte: type, 24-bit length, KeyUpdateRequest. */
#define KEY_UPDATE_BYTES(request) TLS_HS_KEY_UPDATE, 0, 0, TLS_KEY_UPDATE_BODY_LEN, (request)

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---------------------------------------------------------------- the raw client */

struct raw_peer {
    int cfd, sfd; /* the client's end, the server's end */
    ktla_config *cfg;
    ktla_conn *conn;
    int suite;
    enum ktla_tls_version version;
    mbedtls_md_type_t md;
    /* the client's view: what it seals (c2s) and opens (s2c), and the TLS 1.3 secrets to re-key from */
    struct ktla__traffic_keys c2s, s2c;
    unsigned char c_secret[48], s_secret[48];
    size_t secret_len;
    /* what the client's export callback handed over */
    unsigned char master[48], c_random[32], s_random[32];
    mbedtls_tls_prf_types prf;
    int accept_rc;
};

static void export_keys(void *p, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t len,
                        const unsigned char client_random[32], const unsigned char server_random[32],
                        mbedtls_tls_prf_types prf)
{
    struct raw_peer *r = p;

    if (type == MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET && len == 48) {
        memcpy(r->master, secret, 48);
        memcpy(r->c_random, client_random, 32);
        memcpy(r->s_random, server_random, 32);
        r->prf = prf;
    } else if (type == MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET && len <= 48) {
        memcpy(r->c_secret, secret, len);
        r->secret_len = len;
    } else if (type == MBEDTLS_SSL_KEY_EXPORT_TLS1_3_SERVER_APPLICATION_TRAFFIC_SECRET && len <= 48) {
        memcpy(r->s_secret, secret, len);
    }
}

static int fd_send(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
    return n >= 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int fd_recv(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t n = recv(*(int *)ctx, buf, len, 0);
    return n >= 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static void *server_accept(void *arg)
{
    struct raw_peer *r = arg;

    r->accept_rc = ktla_accept(r->conn);
    return NULL;
}

/*
 * A connection whose server end is a ktla connection with its record layer
 * in the kernel (no tickets: nothing is sent after the handshake), and whose
 * client end the test drives by hand.  0 or -1 (asserted).
 */
static int raw_open(struct raw_peer *r, int suite, int server_nonblocking)
{
    enum ktla_cipher cipher;
    struct mbed_client cli;
    pthread_t t;
    int crc;

    memset(r, 0, sizeof *r);
    r->suite = suite;
    CU_ASSERT_EQUAL_FATAL(ktla__suite_to_kernel(suite, &r->version, &cipher, &r->md), 0);
    r->cfg = fixture_config("ecdsa-p256");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->cfg);
    CU_ASSERT_EQUAL_FATAL(ktla_config_set_tickets(r->cfg, 0, 0), 0);
    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&r->cfd, &r->sfd), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(r->cfg, &r->conn), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_set_fd(r->conn, r->sfd), 0);
    CU_ASSERT_EQUAL_FATAL(mbed_client_init(&cli, r->version, suite, NULL, NULL), 0);
    mbedtls_ssl_set_export_keys_cb(&cli.ssl, export_keys, r);
    mbedtls_ssl_set_bio(&cli.ssl, &r->cfd, fd_send, fd_recv, NULL);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, server_accept, r), 0);
    crc = mbedtls_ssl_handshake(&cli.ssl);
    pthread_join(t, NULL);
    mbed_client_free(&cli);
    CU_ASSERT_EQUAL(crc, 0);
    CU_ASSERT_EQUAL(r->accept_rc, 1);
    CU_ASSERT_EQUAL(ktla_get_offload(r->conn, KTLA_DIR_RX), KTLA_OFFLOAD_KERNEL);
    if (crc != 0 || r->accept_rc != 1 || ktla_get_offload(r->conn, KTLA_DIR_RX) != KTLA_OFFLOAD_KERNEL) {
        printf("\n    set-up failed: client %d, accept %d: %s", crc, r->accept_rc, ktla_get_reason(r->conn));
        return -1;
    }
    if (r->version == KTLA_TLS_1_3) {
        CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(cipher, r->md, r->c_secret, r->secret_len, 0, &r->c2s), 0);
        CU_ASSERT_EQUAL(ktla__tls13_traffic_keys(cipher, r->md, r->s_secret, r->secret_len, 0, &r->s2c), 0);
    } else {
        /* record 0 each way was the Finished message */
        CU_ASSERT_EQUAL(ktla__tls12_traffic_keys(cipher, r->prf, r->master, r->c_random, r->s_random, 1, 1, &r->c2s,
                                                 &r->s2c),
                        0);
    }
    if (server_nonblocking)
        fcntl(r->sfd, F_SETFL, fcntl(r->sfd, F_GETFL) | O_NONBLOCK);
    /* a server that wrongly waits for more (as one that took a bad record for a good one would) must not hang the suite */
    setsockopt(r->sfd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){.tv_sec = 5}, sizeof(struct timeval));
    return 0;
}

static void raw_close(struct raw_peer *r)
{
    ktla_conn_free(r->conn);
    ktla_config_free(r->cfg);
    close(r->sfd);
    close(r->cfd);
}

/* The client sends one record of `type` (TLS 1.3: the inner type) under its current key. */
static void raw_send(struct raw_peer *r, unsigned char type, const void *pt, size_t len)
{
    unsigned char rec[512];
    long n = test_record_seal(&r->c2s, type, pt, len, rec, sizeof rec);

    CU_ASSERT_FATAL(n > 0);
    r->c2s.seq++;
    CU_ASSERT_EQUAL(test_write_full(r->cfd, rec, (unsigned long)n), 0);
}

/*
 * The client reads and opens the server's next record (waiting at most
 * timeout_ms).  Returns the plaintext length, -1 on timeout or EOF, -2 if
 * it does not open with the client's current key.
 */
static long raw_recv(struct raw_peer *r, unsigned char *type, unsigned char *out, size_t size, int timeout_ms)
{
    static unsigned char rec[TEST_RECORD_HEADER + TLS_MAX_PLAINTEXT_LEN + 256];
    struct pollfd p = {.fd = r->cfd, .events = POLLIN};
    size_t body;
    long n;

    if (poll(&p, 1, timeout_ms) != 1 || test_read_full(r->cfd, rec, TEST_RECORD_HEADER) != 0)
        return -1;
    body = test_record_body_len(rec);
    if (TEST_RECORD_HEADER + body > sizeof rec || test_read_full(r->cfd, rec + TEST_RECORD_HEADER, body) != 0)
        return -1;
    n = test_record_open(&r->s2c, rec, TEST_RECORD_HEADER + body, out, size, type);
    if (n < 0)
        return -2;
    r->s2c.seq++;
    return n;
}

/* Move one direction to its next TLS 1.3 traffic secret (RFC 8446 7.2), as the client sees it. */
static void raw_rekey(struct raw_peer *r, unsigned char *secret, struct ktla__traffic_keys *keys)
{
    unsigned char next[48];

    CU_ASSERT_EQUAL_FATAL(ktla__hkdf_expand_label(r->md, secret, r->secret_len, "traffic upd", NULL, 0, next,
                                                  r->secret_len),
                          0);
    memcpy(secret, next, r->secret_len);
    CU_ASSERT_EQUAL_FATAL(ktla__tls13_traffic_keys(keys->cipher, r->md, secret, r->secret_len, 0, keys), 0);
}

/*
 * ktla_read() on the server, retried while it wants to read (its socket may
 * be non-blocking, and readable before a whole record is in) for at most 5
 * s.  *longest_ms, when not NULL, gets the longest any one call took: a
 * non-blocking call must never wait.
 */
static long server_read_timed(struct raw_peer *r, void *buf, size_t len, long *longest_ms)
{
    long n = -1, deadline = now_ms() + 5000;

    if (longest_ms)
        *longest_ms = 0;
    do {
        struct pollfd p = {.fd = r->sfd, .events = POLLIN};
        long t0;

        poll(&p, 1, 100);
        t0 = now_ms();
        n = ktla_read(r->conn, buf, len);
        if (longest_ms && now_ms() - t0 > *longest_ms)
            *longest_ms = now_ms() - t0;
    } while (n < 0 && ktla_get_error(r->conn, n) == KTLA_ERROR_WANT_READ && now_ms() < deadline);
    return n;
}

static long server_read(struct raw_peer *r, void *buf, size_t len)
{
    return server_read_timed(r, buf, len, NULL);
}

/* ---------------------------------------------------------------- alerts on the wire */

/* The server's ktla_read must fail with `alert`, and the client must read that alert, fatal. */
static void expect_alert(struct raw_peer *r, long n, int alert, const char *what)
{
    unsigned char type = 0, body[64];
    long m;

    printf("\n    %s: read %ld, alert %d: %s", what, n, ktla_get_alert(r->conn), ktla_get_reason(r->conn));
    CU_ASSERT_EQUAL(n, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r->conn, n), KTLA_ERROR_TLS);
    CU_ASSERT_EQUAL(ktla_get_alert(r->conn), alert);
    m = raw_recv(r, &type, body, sizeof body, 5000);
    CU_ASSERT_EQUAL(m, TLS_ALERT_LEN);
    CU_ASSERT_EQUAL(type, TLS_CT_ALERT);
    CU_ASSERT(m == TLS_ALERT_LEN && body[0] == TLS_ALERT_LEVEL_FATAL && body[1] == alert);
    if (m != TLS_ALERT_LEN || type != TLS_CT_ALERT || body[1] != alert)
        printf("\n    on the wire: %ld bytes of type %u (%u %u), expected the fatal alert %d", m, type,
               m >= 1 ? body[0] : 0, m >= 2 ? body[1] : 0, alert);
}

static void test_key_update_request_not_0_or_1(void)
{
    static const unsigned char bad[TLS_KEY_UPDATE_LEN] = {KEY_UPDATE_BYTES(2)}; /* neither 0 nor 1 */
    struct raw_peer r;
    char buf[64];

    if (raw_open(&r, 0x1301, 0) == 0) {
        raw_send(&r, TLS_CT_HANDSHAKE, bad, sizeof bad);
        expect_alert(&r, server_read(&r, buf, sizeof buf), TLS_ALERT_ILLEGAL_PARAMETER, "request_update 2");
    }
    raw_close(&r);
}

static void test_key_update_split_around_data(void)
{
    static const unsigned char first[2] = {TLS_HS_KEY_UPDATE, 0}, rest[3] = {0, TLS_KEY_UPDATE_BODY_LEN, 0};
    struct raw_peer r;
    char buf[64];

    if (raw_open(&r, 0x1301, 0) == 0) {
        raw_send(&r, TLS_CT_HANDSHAKE, first, sizeof first);
        raw_send(&r, TLS_CT_APPLICATION_DATA, "between", 7);
        raw_send(&r, TLS_CT_HANDSHAKE, rest, sizeof rest);
        expect_alert(&r, server_read(&r, buf, sizeof buf), TLS_ALERT_UNEXPECTED_MESSAGE, "KeyUpdate split around data");
    }
    raw_close(&r);
}

/* A KeyUpdate and then the start of another handshake message, in one record; read with a big and a 5-byte buffer. */
static void test_key_update_not_ending_its_record(void)
{
    static const unsigned char two[2 * TLS_KEY_UPDATE_LEN] = {KEY_UPDATE_BYTES(TLS_KEY_UPDATE_NOT_REQUESTED),
                                                              KEY_UPDATE_BYTES(TLS_KEY_UPDATE_NOT_REQUESTED)};

    for (int small = 0; small < 2; small++) {
        struct raw_peer r;
        char buf[64];

        if (raw_open(&r, 0x1301, 0) == 0) {
            raw_send(&r, TLS_CT_HANDSHAKE, two, sizeof two);
            expect_alert(&r, server_read(&r, buf, small ? 5 : sizeof buf), TLS_ALERT_UNEXPECTED_MESSAGE,
                         small ? "KeyUpdate + more bytes, read 5 bytes at a time" : "KeyUpdate + more bytes");
        }
        raw_close(&r);
    }
}

/* A heartbeat-type record (24) after the handshake, in TLS 1.3 (inner type) and TLS 1.2 (record type). */
static void test_unknown_record_type(void)
{
    static const int suites[] = {0x1301, 0xC02B};

    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        struct raw_peer r;
        char buf[64];

        if (raw_open(&r, suites[i], 0) == 0) {
            raw_send(&r, TLS_CT_HEARTBEAT, "\x01\x00\x00", 3);
            expect_alert(&r, server_read(&r, buf, sizeof buf), TLS_ALERT_UNEXPECTED_MESSAGE,
                         suites[i] == 0x1301 ? "record type 24, TLS 1.3" : "record type 24, TLS 1.2");
        }
        raw_close(&r);
    }
}

/* ---------------------------------------------------------------- KeyUpdate on a full send buffer */

enum flush_by { BY_WRITE, BY_SENDFILE, BY_READ };
static const char *const flush_name[] = {"ktla_write", "ktla_sendfile", "ktla_read"};

/* Fill the server's send buffer (the client reads nothing); returns the bytes the server wrote. */
static unsigned long long fill_send_buffer(struct raw_peer *r)
{
    static char chunk[16384];
    unsigned long long total = 0;
    long n;

    memset(chunk, 'f', sizeof chunk);
    while ((n = ktla_write(r->conn, chunk, sizeof chunk)) > 0)
        total += (unsigned long long)n;
    CU_ASSERT_EQUAL(ktla_get_error(r->conn, n), KTLA_ERROR_WANT_WRITE);
    return total;
}

/* The client reads `total` bytes of application data under the server's current key. */
static int drain(struct raw_peer *r, unsigned long long total)
{
    static unsigned char body[TLS_MAX_PLAINTEXT_LEN + 256];
    unsigned char type;

    while (total > 0) {
        long n = raw_recv(r, &type, body, sizeof body, 5000);
        if (n <= 0 || type != TLS_CT_APPLICATION_DATA)
            return -1;
        total -= (unsigned long long)n < total ? (unsigned long long)n : total;
    }
    return 0;
}

/* The server's call that must send the owed KeyUpdate first; returns what it returned. */
static long flush_call(struct raw_peer *r, enum flush_by how, char *buf, size_t len)
{
    static const char after[] = "after the KeyUpdate";
    char path[] = "/tmp/ktla-keyupdate-file-XXXXXX";
    long long off = 0;
    long n;
    int fd;

    switch (how) {
    case BY_WRITE:
        return ktla_write(r->conn, after, sizeof after - 1);
    case BY_SENDFILE:
        fd = mkstemp(path);
        CU_ASSERT_FATAL(fd >= 0 && write(fd, after, sizeof after - 1) == (ssize_t)(sizeof after - 1));
        unlink(path);
        n = ktla_sendfile(r->conn, fd, &off, sizeof after - 1);
        close(fd);
        return n;
    default:
        return server_read(r, buf, len);
    }
}

static void key_update_on_full_buffer(enum flush_by how)
{
    static const unsigned char key_update_requested[TLS_KEY_UPDATE_LEN] = {KEY_UPDATE_BYTES(TLS_KEY_UPDATE_REQUESTED)};
    static const unsigned char key_update_not_requested[TLS_KEY_UPDATE_LEN] = {
        KEY_UPDATE_BYTES(TLS_KEY_UPDATE_NOT_REQUESTED)};
    struct raw_peer r;
    unsigned char type, body[256];
    unsigned long long sent;
    char buf[256];
    long n, ms = -1;

    if (raw_open(&r, 0x1301, 1) != 0) {
        raw_close(&r);
        return;
    }
    /* small buffers: the point is a full send buffer, not megabytes queued */
    setsockopt(r.sfd, SOL_SOCKET, SO_SNDBUF, &(int){32768}, sizeof(int));
    setsockopt(r.cfd, SOL_SOCKET, SO_RCVBUF, &(int){32768}, sizeof(int));
    /*
     * The KeyUpdate goes first, while the server reads nothing; then the
     * server fills its send buffer.  (Sent after the fill, the record was at
     * times never handed to the server's recvmsg on Linux 7.3: TCP had taken
     * it in, but kTLS returned EAGAIN for as long as the send side stayed
     * blocked at the client's zero window.  Not ktla's to fix; noted.)
     */
    raw_send(&r, TLS_CT_HANDSHAKE, key_update_requested, sizeof key_update_requested);
    raw_rekey(&r, r.c_secret, &r.c2s); /* the client's own records now go under its next key */
    usleep(100 * 1000);
    sent = fill_send_buffer(&r);
    n = server_read_timed(&r, buf, sizeof buf, &ms);
    printf("\n    %s: %llu bytes unread by the client; ktla_read after its KeyUpdate: %ld, error %d, its longest call %ld ms (%s)",
           flush_name[how], sent, n, ktla_get_error(r.conn, n), ms, ktla_get_reason(r.conn));
    if (!kernel_rekeys()) {
        /* no re-keying before 6.14: a clear error, and at once */
        CU_ASSERT_EQUAL(n, -1);
        CU_ASSERT_EQUAL(ktla_get_error(r.conn, n), KTLA_ERROR_TLS);
        CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(r.conn), "6.14"));
        CU_ASSERT(ms < 1000);
        raw_close(&r);
        return;
    }
    CU_ASSERT_EQUAL(n, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r.conn, n), KTLA_ERROR_WANT_WRITE); /* not a wait, not a failure */
    CU_ASSERT(ms < 1000);
    /* the client catches up; the server's next call sends the KeyUpdate first, under the old key */
    CU_ASSERT_EQUAL_FATAL(drain(&r, sent), 0);
    if (how == BY_READ)
        raw_send(&r, TLS_CT_APPLICATION_DATA, "after the KeyUpdate", 19); /* under the client's new key */
    /* as a caller does after WANT_WRITE: wait until writable, call again */
    for (int tries = 0;; tries++) {
        struct pollfd p = {.fd = r.sfd, .events = POLLOUT};
        poll(&p, 1, 1000);
        n = flush_call(&r, how, buf, sizeof buf);
        if (n >= 0 || ktla_get_error(r.conn, n) != KTLA_ERROR_WANT_WRITE || tries == 5)
            break;
    }
    CU_ASSERT_EQUAL(n, 19);
    if (n != 19)
        printf("\n    %s after draining: %ld: %s", flush_name[how], n, ktla_get_reason(r.conn));
    CU_ASSERT_EQUAL(raw_recv(&r, &type, body, sizeof body, 5000), TLS_KEY_UPDATE_LEN);
    CU_ASSERT(type == TLS_CT_HANDSHAKE && memcmp(body, key_update_not_requested, TLS_KEY_UPDATE_LEN) == 0);
    raw_rekey(&r, r.s_secret, &r.s2c);
    if (how == BY_READ) {
        CU_ASSERT(memcmp(buf, "after the KeyUpdate", 19) == 0);
        CU_ASSERT_EQUAL(ktla_write(r.conn, "under the new key", 17), 17);
        CU_ASSERT_EQUAL(raw_recv(&r, &type, body, sizeof body, 5000), 17); /* opens only with the new key */
    } else {
        CU_ASSERT_EQUAL(raw_recv(&r, &type, body, sizeof body, 5000), 19);
        CU_ASSERT(type == TLS_CT_APPLICATION_DATA && memcmp(body, "after the KeyUpdate", 19) == 0);
    }
    raw_close(&r);
}

static void test_key_update_full_buffer_write(void)
{
    key_update_on_full_buffer(BY_WRITE);
}

static void test_key_update_full_buffer_sendfile(void)
{
    key_update_on_full_buffer(BY_SENDFILE);
}

static void test_key_update_full_buffer_read(void)
{
    key_update_on_full_buffer(BY_READ);
}

static int setup(void)
{
    return test_record_init();
}

/*
 * ktla_pending() on kTLS: 0 after a short read, while the rest of the record
 * waits in the kernel, keeps the socket readable and comes with the next
 * read.  FIONREAD is printed beside it, as evidence for ktla_read(3): it is
 * TCP's count, not the plaintext waiting.
 */
static void test_pending_after_short_read(void)
{
    static const char data[100] = "the rest of this record stays in the kernel";
    struct raw_peer r;
    struct pollfd p;
    char buf[sizeof data];
    int before = -1, after = -1;

    if (raw_open(&r, 0x1301, 0) == 0) {
        raw_send(&r, TLS_CT_APPLICATION_DATA, data, sizeof data);
        p = (struct pollfd){.fd = r.sfd, .events = POLLIN};
        CU_ASSERT_EQUAL(poll(&p, 1, 5000), 1);
        ioctl(r.sfd, FIONREAD, &before);
        CU_ASSERT_EQUAL(ktla_read(r.conn, buf, 10), 10);
        CU_ASSERT_EQUAL(ktla_pending(r.conn), 0);
        ioctl(r.sfd, FIONREAD, &after);
        p.revents = 0;
        CU_ASSERT_EQUAL(poll(&p, 1, 0), 1); /* what the kernel keeps makes the socket readable */
        CU_ASSERT_EQUAL(ktla_read(r.conn, buf, sizeof buf), (long)sizeof data - 10);
        printf("\n    FIONREAD %d before reading (the sealed record is %zu bytes), %d after reading 10 of %zu; "
               "ktla_pending() %zu",
               before, TEST_RECORD_HEADER + sizeof data + 1 + 16, after, sizeof data, ktla_pending(r.conn));
    }
    raw_close(&r);
}

int add_kernel_records_suite(void)
{
    CU_pSuite s = CU_add_suite("vm: records from a raw peer, record layer in the kernel", setup, NULL);
    return s && CU_add_test(s, "KeyUpdate request_update 2: illegal_parameter", test_key_update_request_not_0_or_1) &&
                   CU_add_test(s, "KeyUpdate split around application data: unexpected_message",
                               test_key_update_split_around_data) &&
                   CU_add_test(s, "KeyUpdate not ending its record: unexpected_message",
                               test_key_update_not_ending_its_record) &&
                   CU_add_test(s, "record type 24 after the handshake: unexpected_message", test_unknown_record_type) &&
                   CU_add_test(s, "KeyUpdate on a full send buffer, non-blocking: WANT_WRITE, then ktla_write",
                               test_key_update_full_buffer_write) &&
                   CU_add_test(s, "KeyUpdate on a full send buffer, non-blocking: WANT_WRITE, then ktla_sendfile",
                               test_key_update_full_buffer_sendfile) &&
                   CU_add_test(s, "KeyUpdate on a full send buffer, non-blocking: WANT_WRITE, then ktla_read",
                               test_key_update_full_buffer_read) &&
                   CU_add_test(s, "ktla_pending after a short read: 0, the rest stays in the kernel",
                               test_pending_after_short_read)
               ? 0
               : -1;
}
