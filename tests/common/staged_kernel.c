/* staged_kernel.c - a setsockopt whose answers the test sets (see staged_kernel.h). */
#include "staged_kernel.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "ktls.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

struct staged_kernel stage;

static int staged_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    int err = 0;

    (void)fd;
    stage.calls++;
    if (level == SOL_TCP && name == TCP_ULP) {
        err = stage.ulp_errno;
    } else if (level == SOL_TLS && name == TLS_TX) {
        err = stage.tx_errno;
        stage.tx_len = len;
        memcpy(stage.tx, value, len < sizeof stage.tx ? len : sizeof stage.tx);
    } else if (level == SOL_TLS && name == TLS_RX) {
        err = stage.rx_errno;
        stage.rx_len = len;
        memcpy(stage.rx, value, len < sizeof stage.rx ? len : sizeof stage.rx);
    }
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

void staged_kernel_install(void)
{
    ktla__setsockopt = staged_setsockopt;
}

void staged_kernel_remove(void)
{
    ktla__setsockopt = setsockopt;
}
