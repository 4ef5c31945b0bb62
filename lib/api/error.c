/* SPDX-License-Identifier: Apache-2.0 */
/* error.c - names and messages of ktla's error codes, from the one table in ktla.h. */
#include "config.h"

#include "ktla.h"

const char *ktla_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define KTLA__ERR_MSG(name, value, msg) \
    case (value):                       \
        return msg;
        KTLA_STATUS_MAP(KTLA__ERR_MSG)
#undef KTLA__ERR_MSG
    default:
        return "unknown ktla error code";
    }
}

const char *ktla_err_name(int err)
{
    switch (err) {
    case 0:
        return "OK";
#define KTLA__ERR_NAME(name, value, msg) \
    case (value):                        \
        return #name;
        KTLA_STATUS_MAP(KTLA__ERR_NAME)
#undef KTLA__ERR_NAME
    default:
        return "UNKNOWN";
    }
}

const char *ktla_library_version(void)
{
    return PACKAGE_VERSION;
}
