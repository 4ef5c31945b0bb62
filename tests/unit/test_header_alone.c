/* SPDX-License-Identifier: Apache-2.0 */
/* test_header_alone.c - ktla.h compiles on its own: it is the first and only include before the test. */
#include "ktla.h"

#include <CUnit/CUnit.h>

#include "suites.h"

static void test_header_is_self_contained(void)
{
    /* Reaching here means the include above compiled with nothing before it. */
    CU_ASSERT(KTLA_E_NOMEM < 0);
    CU_ASSERT_EQUAL(KTLA_TLS_1_3, 0x0304);
    CU_ASSERT_EQUAL(KTLA_CIPHER_COUNT, 4);
}

int add_header_alone_suite(void)
{
    CU_pSuite s = CU_add_suite("header_alone", NULL, NULL);
    return s && CU_add_test(s, "ktla.h is self-contained", test_header_is_self_contained) ? 0 : -1;
}
