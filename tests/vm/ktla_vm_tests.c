/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ktla_vm_tests.c - the kernel path, on a real kernel with kTLS (run in the
 * test VM by tests/vm/check-vm).  Outside such a kernel every test fails:
 * this suite never passes by skipping.
 *
 * The round trips check ktla's crypto_info against an independent record
 * implementation (tests/common/tls_record.c): a record the kernel sealed
 * with keys ktla installed must open in user space, and a record sealed in
 * user space must come out of the kernel as plaintext.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <errno.h>
#include <psa/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ktla.h"
#include "kernel/ktls.h"
#include "cunit_run.h"
#include "loopback.h"
#include "test_kernel_records.h"
#include "test_keyupdate.h"
#include "tls_record.h"
#include "wire/tls_wire.h"

static const enum ktla_tls_version versions[] = {KTLA_TLS_1_2, KTLA_TLS_1_3};

static void random_keys(struct ktla__traffic_keys *k, enum ktla_tls_version v, enum ktla_cipher c, uint64_t seq)
{
    memset(k, 0, sizeof *k);
    k->version = v;
    k->cipher = c;
    CU_ASSERT_EQUAL(psa_generate_random(k->key, sizeof k->key), PSA_SUCCESS);
    CU_ASSERT_EQUAL(psa_generate_random(k->iv, sizeof k->iv), PSA_SUCCESS);
    k->seq = seq;
}

/* A loopback pair whose server end has the tls ULP and dir's keys installed. */
static int ktls_pair(const struct ktla__traffic_keys *k, enum ktla_direction dir, int *client, int *server)
{
    if (test_loopback_pair(client, server) != 0)
        return -1;
    if (ktla__ktls_attach_ulp(*server) != 0 || ktla__ktls_set_keys(*server, dir, k) != 0) {
        close(*client);
        close(*server);
        return -1;
    }
    return 0;
}

static long read_record(int fd, unsigned char *rec, size_t size)
{
    size_t body;

    if (test_read_full(fd, rec, TEST_RECORD_HEADER) != 0)
        return -1;
    body = test_record_body_len(rec);
    if (TEST_RECORD_HEADER + body > size || test_read_full(fd, rec + TEST_RECORD_HEADER, body) != 0)
        return -1;
    return (long)(TEST_RECORD_HEADER + body);
}

static void test_probe_accepts_everything(void)
{
    ktla_probe *p = NULL;
    struct utsname uts;

    CU_ASSERT_EQUAL_FATAL(ktla_probe_run(&p), 0);
    uname(&uts);
    CU_ASSERT_STRING_EQUAL(ktla_probe_kernel_release(p), uts.release);
    CU_ASSERT_EQUAL(ktla_probe_ulp_available(p), 1);
    for (int v = 0; v < 2; v++)
        for (int c = 0; c < KTLA_CIPHER_COUNT; c++)
            for (int d = 0; d < 2; d++) {
                int ok = ktla_probe_key_accepted(p, versions[v], (enum ktla_cipher)c, (enum ktla_direction)d);
                CU_ASSERT_EQUAL(ok, 1);
                if (!ok)
                    printf("\n  refused: %s %s %s: %s", ktla_tls_version_name(versions[v]),
                           ktla_cipher_name((enum ktla_cipher)c), d ? "RX" : "TX",
                           ktla_probe_key_reason(p, versions[v], (enum ktla_cipher)c, (enum ktla_direction)d));
            }
    ktla_probe_free(p);
}

/* Two records the kernel sends with ktla's TX keys open with the same keys in user space. */
static void tx_round_trip(enum ktla_tls_version v, enum ktla_cipher c)
{
    struct ktla__traffic_keys k;
    unsigned char rec[512], out[512], type = 0;
    char msg[64];
    int client, server;

    random_keys(&k, v, c, 5);
    CU_ASSERT_EQUAL_FATAL(ktls_pair(&k, KTLA_DIR_TX, &client, &server), 0);
    for (int i = 0; i < 2; i++, k.seq++) {
        int len = snprintf(msg, sizeof msg, "record %d of %s %s", i, ktla_tls_version_name(v), ktla_cipher_name(c));
        long n, m;

        CU_ASSERT_EQUAL_FATAL(send(server, msg, (size_t)len, 0), len);
        n = read_record(client, rec, sizeof rec);
        CU_ASSERT_FATAL(n > 0);
        if (v == KTLA_TLS_1_2 && c != KTLA_CIPHER_CHACHA20_POLY1305) {
            /* The explicit nonce on the wire is the sequence number: no reuse of the handshake's nonce 0. */
            unsigned char want[8] = {0, 0, 0, 0, 0, 0, 0, (unsigned char)k.seq};
            CU_ASSERT_EQUAL(memcmp(rec + TEST_RECORD_HEADER, want, 8), 0);
        }
        m = test_record_open(&k, rec, (size_t)n, out, sizeof out, &type);
        CU_ASSERT_EQUAL(m, len);
        CU_ASSERT_EQUAL(type, TLS_CT_APPLICATION_DATA);
        CU_ASSERT(m == len && memcmp(out, msg, (size_t)len) == 0);
    }
    close(server);
    close(client);
}

/* A record sealed in user space comes out of the kernel's RX as plaintext; a tampered one as EBADMSG. */
static void rx_round_trip(enum ktla_tls_version v, enum ktla_cipher c)
{
    struct ktla__traffic_keys k;
    unsigned char rec[512], out[512];
    static const char msg[] = "client to server, through the kernel";
    int client, server;
    long n;

    random_keys(&k, v, c, 3);
    CU_ASSERT_EQUAL_FATAL(ktls_pair(&k, KTLA_DIR_RX, &client, &server), 0);
    n = test_record_seal(&k, TLS_CT_APPLICATION_DATA, (const unsigned char *)msg, sizeof msg, rec, sizeof rec);
    CU_ASSERT_FATAL(n > 0);
    CU_ASSERT_EQUAL_FATAL(test_write_full(client, rec, (size_t)n), 0);
    CU_ASSERT_EQUAL(recv(server, out, sizeof out, 0), (ssize_t)sizeof msg);
    CU_ASSERT_EQUAL(memcmp(out, msg, sizeof msg), 0);

    k.seq++;
    n = test_record_seal(&k, TLS_CT_APPLICATION_DATA, (const unsigned char *)msg, sizeof msg, rec, sizeof rec);
    rec[n - 3] ^= 0x40;
    CU_ASSERT_EQUAL_FATAL(test_write_full(client, rec, (size_t)n), 0);
    errno = 0;
    CU_ASSERT_EQUAL(recv(server, out, sizeof out, 0), -1);
    CU_ASSERT_EQUAL(errno, EBADMSG);
    close(server);
    close(client);
}

#define ROUND_TRIPS(X)                                                                   \
    X(tls12_aes_gcm_128, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_128)                          \
    X(tls12_aes_gcm_256, KTLA_TLS_1_2, KTLA_CIPHER_AES_GCM_256)                          \
    X(tls12_aes_ccm_128, KTLA_TLS_1_2, KTLA_CIPHER_AES_CCM_128)                          \
    X(tls12_chacha20_poly1305, KTLA_TLS_1_2, KTLA_CIPHER_CHACHA20_POLY1305)              \
    X(tls13_aes_gcm_128, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128)                          \
    X(tls13_aes_gcm_256, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_256)                          \
    X(tls13_aes_ccm_128, KTLA_TLS_1_3, KTLA_CIPHER_AES_CCM_128)                          \
    X(tls13_chacha20_poly1305, KTLA_TLS_1_3, KTLA_CIPHER_CHACHA20_POLY1305)

#define DEFINE_TESTS(name, v, c)                 \
    static void test_tx_##name(void) { tx_round_trip(v, c); } \
    static void test_rx_##name(void) { rx_round_trip(v, c); }
ROUND_TRIPS(DEFINE_TESTS)
#undef DEFINE_TESTS

static int setup(void)
{
    return test_record_init();
}

int main(void)
{
    CU_pSuite probe, tx, rx;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    probe = CU_add_suite("vm: probe", NULL, NULL);
    tx = CU_add_suite("vm: TX record round trip", setup, NULL);
    rx = CU_add_suite("vm: RX record round trip", setup, NULL);
    if (!probe || !tx || !rx || !CU_add_test(probe, "every version, cipher and direction accepted", test_probe_accepts_everything))
        return 1;
#define REGISTER(name, v, c)                                                 \
    if (!CU_add_test(tx, #name, test_tx_##name) || !CU_add_test(rx, #name, test_rx_##name)) \
        return 1;
    ROUND_TRIPS(REGISTER)
#undef REGISTER
    /* The socket suites run once, in ktla-unit, which in the VM sends its big file of 100 MiB. */
    if (add_keyupdate_suite() != 0 || add_kernel_records_suite() != 0)
        return 1;
    return cunit_run_all();
}
