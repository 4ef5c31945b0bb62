/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_records.c - what ktla parses itself once the kernel has the record
 * layer: the records recvmsg() hands ktla_read() on a kTLS socket (alerts,
 * KeyUpdate, NewSessionTicket and any other handshake message, unknown
 * content types, records split over several reads, the kernel's errors),
 * played by the staged kernel (tests/common/staged_kernel.h) on a
 * connection established the way the hand-off leaves it.
 *
 * Input: one byte choosing the ciphersuite (so the version, cipher and
 * KeyUpdate hash), one byte of kernel behaviour (bits 0-1: the kernel
 * refuses no key / the new RX key / the new TX key / control sends; bits
 * 2-5: the reader's buffer size), then entries: a content type and a
 * 2-byte length with that many record bytes, or a byte 0xf8..0xff for a
 * recvmsg() failure (EAGAIN, EINTR, EBADMSG, EMSGSIZE, EKEYEXPIRED,
 * ECONNRESET, EIO, ENOMEM).
 *
 * Oracles: ktla_read returns only application-data bytes, in order; a
 * failure is sticky and lets nothing more out (no write, no control
 * record); after close_notify reads keep returning 0; close_notify goes
 * out as the two bytes 1, 0 in an alert record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handshake/conn_internal.h"
#include "fixture.h"
#include "fuzz.h"
#include "keys/keys.h"
#include "staged_kernel.h"
#include "wire/tls_wire.h"

#define MAX_READS 256

static ktla_config *cfg;
static int pair[2]; /* pair[0] is the connection's socket: ktla_write's send() goes to pair[1] */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cfg = fixture_config("ecdsa-p256");
    if (cfg == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0 || fcntl(pair[1], F_SETFL, O_NONBLOCK) != 0)
        abort();
    staged_kernel_install();
    return 0;
}

/* A connection as handoff.c's install() leaves it on a kernel that took the keys. */
static ktla_conn *established(uint8_t suite_choice)
{
    size_t n_suites = 0;
    mbedtls_md_type_t md = MBEDTLS_MD_NONE;
    ktla_conn *conn = NULL;

    while (ktla__kernel_ciphersuites[n_suites])
        n_suites++;
    if (ktla_conn_new(cfg, &conn) != 0)
        abort();
    conn->fd = pair[0];
    conn->suite = (uint16_t)ktla__kernel_ciphersuites[suite_choice % n_suites];
    if (ktla__suite_to_kernel(conn->suite, &conn->version, &conn->cipher, &md) != 0)
        abort();
    conn->offload[KTLA_DIR_TX] = conn->offload[KTLA_DIR_RX] = KTLA_OFFLOAD_KERNEL;
    conn->state = KTLA__ESTABLISHED;
    ktla__conn_record_owner(conn); /* what the hand-off tells the record layer: the kernel engine (no conn->rec.user) */
    if (conn->version == KTLA_TLS_1_3) {
        struct ktla__rekey *rk = conn->rec.rekey = calloc(1, sizeof *conn->rec.rekey);
        if (rk == NULL)
            abort();
        rk->secret_len = md == MBEDTLS_MD_SHA384 ? 48 : 32;
        rk->hash = (uint8_t)md;
        memset(rk->rx_secret, 0x11, sizeof rk->rx_secret);
        memset(rk->tx_secret, 0x22, sizeof rk->tx_secret);
    }
    return conn;
}

/* The staged records from the input; *app gets the application data they carry, in order. */
static size_t stage_reads(struct fuzz_in *in, struct staged_read *reads, unsigned char *app, size_t *app_len)
{
    static const int errnos[] = {EAGAIN, EINTR, EBADMSG, EMSGSIZE, EKEYEXPIRED, ECONNRESET, EIO, ENOMEM};
    size_t n = 0;

    *app_len = 0;
    while (in->left > 0 && n < MAX_READS) {
        uint8_t kind = fuzz_u8(in);
        struct staged_read *r = &reads[n++];

        memset(r, 0, sizeof *r);
        if (kind >= 0xf8) {
            r->err = errnos[kind - 0xf8];
            continue;
        }
        r->type = kind;
        r->data = fuzz_bytes(in, fuzz_u16(in), &r->len);
        if (r->len == 0) { /* the kernel hands out no empty record */
            n--;
            continue;
        }
        if (kind == TLS_CT_APPLICATION_DATA) {
            memcpy(app + *app_len, r->data, r->len);
            *app_len += r->len;
        }
    }
    return n;
}

static void drain_peer(void)
{
    char buf[4096];

    while (read(pair[1], buf, sizeof buf) > 0)
        ;
}

/* Once failed, nothing more gets out, and every call keeps failing. */
static void check_dead(ktla_conn *conn)
{
    unsigned char buf[16];
    int sends = stage.sends;

    if (ktla_read(conn, buf, sizeof buf) != -1 || ktla_write(conn, "secret", 6) != -1 || ktla_shutdown(conn) != -1)
        abort();
    if (stage.sends != sends || read(pair[1], buf, sizeof buf) > 0)
        abort();
}

static void check_closing(ktla_conn *conn)
{
    unsigned char buf[16];

    if (ktla_read(conn, buf, sizeof buf) != 0 || ktla_get_error(conn, 0) != KTLA_ERROR_ZERO_RETURN)
        abort();
    if (ktla_write(conn, "bye", 3) != 3)
        abort();
    if (ktla_shutdown(conn) == 1 &&
        (stage.sent_type != TLS_CT_ALERT || stage.sent_len != TLS_ALERT_LEN ||
         stage.sent[0] != TLS_ALERT_LEVEL_WARNING || stage.sent[1] != TLS_ALERT_CLOSE_NOTIFY))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t buf_sizes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 16, 64, 100, 512, 4096, 16384, 16385, 65536};
    static struct staged_read reads[MAX_READS];
    static unsigned char buf[65536];
    struct fuzz_in in = {data, size};
    uint8_t suite = fuzz_u8(&in), kernel = fuzz_u8(&in);
    size_t app_len, got_len = 0, buf_len = buf_sizes[(kernel >> 2) & 15];
    unsigned char *app = malloc(size + 1); /* the records' bytes all come from the input */
    ktla_conn *conn = established(suite);
    long n = 0;

    if (app == NULL)
        abort();
    memset(&stage, 0, sizeof stage);
    stage.play_records = 1;
    stage.rx_errno = (kernel & 3) == 1 ? EBUSY : 0;
    stage.tx_errno = (kernel & 3) == 2 ? EINVAL : 0;
    stage.send_errno = (kernel & 3) == 3 ? EPIPE : 0;
    stage.reads = reads;
    stage.n_reads = stage_reads(&in, reads, app, &app_len);
    for (int i = 0; i < 2 * MAX_READS; i++) {
        n = ktla_read(conn, buf, buf_len);
        if (n > 0) {
            if ((size_t)n > buf_len || got_len + (size_t)n > app_len || memcmp(app + got_len, buf, (size_t)n) != 0)
                abort(); /* not the peer's application data, or not in order */
            got_len += (size_t)n;
            continue;
        }
        if (n == 0 || ktla_get_error(conn, n) != KTLA_ERROR_WANT_READ)
            break;
    }
    if (n == 0)
        check_closing(conn);
    else if (n < 0 && conn->state == KTLA__FAILED)
        check_dead(conn);
    if (ktla_get_alert(conn) < -1 || ktla_get_alert(conn) > 255)
        abort();
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "%zu of %zu data bytes read; last %ld, alert %d: %s\n", got_len, app_len, n,
                ktla_get_alert(conn), ktla_get_reason(conn));
    ktla_conn_free(conn);
    free(app);
    drain_peer();
    return 0;
}
