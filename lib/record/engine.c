/* SPDX-License-Identifier: Apache-2.0 */
/* engine.c - starting the engine install.c chose, and the calls the control code makes on either (engine.h). */
#include "config.h"

#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/platform_util.h>

#include "client_session.h"
#include "install.h"
#include "kernel/ktls.h"
#include "wire/tls_wire.h"
#include "user_engine.h"

int ktla__record_engine_start(struct ktla__record *rec, enum ktla_offload_policy policy,
                              const struct ktla__traffic_keys *tx, const struct ktla__traffic_keys *rx, size_t max_out,
                              char *why, size_t why_size)
{
    int rc = ktla__kernel_take_keys(policy, rec->own.fd, max_out, tx, rx, why, why_size);

    if (rc == 0)
        return KTLA_OFFLOAD_KERNEL;
    if (rc != KTLA_E_UNSUPPORTED) {
        int err = errno;
        /* No way back to user space: end the connection, so that the peer sees it end rather than hang. */
        shutdown(rec->own.fd, SHUT_RDWR);
        ktla__record_fail(rec, KTLA_ERROR_SYSCALL, err, -1,
                        "the kernel refused the keys after the TLS ULP was attached (%s); the connection is shut "
                        "down rather than sent in clear",
                        why);
        return -1;
    }
    /* Refused (the policy, the kernel, or its ULP): the socket is untouched, and the records stay here. */
    if (ktla__user_engine_start(rec, tx, rx, max_out) != 0) {
        ktla__record_fail(rec, KTLA_ERROR_SYSCALL, ENOMEM, -1,
                        "the user-space record layer could not be set up (out of memory, or PSA refused the key)");
        return -1;
    }
    return KTLA_OFFLOAD_USER;
}

int ktla__record_in_user_space(const struct ktla__record *rec)
{
    return rec->user != NULL;
}

int ktla__record_send_control(struct ktla__record *rec, unsigned char type, const void *data, size_t len)
{
    if (rec->user)
        return ktla__user_send_control(rec, type, data, len);
    return ktla__ktls_send_control(rec->own.fd, type, data, len);
}

int ktla__record_set_keys(struct ktla__record *rec, enum ktla_direction dir, const struct ktla__traffic_keys *keys)
{
    if (rec->user)
        return ktla__user_set_keys(rec, dir, keys);
    return ktla__ktls_set_keys(rec->own.fd, dir, keys);
}

void ktla__record_fatal_alert(struct ktla__record *rec, unsigned char description)
{
    if (rec->user)
        ktla__user_fatal_alert(rec, description);
    else
        (void)ktla__ktls_send_alert(rec->own.fd, TLS_ALERT_LEVEL_FATAL, description);
}

void ktla__record_free(struct ktla__record *rec)
{
    ktla__user_engine_free(rec);
    ktla__client_session_free(rec);
    if (rec->rekey) {
        mbedtls_platform_zeroize(rec->rekey, sizeof *rec->rekey);
        free(rec->rekey);
        rec->rekey = NULL;
    }
}
