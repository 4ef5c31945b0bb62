/* SPDX-License-Identifier: Apache-2.0 */
/* cunit_run.h - how every CUnit runner of the project runs its registry and ends. */
#ifndef KTLA_TEST_CUNIT_RUN_H
#define KTLA_TEST_CUNIT_RUN_H

/*
 * Run every registered test verbosely, print CUnit's run summary and the
 * skipped tests (test_skip.h), clean the registry up, and return the
 * process exit status: 0 only if tests ran and none failed (a runner that
 * tests nothing must not pass).
 */
int cunit_run_all(void);

#endif
