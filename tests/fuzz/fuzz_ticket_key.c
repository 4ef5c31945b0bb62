/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_ticket_key.c - the session ticket key file
 * (ktla_config_set_ticket_key_file: 1 to 8 keys of 36 bytes, each 4 naming
 * the key and 32 of AES-256-GCM key; the first seals, all open), given any
 * content, then the configuration built with it.  The file is a memfd with
 * mode 0600, named by /proc/self/fd.
 *
 * Oracles: a file of 1 to 8 distinct 36-byte keys is taken and builds; any
 * other size, or a key repeated, is refused with KTLA_E_PARSE and a reason.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_fixture.h"
#include "fuzz.h"

#define KEY_LEN 36
#define MAX_KEYS 8

/* What the file should be: 1 to MAX_KEYS whole keys, none twice. */
static int well_formed(const uint8_t *data, size_t size)
{
    if (size == 0 || size % KEY_LEN != 0 || size > MAX_KEYS * KEY_LEN)
        return 0;
    for (size_t i = KEY_LEN; i < size; i += KEY_LEN)
        for (size_t j = 0; j < i; j += KEY_LEN)
            if (memcmp(data + i, data + j, KEY_LEN) == 0)
                return 0;
    return 1;
}

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
    if (well_formed(data, size) != (rc == 0) || (rc != 0 && (rc != KTLA_E_PARSE || ktla_config_error(cfg)[0] == '\0')))
        abort();
    if (rc == 0)
        config_fixture_must_build(cfg);
    close(fd);
    ktla_config_free(cfg);
    return 0;
}
