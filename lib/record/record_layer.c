/* SPDX-License-Identifier: Apache-2.0 */
/* record_layer.c - the record layer reports through its owner (record_layer.h). */
#include "config.h"

#include "record_layer.h"

void ktla__record_fail(struct ktla__record *rec, enum ktla_error err, int sys_errno, int alert, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    rec->own.fail(rec->own.conn, err, sys_errno, alert, fmt, ap);
    va_end(ap);
}

long ktla__record_misuse(struct ktla__record *rec, const char *why)
{
    return rec->own.misuse(rec->own.conn, why);
}
