/* SPDX-License-Identifier: Apache-2.0 */
/* tool_io.h - file descriptor helpers the tools share. */
#ifndef KTLA_TOOL_IO_H
#define KTLA_TOOL_IO_H

#include <stddef.h>

/* Write all len bytes to fd, going on after EINTR and short writes; 0, or -1 (errno set; EIO for a write of 0). */
int tool_write_all(int fd, const void *data, size_t len);

#endif
