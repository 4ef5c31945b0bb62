/* SPDX-License-Identifier: Apache-2.0 */
/* test_skip.c - a test that cannot check here what it is for (see test_skip.h). */
#include "test_skip.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SKIPS 64

static struct {
    const void *test; /* the CU_pTest, to count each test once */
    char line[256];
} skips[MAX_SKIPS];
static unsigned n_skips, n_lost;

int test_in_vm(void)
{
    const char *v = getenv("KTLA_IN_VM");
    return v != NULL && *v != '\0';
}

void test_skip_at(const char *why, const char *file, unsigned line)
{
    CU_pTest test = CU_get_current_test();
    CU_pSuite suite = CU_get_current_suite();
    char msg[256];

    if (test_in_vm()) {
        snprintf(msg, sizeof msg, "skipped inside the test VM, where it must run: %s", why);
        CU_assertImplementation(CU_FALSE, line, msg, file, "", CU_FALSE);
        printf("\n    FAIL (no skip in the VM): %s", why);
        return;
    }
    printf("\n    SKIP: %s", why);
    for (unsigned i = 0; i < n_skips; i++)
        if (skips[i].test == test)
            return;
    if (n_skips == MAX_SKIPS) {
        n_lost++;
        return;
    }
    skips[n_skips].test = test;
    snprintf(skips[n_skips].line, sizeof skips[n_skips].line, "%s: %s: %s", suite ? suite->pName : "?",
             test ? test->pName : "?", why);
    n_skips++;
}

unsigned test_skips_report(void)
{
    printf("Skipped tests: %u\n", n_skips + n_lost);
    for (unsigned i = 0; i < n_skips; i++)
        printf("  SKIP %s\n", skips[i].line);
    return n_skips + n_lost;
}
