/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_hsd_keydesc.c - ktla-handshaked's reading of a key's KEYCTL_DESCRIBE
 * answer (hsd_key_describe_parse in tools/ktla-handshaked/hsd_keyring.c):
 * "type;uid;gid;perm;description", the description being a PSK identity.
 *
 * Input: the answer's bytes.  Seeds: a PSK as nvme-tcp makes them, a user
 * key, a description holding ';', missing fields.
 * Oracles: on success both strings are terminated within their buffers, the
 * type holds no ';' and neither is empty; on failure nothing is left behind.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hsd_keyring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct hsd_key_desc d;

    if (hsd_key_describe_parse((const char *)data, size, &d) == 0) {
        if (!memchr(d.type, '\0', sizeof d.type) || !memchr(d.description, '\0', sizeof d.description) ||
            d.type[0] == '\0' || d.description[0] == '\0' || strchr(d.type, ';'))
            abort();
    } else if (d.type[0] != '\0' && d.description[0] != '\0') {
        abort();
    }
    return 0;
}
