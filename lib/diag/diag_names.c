/* SPDX-License-Identifier: Apache-2.0 */
/* diag_names.c - printable names and kernel-number mappings of the diagnostics. */
#include "config.h"

#include <linux/tls.h>

#include "diag_internal.h"
#include "ktla.h"

const char *ktla_diag_conf_name(enum ktla_diag_conf conf)
{
    switch (conf) {
    case KTLA_DIAG_CONF_UNKNOWN:
        return "unknown";
    case KTLA_DIAG_CONF_BASE:
        return "base";
    case KTLA_DIAG_CONF_SW:
        return "software";
    case KTLA_DIAG_CONF_HW:
        return "device";
    case KTLA_DIAG_CONF_HW_RECORD:
        return "device-record";
    }
    return "unknown";
}

const char *ktla_diag_feature_name(enum ktla_diag_feature f)
{
    switch (f) {
    case KTLA_DIAG_FEATURE_ABSENT:
        return "absent";
    case KTLA_DIAG_FEATURE_OFF:
        return "off";
    case KTLA_DIAG_FEATURE_ON:
        return "on";
    case KTLA_DIAG_FEATURE_FIXED_OFF:
        return "fixed-off";
    case KTLA_DIAG_FEATURE_FIXED_ON:
        return "fixed-on";
    }
    return "unknown";
}

int ktla__diag_cipher_from_kernel(unsigned int type)
{
    switch (type) {
    case TLS_CIPHER_AES_GCM_128: /* 51 */
        return KTLA_CIPHER_AES_GCM_128;
    case TLS_CIPHER_AES_GCM_256: /* 52 */
        return KTLA_CIPHER_AES_GCM_256;
    case TLS_CIPHER_AES_CCM_128: /* 53 */
        return KTLA_CIPHER_AES_CCM_128;
    case TLS_CIPHER_CHACHA20_POLY1305: /* 54 */
        return KTLA_CIPHER_CHACHA20_POLY1305;
    default: /* SM4, ARIA: the kernel has them, ktla never installs them */
        return -1;
    }
}

enum ktla_diag_feature ktla__diag_feature_state(int hw, int active, int nochange)
{
    int fixed = !hw || nochange;

    if (active)
        return fixed ? KTLA_DIAG_FEATURE_FIXED_ON : KTLA_DIAG_FEATURE_ON;
    if (!hw)
        return KTLA_DIAG_FEATURE_ABSENT;
    return fixed ? KTLA_DIAG_FEATURE_FIXED_OFF : KTLA_DIAG_FEATURE_OFF;
}
