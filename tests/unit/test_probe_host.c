/*
 * test_probe_host.c - the probe's verdict matches what this kernel does.
 *
 * The test asks the kernel itself (TCP_ULP on its own loopback pair) and
 * checks the probe says the same: on these machines, which have no kTLS,
 * that is "no kTLS: TLS ULP not available (ENOENT)"; on a kernel with kTLS
 * the ULP must be reported available.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ktla.h"
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

int add_probe_host_suite(void)
{
    CU_pSuite s = CU_add_suite("probe (host kernel)", NULL, NULL);
    return s && CU_add_test(s, "probe verdict matches the kernel", test_probe_matches_kernel) &&
                   CU_add_test(s, "bad arguments", test_probe_bad_arguments)
               ? 0
               : -1;
}
