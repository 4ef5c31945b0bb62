/* cunit_run.c - how every CUnit runner of the project runs its registry and ends. */
#include "cunit_run.h"

#include <CUnit/Basic.h>

int cunit_run_all(void)
{
    unsigned failed;

    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    if (CU_get_number_of_tests_run() == 0)
        failed++;
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
