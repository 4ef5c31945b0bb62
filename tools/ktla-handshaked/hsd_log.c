/* SPDX-License-Identifier: Apache-2.0 */
/* hsd_log.c - ktla-handshaked's log lines (hsd_log.h). */
#include "hsd_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tool_io.h"

#define LOG_PREFIX "ktla-handshaked: "
/* Below PIPE_BUF (4096 on Linux), so that one write() to a pipe is never split. */
#define LOG_LINE_MAX 1024

void hsd_log(const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    size_t prefix = sizeof LOG_PREFIX - 1, room = sizeof line - 1; /* the newline's byte kept back */
    va_list ap;
    int n;

    memcpy(line, LOG_PREFIX, prefix);
    va_start(ap, fmt);
    n = vsnprintf(line + prefix, room - prefix, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= room - prefix)
        n = (int)(room - prefix - 1); /* cut to what vsnprintf() wrote */
    line[prefix + (size_t)n] = '\n';
    (void)tool_write_all(STDERR_FILENO, line, prefix + (size_t)n + 1); /* a closed stderr must not stop the agent */
}
