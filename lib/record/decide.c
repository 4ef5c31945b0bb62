/* SPDX-License-Identifier: Apache-2.0 */
/* decide.c - whether the kernel may take a connection's records (see decide.h). */
#include "config.h"

#include "decide.h"

#include <stdio.h>

#include "kernel/kernel_caps.h"

/* The kernel always sends records of 2^14 bytes of plaintext (TLS 1.3: 2^14 - 1 with the inner type, as mbedTLS counts). */
#define KERNEL_RECORD_PLAINTEXT_13 16383
#define KERNEL_RECORD_PLAINTEXT_12 16384

const char *ktla__offload_refusal(enum ktla_offload_policy policy, int fd, enum ktla_tls_version version,
                                  enum ktla_cipher cipher, size_t max_out, char *buf, size_t size)
{
    if (policy == KTLA_OFFLOAD_POLICY_NEVER)
        return "offload disabled by the configuration (KTLA_OFFLOAD_POLICY_NEVER)";
    if (fd < 0)
        return "no socket to hand the keys to (caller-moved I/O without ktla_set_fd())";
    if (ktla__kernel_refuses(version, cipher, buf, size))
        return buf;
    /* A smaller negotiated limit would break the peer. */
    if (max_out < (version == KTLA_TLS_1_3 ? KERNEL_RECORD_PLAINTEXT_13 : KERNEL_RECORD_PLAINTEXT_12)) {
        snprintf(buf, size, "the client limited records to %zu bytes (max_fragment_length); the kernel sends 16 KiB",
                 max_out);
        return buf;
    }
    return NULL;
}
