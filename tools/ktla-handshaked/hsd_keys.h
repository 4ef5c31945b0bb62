/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_keys.h - put the kernel keys a request names into its ktla config:
 * a client's PSK, a server's PSK lookup in the request's keyring, and a
 * certificate with its private key given as key serials.
 */
#ifndef KTLA_HSD_KEYS_H
#define KTLA_HSD_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <ktla.h>

#include "hsd_request.h"

#define HSD_KEY_PAYLOAD_MAX 16384 /* a certificate or private key in DER; more is refused */

/*
 * The certificate and private key of req's first certificate nest, read
 * from the keyring (DER) into cfg.  1 when they were added, 0 when the
 * request names none (the config file's serve), -errno with why filled.
 */
int hsd_keys_add_cert(ktla_config *cfg, const struct hsd_request *req, char *why, size_t why_size);

/*
 * A client's PSK: the request's first peer identity is a key whose
 * description is the TLS identity and whose payload is the key (type "psk",
 * as nvme-tcp's keyring makes them, or "user").  0 and *serial set, or
 * -errno with why filled.
 */
int hsd_keys_set_client_psk(ktla_config *cfg, const struct hsd_request *req, int32_t *serial, char *why,
                            size_t why_size);

/* A server's lookup: where it searches, and the serial of the key it found (0: none yet). */
struct hsd_psk_search {
    int32_t keyrings[2]; /* searched in order; 0 ends the list */
    int32_t found;
};

/* The keyrings for req: its own (HSD_A_ACCEPT_KEYRING), else the agent's process and session keyrings. */
void hsd_psk_search_init(struct hsd_psk_search *s, const struct hsd_request *req);

/* ktla_psk_lookup_fn for ktla_config_set_psk_lookup(), with a struct hsd_psk_search as arg. */
size_t hsd_psk_lookup(void *arg, const unsigned char *identity, size_t identity_len, unsigned char *key,
                      size_t key_size);

#endif
