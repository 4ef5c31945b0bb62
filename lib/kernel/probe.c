/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe.c - what this kernel's TLS offload accepts, found by trying it.
 *
 * Version numbers lie (distributions backport, modules may be absent), so
 * every answer comes from a real setsockopt on a real loopback connection.
 * Each key is tried on a fresh connection: a direction's keys can be set
 * only once per socket.
 */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ktla.h"
#include "ktls.h"

/* A key reason may wrap the ULP reason in "no kTLS: ". */
#define ULP_REASON_SIZE 160
#define KEY_REASON_SIZE (ULP_REASON_SIZE + 16)
#define N_VERSIONS 2

struct probe_cell {
    int accepted;
    char reason[KEY_REASON_SIZE];
};

struct ktla_probe {
    char kernel_release[sizeof(((struct utsname *)0)->release)];
    int ulp_available;
    char ulp_reason[ULP_REASON_SIZE];
    struct probe_cell cells[N_VERSIONS][KTLA_CIPHER_COUNT][2];
};

/* A connected pair over 127.0.0.1: *server is the accepted end. */
struct loopback {
    int listener;
    struct sockaddr_in addr;
};

static int loopback_open(struct loopback *lb)
{
    socklen_t len = sizeof lb->addr;

    memset(&lb->addr, 0, sizeof lb->addr);
    lb->addr.sin_family = AF_INET;
    lb->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lb->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lb->listener < 0)
        return -1;
    if (bind(lb->listener, (struct sockaddr *)&lb->addr, sizeof lb->addr) != 0 || listen(lb->listener, 4) != 0 ||
        getsockname(lb->listener, (struct sockaddr *)&lb->addr, &len) != 0) {
        int saved = errno;
        close(lb->listener);
        errno = saved;
        return -1;
    }
    return 0;
}

/*
 * How many connections from others the probe throws away while waiting for
 * its own: any local user can connect to the loopback listener, and one that
 * won the race would otherwise be probed in place of ours (a socket it then
 * closes reads as "ULP refused" for the life of the process).  Past this
 * many, the probe gives up rather than answer from someone else's socket.
 */
#define MAX_FOREIGN_CONNECTIONS 64

static int same_endpoint(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_family == b->sin_family && a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/* Accept the connection whose peer is exactly `own` (address and port); close any other. */
static int accept_own(const struct loopback *lb, const struct sockaddr_in *own)
{
    for (int foreign = 0; foreign <= MAX_FOREIGN_CONNECTIONS; foreign++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int fd = accept4(lb->listener, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return -1;
        }
        if (len == sizeof peer && same_endpoint(&peer, own))
            return fd;
        close(fd);
    }
    errno = ECONNREFUSED;
    return -1;
}

static int loopback_pair(const struct loopback *lb, int *client, int *server)
{
    struct sockaddr_in own;
    socklen_t len = sizeof own;

    *client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*client < 0)
        return -1;
    if (connect(*client, (const struct sockaddr *)&lb->addr, sizeof lb->addr) != 0 ||
        getsockname(*client, (struct sockaddr *)&own, &len) != 0 || (*server = accept_own(lb, &own)) < 0) {
        int saved = errno;
        close(*client);
        errno = saved;
        return -1;
    }
    return 0;
}

static int version_index(enum ktla_tls_version version)
{
    switch (version) {
    case KTLA_TLS_1_2:
        return 0;
    case KTLA_TLS_1_3:
        return 1;
    default:
        return -1;
    }
}

static const enum ktla_tls_version probe_versions[N_VERSIONS] = {KTLA_TLS_1_2, KTLA_TLS_1_3};

/* Throw-away keys: any bytes will do, the kernel only checks the shape. */
static void dummy_keys(struct ktla__traffic_keys *k, enum ktla_tls_version version, enum ktla_cipher cipher)
{
    memset(k, 0, sizeof *k);
    k->version = version;
    k->cipher = cipher;
    for (size_t i = 0; i < sizeof k->key; i++)
        k->key[i] = (unsigned char)(0xa0 + i);
    for (size_t i = 0; i < sizeof k->iv; i++)
        k->iv[i] = (unsigned char)(0x50 + i);
    k->seq = 1;
}

static void set_all_keys_refused(struct ktla_probe *p, const char *why)
{
    for (int v = 0; v < N_VERSIONS; v++)
        for (int c = 0; c < KTLA_CIPHER_COUNT; c++)
            for (int d = 0; d < 2; d++) {
                p->cells[v][c][d].accepted = 0;
                snprintf(p->cells[v][c][d].reason, KEY_REASON_SIZE, "no kTLS: %s", why);
            }
}

/* One attempt on a fresh connection; fills the cell.  Returns -1 if no connection could be made. */
static int probe_one(const struct loopback *lb, struct probe_cell *cell, enum ktla_tls_version version,
                     enum ktla_cipher cipher, enum ktla_direction dir)
{
    struct ktla__traffic_keys keys;
    int client, server, rc;

    if (loopback_pair(lb, &client, &server) != 0)
        return -1;
    rc = ktla__ktls_attach_ulp(server);
    if (rc == 0) {
        dummy_keys(&keys, version, cipher);
        rc = ktla__ktls_set_keys(server, dir, &keys);
        explicit_bzero(&keys, sizeof keys);
        if (rc != 0)
            ktla__ktls_reason(KTLA__STEP_KEYS, dir, -rc, cell->reason, sizeof cell->reason);
    } else {
        ktla__ktls_reason(KTLA__STEP_ULP, dir, -rc, cell->reason, sizeof cell->reason);
    }
    cell->accepted = rc == 0;
    if (cell->accepted)
        cell->reason[0] = '\0';
    close(server);
    close(client);
    return 0;
}

static int probe_ulp(struct ktla_probe *p, const struct loopback *lb)
{
    int client, server, rc;

    if (loopback_pair(lb, &client, &server) != 0)
        return -1;
    rc = ktla__ktls_attach_ulp(server);
    p->ulp_available = rc == 0;
    if (rc != 0)
        ktla__ktls_reason(KTLA__STEP_ULP, KTLA_DIR_TX, -rc, p->ulp_reason, sizeof p->ulp_reason);
    close(server);
    close(client);
    return 0;
}

int ktla_probe_run(ktla_probe **out)
{
    struct ktla_probe *p;
    struct loopback lb;
    struct utsname uts;
    int saved;

    if (out == NULL)
        return KTLA_E_INVAL;
    *out = NULL;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return KTLA_E_NOMEM;
    if (uname(&uts) == 0)
        memcpy(p->kernel_release, uts.release, sizeof p->kernel_release);
    if (loopback_open(&lb) != 0)
        goto no_loopback;
    if (probe_ulp(p, &lb) != 0)
        goto no_loopback_close;
    if (!p->ulp_available) {
        set_all_keys_refused(p, p->ulp_reason);
    } else {
        for (int v = 0; v < N_VERSIONS; v++)
            for (int c = 0; c < KTLA_CIPHER_COUNT; c++)
                for (int d = 0; d < 2; d++)
                    if (probe_one(&lb, &p->cells[v][c][d], probe_versions[v], (enum ktla_cipher)c,
                                  (enum ktla_direction)d) != 0)
                        goto no_loopback_close;
    }
    close(lb.listener);
    *out = p;
    return 0;

no_loopback_close:
    saved = errno;
    close(lb.listener);
    errno = saved;
no_loopback:
    saved = errno;
    free(p);
    errno = saved;
    return KTLA_E_LOOPBACK;
}

void ktla_probe_free(ktla_probe *probe)
{
    free(probe);
}

const char *ktla_probe_kernel_release(const ktla_probe *probe)
{
    return probe ? probe->kernel_release : "";
}

int ktla_probe_ulp_available(const ktla_probe *probe)
{
    return probe ? probe->ulp_available : 0;
}

const char *ktla_probe_ulp_reason(const ktla_probe *probe)
{
    if (probe == NULL)
        return "no probe";
    return probe->ulp_available ? NULL : probe->ulp_reason;
}

static const struct probe_cell *cell_of(const ktla_probe *probe, enum ktla_tls_version version,
                                        enum ktla_cipher cipher, enum ktla_direction dir)
{
    int v = version_index(version);

    if (probe == NULL || v < 0 || (unsigned)cipher >= KTLA_CIPHER_COUNT || (dir != KTLA_DIR_TX && dir != KTLA_DIR_RX))
        return NULL;
    return &probe->cells[v][cipher][dir];
}

int ktla_probe_key_accepted(const ktla_probe *probe, enum ktla_tls_version version, enum ktla_cipher cipher,
                            enum ktla_direction dir)
{
    const struct probe_cell *cell = cell_of(probe, version, cipher, dir);
    return cell ? cell->accepted : 0;
}

const char *ktla_probe_key_reason(const ktla_probe *probe, enum ktla_tls_version version, enum ktla_cipher cipher,
                                  enum ktla_direction dir)
{
    const struct probe_cell *cell = cell_of(probe, version, cipher, dir);

    if (cell == NULL)
        return "not a TLS version, cipher and direction ktla knows";
    return cell->accepted ? NULL : cell->reason;
}
