/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc_hook.h - malloc, calloc, realloc and friends for the
 * allocation-failure test: counted, the n-th made to fail, and every block
 * allocated while counting tracked until it is freed.
 *
 * The test executable defines the allocator's symbols, so every allocation
 * in the process goes through them: ktla's, mbedTLS's and libnl's (shared
 * libraries call malloc through their PLT) and glibc's own (strdup,
 * vasprintf, fopen).  They pass the call on to glibc (__libc_malloc ...).
 * This cannot be combined with AddressSanitizer, which owns the same
 * symbols: the test is built only without --enable-sanitizers, and does
 * its own leak accounting instead of LeakSanitizer.  Single-threaded use.
 */
#ifndef KTLA_TEST_ALLOC_HOOK_H
#define KTLA_TEST_ALLOC_HOOK_H

#include <stddef.h>
#include <stdio.h>

/* Start a run: forget earlier counts and blocks; fail the fail_at-th counted allocation (0: none). */
void alloc_hook_reset(unsigned long fail_at);

/* Count (and track) allocations only while armed: around the calls under test. */
void alloc_hook_arm(int on);

/* Allocations counted in this run, and whether the one chosen to fail was reached. */
unsigned long alloc_hook_count(void);
int alloc_hook_failed(void);

/* Blocks allocated while armed in this run and not freed yet; print them (serial, size, who allocated). */
size_t alloc_hook_live(void);
void alloc_hook_print_live(FILE *out);

/*
 * 1 when the failed allocation and every live block were allocated by code
 * in a shared object whose file name contains lib (e.g. "libmbed"), and
 * the failed allocation's call stack passes through function (an exported
 * symbol of it); else 0.  For telling a leak inside a library's own error
 * path from one of ours.
 */
int alloc_hook_leak_inside(const char *lib, const char *function);

/* The failed allocation's call stack, one frame a line. */
void alloc_hook_print_failure(FILE *out);

/*
 * A block still allocated after a run is only suspect: mbedTLS keeps some
 * state for the whole process and replaces it now and then (PSA's random
 * generator re-creates its entropy accumulator when it reseeds), freeing
 * the old block in a later run.  alloc_hook_suspect() keeps this run's
 * live blocks, tagged with what (a string that outlives the test) and
 * inside (1: a leak alloc_hook_leak_inside() put on a library); they stay
 * watched across runs, and what is still allocated at the end, after
 * everything is freed, has leaked.  Returns how many remain; prints them.
 */
void alloc_hook_suspect(const char *what, unsigned long run, int inside);
size_t alloc_hook_print_leaks(FILE *out, int inside);

#endif
