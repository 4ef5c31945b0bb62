/* SPDX-License-Identifier: Apache-2.0 */
/* kernel_caps.c - the once-per-process kTLS probe behind the hand-off's cipher check. */
#include "config.h"

#include "kernel_caps.h"

#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int probed;
static ktla_probe *probe; /* one small block for the life of the process (or until a reset) */

/* The probe's answer, run on first use; NULL when it could not run (no loopback). */
static const ktla_probe *cached_probe(void)
{
    const ktla_probe *p;

    pthread_mutex_lock(&lock);
    if (!probed) {
        if (ktla_probe_run(&probe) != 0)
            probe = NULL; /* no loopback: the hand-off just tries */
        probed = 1;
    }
    p = probe;
    pthread_mutex_unlock(&lock);
    return p;
}

void ktla__kernel_caps_reset(void)
{
    pthread_mutex_lock(&lock);
    ktla_probe_free(probe);
    probe = NULL;
    probed = 0;
    pthread_mutex_unlock(&lock);
}

int ktla__kernel_refuses(enum ktla_tls_version version, enum ktla_cipher cipher, char *why, size_t size)
{
    static const enum ktla_direction dirs[] = {KTLA_DIR_TX, KTLA_DIR_RX};
    const ktla_probe *p = cached_probe();

    /* Without the ULP at probe time, the module may have been loaded since: let the hand-off try. */
    if (p == NULL || !ktla_probe_ulp_available(p))
        return 0;
    for (int d = 0; d < 2; d++)
        if (!ktla_probe_key_accepted(p, version, cipher, dirs[d])) {
            snprintf(why, size, "kernel %s does not offload %s %s: %s", ktla_probe_kernel_release(p),
                     ktla_tls_version_name(version), ktla_cipher_name(cipher),
                     ktla_probe_key_reason(p, version, cipher, dirs[d]));
            return 1;
        }
    return 0;
}
