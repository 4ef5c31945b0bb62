/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc_hook.c - the counting, failing, tracking allocator (see alloc_hook.h).
 *
 * KTLA_ALLOC_TRACE=N prints a backtrace of the N-th counted allocation of
 * every run, to find where a leaked block (printed with its serial) came from.
 */
#define _GNU_SOURCE
#include "alloc_hook.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <execinfo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);
void __libc_free(void *p);

#define TABLE_SIZE (1u << 18) /* open addressing; a run tracks far fewer blocks */
#define TOMBSTONE ((void *)1)

/* A slot holds a block of this run when p is set and gen is the run's; other slots are free. */
struct block {
    void *p;
    unsigned long serial;
    size_t size;
    void *caller; /* the code that called the allocator */
    unsigned gen;
};

static struct block table[TABLE_SIZE];
static unsigned long counted, fail_at, trace_at;
static unsigned gen = 1;
static size_t live;

/* Blocks left by earlier runs, watched until freed (see alloc_hook_suspect). */
#define MAX_SUSPECTS 4096
static struct suspect {
    struct block b;
    const char *what;
    unsigned long run;
    int inside;
} suspects[MAX_SUSPECTS];
static size_t n_suspects;
static int armed, failed, busy;
static void *fail_frames[48];
static int n_fail_frames;

static size_t slot_of(const void *p)
{
    uintptr_t h = (uintptr_t)p;

    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 40) & (TABLE_SIZE - 1);
}

static int in_use(const struct block *b)
{
    return b->gen == gen && b->p != NULL;
}

static int is_block(const struct block *b)
{
    return in_use(b) && b->p != TOMBSTONE;
}

static void track(void *p, size_t size, unsigned long serial, void *caller)
{
    size_t i = slot_of(p);

    while (is_block(&table[i]))
        i = (i + 1) & (TABLE_SIZE - 1);
    table[i] = (struct block){p, serial, size, caller, gen};
    live++;
}

static void untrack(const void *p)
{
    if (p == NULL)
        return;
    for (size_t i = slot_of(p); live > 0 && in_use(&table[i]); i = (i + 1) & (TABLE_SIZE - 1))
        if (table[i].p == p) {
            table[i].p = TOMBSTONE;
            live--;
            return;
        }
    for (size_t i = 0; i < n_suspects; i++)
        if (suspects[i].b.p == p) {
            suspects[i] = suspects[--n_suspects];
            return;
        }
}

/* 0 to go ahead (and the serial to track under), or -1 to fail this allocation. */
__attribute__((noinline)) static int decide(unsigned long *serial)
{
    *serial = 0;
    if (!armed || busy)
        return 0;
    *serial = ++counted;
    if (*serial == trace_at) {
        void *frames[32];
        busy = 1;
        backtrace_symbols_fd(frames, backtrace(frames, 32), STDERR_FILENO);
        busy = 0;
    }
    if (*serial == fail_at) {
        busy = 1;
        n_fail_frames = backtrace(fail_frames, 48);
        busy = 0;
        failed = 1;
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

static void *note(void *p, size_t size, unsigned long serial, void *caller)
{
    if (p && serial)
        track(p, size, serial, caller);
    return p;
}

/* noinline: __builtin_return_address(0) must be the allocator's caller. */
__attribute__((noinline)) void *malloc(size_t size)
{
    unsigned long serial;
    return decide(&serial) ? NULL : note(__libc_malloc(size), size, serial, __builtin_return_address(0));
}

__attribute__((noinline)) void *calloc(size_t n, size_t size)
{
    unsigned long serial;
    return decide(&serial) ? NULL : note(__libc_calloc(n, size), n * size, serial, __builtin_return_address(0));
}

__attribute__((noinline)) void *realloc(void *p, size_t size)
{
    unsigned long serial;
    void *q;

    if (p != NULL && size == 0) {
        untrack(p);
        return __libc_realloc(p, 0);
    }
    if (decide(&serial))
        return NULL; /* p stays allocated, and tracked */
    q = __libc_realloc(p, size);
    if (q == NULL)
        return NULL;
    untrack(p);
    return note(q, size, serial, __builtin_return_address(0));
}

void free(void *p)
{
    untrack(p);
    __libc_free(p);
}

__attribute__((noinline)) void *memalign(size_t align, size_t size)
{
    unsigned long serial;
    return decide(&serial) ? NULL : note(__libc_memalign(align, size), size, serial, __builtin_return_address(0));
}

void *aligned_alloc(size_t align, size_t size)
{
    return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    void *p = memalign(align, size);

    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

void alloc_hook_reset(unsigned long n)
{
    const char *trace = getenv("KTLA_ALLOC_TRACE");

    gen++; /* every slot is free again, without touching the table */
    live = 0;
    counted = 0;
    failed = 0;
    n_fail_frames = 0;
    fail_at = n;
    trace_at = trace ? strtoul(trace, NULL, 10) : 0;
}

void alloc_hook_arm(int on)
{
    armed = on;
}

unsigned long alloc_hook_count(void)
{
    return counted;
}

int alloc_hook_failed(void)
{
    return failed;
}

size_t alloc_hook_live(void)
{
    return live;
}

/* "libmbedcrypto.so.16(mbedtls_mpi_grow)" or "alloc-fail(+0x1234)": where code is. */
static void describe(const void *addr, char *buf, size_t size)
{
    Dl_info info;

    if (dladdr(addr, &info) == 0 || info.dli_fname == NULL) {
        snprintf(buf, size, "%p", addr);
        return;
    }
    if (strrchr(info.dli_fname, '/'))
        info.dli_fname = strrchr(info.dli_fname, '/') + 1;
    if (info.dli_sname)
        snprintf(buf, size, "%s(%s)", info.dli_fname, info.dli_sname);
    else
        snprintf(buf, size, "%s(+%#lx)", info.dli_fname, (unsigned long)((const char *)addr - (const char *)info.dli_fbase));
}

static int in_object(const void *addr, const char *lib)
{
    Dl_info info;

    return dladdr(addr, &info) != 0 && info.dli_fname != NULL && strstr(info.dli_fname, lib) != NULL;
}

void alloc_hook_print_live(FILE *out)
{
    char where[256];

    for (size_t i = 0; i < TABLE_SIZE && live > 0; i++)
        if (is_block(&table[i])) {
            describe(table[i].caller, where, sizeof where);
            fprintf(out, "    block of %zu bytes from counted allocation %lu, by %s\n", table[i].size, table[i].serial,
                    where);
        }
}

void alloc_hook_print_failure(FILE *out)
{
    char where[256];

    /* Frame 0 is decide(), 1 the allocator. */
    for (int i = 2; i < n_fail_frames; i++) {
        describe(fail_frames[i], where, sizeof where);
        fprintf(out, "      %s\n", where);
    }
}

int alloc_hook_leak_inside(const char *lib, const char *function)
{
    int through = 0;
    Dl_info info;

    if (!failed || n_fail_frames < 3 || !in_object(fail_frames[2], lib))
        return 0;
    for (int i = 2; i < n_fail_frames && !through; i++)
        through = dladdr(fail_frames[i], &info) != 0 && info.dli_sname != NULL && strcmp(info.dli_sname, function) == 0;
    if (!through)
        return 0;
    for (size_t i = 0; i < TABLE_SIZE; i++)
        if (is_block(&table[i]) && !in_object(table[i].caller, lib))
            return 0;
    return 1;
}

void alloc_hook_suspect(const char *what, unsigned long run, int inside)
{
    for (size_t i = 0; i < TABLE_SIZE && live > 0; i++)
        if (is_block(&table[i]) && n_suspects < MAX_SUSPECTS) {
            suspects[n_suspects++] = (struct suspect){table[i], what, run, inside};
            table[i].p = TOMBSTONE;
            live--;
        }
}

size_t alloc_hook_print_leaks(FILE *out, int inside)
{
    char where[256];
    size_t n = 0;

    for (size_t i = 0; i < n_suspects; i++)
        if (suspects[i].inside == inside) {
            describe(suspects[i].b.caller, where, sizeof where);
            fprintf(out, "    %s, allocation %lu failing: %zu bytes from allocation %lu, by %s\n", suspects[i].what,
                    suspects[i].run, suspects[i].b.size, suspects[i].b.serial, where);
            n++;
        }
    return n;
}
