/* kernel_caps.c - the once-per-process kTLS probe behind the hand-off's cipher check. */
#include "config.h"

#include "kernel_caps.h"

#include <pthread.h>
#include <stdio.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static ktla_probe *probe; /* never freed: one small block for the life of the process */

static void run_probe(void)
{
    if (ktla_probe_run(&probe) != 0)
        probe = NULL; /* no loopback: the hand-off just tries */
}

int ktla__kernel_refuses(enum ktla_tls_version version, enum ktla_cipher cipher, char *why, size_t size)
{
    static const enum ktla_direction dirs[] = {KTLA_DIR_TX, KTLA_DIR_RX};

    pthread_once(&once, run_probe);
    /* Without the ULP at probe time, the module may have been loaded since: let the hand-off try. */
    if (probe == NULL || !ktla_probe_ulp_available(probe))
        return 0;
    for (int d = 0; d < 2; d++)
        if (!ktla_probe_key_accepted(probe, version, cipher, dirs[d])) {
            snprintf(why, size, "kernel %s does not offload %s %s: %s", ktla_probe_kernel_release(probe),
                     ktla_tls_version_name(version), ktla_cipher_name(cipher),
                     ktla_probe_key_reason(probe, version, cipher, dirs[d]));
            return 1;
        }
    return 0;
}
