/* SPDX-License-Identifier: Apache-2.0 */
/* kernel_caps.c - the once-per-process kTLS probe behind the hand-off's cipher check. */
#include "config.h"

#include "kernel_caps.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/*
 * How long "this kernel has no TLS ULP" is believed after a hand-off heard
 * it.  Without it every hand-off on such a kernel derives both directions'
 * keys only to hear the same ENOENT (callgrind: +15 % of the instructions of
 * a resumed TLS 1.2 handshake); the module may be loaded later, so the answer
 * expires and the next hand-off asks the kernel again.
 */
#define ULP_MISSING_BELIEVED_NS 1000000000LL

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int probed;
static ktla_probe *probe; /* one small block for the life of the process (or until a reset) */
static long long ulp_missing_until;      /* CLOCK_MONOTONIC ns; 0: not heard, or expired */
static char ulp_missing_why[192];

static long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

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
    ulp_missing_until = 0;
    pthread_mutex_unlock(&lock);
}

void ktla__kernel_note_ulp_missing(const char *why)
{
    pthread_mutex_lock(&lock);
    snprintf(ulp_missing_why, sizeof ulp_missing_why, "%s", why);
    ulp_missing_until = now_ns() + ULP_MISSING_BELIEVED_NS;
    pthread_mutex_unlock(&lock);
}

/* 1 with the reason while a hand-off's "no TLS ULP" is still believed. */
static int ulp_recently_missing(char *why, size_t size)
{
    int missing;

    pthread_mutex_lock(&lock);
    missing = ulp_missing_until != 0 && now_ns() < ulp_missing_until;
    if (missing)
        snprintf(why, size, "%s", ulp_missing_why);
    else
        ulp_missing_until = 0;
    pthread_mutex_unlock(&lock);
    return missing;
}

int ktla__kernel_refuses(enum ktla_tls_version version, enum ktla_cipher cipher, char *why, size_t size)
{
    static const enum ktla_direction dirs[] = {KTLA_DIR_TX, KTLA_DIR_RX};
    const ktla_probe *p;

    if (ulp_recently_missing(why, size))
        return 1;
    p = cached_probe();
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
