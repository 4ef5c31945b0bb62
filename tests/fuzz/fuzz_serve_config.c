/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_serve_config.c - ktla-serve's --config file (tools/ktla-serve/
 * options.c): "key = value" lines, then the checks every value goes
 * through (listen address, numbers and their ranges, mode, ALPN list).
 *
 * Oracles: a configuration that passes has a numeric port, counts in their
 * documented ranges and 1 to 7 ALPN names of 1 to 255 bytes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "serve.h"

static void check(const struct serve_options *o)
{
    char *end;
    unsigned long port = strtoul(o->listen_port, &end, 10);

    if (*end != '\0' || port > 65535 || o->threads < 1 || o->threads > 1024 || o->max_conn < 1 ||
        o->max_conn > 1000000 || o->n_alpn < 1 || o->n_alpn > 7 || o->alpn[o->n_alpn] != NULL)
        abort();
    for (size_t i = 0; i < o->n_alpn; i++)
        if (strlen(o->alpn[i]) < 1 || strlen(o->alpn[i]) > 255)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct serve_options o;
    char *text = malloc(size + 1);
    FILE *f;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    f = fmemopen(text, size, "r");
    if (f == NULL) {
        free(text);
        return 0;
    }
    memset(&o, 0, sizeof o);
    if (options_read_config(&o, f, "fuzz.conf") == 0 && options_finish(&o) == 0)
        check(&o);
    fclose(f);
    options_free(&o);
    free(text);
    return 0;
}
