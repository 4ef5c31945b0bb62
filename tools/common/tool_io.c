/* SPDX-License-Identifier: Apache-2.0 */
/* tool_io.c - writing a whole buffer to a file descriptor. */
#include "tool_io.h"

#include <errno.h>
#include <unistd.h>

int tool_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
