/* SPDX-License-Identifier: Apache-2.0 */
/*
 * interop_util.h - what the interop tests need besides CUnit: child
 * processes with a time limit, files, the pattern, and the test server's
 * per-connection log.
 */
#ifndef KTLA_INTEROP_UTIL_H
#define KTLA_INTEROP_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- argv */

/* An argv built up one formatted argument at a time (fixed storage, no allocation). */
struct args {
    char *v[64];
    int n;
    size_t used;
    int overflow;
    char store[8192];
};

void args_init(struct args *a);
void args_add(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append each string of a NULL-terminated list (NULL list: nothing). */
void args_add_list(struct args *a, const char *const *list);
/* The command line as one string, for messages (static buffer). */
const char *args_str(const struct args *a);

/* ---------------------------------------------------------------- processes */

struct run {
    int spawned;   /* 0: the program could not be started (errno in status) */
    int exited;    /* 1: it exited; status is its exit code */
    int signaled;  /* 1: a signal ended it; status is the signal */
    int timed_out; /* 1: it was still running at the time limit and was killed */
    int status;
    double seconds;
};

/*
 * Start argv (searched in PATH) with stdin from in_path and stdout/stderr
 * into out_path/err_path (each NULL for /dev/null).  Returns the pid, or -1
 * with errno set.
 */
pid_t proc_spawn(const struct args *a, const char *in_path, const char *out_path, const char *err_path);

/* Wait for pid for at most timeout_ms, then SIGKILL it; fills r. */
void proc_wait(pid_t pid, unsigned timeout_ms, struct run *r);

/* proc_spawn + proc_wait.  Returns 0 when it exited with status 0. */
int proc_run(const struct args *a, const char *in_path, const char *out_path, const char *err_path, unsigned timeout_ms,
             struct run *r);

/* "exit 0", "exit 1", "killed by signal 9", "timed out after 20.0 s", "not started: ..." (static buffer). */
const char *run_str(const struct run *r);

/* ---------------------------------------------------------------- files */

/* The whole file, NUL-terminated (not counted in *len); NULL on failure. */
char *file_read(const char *path, size_t *len);
int file_write(const char *path, const void *buf, size_t len);
/* Remove a directory tree. */
int remove_tree(const char *dir);

/* ---------------------------------------------------------------- the data pattern */

/* Byte i of every test body is i % 251 (a prime, so no power-of-two period hides an error). */
void pattern_fill(unsigned char *buf, size_t len, unsigned long long start);
/* The offset of the first byte of buf that breaks the pattern, or len. */
size_t pattern_check(const unsigned char *buf, size_t len, unsigned long long start);

/* ---------------------------------------------------------------- the server's log */

/*
 * Connection n's lines from the test server's stdout: its "conn n ..." line
 * and the indented lines after it.  A new string, or NULL if there is none.
 */
char *conn_block(const char *log, int n);

/*
 * The value of key= on the block's first line, into out: up to the next
 * space, or for "reason" to the end of the line.  0 if found, -1 if not.
 */
int conn_field(const char *block, const char *key, char *out, size_t size);

#endif
