/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_hsd_config.c - ktla-handshaked's config file parser
 * (hsd_config_parse in tools/ktla-handshaked/hsd_config.c).
 *
 * Input: the file's bytes.  Seeds: the example of ktla-handshaked.conf(5)
 * and a few bad lines.
 * Oracles: every path is terminated and within its buffer; the enums are in range.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "hsd_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct hsd_config cfg;
    char err[256] = ""; /* a successful parse leaves it alone */

    hsd_config_defaults(&cfg);
    if (hsd_config_parse((const char *)data, size, &cfg, err, sizeof err) == 0 &&
        (!memchr(cfg.server_certificate, '\0', HSD_PATH_MAX) || !memchr(cfg.ca_file, '\0', HSD_PATH_MAX) ||
         !memchr(cfg.client_private_key, '\0', HSD_PATH_MAX) || cfg.client_auth > HSD_CLIENT_AUTH_REQUIRED ||
         cfg.allow_tls12 > 1))
        abort();
    if (!memchr(err, '\0', sizeof err))
        abort();
    return 0;
}
