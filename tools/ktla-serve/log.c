/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c - the access log: standard output or an append-only file.
 *
 * Each line is formatted whole by its worker and written with one write():
 * lines from different threads never interleave (O_APPEND for files; pipes
 * keep writes below PIPE_BUF whole), and no lock is held while writing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"
#include "tool_io.h"

static int log_fd = STDOUT_FILENO;

int log_open(const char *path)
{
    if (path == NULL) {
        log_fd = STDOUT_FILENO;
        return 0;
    }
    log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return log_fd < 0 ? -1 : 0;
}

void log_close(void)
{
    if (log_fd != STDOUT_FILENO && log_fd >= 0)
        close(log_fd);
    log_fd = STDOUT_FILENO;
}

void log_line(const char *line, size_t len)
{
    (void)tool_write_all(log_fd, line, len); /* a full disk or a closed pipe must not stop the server */
}

void log_escape(char *out, size_t size, const char *s, size_t len)
{
    size_t n = 0;

    if (size == 0)
        return;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        int plain = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';
        if (n + (plain ? 1 : 4) >= size)
            break;
        if (plain)
            out[n++] = (char)ch;
        else
            n += (size_t)snprintf(out + n, size - n, "\\x%02x", ch);
    }
    out[n] = '\0';
}
