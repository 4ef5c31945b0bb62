/* SPDX-License-Identifier: Apache-2.0 */
/*
 * self_copy.h - a fresh copy of the running test program, for what one
 * process cannot show itself: glibc tunables that only apply at start, or a
 * session that must survive only as a file.
 */
#ifndef KTLA_TEST_SELF_COPY_H
#define KTLA_TEST_SELF_COPY_H

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND() 0
#endif

/*
 * Run /proc/self/exe again (under valgrind that is valgrind's tool, so
 * callers skip there) with KTLA_TEST_ONLY=suite and env's NAME, VALUE pairs
 * (NULL-terminated) set; each line it prints (stdout and stderr, newline
 * removed) goes to on_line.  Its exit status, or -1 when it could not run or
 * did not exit.
 */
int test_run_copy(const char *suite, const char *const *env, void (*on_line)(const char *line, void *arg), void *arg);

#endif
