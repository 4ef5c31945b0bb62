/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_keyring.h - the kernel keys a handshake request names: PSKs,
 * certificates and private keys (keyrings(7), keyctl(2)).
 *
 * The raw keyctl(2) syscalls, not libkeyutils: three calls do not need a
 * library.  A key's payload is a secret when it is a PSK or a private key:
 * hsd_key_read() wipes what it read when it fails, and callers wipe the
 * buffer after use.
 */
#ifndef KTLA_HSD_KEYRING_H
#define KTLA_HSD_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#define HSD_KEY_TYPE_MAX 64   /* the kernel's key type names are short ("user", "psk", "asymmetric") */
#define HSD_KEY_DESC_MAX 4096 /* the kernel's limit on a description, with its NUL */

/* What KEYCTL_DESCRIBE says about a key: "type;uid;gid;perm;description". */
struct hsd_key_desc {
    char type[HSD_KEY_TYPE_MAX];
    char description[HSD_KEY_DESC_MAX];
};

/*
 * Parse a KEYCTL_DESCRIBE answer of len bytes (its NUL, if any, ends it).
 * The description is what follows the fourth ';' and may itself hold ';'.
 * 0, or -1 when a field is missing, empty where it must not be, or too long.
 */
int hsd_key_describe_parse(const char *buf, size_t len, struct hsd_key_desc *out);

/* KEYCTL_DESCRIBE serial into out: 0 or -errno. */
int hsd_key_describe(int32_t serial, struct hsd_key_desc *out);

/*
 * KEYCTL_READ serial's payload into buf: its length, or -errno (-EMSGSIZE
 * when it is longer than size; buf is then wiped).
 */
long hsd_key_read(int32_t serial, void *buf, size_t size);

/* KEYCTL_SEARCH keyring (and the keyrings linked from it) for type/description: a serial or -errno. */
int32_t hsd_key_search(int32_t keyring, const char *type, const char *description);

/* The agent's session keyring (KEY_SPEC_SESSION_KEYRING), searched when a request names no keyring. */
#define HSD_SESSION_KEYRING (-3)

#endif
