/* SPDX-License-Identifier: Apache-2.0 */
/*
 * url.c - split https://HOST[:PORT][/PATH] with every byte checked.
 *
 * Only what can safely go into a request line and Host header passes:
 * printable ASCII in the path, host names of letters, digits, '.', '-', '_',
 * or a bracketed IPv6 literal.
 */
#include "options.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct span {
    const char *p, *end;
};

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

/* Copy span s into dst (size bytes, NUL-terminated); -1 when it does not fit. */
static int span_copy(char *dst, size_t size, struct span s)
{
    size_t n = (size_t)(s.end - s.p);

    if (n >= size)
        return -1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
    return 0;
}

static int is_host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_';
}

static int is_ipv6_char(unsigned char c)
{
    return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' || c == '.';
}

/* The host part of the authority; leaves *a just past it. */
static int take_host(struct bench_url *u, struct span *a, char *err, size_t errlen)
{
    struct span h = {a->p, a->p};

    if (a->p < a->end && *a->p == '[') {
        h.p = h.end = a->p + 1;
        while (h.end < a->end && *h.end != ']') {
            if (!is_ipv6_char((unsigned char)*h.end))
                return fail(err, errlen, "bad character in the IPv6 address");
            h.end++;
        }
        if (h.end == a->end)
            return fail(err, errlen, "no ']' after the IPv6 address");
        a->p = h.end + 1;
    } else {
        while (h.end < a->end && *h.end != ':') {
            if (!is_host_char((unsigned char)*h.end))
                return fail(err, errlen, "bad character in the host name");
            h.end++;
        }
        a->p = h.end;
    }
    if (h.p == h.end)
        return fail(err, errlen, "no host");
    if (span_copy(u->host, sizeof u->host, h) != 0)
        return fail(err, errlen, "host name too long");
    return 0;
}

static int take_port(struct bench_url *u, struct span *a, char *err, size_t errlen)
{
    unsigned long port = 0;
    const char *p;

    if (a->p == a->end) {
        strcpy(u->port, "443");
        return 0;
    }
    if (*a->p != ':' || a->p + 1 == a->end || a->end - a->p > 6)
        return fail(err, errlen, "bad port");
    for (p = a->p + 1; p < a->end; p++) {
        if (*p < '0' || *p > '9')
            return fail(err, errlen, "bad port");
        port = port * 10 + (unsigned long)(*p - '0');
    }
    if (port == 0 || port > 65535)
        return fail(err, errlen, "port out of range");
    snprintf(u->port, sizeof u->port, "%lu", port);
    return 0;
}

/* The rest of the URL: "/a/b?q" as is, "?q" as "/?q", nothing as "/"; no fragment. */
static int take_path(struct bench_url *u, struct span s, char *err, size_t errlen)
{
    const char *hash = memchr(s.p, '#', (size_t)(s.end - s.p));
    size_t k = 0, n;

    if (hash)
        s.end = hash; /* fragments never go on the wire */
    if (s.p == s.end || *s.p != '/')
        u->path[k++] = '/';
    n = (size_t)(s.end - s.p);
    for (const char *p = s.p; p < s.end; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return fail(err, errlen, "the path must be printable ASCII without spaces (percent-encode the rest)");
    if (k + n >= sizeof u->path)
        return fail(err, errlen, "path too long");
    memcpy(u->path + k, s.p, n);
    u->path[k + n] = '\0';
    return 0;
}

int options_parse_url(struct bench_url *u, const char *s, char *err, size_t errlen)
{
    static const char scheme[] = "https://";
    struct span all = {s, s + strlen(s)}, auth;

    memset(u, 0, sizeof *u);
    if ((size_t)(all.end - all.p) < sizeof scheme - 1 || strncasecmp(s, scheme, sizeof scheme - 1) != 0)
        return fail(err, errlen, "only https:// URLs are supported");
    auth.p = all.p + sizeof scheme - 1;
    auth.end = auth.p;
    while (auth.end < all.end && *auth.end != '/' && *auth.end != '?' && *auth.end != '#')
        auth.end++;
    if (span_copy(u->authority, sizeof u->authority, auth) != 0)
        return fail(err, errlen, "host and port too long");
    if (span_copy(u->text, sizeof u->text, all) != 0)
        return fail(err, errlen, "URL too long");
    if (take_host(u, &auth, err, errlen) != 0 || take_port(u, &auth, err, errlen) != 0)
        return -1;
    auth.p = auth.end;
    return take_path(u, (struct span){auth.p, all.end}, err, errlen);
}
