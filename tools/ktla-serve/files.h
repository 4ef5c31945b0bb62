/* SPDX-License-Identifier: Apache-2.0 */
/*
 * files.h - from a decoded request path to an open file under the root,
 * its media type, and the byte range asked for.
 */
#ifndef KTLA_SERVE_FILES_H
#define KTLA_SERVE_FILES_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>

/* The served directory, opened once; shared read-only by the workers. */
struct files_root {
    int fd;               /* O_PATH | O_DIRECTORY */
    char real[PATH_MAX];  /* its canonical path, for the fallback check */
    size_t real_len;
};

/* 0, or -1 with errno (printed by the caller). */
int files_root_open(struct files_root *root, const char *dir);
void files_root_close(struct files_root *root);

/*
 * Open the regular file at path (decoded, starting with '/') beneath the
 * root: a directory gives its index.html.  Nothing outside the root is ever
 * opened, whatever the symlinks say: openat2(RESOLVE_BENEATH) where the
 * kernel has it, else open and then check the opened file's real path.
 * Returns 200 with *fd and *st set, 301 (a directory named without its
 * trailing '/'), 403 (outside the root, or not a regular file), or 404.
 */
int files_open(const struct files_root *root, const char *path, int *fd, struct stat *st);

/* For tests: never use openat2, as on kernels before 5.6. */
void files_force_fallback(int on);

/* The media type for the path's extension; application/octet-stream if unknown. */
const char *files_mime_type(const char *path);

enum files_range {
    FILES_RANGE_NONE,          /* no usable Range: send the whole file (200) */
    FILES_RANGE_OK,            /* send [*first, *last] (206) */
    FILES_RANGE_UNSATISFIABLE, /* 416 */
};

/*
 * A Range value (RFC 9110 14.2) against a file of size bytes: one
 * "bytes=a-b", "bytes=a-" or "bytes=-n".  Several ranges, other units or
 * bad syntax are ignored (the whole file is sent), as the RFC allows.
 */
enum files_range files_parse_range(const char *v, size_t len, unsigned long long size, unsigned long long *first,
                                   unsigned long long *last);

#endif
