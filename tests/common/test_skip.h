/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_skip.h - a test that cannot check here what it is for.
 *
 * CUnit has no "skipped": a test that returns early without asserting
 * counts as passed.  So a test that needs something this machine lacks
 * (kTLS, above all) calls test_skip(why) and returns:
 * - on the host, the test is recorded as skipped: a "SKIP:" line now, and
 *   after CUnit's summary a "Skipped tests: N" line and one line per test,
 *   which scripts/build-and-test counts as skips, not passes;
 * - inside the test VM (KTLA_IN_VM set), where everything the kernel path
 *   needs is there by construction, it is a failure.
 */
#ifndef KTLA_TEST_SKIP_H
#define KTLA_TEST_SKIP_H

#define test_skip(why) test_skip_at((why), __FILE__, __LINE__)

void test_skip_at(const char *why, const char *file, unsigned line);

/* 1 inside the test VM (KTLA_IN_VM set): no skips allowed. */
int test_in_vm(void);

/* Print the "Skipped tests: N" line and the skipped tests; the number of them. */
unsigned test_skips_report(void);

#endif
