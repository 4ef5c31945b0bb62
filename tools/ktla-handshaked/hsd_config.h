/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_config.h - ktla-handshaked's config file (ktla-handshaked.conf(5)):
 * "key = value" lines, '#' comments.
 */
#ifndef KTLA_HSD_CONFIG_H
#define KTLA_HSD_CONFIG_H

#include <stddef.h>

#define HSD_CONFIG_DEFAULT_PATH "/etc/ktla/ktla-handshaked.conf"
#define HSD_PATH_MAX 4096

enum hsd_client_auth { HSD_CLIENT_AUTH_NONE, HSD_CLIENT_AUTH_OPTIONAL, HSD_CLIENT_AUTH_REQUIRED };

struct hsd_config {
    char server_certificate[HSD_PATH_MAX], server_private_key[HSD_PATH_MAX];
    char client_certificate[HSD_PATH_MAX], client_private_key[HSD_PATH_MAX];
    char ca_file[HSD_PATH_MAX]; /* "" : the system store (client); no client certificates verified (server) */
    enum hsd_client_auth client_auth;
    int allow_tls12; /* min_version = 1.2 */
};

/* Defaults: no certificates, ca_file "", client_auth optional, TLS 1.3 only. */
void hsd_config_defaults(struct hsd_config *cfg);

/* Parse text (len bytes, need not be NUL-terminated) over cfg.  0, or -1 with
 * "line N: why" in err. */
int hsd_config_parse(const char *text, size_t len, struct hsd_config *cfg, char *err, size_t errlen);

/* Read and parse the file at path over defaults.  0 or -1 with err. */
int hsd_config_load(const char *path, struct hsd_config *cfg, char *err, size_t errlen);

#endif
