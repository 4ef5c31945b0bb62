/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_tls_stat.c - the /proc/net/tls_stat parser (ktla__diag_tls_stat_parse
 * in lib/diag/diag_tls_stat.c) on any text.
 *
 * Oracles: success gives at most KTLA__TLS_STAT_MAX_COUNTERS counters, each
 * with a non-empty name of letters, digits and '_' that fits its field.
 */
#include <stdlib.h>

#include "diag/diag_internal.h"
#include "fuzz.h"

static int is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ktla_diag_counter *v = NULL;
    size_t n = 0;
    char *buf = malloc(size ? size : 1);
    int rc;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    rc = ktla__diag_tls_stat_parse(buf, size, &v, &n);
    if (rc == 0) {
        if (n > KTLA__TLS_STAT_MAX_COUNTERS || (n == 0) != (v == NULL))
            abort();
        for (size_t i = 0; i < n; i++) {
            size_t len = strnlen(v[i].name, sizeof v[i].name);
            if (len == 0 || len == sizeof v[i].name)
                abort();
            for (size_t j = 0; j < len; j++)
                if (!is_name_char(v[i].name[j]))
                    abort();
        }
    } else if (rc != KTLA_E_PARSE && rc != KTLA_E_NOMEM) {
        abort();
    } else if (v != NULL || n != 0) {
        abort();
    }
    free(v);
    free(buf);
    return 0;
}
