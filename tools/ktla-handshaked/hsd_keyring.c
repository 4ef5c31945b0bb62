/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_keyring.c - read the kernel keys a handshake request names.
 *
 * The kernel's consumers (nvme-tcp and nvmet with TLS, NFS with xprtsec)
 * name keys by serial: a client's PSK (its description is the TLS identity,
 * its payload the key), a certificate and private key (DER payloads), or a
 * keyring in which a server looks the client's identity up.  Facts from
 * keyctl(2) and from what tlshd (ktls-utils) expects of these keys; the code
 * is ours.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hsd_keyring.h"

/* keyctl(2) operations (linux/keyctl.h). */
#define HSD_KEYCTL_DESCRIBE 6
#define HSD_KEYCTL_SEARCH 10
#define HSD_KEYCTL_READ 11

#define DESCRIBE_FIELDS_BEFORE_DESC 4 /* type, uid, gid, perm */

static void wipe(void *buf, size_t len)
{
    /* explicit_bzero: the compiler may not drop it as a dead store. */
    explicit_bzero(buf, len);
}

int hsd_key_describe_parse(const char *buf, size_t len, struct hsd_key_desc *out)
{
    const char *end, *p = buf, *semi;
    size_t n;

    memset(out, 0, sizeof *out);
    end = memchr(buf, '\0', len);
    if (end == NULL)
        end = buf + len;
    /* The type: up to the first ';', not empty. */
    semi = memchr(p, ';', (size_t)(end - p));
    if (semi == NULL || semi == p || (size_t)(semi - p) >= sizeof out->type)
        return -1;
    memcpy(out->type, p, (size_t)(semi - p));
    p = semi + 1;
    /* uid, gid, perm: skipped, but each must be there. */
    for (int i = 1; i < DESCRIBE_FIELDS_BEFORE_DESC; i++) {
        semi = memchr(p, ';', (size_t)(end - p));
        if (semi == NULL)
            return -1;
        p = semi + 1;
    }
    n = (size_t)(end - p);
    if (n == 0 || n >= sizeof out->description)
        return -1;
    memcpy(out->description, p, n);
    return 0;
}

int hsd_key_describe(int32_t serial, struct hsd_key_desc *out)
{
    char buf[HSD_KEY_TYPE_MAX + 64 + HSD_KEY_DESC_MAX];
    long n = syscall(SYS_keyctl, HSD_KEYCTL_DESCRIBE, (long)serial, buf, sizeof buf);

    if (n < 0)
        return -errno;
    if ((size_t)n > sizeof buf)
        return -EMSGSIZE;
    return hsd_key_describe_parse(buf, (size_t)n, out) == 0 ? 0 : -EBADMSG;
}

long hsd_key_read(int32_t serial, void *buf, size_t size)
{
    long n = syscall(SYS_keyctl, HSD_KEYCTL_READ, (long)serial, buf, size);

    if (n < 0) {
        int err = errno;
        wipe(buf, size);
        return -err;
    }
    /* KEYCTL_READ returns the payload's whole length and copies only what fits. */
    if ((size_t)n > size) {
        wipe(buf, size);
        return -EMSGSIZE;
    }
    return n;
}

int32_t hsd_key_search(int32_t keyring, const char *type, const char *description)
{
    long n = syscall(SYS_keyctl, HSD_KEYCTL_SEARCH, (long)keyring, type, description, 0L);

    return n < 0 ? -errno : (int32_t)n;
}
