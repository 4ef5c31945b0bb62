/* SPDX-License-Identifier: Apache-2.0 */
/*
 * files.c - the file behind a request path, never outside the root.
 *
 * The request parser has already refused ".." segments and NUL; what is
 * left to fear is symlinks (and, between two checks, renames).  So the
 * check is made by the kernel while it resolves the path (openat2 with
 * RESOLVE_BENEATH), or else on the file actually opened (its /proc/self/fd
 * link), never on a path string that could change in between.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "files.h"

/* Set once openat2 turned out to be missing (ENOSYS) or filtered (EPERM), or by tests. */
static atomic_int no_openat2;

void files_force_fallback(int on)
{
    atomic_store(&no_openat2, on);
}

int files_root_open(struct files_root *root, const char *dir)
{
    root->fd = -1;
    if (realpath(dir, root->real) == NULL)
        return -1;
    root->real_len = strlen(root->real);
    root->fd = open(root->real, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return root->fd < 0 ? -1 : 0;
}

void files_root_close(struct files_root *root)
{
    if (root->fd >= 0)
        close(root->fd);
    root->fd = -1;
}

/* -1 with errno ENOSYS when the kernel (or its headers) lack openat2. */
static int open_openat2(const struct files_root *root, const char *rel, int flags)
{
#ifdef SYS_openat2
    struct open_how how = {.flags = (unsigned long long)flags, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    int fd;

    /* EAGAIN: a rename raced the lookup; the kernel asks us to try again. */
    for (int i = 0; i < 3; i++) {
        fd = (int)syscall(SYS_openat2, root->fd, rel, &how, sizeof how);
        if (fd >= 0 || errno != EAGAIN)
            break;
    }
    return fd;
#else
    (void)root, (void)rel, (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

/* Whether the canonical path real lies at or under the root. */
static int inside_root(const struct files_root *root, const char *real, size_t len)
{
    if (len < root->real_len || memcmp(real, root->real, root->real_len) != 0)
        return 0;
    return len == root->real_len || real[root->real_len] == '/' || root->real_len == 1;
}

/* Without openat2: open, then check where the opened file really is.  Fails closed without /proc. */
static int open_checked(const struct files_root *root, const char *rel, int flags)
{
    char link[64], real[PATH_MAX];
    int fd = openat(root->fd, rel, flags);
    ssize_t n;

    if (fd < 0)
        return -1;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, real, sizeof real - 1);
    if (n < 0 || !inside_root(root, real, (size_t)n)) {
        close(fd);
        errno = n < 0 ? EACCES : EXDEV;
        return -1;
    }
    return fd;
}

static int open_beneath(const struct files_root *root, const char *rel, int flags)
{
    if (!atomic_load(&no_openat2)) {
        int fd = open_openat2(root, rel, flags);
        if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
            return fd;
        atomic_store(&no_openat2, 1);
    }
    return open_checked(root, rel, flags);
}

/* Open rel (relative to the root) and stat it: 200, 403 or 404. */
static int open_one(const struct files_root *root, const char *rel, int *fd, struct stat *st)
{
    /* O_NONBLOCK: opening a FIFO someone left in the tree must not hang a worker. */
    *fd = open_beneath(root, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (*fd < 0) {
        switch (errno) {
        case EXDEV: /* RESOLVE_BENEATH: the path leaves the root */
        case ELOOP:
        case EACCES:
        case EPERM:
        case ENXIO: /* a socket */
            return 403;
        default:
            return 404;
        }
    }
    if (fstat(*fd, st) != 0) {
        close(*fd);
        *fd = -1;
        return 404;
    }
    return 200;
}

/* A directory's index.html, or 404 (no listings). */
static int open_index(const struct files_root *root, char *rel, size_t size, int *fd, struct stat *st)
{
    size_t len = strcmp(rel, ".") == 0 ? 0 : strlen(rel);
    int status;

    if (len + sizeof "index.html" > size)
        return 404;
    memcpy(rel + len, "index.html", sizeof "index.html");
    status = open_one(root, rel, fd, st);
    if (status == 200 && !S_ISREG(st->st_mode)) {
        close(*fd);
        *fd = -1;
        return 404;
    }
    return status;
}

int files_open(const struct files_root *root, const char *path, int *fd, struct stat *st)
{
    char rel[PATH_MAX];
    const char *p = path;
    size_t len;
    int status;

    *fd = -1;
    while (*p == '/')
        p++;
    len = strlen(p);
    if (len + 1 > sizeof rel)
        return 404;
    memcpy(rel, *p ? p : ".", *p ? len + 1 : 2);
    status = open_one(root, rel, fd, st);
    if (status != 200)
        return status;
    if (S_ISREG(st->st_mode))
        return 200;
    close(*fd);
    *fd = -1;
    if (!S_ISDIR(st->st_mode))
        return 403;
    if (path[strlen(path) - 1] != '/')
        return 301; /* so that the index's relative links resolve inside the directory */
    return open_index(root, rel, sizeof rel, fd, st);
}

static const struct {
    const char *ext, *type;
} mime_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"mp4", "video/mp4"},
    {"webp", "image/webp"},
    {"woff2", "font/woff2"},
};

const char *files_mime_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');

    if (dot != NULL)
        for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
            if (strcasecmp(dot + 1, mime_types[i].ext) == 0)
                return mime_types[i].type;
    return "application/octet-stream";
}

/* A cursor over the Range value; reads never pass end. */
struct rcur {
    const char *p, *end;
};

static void skip_ows(struct rcur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

/* 1*DIGIT, saturating at the largest value (a huge start is simply unsatisfiable). */
static int digits(struct rcur *c, unsigned long long *out)
{
    unsigned long long v = 0;
    const char *start = c->p;

    for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++) {
        unsigned d = (unsigned)(*c->p - '0');
        v = v > (~0ULL - d) / 10 ? ~0ULL : v * 10 + d;
    }
    *out = v;
    return c->p > start;
}

/* "bytes" OWS "=" OWS, case-insensitively. */
static int bytes_unit(struct rcur *c)
{
    skip_ows(c);
    if (c->end - c->p < 5 || strncasecmp(c->p, "bytes", 5) != 0)
        return 0;
    c->p += 5;
    skip_ows(c);
    if (c->p >= c->end || *c->p != '=')
        return 0;
    c->p++;
    skip_ows(c);
    return 1;
}

static int only_ows_left(struct rcur *c)
{
    skip_ows(c);
    return c->p == c->end;
}

/* "-n": the last n bytes. */
static enum files_range suffix_range(struct rcur *c, unsigned long long size, unsigned long long *first,
                                     unsigned long long *last)
{
    unsigned long long n;

    c->p++; /* '-' */
    if (!digits(c, &n) || !only_ows_left(c))
        return FILES_RANGE_NONE;
    if (n == 0 || size == 0)
        return FILES_RANGE_UNSATISFIABLE;
    *first = n >= size ? 0 : size - n;
    *last = size - 1;
    return FILES_RANGE_OK;
}

enum files_range files_parse_range(const char *v, size_t len, unsigned long long size, unsigned long long *first,
                                   unsigned long long *last)
{
    struct rcur c = {v, v + len};
    unsigned long long a, b = ~0ULL;

    if (v == NULL || !bytes_unit(&c) || c.p == c.end)
        return FILES_RANGE_NONE;
    if (*c.p == '-')
        return suffix_range(&c, size, first, last);
    if (!digits(&c, &a) || c.p == c.end || *c.p++ != '-')
        return FILES_RANGE_NONE;
    if (c.p < c.end && *c.p >= '0' && *c.p <= '9')
        digits(&c, &b);
    if (!only_ows_left(&c) || b < a) /* a list of ranges, or last < first: ignore the field */
        return FILES_RANGE_NONE;
    if (a >= size)
        return FILES_RANGE_UNSATISFIABLE;
    *first = a;
    *last = b >= size ? size - 1 : b;
    return FILES_RANGE_OK;
}
