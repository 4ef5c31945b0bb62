/* SPDX-License-Identifier: Apache-2.0 */
/* interop_util.c - child processes with a time limit, files, the pattern, the server's log. */
#define _GNU_SOURCE
#include "interop_util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---------------------------------------------------------------- argv */

void args_init(struct args *a)
{
    a->n = 0;
    a->used = 0;
    a->overflow = 0;
    a->v[0] = NULL;
}

void args_add(struct args *a, const char *fmt, ...)
{
    va_list ap;
    int len;

    if (a->overflow || a->n + 1 >= (int)(sizeof a->v / sizeof a->v[0])) {
        a->overflow = 1;
        return;
    }
    va_start(ap, fmt);
    len = vsnprintf(a->store + a->used, sizeof a->store - a->used, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof a->store - a->used) {
        a->overflow = 1;
        return;
    }
    a->v[a->n++] = a->store + a->used;
    a->v[a->n] = NULL;
    a->used += (size_t)len + 1;
}

void args_add_list(struct args *a, const char *const *list)
{
    for (; list != NULL && *list != NULL; list++)
        args_add(a, "%s", *list);
}

const char *args_str(const struct args *a)
{
    static char buf[2048];
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; i < a->n && used < sizeof buf; i++) {
        int len = snprintf(buf + used, sizeof buf - used, "%s%s", i ? " " : "", a->v[i]);
        if (len < 0)
            break;
        used += (size_t)len;
    }
    return buf;
}

/* ---------------------------------------------------------------- processes */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

pid_t proc_spawn(const struct args *a, const char *in_path, const char *out_path, const char *err_path)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int rc;

    if (a->overflow || a->n == 0) {
        errno = E2BIG;
        return -1;
    }
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    posix_spawn_file_actions_addopen(&fa, 0, in_path ? in_path : "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    rc = posix_spawnp(&pid, a->v[0], &fa, NULL, a->v, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return pid;
}

void proc_wait(pid_t pid, unsigned timeout_ms, struct run *r)
{
    double start = now_s(), deadline = start + timeout_ms / 1000.0;
    struct timespec nap = {.tv_nsec = 2 * 1000 * 1000};
    int st = 0;
    pid_t got;

    memset(r, 0, sizeof *r);
    r->spawned = 1;
    for (;;) {
        got = waitpid(pid, &st, WNOHANG);
        if (got == pid || (got < 0 && errno != EINTR))
            break;
        if (now_s() >= deadline) {
            kill(pid, SIGKILL);
            while ((got = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
                ;
            r->timed_out = 1;
            break;
        }
        nanosleep(&nap, NULL);
    }
    r->seconds = now_s() - start;
    if (got != pid) {
        r->signaled = 1; /* lost: report it as a failure */
        r->status = -1;
    } else if (WIFEXITED(st)) {
        r->exited = !r->timed_out;
        r->status = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        r->signaled = !r->timed_out;
        r->status = WTERMSIG(st);
    }
}

int proc_run(const struct args *a, const char *in_path, const char *out_path, const char *err_path, unsigned timeout_ms,
             struct run *r)
{
    pid_t pid = proc_spawn(a, in_path, out_path, err_path);

    if (pid < 0) {
        memset(r, 0, sizeof *r);
        r->status = errno;
        return -1;
    }
    proc_wait(pid, timeout_ms, r);
    return r->exited && r->status == 0 ? 0 : -1;
}

const char *run_str(const struct run *r)
{
    static char buf[128];

    if (!r->spawned)
        snprintf(buf, sizeof buf, "not started: %s", strerror(r->status));
    else if (r->timed_out)
        snprintf(buf, sizeof buf, "timed out after %.1f s and was killed", r->seconds);
    else if (r->signaled)
        snprintf(buf, sizeof buf, "killed by signal %d", r->status);
    else
        snprintf(buf, sizeof buf, "exit %d", r->status);
    return buf;
}

/* ---------------------------------------------------------------- files */

char *file_read(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    char *buf;
    size_t have = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || (buf = malloc((size_t)st.st_size + 1)) == NULL) {
        close(fd);
        return NULL;
    }
    while (have < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    close(fd);
    buf[have] = '\0';
    if (len)
        *len = have;
    return buf;
}

int file_write(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const char *p = buf;

    if (fd < 0)
        return -1;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return close(fd);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int remove_tree(const char *dir)
{
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---------------------------------------------------------------- the data pattern */

void pattern_fill(unsigned char *buf, size_t len, unsigned long long start)
{
    unsigned v = (unsigned)(start % 251);

    for (size_t i = 0; i < len; i++) {
        buf[i] = (unsigned char)v;
        if (++v == 251)
            v = 0;
    }
}

size_t pattern_check(const unsigned char *buf, size_t len, unsigned long long start)
{
    unsigned v = (unsigned)(start % 251);

    for (size_t i = 0; i < len; i++) {
        if (buf[i] != v)
            return i;
        if (++v == 251)
            v = 0;
    }
    return len;
}

/* ---------------------------------------------------------------- the server's log */

char *conn_block(const char *log, int n)
{
    char head[32];
    const char *p = log, *end;
    size_t hl = (size_t)snprintf(head, sizeof head, "conn %d ", n);

    for (;;) {
        if (strncmp(p, head, hl) == 0)
            break;
        p = strchr(p, '\n');
        if (p == NULL)
            return NULL;
        p++;
    }
    /* to the next line that is not indented (the next connection, or the end) */
    end = strchr(p, '\n');
    while (end != NULL && end[1] == ' ')
        end = strchr(end + 1, '\n');
    return end ? strndup(p, (size_t)(end - p + 1)) : strdup(p);
}

int conn_field(const char *block, const char *key, char *out, size_t size)
{
    char pat[64];
    const char *eol = strchr(block, '\n'), *p, *v;
    size_t len;

    snprintf(pat, sizeof pat, " %s=", key);
    p = strstr(block, pat);
    if (p == NULL || (eol != NULL && p > eol) || size == 0)
        return -1;
    v = p + strlen(pat);
    len = strcmp(key, "reason") == 0 ? (eol ? (size_t)(eol - v) : strlen(v)) : strcspn(v, " \n");
    if (len >= size)
        len = size - 1;
    memcpy(out, v, len);
    out[len] = '\0';
    return 0;
}
