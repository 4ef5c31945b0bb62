/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ticket_key.c - the session ticket key file
 * (ktla_config_set_ticket_key_file: exactly 36 bytes, 4 naming the key and
 * 32 of AES-256-GCM key), given any content, then the configuration built
 * with it.  The file is a memfd with mode 0600, named by /proc/self/fd.
 *
 * Oracles: a file of exactly 36 bytes is taken and builds; any other size
 * is refused with KTLA_E_PARSE and a reason.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_fixture.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktla_config *cfg = config_fixture_new();
    int fd = memfd_create("ticket-key", MFD_CLOEXEC);
    char path[64];
    int rc;

    if (fd < 0 || fchmod(fd, 0600) != 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    rc = ktla_config_set_ticket_key_file(cfg, path);
    if ((size == 36) != (rc == 0) || (rc != 0 && (rc != KTLA_E_PARSE || ktla_config_error(cfg)[0] == '\0')))
        abort();
    if (rc == 0)
        config_fixture_must_build(cfg);
    close(fd);
    ktla_config_free(cfg);
    return 0;
}
