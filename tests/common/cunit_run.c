/* SPDX-License-Identifier: Apache-2.0 */
/* cunit_run.c - how every CUnit runner of the project runs its registry and ends. */
#include "cunit_run.h"

#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "test_skip.h"

/*
 * $KTLA_TEST_ONLY=TEXT runs only the suites whose name contains TEXT (for
 * targeted runs while developing, in the VM in particular).  A selection
 * that runs nothing fails, like any run that tests nothing.
 */
static void select_suites(void)
{
    const char *only = getenv("KTLA_TEST_ONLY");
    CU_pTestRegistry reg = CU_get_registry();

    if (only == NULL || *only == '\0' || reg == NULL)
        return;
    CU_set_fail_on_inactive(CU_FALSE); /* a suite left out is not a failure */
    for (CU_pSuite s = reg->pSuite; s; s = s->pNext)
        CU_set_suite_active(s, strstr(s->pName, only) != NULL ? CU_TRUE : CU_FALSE);
}

int cunit_run_all(void)
{
    unsigned failed;

    CU_basic_set_mode(CU_BRM_VERBOSE);
    select_suites();
    CU_basic_run_tests();
    test_skips_report();
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    if (CU_get_number_of_tests_run() == 0)
        failed++;
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
