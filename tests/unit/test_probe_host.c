/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_probe_host.c - the probe's verdict matches what this kernel does,
 * and no other local connection can stand in for the probe's own.
 *
 * The test asks the kernel itself (TCP_ULP on its own loopback pair) and
 * checks the probe says the same: on these machines, which have no kTLS,
 * that is "no kTLS: TLS ULP not available (ENOENT)"; on a kernel with kTLS
 * the ULP must be reported available.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ktla.h"
#include "kernel/ktls.h"
#include "loopback.h"
#include "suites.h"
#include "test_skip.h"

static void test_probe_matches_kernel(void)
{
    int err = test_kernel_ulp_errno();
    struct utsname uts;
    ktla_probe *p = NULL;

    CU_ASSERT_FATAL(err >= 0);
    if (err != 0 && test_in_vm())
        CU_FAIL("inside the test VM the kernel must attach the tls ULP");
    CU_ASSERT_EQUAL_FATAL(ktla_probe_run(&p), 0);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(uname(&uts), 0);
    CU_ASSERT_STRING_EQUAL(ktla_probe_kernel_release(p), uts.release);
    if (err == 0) {
        CU_ASSERT_EQUAL(ktla_probe_ulp_available(p), 1);
        CU_ASSERT_PTR_NULL(ktla_probe_ulp_reason(p));
    } else {
        char expect[64];
        snprintf(expect, sizeof expect, "TLS ULP not available (%s)", strerrorname_np(err));
        CU_ASSERT_EQUAL(ktla_probe_ulp_available(p), 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ktla_probe_ulp_reason(p));
        CU_ASSERT_PTR_NOT_NULL(strstr(ktla_probe_ulp_reason(p), expect));
        for (int c = 0; c < KTLA_CIPHER_COUNT; c++) {
            const char *why = ktla_probe_key_reason(p, KTLA_TLS_1_3, (enum ktla_cipher)c, KTLA_DIR_TX);
            CU_ASSERT_FALSE(ktla_probe_key_accepted(p, KTLA_TLS_1_3, (enum ktla_cipher)c, KTLA_DIR_TX));
            CU_ASSERT_FALSE(ktla_probe_key_accepted(p, KTLA_TLS_1_2, (enum ktla_cipher)c, KTLA_DIR_RX));
            CU_ASSERT_PTR_NOT_NULL_FATAL(why);
            CU_ASSERT_EQUAL(strncmp(why, "no kTLS: ", 9), 0);
            CU_ASSERT_PTR_NOT_NULL(strstr(why, expect));
        }
    }
    ktla_probe_free(p);
}

static void test_probe_bad_arguments(void)
{
    ktla_probe *p = NULL;

    CU_ASSERT_EQUAL(ktla_probe_run(NULL), KTLA_E_INVAL);
    CU_ASSERT_EQUAL(ktla_probe_ulp_available(NULL), 0);
    CU_ASSERT_EQUAL(ktla_probe_key_accepted(NULL, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, KTLA_DIR_TX), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_probe_run(&p), 0);
    CU_ASSERT_EQUAL(ktla_probe_key_accepted(p, (enum ktla_tls_version)0x0301, KTLA_CIPHER_AES_GCM_128, KTLA_DIR_TX), 0);
    CU_ASSERT_PTR_NOT_NULL(ktla_probe_key_reason(p, (enum ktla_tls_version)0x0301, KTLA_CIPHER_AES_GCM_128, KTLA_DIR_TX));
    CU_ASSERT_PTR_NOT_NULL(ktla_probe_key_reason(p, KTLA_TLS_1_3, KTLA_CIPHER_COUNT, KTLA_DIR_TX));
    CU_ASSERT_PTR_NOT_NULL(ktla_probe_key_reason(p, KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, (enum ktla_direction)5));
    ktla_probe_free(p);
    ktla_probe_free(NULL);
}

/*
 * A local user races the probe to its loopback listener.  The kernel is
 * staged (every setsockopt "succeeds"), and on the probe's first
 * setsockopt the stand-in learns the listener's port from the socket it was
 * handed and connects three intruders to it, ahead of the probe's next
 * client.  The probe must never attach the ULP or set keys on an
 * intruder's connection: it checks the peer's address and port and throws
 * the others away.
 */
#define INTRUDERS 3
static struct {
    int fds[INTRUDERS];
    unsigned short ports[INTRUDERS]; /* their local ports: what the probe's accepted socket sees as peer */
    int armed, calls, on_intruder;
} race;

static int racing_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;

    (void)level, (void)name, (void)value, (void)len;
    race.calls++;
    if (getpeername(fd, (struct sockaddr *)&a, &alen) == 0)
        for (int i = 0; i < race.armed; i++)
            if (ntohs(a.sin_port) == race.ports[i])
                race.on_intruder++;
    alen = sizeof a;
    if (!race.armed && getsockname(fd, (struct sockaddr *)&a, &alen) == 0) {
        for (int i = 0; i < INTRUDERS; i++) { /* a is the listener's address: connect to it */
            struct sockaddr_in mine;
            socklen_t mlen = sizeof mine;
            race.fds[i] = socket(AF_INET, SOCK_STREAM, 0);
            if (race.fds[i] < 0 || connect(race.fds[i], (struct sockaddr *)&a, sizeof a) != 0 ||
                getsockname(race.fds[i], (struct sockaddr *)&mine, &mlen) != 0)
                break;
            race.ports[race.armed++] = ntohs(mine.sin_port);
        }
    }
    return 0;
}

static void test_probe_ignores_other_connections(void)
{
    ktla_probe *p = NULL;
    int rc;

    memset(&race, 0, sizeof race);
    ktla__setsockopt = racing_setsockopt;
    rc = ktla_probe_run(&p);
    ktla__setsockopt = setsockopt;
    printf("\n    %d intruders connected; %d setsockopt calls, %d of them on an intruder's connection", race.armed,
           race.calls, race.on_intruder);
    CU_ASSERT_EQUAL(race.armed, INTRUDERS);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(race.on_intruder, 0);
    CU_ASSERT_EQUAL(race.calls, 1 + 2 * 4 * 2 * 2); /* the ULP once; per version, cipher, direction: ULP + key */
    if (rc == 0)
        CU_ASSERT_EQUAL(ktla_probe_ulp_available(p), 1);
    for (int i = 0; i < race.armed; i++)
        close(race.fds[i]);
    ktla_probe_free(p);
}

int add_probe_host_suite(void)
{
    CU_pSuite s = CU_add_suite("probe (host kernel)", NULL, NULL);
    return s && CU_add_test(s, "probe verdict matches the kernel", test_probe_matches_kernel) &&
                   CU_add_test(s, "bad arguments", test_probe_bad_arguments) &&
                   CU_add_test(s, "a connection that races the probe's own is never probed",
                               test_probe_ignores_other_connections)
               ? 0
               : -1;
}
