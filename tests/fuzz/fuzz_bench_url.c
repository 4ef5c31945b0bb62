/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_bench_url.c - ktla-bench's URL parser (tools/ktla-bench/url.c) and
 * the request line and Host header it builds from the parts.
 *
 * Oracles: a URL that parses gives a path starting with '/', a host and a
 * port 1..65535, and a request whose only blank line is its end (no CR, LF
 * or space from the URL reaches the request head).
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "fuzz.h"
#include "http.h"
#include "options.h"

static void check_parts(const struct bench_url *u)
{
    unsigned long port = strtoul(u->port, NULL, 10);

    if (u->path[0] != '/' || u->host[0] == '\0' || port == 0 || port > 65535)
        abort();
    for (const char *p = u->path; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            abort();
}

static void check_request(const struct bench_url *u)
{
    char req[8192];
    size_t n = http_build_request(req, sizeof req, u->path, u->authority, 0, "fuzz");
    const char *blank;

    if (n == 0)
        abort(); /* the URL's parts are bounded: the request always fits */
    blank = memmem(req, n, "\r\n\r\n", 4);
    if (blank == NULL || (size_t)(blank - req) + 4 != n)
        abort();
    if (memchr(req, '\0', n) != NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bench_url u;
    char err[128] = "";
    char *s = malloc(size + 1);

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (options_parse_url(&u, s, err, sizeof err) == 0) {
        check_parts(&u);
        check_request(&u);
    } else if (err[0] == '\0') {
        abort(); /* a refusal always says why */
    }
    free(s);
    return 0;
}
