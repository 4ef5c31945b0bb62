/* SPDX-License-Identifier: Apache-2.0 */
/* engine.c - starting the engine decide.c chose, and the calls the control code makes on either (see engine.h). */
#include "config.h"

#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "install.h"
#include "kernel/ktls.h"
#include "wire/tls_wire.h"
#include "user_engine.h"

static int set_offload(ktla_conn *conn, enum ktla_offload where, const char *why)
{
    for (int d = 0; d < 2; d++) {
        conn->offload[d] = where;
        if (why && (conn->offload_reason[d] = strdup(why)) == NULL) {
            ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, ENOMEM, -1, "out of memory recording where the records go");
            return -1;
        }
    }
    conn->state = KTLA__ESTABLISHED;
    return 1;
}

int ktla__record_engine_start(ktla_conn *conn, const struct ktla__traffic_keys *tx,
                              const struct ktla__traffic_keys *rx, size_t max_out)
{
    char why[256];
    int rc = ktla__kernel_take_keys(conn->cfg->offload, conn->fd, max_out, tx, rx, why, sizeof why);

    if (rc == 0)
        return set_offload(conn, KTLA_OFFLOAD_KERNEL, NULL);
    if (rc != KTLA_E_UNSUPPORTED) {
        int err = errno;
        /* No way back to user space: end the connection, so that the peer sees it end rather than hang. */
        shutdown(conn->fd, SHUT_RDWR);
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, err, -1,
                        "the kernel refused the keys after the TLS ULP was attached (%s); the connection is shut "
                        "down rather than sent in clear",
                        why);
        return -1;
    }
    /* Refused (the policy, the kernel, or its ULP): the socket is untouched, and the records stay here. */
    if (ktla__user_engine_start(conn, tx, rx, max_out) != 0) {
        ktla__conn_fail(conn, KTLA_ERROR_SYSCALL, ENOMEM, -1,
                        "the user-space record layer could not be set up (out of memory, or PSA refused the key)");
        return -1;
    }
    return set_offload(conn, KTLA_OFFLOAD_USER, why);
}

int ktla__record_in_user_space(const ktla_conn *conn)
{
    return conn->user != NULL;
}

int ktla__record_send_control(ktla_conn *conn, unsigned char type, const void *data, size_t len)
{
    if (conn->user)
        return ktla__user_send_control(conn, type, data, len);
    return ktla__ktls_send_control(conn->fd, type, data, len);
}

int ktla__record_set_keys(ktla_conn *conn, enum ktla_direction dir, const struct ktla__traffic_keys *keys)
{
    if (conn->user)
        return ktla__user_set_keys(conn, dir, keys);
    return ktla__ktls_set_keys(conn->fd, dir, keys);
}

void ktla__record_fatal_alert(ktla_conn *conn, unsigned char description)
{
    if (conn->user)
        ktla__user_fatal_alert(conn, description);
    else
        (void)ktla__ktls_send_alert(conn->fd, TLS_ALERT_LEVEL_FATAL, description);
}
