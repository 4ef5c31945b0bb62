/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_user_engine.c - ktla's user-space record engine (lib/record/)
 * against the independent record code of tests/common/tls_record.c, in
 * every suite ktla negotiates: the peer's records are sealed, and ktla's
 * opened, by code that shares nothing with the engine but the key
 * container.
 *
 * - ktla's records are bit for bit those of the independent sealer;
 * - data in, ktla_pending() after a short read, empty data records;
 * - a bad tag: bad_record_mac, and the alert reaches the peer;
 * - TLS 1.3: padding stripped, a padding-only record and a protected
 *   outer type other than application_data: unexpected_message;
 * - a record longer than the version allows: record_overflow;
 * - a sequence number about to wrap ends the connection, nothing sent;
 * - close_notify both ways;
 * - KeyUpdate (TLS 1.3): the peer's, with and without update_requested;
 *   ours answers, and data flows under the next keys; in TLS 1.2 a
 *   handshake message is unexpected_message; a KeyUpdate in two records;
 * - the control-record cases the kernel engine is held to in the VM
 *   (request_update 2, a split KeyUpdate with data between, more bytes
 *   after a KeyUpdate, other handshake messages and content types,
 *   truncated and empty alerts, the peer's fatal alert);
 * - a record received and sent a few bytes at a time over caller I/O that
 *   keeps saying WANT_READ/WANT_WRITE: nothing lost, nothing twice.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "handshake/conn_internal.h"
#include "fixture.h"
#include "keys/keys.h"
#include "suites.h"
#include "tls_record.h"

#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPLICATION_DATA 23
#define ALERT_UNEXPECTED_MESSAGE 10
#define ALERT_BAD_RECORD_MAC 20
#define ALERT_RECORD_OVERFLOW 22

/* One established user-engine connection and its peer's side of the keys. */
struct ue {
    ktla_config *cfg;
    ktla_conn *conn;
    int peer;                      /* the peer's socket, or -1 with caller I/O */
    struct ktla__traffic_keys tx;  /* the server's: the peer opens with these */
    struct ktla__traffic_keys rx;  /* the client's: the peer seals with these */
    mbedtls_md_type_t md;
    int suite;
};

static void fill_keys(struct ktla__traffic_keys *k, enum ktla_tls_version v, enum ktla_cipher c, unsigned char salt,
                      uint64_t seq)
{
    memset(k, 0, sizeof *k);
    k->version = v;
    k->cipher = c;
    for (size_t i = 0; i < sizeof k->key; i++)
        k->key[i] = (unsigned char)(salt + 7 * i);
    for (size_t i = 0; i < sizeof k->iv; i++)
        k->iv[i] = (unsigned char)(salt ^ (0x5a + i));
    k->seq = seq;
}

/* Keys straight into the engine the way the hand-off starts it (policy never: the user engine). */
static int ue_open(struct ue *u, int suite, uint64_t tx_seq, uint64_t rx_seq, ktla_recv_fn r, ktla_send_fn s,
                   void *arg)
{
    static const struct timeval patience = {5, 0};
    enum ktla_tls_version v;
    enum ktla_cipher c;
    int pair[2] = {-1, -1};

    memset(u, 0, sizeof *u);
    u->peer = -1;
    u->suite = suite;
    u->cfg = fixture_config("ecdsa-p256");
    if (u->cfg == NULL || ktla_config_set_offload(u->cfg, KTLA_OFFLOAD_POLICY_NEVER) != 0 ||
        ktla_conn_new(u->cfg, &u->conn) != 0 || ktla__suite_to_kernel(suite, &v, &c, &u->md) != 0)
        return -1;
    if (r) {
        if (ktla_set_io(u->conn, r, s, arg) != 0)
            return -1;
    } else {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0 || ktla_set_fd(u->conn, pair[0]) != 0)
            return -1;
        u->peer = pair[1];
        /* A record ktla never sends fails the test; it never hangs it. */
        setsockopt(u->peer, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
        setsockopt(pair[0], SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    }
    u->conn->suite = (uint16_t)suite;
    u->conn->version = v;
    u->conn->cipher = c;
    if (v == KTLA_TLS_1_3) {
        struct ktla__rekey *rk = calloc(1, sizeof *rk);
        if (rk == NULL)
            return -1;
        rk->secret_len = u->md == MBEDTLS_MD_SHA384 ? 48 : 32;
        rk->hash = (uint8_t)u->md;
        memset(rk->rx_secret, 0x11, sizeof rk->rx_secret);
        memset(rk->tx_secret, 0x22, sizeof rk->tx_secret);
        u->conn->rec.rekey = rk;
        /* The current keys from those secrets, so that a KeyUpdate follows on from them. */
        if (ktla__tls13_traffic_keys(c, u->md, rk->tx_secret, rk->secret_len, tx_seq, &u->tx) != 0 ||
            ktla__tls13_traffic_keys(c, u->md, rk->rx_secret, rk->secret_len, rx_seq, &u->rx) != 0)
            return -1;
    } else {
        fill_keys(&u->tx, v, c, 0x30, tx_seq);
        fill_keys(&u->rx, v, c, 0x90, rx_seq);
    }
    return ktla__conn_start_records(u->conn, &u->tx, &u->rx, 16384) == 1 ? 0 : -1;
}

static void ue_close(struct ue *u)
{
    int fd = u->conn ? u->conn->fd : -1;

    ktla_conn_free(u->conn);
    ktla_config_free(u->cfg);
    if (fd >= 0)
        close(fd);
    if (u->peer >= 0)
        close(u->peer);
}

static int is_tls13(const struct ue *u)
{
    return u->rx.version == KTLA_TLS_1_3;
}

/* The peer seals one record under the client keys and sends it. */
static int peer_send(struct ue *u, unsigned char type, const void *pt, size_t len)
{
    unsigned char rec[16384 + TEST_RECORD_OVERHEAD];
    long n = test_record_seal(&u->rx, type, pt, len, rec, sizeof rec);

    if (n <= 0 || write(u->peer, rec, (size_t)n) != n)
        return -1;
    u->rx.seq++;
    return 0;
}

static int read_full(int fd, unsigned char *buf, size_t len)
{
    size_t have = 0;

    while (have < len) {
        ssize_t n = read(fd, buf + have, len - have);
        if (n <= 0)
            return -1;
        have += (size_t)n;
    }
    return 0;
}

/* The peer reads one record ktla sent (raw into rec) and opens it with the server keys: plaintext length or -1. */
static long peer_recv(struct ue *u, unsigned char *rec, size_t *rec_len, unsigned char *pt, size_t pt_size,
                      unsigned char *type)
{
    size_t body;
    long n;

    if (read_full(u->peer, rec, TEST_RECORD_HEADER) != 0)
        return -1;
    body = (size_t)rec[3] << 8 | rec[4];
    if (read_full(u->peer, rec + TEST_RECORD_HEADER, body) != 0)
        return -1;
    *rec_len = TEST_RECORD_HEADER + body;
    n = test_record_open(&u->tx, rec, *rec_len, pt, pt_size, type);
    if (n >= 0)
        u->tx.seq++;
    return n;
}

/* Nothing more from ktla on the socket, right now. */
static int peer_silent(struct ue *u)
{
    unsigned char b;

    return recv(u->peer, &b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static void expect_peer_alert(struct ue *u, int level, int description)
{
    static unsigned char rec[16384 + 64], pt[16384 + 64];
    unsigned char type = 0;
    size_t rec_len;
    long n = peer_recv(u, rec, &rec_len, pt, sizeof pt, &type);

    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(type, CT_ALERT);
    CU_ASSERT(n == 2 && pt[0] == level && pt[1] == description);
}

#define FOR_EVERY_SUITE(i) for (size_t i = 0; ktla__kernel_ciphersuites[i]; i++)

static void test_records_match_independent_sealer(void)
{
    static unsigned char big[20000], rec[16384 + 64], want[16384 + 64], pt[16384 + 64];

    memset(big, 'b', sizeof big);
    FOR_EVERY_SUITE(i)
    {
        struct ue u;
        struct ktla__traffic_keys at;
        unsigned char type = 0;
        size_t rec_len = 0;
        long n, w;

        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 5, 3, NULL, NULL, NULL), 0);
        CU_ASSERT_EQUAL(ktla_get_offload(u.conn, KTLA_DIR_TX), KTLA_OFFLOAD_USER);
        at = u.tx;
        CU_ASSERT_EQUAL(ktla_write(u.conn, "hello, peer", 11), 11);
        n = peer_recv(&u, rec, &rec_len, pt, sizeof pt, &type);
        CU_ASSERT(n == 11 && type == CT_APPLICATION_DATA && memcmp(pt, "hello, peer", 11) == 0);
        w = test_record_seal(&at, CT_APPLICATION_DATA, (const unsigned char *)"hello, peer", 11, want, sizeof want);
        CU_ASSERT(w > 0 && (size_t)w == rec_len && memcmp(want, rec, rec_len) == 0); /* bit for bit */
        /* More than a record's worth: one full record per call, as mbedTLS's write did. */
        CU_ASSERT_EQUAL(ktla_write(u.conn, big, sizeof big), 16384);
        n = peer_recv(&u, rec, &rec_len, pt, sizeof pt, &type);
        CU_ASSERT(n == 16384 && memcmp(pt, big, 16384) == 0);
        if (n != 11 && n != 16384)
            printf("\n    suite 0x%04x: the peer could not open ktla's record", (unsigned)u.suite);
        ue_close(&u);
    }
}

static void test_reads_and_pending(void)
{
    unsigned char data[100], buf[200];

    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)i;
    FOR_EVERY_SUITE(i)
    {
        struct ue u;

        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, 1, NULL, NULL, NULL), 0);
        CU_ASSERT_EQUAL(peer_send(&u, CT_APPLICATION_DATA, "", 0), 0); /* empty: allowed, nothing returned */
        CU_ASSERT_EQUAL(peer_send(&u, CT_APPLICATION_DATA, data, sizeof data), 0);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, 10), 10);
        CU_ASSERT_EQUAL(ktla_pending(u.conn), 90);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf + 10, sizeof buf), 90);
        CU_ASSERT_EQUAL(ktla_pending(u.conn), 0);
        CU_ASSERT_EQUAL(memcmp(buf, data, sizeof data), 0);
        ue_close(&u);
    }
}

static void test_tampered_record(void)
{
    FOR_EVERY_SUITE(i)
    {
        unsigned char rec[64], buf[64];
        struct ue u;
        long n;

        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, 1, NULL, NULL, NULL), 0);
        n = test_record_seal(&u.rx, CT_APPLICATION_DATA, (const unsigned char *)"secret", 6, rec, sizeof rec);
        CU_ASSERT_FATAL(n > 0);
        rec[n - 1] ^= 1; /* the tag */
        CU_ASSERT_EQUAL(write(u.peer, rec, (size_t)n), n);
        memset(buf, 0, sizeof buf);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), -1);
        CU_ASSERT_EQUAL(ktla_get_error(u.conn, -1), KTLA_ERROR_TLS);
        CU_ASSERT_EQUAL(ktla_get_alert(u.conn), ALERT_BAD_RECORD_MAC);
        CU_ASSERT(memmem(buf, sizeof buf, "secret", 6) == NULL); /* nothing released */
        expect_peer_alert(&u, 2, ALERT_BAD_RECORD_MAC);
        /* Dead: no more data goes out. */
        CU_ASSERT_EQUAL(ktla_write(u.conn, "x", 1), -1);
        CU_ASSERT(peer_silent(&u));
        ue_close(&u);
    }
}

/* A TLS 1.3 record whose inner plaintext is given whole (content, type, padding). */
static int peer_send_inner(struct ue *u, const unsigned char *inner, size_t len)
{
    /* test_record_seal appends the type: seal all but the last byte with the last as the type. */
    return peer_send(u, inner[len - 1], inner, len - 1);
}

static void test_tls13_inner_plaintext(void)
{
    FOR_EVERY_SUITE(i)
    {
        static const unsigned char padded[] = {'h', 'i', CT_APPLICATION_DATA, 0, 0, 0, 0};
        static const unsigned char only_padding[] = {0, 0, 0, 0};
        unsigned char buf[16], rec[64];
        struct ue u;
        long n;

        if (ktla__kernel_ciphersuites[i] >= 0x1400) /* TLS 1.2 */
            continue;
        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, 1, NULL, NULL, NULL), 0);
        /* type 0 with zeros before: test_record_seal puts a 0 type last, i.e. all padding */
        CU_ASSERT_EQUAL(peer_send_inner(&u, padded, sizeof padded), 0);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), 2);
        CU_ASSERT_EQUAL(memcmp(buf, "hi", 2), 0);
        CU_ASSERT_EQUAL(peer_send_inner(&u, only_padding, sizeof only_padding), 0);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), -1);
        CU_ASSERT_EQUAL(ktla_get_alert(u.conn), ALERT_UNEXPECTED_MESSAGE);
        expect_peer_alert(&u, 2, ALERT_UNEXPECTED_MESSAGE);
        ue_close(&u);

        /* A protected record whose outer type is not application_data. */
        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, 1, NULL, NULL, NULL), 0);
        n = test_record_seal(&u.rx, CT_APPLICATION_DATA, (const unsigned char *)"hi", 2, rec, sizeof rec);
        CU_ASSERT_FATAL(n > 0);
        rec[0] = CT_HANDSHAKE;
        CU_ASSERT_EQUAL(write(u.peer, rec, (size_t)n), n);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), -1);
        CU_ASSERT_EQUAL(ktla_get_alert(u.conn), ALERT_UNEXPECTED_MESSAGE);
        ue_close(&u);
    }
}

static void test_record_overflow(void)
{
    FOR_EVERY_SUITE(i)
    {
        struct ue u;
        unsigned char hdr[5] = {CT_APPLICATION_DATA, 3, 3, 0, 0}, buf[16];
        size_t too_long;

        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, 1, NULL, NULL, NULL), 0);
        too_long = is_tls13(&u) ? 16384 + 256 + 1 : 16384 + 2048 + 1;
        hdr[3] = (unsigned char)(too_long >> 8);
        hdr[4] = (unsigned char)too_long;
        CU_ASSERT_EQUAL(write(u.peer, hdr, sizeof hdr), 5); /* the header alone is enough to refuse */
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), -1);
        CU_ASSERT_EQUAL(ktla_get_alert(u.conn), ALERT_RECORD_OVERFLOW);
        expect_peer_alert(&u, 2, ALERT_RECORD_OVERFLOW);
        ue_close(&u);
    }
}

static void test_sequence_wrap(void)
{
    FOR_EVERY_SUITE(i)
    {
        unsigned char buf[16];
        struct ue u;

        /* Receive: the last number before the wrap is refused, the one before it is fine. */
        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, UINT64_MAX - 1, NULL, NULL, NULL), 0);
        CU_ASSERT_EQUAL(peer_send(&u, CT_APPLICATION_DATA, "a", 1), 0);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), 1);
        CU_ASSERT_EQUAL(peer_send(&u, CT_APPLICATION_DATA, "b", 1), 0);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), -1);
        CU_ASSERT_EQUAL(ktla_get_error(u.conn, -1), KTLA_ERROR_TLS);
        ue_close(&u);

        /* Send: nothing leaves under a nonce that would come round again. */
        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], UINT64_MAX, 1, NULL, NULL, NULL), 0);
        CU_ASSERT_EQUAL(ktla_write(u.conn, "x", 1), -1);
        CU_ASSERT_EQUAL(ktla_get_error(u.conn, -1), KTLA_ERROR_TLS);
        CU_ASSERT_PTR_NOT_NULL(strstr(ktla_get_reason(u.conn), "sequence number"));
        CU_ASSERT(peer_silent(&u));
        ue_close(&u);
    }
}

static void test_close_notify(void)
{
    static const unsigned char close_notify[2] = {1, 0};

    FOR_EVERY_SUITE(i)
    {
        unsigned char buf[16];
        struct ue u;

        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, 1, NULL, NULL, NULL), 0);
        CU_ASSERT_EQUAL(peer_send(&u, CT_ALERT, close_notify, 2), 0);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), 0);
        CU_ASSERT_EQUAL(ktla_get_error(u.conn, 0), KTLA_ERROR_ZERO_RETURN);
        CU_ASSERT_EQUAL(ktla_shutdown(u.conn), 1);
        expect_peer_alert(&u, 1, 0);
        ue_close(&u);
    }
}

/* The next keys of one direction after a KeyUpdate (RFC 8446 7.2), from that direction's current secret. */
static int next_keys(const struct ue *u, unsigned char *secret, struct ktla__traffic_keys *k)
{
    unsigned char next[48];
    size_t len = u->md == MBEDTLS_MD_SHA384 ? 48 : 32;

    if (ktla__hkdf_expand_label(u->md, secret, len, "traffic upd", NULL, 0, next, len) != 0)
        return -1;
    memcpy(secret, next, len);
    return ktla__tls13_traffic_keys(u->rx.cipher, u->md, secret, len, 0, k);
}

static void key_update(int suite, int requested)
{
    unsigned char msg[5] = {24, 0, 0, 1, (unsigned char)requested};
    unsigned char rx_secret[48], tx_secret[48], buf[64], rec[128], pt[128], type = 0;
    size_t rec_len;
    struct ue u;
    long n;

    memset(rx_secret, 0x11, sizeof rx_secret);
    memset(tx_secret, 0x22, sizeof tx_secret);
    CU_ASSERT_EQUAL_FATAL(ue_open(&u, suite, 0, 0, NULL, NULL, NULL), 0);
    CU_ASSERT_EQUAL(peer_send(&u, CT_HANDSHAKE, msg, sizeof msg), 0);
    CU_ASSERT_EQUAL_FATAL(next_keys(&u, rx_secret, &u.rx), 0);
    CU_ASSERT_EQUAL(peer_send(&u, CT_APPLICATION_DATA, "after the update", 16), 0);
    n = ktla_read(u.conn, buf, sizeof buf); /* the application never sees the KeyUpdate */
    CU_ASSERT(n == 16 && memcmp(buf, "after the update", 16) == 0);
    if (n != 16)
        printf("\n    suite 0x%04x: read %ld: %s", (unsigned)suite, n, ktla_get_reason(u.conn));
    if (requested) {
        /* Ours comes first, under the old key. */
        n = peer_recv(&u, rec, &rec_len, pt, sizeof pt, &type);
        CU_ASSERT(n == 5 && type == CT_HANDSHAKE && pt[0] == 24 && pt[3] == 1 && pt[4] == 0);
        CU_ASSERT_EQUAL_FATAL(next_keys(&u, tx_secret, &u.tx), 0);
    }
    CU_ASSERT_EQUAL(ktla_write(u.conn, "reply", 5), 5);
    n = peer_recv(&u, rec, &rec_len, pt, sizeof pt, &type);
    CU_ASSERT(n == 5 && type == CT_APPLICATION_DATA && memcmp(pt, "reply", 5) == 0);
    CU_ASSERT(peer_silent(&u));
    ue_close(&u);
}

static void test_key_update(void)
{
    FOR_EVERY_SUITE(i)
    {
        static const unsigned char msg[5] = {24, 0, 0, 1, 1};
        unsigned char buf[16];
        struct ue u;

        if (ktla__kernel_ciphersuites[i] < 0x1400) {
            key_update(ktla__kernel_ciphersuites[i], 0);
            key_update(ktla__kernel_ciphersuites[i], 1);
            continue;
        }
        /* TLS 1.2 has no KeyUpdate: a handshake message after the handshake is renegotiation. */
        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, 1, NULL, NULL, NULL), 0);
        CU_ASSERT_EQUAL(peer_send(&u, CT_HANDSHAKE, msg, sizeof msg), 0);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), -1);
        CU_ASSERT_EQUAL(ktla_get_alert(u.conn), ALERT_UNEXPECTED_MESSAGE);
        expect_peer_alert(&u, 2, ALERT_UNEXPECTED_MESSAGE);
        ue_close(&u);
    }
}

/*
 * What the peer sends after the handshake, record by record, and the alert
 * that must come back on the wire: the same cases the kernel engine is held
 * to in the VM (tests/vm/test_kernel_records.c), here on the user engine.
 */
struct control_case {
    const char *what;
    int tls13_only;
    struct {
        unsigned char type;
        unsigned char bytes[8];
        size_t len;
    } records[3];
    int alert; /* -1: no alert, the data record that follows is read */
    int peer_alert; /* the alert the peer must receive; -1 none */
};

static const struct control_case control_cases[] = {
    {"KeyUpdate request_update 2: illegal_parameter", 1, {{CT_HANDSHAKE, {24, 0, 0, 1, 2}, 5}}, 47, 47},
    {"KeyUpdate split, data between: unexpected_message", 1,
     {{CT_HANDSHAKE, {24, 0}, 2}, {CT_APPLICATION_DATA, {'x'}, 1}}, ALERT_UNEXPECTED_MESSAGE, ALERT_UNEXPECTED_MESSAGE},
    {"KeyUpdate and more bytes in its record: unexpected_message", 1, {{CT_HANDSHAKE, {24, 0, 0, 1, 0, 24}, 6}},
     ALERT_UNEXPECTED_MESSAGE, ALERT_UNEXPECTED_MESSAGE},
    {"KeyUpdate of length 2: decode_error", 1, {{CT_HANDSHAKE, {24, 0, 0, 2, 0, 0}, 6}}, 50, 50},
    {"NewSessionTicket from a client: unexpected_message", 1, {{CT_HANDSHAKE, {4, 0, 0, 1, 0}, 5}},
     ALERT_UNEXPECTED_MESSAGE, ALERT_UNEXPECTED_MESSAGE},
    {"content type 99: unexpected_message", 0, {{99, {1, 2, 3}, 3}}, ALERT_UNEXPECTED_MESSAGE,
     ALERT_UNEXPECTED_MESSAGE},
    {"change_cipher_spec after the handshake: unexpected_message", 0, {{20, {1}, 1}}, ALERT_UNEXPECTED_MESSAGE,
     ALERT_UNEXPECTED_MESSAGE},
    {"a truncated alert: decode_error", 0, {{CT_ALERT, {2}, 1}}, 50, 50},
    {"an empty alert record: unexpected_message", 0, {{CT_ALERT, {0}, 0}}, ALERT_UNEXPECTED_MESSAGE,
     ALERT_UNEXPECTED_MESSAGE},
    {"the peer's fatal alert: reported, never answered", 0, {{CT_ALERT, {2, 40}, 2}}, 40, -1},
};

static void test_control_records(void)
{
    FOR_EVERY_SUITE(i)
    {
        for (size_t c = 0; c < sizeof control_cases / sizeof control_cases[0]; c++) {
            const struct control_case *cc = &control_cases[c];
            unsigned char buf[16];
            struct ue u;

            if (cc->tls13_only && ktla__kernel_ciphersuites[i] >= 0x1400)
                continue;
            CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, 1, NULL, NULL, NULL), 0);
            for (size_t r = 0; r < 3 && (cc->records[r].type != 0); r++)
                CU_ASSERT_EQUAL(peer_send(&u, cc->records[r].type, cc->records[r].bytes, cc->records[r].len), 0);
            CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), -1);
            CU_ASSERT_EQUAL(ktla_get_error(u.conn, -1), KTLA_ERROR_TLS);
            CU_ASSERT_EQUAL(ktla_get_alert(u.conn), cc->alert);
            if (cc->peer_alert >= 0)
                expect_peer_alert(&u, 2, cc->peer_alert);
            CU_ASSERT(peer_silent(&u));
            if (ktla_get_alert(u.conn) != cc->alert)
                printf("\n    suite 0x%04x, %s: alert %d (%s)", (unsigned)u.suite, cc->what, ktla_get_alert(u.conn),
                       ktla_get_reason(u.conn));
            ue_close(&u);
        }
    }
}

/* A KeyUpdate in two records with nothing between: allowed (RFC 8446 5.1), and applied. */
static void test_key_update_in_two_records(void)
{
    FOR_EVERY_SUITE(i)
    {
        static const unsigned char first[2] = {24, 0}, rest[3] = {0, 1, 0};
        unsigned char rx_secret[48], buf[32];
        struct ue u;

        if (ktla__kernel_ciphersuites[i] >= 0x1400)
            continue;
        memset(rx_secret, 0x11, sizeof rx_secret);
        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 0, 0, NULL, NULL, NULL), 0);
        CU_ASSERT_EQUAL(peer_send(&u, CT_HANDSHAKE, first, sizeof first), 0);
        CU_ASSERT_EQUAL(peer_send(&u, CT_HANDSHAKE, rest, sizeof rest), 0);
        CU_ASSERT_EQUAL_FATAL(next_keys(&u, rx_secret, &u.rx), 0);
        CU_ASSERT_EQUAL(peer_send(&u, CT_APPLICATION_DATA, "new key", 7), 0);
        CU_ASSERT_EQUAL(ktla_read(u.conn, buf, sizeof buf), 7);
        CU_ASSERT_EQUAL(memcmp(buf, "new key", 7), 0);
        ue_close(&u);
    }
}

/* Caller I/O that moves at most 3 bytes a call and says "would block" every other call. */
struct trickle {
    unsigned char in[256], out[256];
    size_t in_len, in_off, out_len;
    unsigned calls, wants;
};

static long trickle_recv(void *arg, unsigned char *buf, size_t len)
{
    struct trickle *t = arg;
    size_t n = len < 3 ? len : 3;

    if (t->calls++ % 2 == 0 || t->in_off == t->in_len) {
        t->wants++;
        return KTLA_IO_WANT_READ;
    }
    if (n > t->in_len - t->in_off)
        n = t->in_len - t->in_off;
    memcpy(buf, t->in + t->in_off, n);
    t->in_off += n;
    return (long)n;
}

static long trickle_send(void *arg, const unsigned char *buf, size_t len)
{
    struct trickle *t = arg;
    size_t n = len < 3 ? len : 3;

    if (t->calls++ % 2 == 0) {
        t->wants++;
        return KTLA_IO_WANT_WRITE;
    }
    if (n > sizeof t->out - t->out_len)
        return KTLA_IO_ERROR;
    memcpy(t->out + t->out_len, buf, n);
    t->out_len += n;
    return (long)n;
}

static void test_partial_records_survive_would_block(void)
{
    FOR_EVERY_SUITE(i)
    {
        struct trickle t = {.in_len = 0};
        unsigned char buf[64], pt[64], type = 0;
        struct ue u;
        long n = -1, sealed;
        int tries = 0;

        CU_ASSERT_EQUAL_FATAL(ue_open(&u, ktla__kernel_ciphersuites[i], 1, 1, trickle_recv, trickle_send, &t), 0);
        sealed = test_record_seal(&u.rx, CT_APPLICATION_DATA, (const unsigned char *)"trickled in", 11, t.in,
                                  sizeof t.in);
        CU_ASSERT_FATAL(sealed > 0);
        t.in_len = (size_t)sealed;
        for (tries = 0; tries < 1000 && n < 0; tries++) {
            n = ktla_read(u.conn, buf, sizeof buf);
            if (n < 0 && ktla_get_error(u.conn, n) != KTLA_ERROR_WANT_READ)
                break;
        }
        CU_ASSERT(n == 11 && memcmp(buf, "trickled in", 11) == 0);
        /* The same write repeated after each WANT_WRITE: one record, reported once. */
        n = -1;
        for (tries = 0; tries < 1000 && n < 0; tries++) {
            n = ktla_write(u.conn, "trickled out", 12);
            if (n < 0 && ktla_get_error(u.conn, n) != KTLA_ERROR_WANT_WRITE)
                break;
        }
        CU_ASSERT_EQUAL(n, 12);
        CU_ASSERT(t.wants > 4);
        n = test_record_open(&u.tx, t.out, t.out_len, pt, sizeof pt, &type);
        CU_ASSERT(n == 12 && memcmp(pt, "trickled out", 12) == 0);
        CU_ASSERT_EQUAL(t.out_len, (size_t)ktla__kernel_ciphersuites[i] < 0x1400 ? 5u + 12 + 1 + 16
                                   : ktla__kernel_ciphersuites[i] == 0xCCA8 || ktla__kernel_ciphersuites[i] == 0xCCA9
                                       ? 5u + 12 + 16
                                       : 5u + 8 + 12 + 16);
        ue_close(&u);
    }
}

int add_user_engine_suite(void)
{
    CU_pSuite s = CU_add_suite("user record engine, against the independent record code", NULL, NULL);

    if (s == NULL || test_record_init() != 0)
        return -1;
    return CU_add_test(s, "records bit for bit those of the independent sealer, every suite",
                       test_records_match_independent_sealer) &&
                   CU_add_test(s, "data in, ktla_pending after a short read, empty records", test_reads_and_pending) &&
                   CU_add_test(s, "tampered tag: bad_record_mac at the peer, nothing released", test_tampered_record) &&
                   CU_add_test(s, "TLS 1.3 padding stripped; padding only, or another outer type: unexpected_message",
                               test_tls13_inner_plaintext) &&
                   CU_add_test(s, "ciphertext over the version's limit: record_overflow", test_record_overflow) &&
                   CU_add_test(s, "a sequence number about to wrap ends the connection", test_sequence_wrap) &&
                   CU_add_test(s, "close_notify both ways", test_close_notify) &&
                   CU_add_test(s, "KeyUpdate with and without update_requested; none in TLS 1.2", test_key_update) &&
                   CU_add_test(s, "a KeyUpdate in two records with nothing between: applied",
                               test_key_update_in_two_records) &&
                   CU_add_test(s, "malformed KeyUpdates, other handshake messages and types, alerts: the RFC's alert",
                               test_control_records) &&
                   CU_add_test(s, "records in pieces across WANT_READ/WANT_WRITE: nothing lost or repeated",
                               test_partial_records_survive_would_block)
               ? 0
               : -1;
}
