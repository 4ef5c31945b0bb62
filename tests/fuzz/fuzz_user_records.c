/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_user_records.c - ktla's user-space record engine (lib/record/) as
 * the peer's bytes reach it: records the fuzzer describes, sealed by the
 * independent record code (tests/common/tls_record.c) so that they pass
 * the tag and reach the parsers behind it (inner content type, padding,
 * alerts, KeyUpdate, any other type), records with a byte flipped, and raw
 * bytes (headers of any length, garbage); delivered through caller I/O in
 * pieces of 1, 3, 17 bytes or whole, with "would block" between.
 *
 * Input: one byte choosing the suite, one byte of behaviour (bits 0-1: the
 * receive piece size; bit 2: every other send would block; bits 3-6: the
 * reader's buffer size), then entries: a byte k and
 * - k < 0x80: a record of content type k, a 2-byte length (mod 2^14 + 1)
 *   and that many plaintext bytes, and (TLS 1.3) a byte of padding length
 *   (mod 4); a KeyUpdate in it moves the peer to its next key, as a real
 *   peer would; in TLS 1.3 a type of 0 leaves the real type to the last
 *   non-zero byte of the content, as RFC 8446 5.4 reads the inner plaintext;
 * - 0x80 <= k < 0xf0: the same record with one byte flipped (a 2-byte
 *   offset follows);
 * - k >= 0xf0: a 2-byte length and that many raw bytes.
 *
 * Oracles: ktla_read returns only the plaintext of the intact data records,
 * in order (a prefix of it); every record ktla sends opens under the
 * server's keys with the next sequence number (no nonce used twice, the
 * keys moved on only after ktla's own KeyUpdate); a failure is sticky and
 * lets nothing more out; ktla_pending never exceeds what a record holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake/conn_internal.h"
#include "fixture.h"
#include "fuzz.h"
#include "keys/keys.h"
#include "tls_record.h"

#define STREAM_MAX (1 << 18)

static ktla_config *cfg;

struct io {
    unsigned char *in; /* what the peer sent */
    size_t in_len, in_off, piece;
    unsigned char out[1 << 16]; /* what ktla sent, not yet opened */
    size_t out_len;
    int would_block, calls;
    size_t sent_total;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cfg = fixture_config("ecdsa-p256");
    if (cfg == NULL || ktla_config_set_offload(cfg, KTLA_OFFLOAD_POLICY_NEVER) != 0 || test_record_init() != 0)
        abort();
    return 0;
}

static long io_recv(void *arg, unsigned char *buf, size_t len)
{
    struct io *io = arg;
    size_t n = len < io->piece ? len : io->piece;

    if (io->calls++ % 3 == 1)
        return KTLA_IO_WANT_READ;
    if (n > io->in_len - io->in_off)
        n = io->in_len - io->in_off;
    memcpy(buf, io->in + io->in_off, n);
    io->in_off += n;
    return (long)n; /* 0 at the end: the peer closed TCP */
}

static long io_send(void *arg, const unsigned char *buf, size_t len)
{
    struct io *io = arg;

    if (io->would_block && io->calls++ % 2 == 0)
        return KTLA_IO_WANT_WRITE;
    if (len > 7)
        len = 7; /* records leave in pieces */
    if (len > sizeof io->out - io->out_len)
        abort(); /* the harness opens what ktla sent after every call */
    memcpy(io->out + io->out_len, buf, len);
    io->out_len += len;
    io->sent_total += len;
    return (long)len;
}

/* Keys of one direction after a KeyUpdate: the library's derivation (checked against independent code in ktla-unit). */
static void next_keys(mbedtls_md_type_t md, unsigned char *secret, size_t len, struct ktla__traffic_keys *k)
{
    unsigned char next[48];

    if (ktla__hkdf_expand_label(md, secret, len, "traffic upd", NULL, 0, next, len) != 0)
        abort();
    memcpy(secret, next, len);
    if (ktla__tls13_traffic_keys(k->cipher, md, secret, len, 0, k) != 0)
        abort();
}

struct peer {
    struct ktla__traffic_keys rx, tx; /* the client's write keys (it seals) and the server's (it opens) */
    unsigned char rx_secret[48], tx_secret[48];
    size_t secret_len;
    mbedtls_md_type_t md;
    unsigned char *app; /* the intact data records' plaintext, in order */
    size_t app_len;
};

/* Open every whole record ktla sent so far; the peer's TX-side keys follow ktla's KeyUpdate. */
static void open_sent(struct peer *p, struct io *io)
{
    static unsigned char pt[16384 + 256];
    size_t off = 0;

    while (io->out_len - off >= TEST_RECORD_HEADER) {
        size_t rec_len = TEST_RECORD_HEADER + ((size_t)io->out[off + 3] << 8 | io->out[off + 4]);
        unsigned char type = 0;
        long n;

        if (io->out_len - off < rec_len)
            break;
        n = test_record_open(&p->tx, io->out + off, rec_len, pt, sizeof pt, &type);
        if (n < 0)
            abort(); /* ktla sent a record its own keys do not open: wrong key or a nonce out of step */
        p->tx.seq++;
        if (type == 22 && n == 5 && pt[0] == 24)
            next_keys(p->md, p->tx_secret, p->secret_len, &p->tx);
        off += rec_len;
    }
    memmove(io->out, io->out + off, io->out_len - off);
    io->out_len -= off;
}

static int append(struct io *io, const unsigned char *b, size_t n)
{
    if (n > STREAM_MAX - io->in_len)
        return -1;
    memcpy(io->in + io->in_len, b, n);
    io->in_len += n;
    return 0;
}

/* The peer's byte stream from the input. */
static void build_stream(struct fuzz_in *in, struct peer *p, struct io *io)
{
    static unsigned char pt[16384 + 8], rec[16384 + 64];
    int tls13 = p->rx.version == KTLA_TLS_1_3;

    while (in->left > 0) {
        uint8_t k = fuzz_u8(in);
        size_t len, got, pad;
        const uint8_t *b;
        uint8_t type;
        long n;

        if (k >= 0xf0) {
            b = fuzz_bytes(in, fuzz_u16(in), &got);
            if (append(io, b, got) != 0)
                return;
            continue;
        }
        len = fuzz_u16(in) % (16384 + 1);
        b = fuzz_bytes(in, len, &got);
        memcpy(pt, b, got);
        pad = tls13 ? fuzz_u8(in) % 4 : 0;
        if (pad > 0 && got + pad <= 16384) { /* content, type, zeros: sealed with a last "type" of 0 */
            pt[got] = (unsigned char)(k & 0x7f);
            memset(pt + got + 1, 0, pad - 1);
            n = test_record_seal(&p->rx, 0, pt, got + pad, rec, sizeof rec);
        } else {
            n = test_record_seal(&p->rx, (unsigned char)(k & 0x7f), pt, got, rec, sizeof rec);
        }
        if (n <= 0)
            continue;
        p->rx.seq++;
        if (k >= 0x80) {
            rec[fuzz_u16(in) % (size_t)n] ^= 0x20;
            append(io, rec, (size_t)n);
            return; /* nothing after a record that cannot open is ever read */
        }
        if (append(io, rec, (size_t)n) != 0)
            return;
        type = k & 0x7f;
        if (tls13 && type == 0) { /* RFC 8446 5.4: the type is the last non-zero byte, the content what precedes it */
            while (got > 0 && pt[got - 1] == 0)
                got--;
            if (got == 0)
                return; /* no type at all: unexpected_message, nothing after it is read */
            type = pt[--got];
        }
        if (type == 23) {
            memcpy(p->app + p->app_len, pt, got);
            p->app_len += got;
        }
        if (tls13 && type == 22 && got == 5 && pt[0] == 24 && pt[1] == 0 && pt[2] == 0 && pt[3] == 1)
            next_keys(p->md, p->rx_secret, p->secret_len, &p->rx);
    }
}

static void fill_tls12(struct ktla__traffic_keys *k, enum ktla_cipher c, unsigned char salt)
{
    memset(k, 0, sizeof *k);
    k->version = KTLA_TLS_1_2;
    k->cipher = c;
    memset(k->key, salt, sizeof k->key);
    memset(k->iv, salt ^ 0xff, sizeof k->iv);
    k->seq = 1;
}

/* A connection as the hand-off leaves it in user space, and the peer's keys to match. */
static ktla_conn *established(uint8_t choice, struct io *io, struct peer *p)
{
    size_t n_suites = 0;
    enum ktla_tls_version v;
    enum ktla_cipher c;
    ktla_conn *conn = NULL;
    int suite;

    while (ktla__kernel_ciphersuites[n_suites])
        n_suites++;
    suite = ktla__kernel_ciphersuites[choice % n_suites];
    if (ktla_conn_new(cfg, &conn) != 0 || ktla_set_io(conn, io_recv, io_send, io) != 0 ||
        ktla__suite_to_kernel(suite, &v, &c, &p->md) != 0)
        abort();
    conn->suite = (uint16_t)suite;
    conn->version = v;
    conn->cipher = c;
    p->secret_len = p->md == MBEDTLS_MD_SHA384 ? 48 : 32;
    memset(p->rx_secret, 0x11, sizeof p->rx_secret);
    memset(p->tx_secret, 0x22, sizeof p->tx_secret);
    if (v == KTLA_TLS_1_3) {
        conn->rec.rekey = calloc(1, sizeof *conn->rec.rekey);
        if (conn->rec.rekey == NULL ||
            ktla__tls13_traffic_keys(c, p->md, p->rx_secret, p->secret_len, 0, &p->rx) != 0 ||
            ktla__tls13_traffic_keys(c, p->md, p->tx_secret, p->secret_len, 0, &p->tx) != 0)
            abort();
        conn->rec.rekey->secret_len = (uint8_t)p->secret_len;
        conn->rec.rekey->hash = (uint8_t)p->md;
        memcpy(conn->rec.rekey->rx_secret, p->rx_secret, sizeof p->rx_secret);
        memcpy(conn->rec.rekey->tx_secret, p->tx_secret, sizeof p->tx_secret);
    } else {
        fill_tls12(&p->rx, c, 0x41);
        fill_tls12(&p->tx, c, 0x42);
    }
    if (ktla__conn_start_records(conn, &p->tx, &p->rx, 16384) != 1)
        abort();
    return conn;
}

/* A write repeated after WANT_WRITE, as the contract asks: its count, or -1. */
static long write_all_retries(ktla_conn *conn, const unsigned char *b, size_t len)
{
    long w = -1;

    for (int i = 0; i < 64; i++) {
        w = ktla_write(conn, b, len);
        if (w >= 0 || ktla_get_error(conn, w) != KTLA_ERROR_WANT_WRITE)
            break;
    }
    return w;
}

/* Once failed, nothing more gets out, and every call keeps failing. */
static void check_dead(ktla_conn *conn, struct io *io)
{
    unsigned char b[16];
    size_t sent = io->sent_total;

    if (ktla_read(conn, b, sizeof b) != -1 || ktla_write(conn, "secret", 6) != -1 || ktla_shutdown(conn) != -1)
        abort();
    if (io->sent_total != sent || ktla_pending(conn) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t pieces[4] = {1, 3, 17, 1 << 20};
    static const size_t buf_sizes[16] = {1, 2, 3, 4, 5, 7, 8, 16, 64, 100, 512, 4096, 16383, 16384, 16385, 65536};
    static unsigned char buf[65536];
    struct fuzz_in in = {data, size};
    uint8_t suite = fuzz_u8(&in), behaviour = fuzz_u8(&in);
    size_t buf_len = buf_sizes[(behaviour >> 3) & 15], got_len = 0;
    struct io io = {.piece = pieces[behaviour & 3], .would_block = (behaviour >> 2) & 1};
    struct peer p = {.app_len = 0};
    ktla_conn *conn;
    long n = 0;

    io.in = malloc(STREAM_MAX);
    p.app = malloc(STREAM_MAX);
    if (io.in == NULL || p.app == NULL)
        abort();
    conn = established(suite, &io, &p);
    build_stream(&in, &p, &io);
    for (long i = 0; i < 8L * STREAM_MAX; i++) {
        n = ktla_read(conn, buf, buf_len);
        if (ktla_pending(conn) > 16384)
            abort();
        if (n > 0) {
            if ((size_t)n > buf_len || got_len + (size_t)n > p.app_len || memcmp(p.app + got_len, buf, (size_t)n) != 0)
                abort(); /* not the peer's application data, or not in order */
            got_len += (size_t)n;
            /* Answer a little, so that our records interleave with a KeyUpdate we owe. */
            if (write_all_retries(conn, buf, (size_t)n < 100 ? (size_t)n : 100) < 0 && conn->state != KTLA__FAILED)
                abort();
            open_sent(&p, &io);
            continue;
        }
        if (n < 0 && (ktla_get_error(conn, n) == KTLA_ERROR_WANT_READ || ktla_get_error(conn, n) == KTLA_ERROR_WANT_WRITE))
            continue;
        break;
    }
    open_sent(&p, &io);
    if (n == 0) {
        for (int i = 0; i < 64 && ktla_shutdown(conn) != 1; i++)
            if (conn->state == KTLA__FAILED)
                break;
        open_sent(&p, &io);
    } else if (conn->state == KTLA__FAILED) {
        check_dead(conn, &io);
    }
    if (ktla_get_alert(conn) < -1 || ktla_get_alert(conn) > 255)
        abort();
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "suite 0x%04x: %zu of %zu data bytes read; last %ld, alert %d: %s\n", conn->suite, got_len,
                p.app_len, n, ktla_get_alert(conn), ktla_get_reason(conn));
    ktla_conn_free(conn);
    free(io.in);
    free(p.app);
    return 0;
}
