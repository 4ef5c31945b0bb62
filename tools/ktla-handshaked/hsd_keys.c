/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_keys.c - the kernel keys a handshake request names, into its ktla
 * config.
 *
 * What the keys are (the kernel's net/handshake spec, nvme-tcp's keyring,
 * and what tlshd of ktls-utils expects of them): a PSK key's description is
 * the TLS identity and its payload the key; a server finds a client's PSK
 * by searching the request's keyring for a key of that description (NVMe
 * makes them of type "psk"; "user" keys serve as well, so an administrator
 * can add one with keyctl); certificates and private keys are DER payloads.
 * Before Linux 6.17 a request carries no keyring attribute: the kernel links
 * the consumer's keyring into the accepting process's keyring instead, so
 * the process keyring is searched, then the session keyring (where an
 * administrator may link one).  Payloads that are secrets are wiped here
 * after use; ktla keeps its own copy and wipes that.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsd_keyring.h"
#include "hsd_keys.h"
#include "hsd_proto.h"

#define HSD_PROCESS_KEYRING (-2)

/* The key types a PSK may have, searched in this order. */
static const char *const psk_types[] = {"psk", "user"};

static int is_psk_type(const char *type)
{
    for (size_t i = 0; i < sizeof psk_types / sizeof psk_types[0]; i++)
        if (strcmp(type, psk_types[i]) == 0)
            return 1;
    return 0;
}

static int failed(int err, char *why, size_t why_size, const char *what, int32_t serial)
{
    snprintf(why, why_size, "%s (key %d): %s", what, (int)serial, strerror(err));
    return -err;
}

/* Read serial's payload into buf: its length, or -errno (an empty payload is -ENODATA) with why filled. */
static long read_key(int32_t serial, void *buf, size_t size, const char *what, char *why, size_t why_size)
{
    long n = hsd_key_read(serial, buf, size);

    if (n == 0)
        n = -ENODATA;
    if (n < 0)
        failed((int)-n, why, why_size, what, serial);
    return n;
}

int hsd_keys_add_cert(ktla_config *cfg, const struct hsd_request *req, char *why, size_t why_size)
{
    const struct hsd_cert_serials *s = &req->certs[0];
    unsigned char *crt, *key;
    long ncrt, nkey;
    int rc;

    if (req->n_certs == 0 || s->cert == HSD_NO_KEY)
        return 0;
    if (s->privkey == HSD_NO_KEY)
        return failed(EINVAL, why, why_size, "a certificate without a private key", s->cert);
    crt = malloc(HSD_KEY_PAYLOAD_MAX);
    key = malloc(HSD_KEY_PAYLOAD_MAX);
    if (crt == NULL || key == NULL) {
        free(crt);
        free(key);
        return failed(ENOMEM, why, why_size, "reading the certificate", s->cert);
    }
    ncrt = read_key(s->cert, crt, HSD_KEY_PAYLOAD_MAX, "reading the certificate", why, why_size);
    nkey = ncrt < 0 ? ncrt : read_key(s->privkey, key, HSD_KEY_PAYLOAD_MAX, "reading the private key", why, why_size);
    rc = (int)nkey;
    if (nkey > 0) {
        rc = ktla_config_add_cert_mem(cfg, crt, (size_t)ncrt, key, (size_t)nkey, NULL) == 0 ? 1 : -EINVAL;
        if (rc < 0)
            snprintf(why, why_size, "certificate %d / private key %d from the keyring: %s", (int)s->cert,
                     (int)s->privkey, ktla_config_error(cfg));
    }
    explicit_bzero(key, HSD_KEY_PAYLOAD_MAX);
    free(key);
    free(crt);
    return rc;
}

int hsd_keys_set_client_psk(ktla_config *cfg, const struct hsd_request *req, int32_t *serial, char *why,
                            size_t why_size)
{
    struct hsd_key_desc desc;
    unsigned char key[KTLA_PSK_MAX_KEY];
    long n;
    int rc;

    if (req->n_peer_ids == 0)
        return failed(ENOKEY, why, why_size, "a PSK request without a key", HSD_NO_KEY);
    *serial = req->peer_ids[0];
    rc = hsd_key_describe(*serial, &desc);
    if (rc < 0)
        return failed(-rc, why, why_size, "describing the PSK", *serial);
    if (!is_psk_type(desc.type)) {
        snprintf(why, why_size, "key %d is of type %s, not a PSK (psk or user)", (int)*serial, desc.type);
        return -EKEYREJECTED;
    }
    n = read_key(*serial, key, sizeof key, "reading the PSK", why, why_size);
    if (n < 0)
        return (int)n;
    rc = ktla_config_set_psk(cfg, desc.description, strlen(desc.description), key, (size_t)n);
    explicit_bzero(key, sizeof key);
    if (rc != 0) {
        snprintf(why, why_size, "PSK %d: %s", (int)*serial, ktla_config_error(cfg));
        return -EINVAL;
    }
    return 0;
}

void hsd_psk_search_init(struct hsd_psk_search *s, const struct hsd_request *req)
{
    memset(s, 0, sizeof *s);
    if (req->keyring != 0) {
        s->keyrings[0] = (int32_t)req->keyring;
    } else {
        s->keyrings[0] = HSD_PROCESS_KEYRING;
        s->keyrings[1] = HSD_SESSION_KEYRING;
    }
}

size_t hsd_psk_lookup(void *arg, const unsigned char *identity, size_t identity_len, unsigned char *key,
                      size_t key_size)
{
    struct hsd_psk_search *s = arg;
    char name[HSD_KEY_DESC_MAX];

    /* A description is a C string: an identity with a NUL in it, or too long, names no key. */
    if (identity_len == 0 || identity_len >= sizeof name || memchr(identity, '\0', identity_len))
        return 0;
    memcpy(name, identity, identity_len);
    name[identity_len] = '\0';
    for (size_t r = 0; r < sizeof s->keyrings / sizeof s->keyrings[0] && s->keyrings[r] != 0; r++)
        for (size_t t = 0; t < sizeof psk_types / sizeof psk_types[0]; t++) {
            int32_t serial = hsd_key_search(s->keyrings[r], psk_types[t], name);
            long n;

            if (serial <= 0)
                continue;
            n = hsd_key_read(serial, key, key_size);
            if (n <= 0)
                continue;
            s->found = serial;
            return (size_t)n;
        }
    return 0;
}
