/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.c - ktla-bench's command line and URL.
 */
#include "options.h"
#include "tool_options.h"
#include "tool_usage.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ktla.h>
#include <mbedtls/version.h>

static const struct tool_option descs[BENCH_OPT_COUNT] = {
#define BENCH__OPT_DESC(id, name, letter, arg, help) {name, letter, arg, help},
    BENCH_OPTIONS(BENCH__OPT_DESC)
#undef BENCH__OPT_DESC
};

#define MAX_CONNECTIONS 100000u
#define MAX_THREADS 1024u
#define MAX_TIMEOUT_MS 3600000u
#define MAX_DURATION_S 1e7

static const char *const cipher_names[] = {
    [BENCH_CIPHER_ANY] = "any",
    [BENCH_CIPHER_AES_128_GCM] = "aes-128-gcm",
    [BENCH_CIPHER_AES_256_GCM] = "aes-256-gcm",
    [BENCH_CIPHER_CHACHA20_POLY1305] = "chacha20-poly1305",
    [BENCH_CIPHER_AES_128_CCM] = "aes-128-ccm",
};

const char *options_cipher_name(enum bench_cipher c)
{
    if ((size_t)c >= sizeof cipher_names / sizeof cipher_names[0])
        return "?";
    return cipher_names[c];
}

void options_usage(FILE *out)
{
    fputs("Usage: ktla-bench [OPTION]... https://HOST[:PORT][/PATH]\n"
          "Load an HTTPS server with its own TLS client (mbedTLS) and report requests/s,\n"
          "handshakes/s, MB/s, latency percentiles and errors by kind.\n"
          "\n",
          out);
    tool_options_usage(out, descs, BENCH_OPT_COUNT);
    fputs("\n"
          "Exit status: 0 every request succeeded, 1 some failed, 2 usage error,\n"
          "3 the run could not start.\n",
          out);
}

/* "ktla-bench: MESSAGE" and the --help hint on stderr; the usage exit status. */
#define usage_error(...) tool_usage_error("ktla-bench", BENCH_EXIT_USAGE, __VA_ARGS__)

/* A decimal integer in [min, max], nothing else. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_unsigned(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out)
{
    uint64_t v;

    if (parse_u64(s, min, max, &v) != 0)
        return usage_error("--%s wants a whole number from %u to %u, not '%s'", opt, min, max, s);
    *out = (unsigned)v;
    return 0;
}

static int parse_duration(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v <= 0 || v > MAX_DURATION_S)
        return usage_error("--duration wants a positive number of seconds, not '%s'", s);
    *out = v;
    return 0;
}

static int parse_cipher(const char *s, enum bench_cipher *out)
{
    for (size_t i = 1; i < sizeof cipher_names / sizeof cipher_names[0]; i++) {
        size_t n = strlen(cipher_names[i]), j;

        if (strlen(s) != n)
            continue;
        for (j = 0; j < n; j++) {
            char c = s[j] == '_' ? '-' : s[j];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != cipher_names[i][j])
                break;
        }
        if (j == n) {
            *out = (enum bench_cipher)i;
            return 0;
        }
    }
    return usage_error("--cipher wants aes-128-gcm, aes-256-gcm, chacha20-poly1305 or aes-128-ccm, not '%s'", s);
}

static int parse_mode(const char *s, enum bench_mode *out)
{
    if (strcmp(s, "get") == 0)
        *out = BENCH_MODE_GET;
    else if (strcmp(s, "handshake") == 0)
        *out = BENCH_MODE_HANDSHAKE;
    else
        return usage_error("--mode wants get or handshake, not '%s'", s);
    return 0;
}

static int parse_tls(const char *s, int *out)
{
    if (strcmp(s, "1.2") == 0)
        *out = 12;
    else if (strcmp(s, "1.3") == 0)
        *out = 13;
    else
        return usage_error("--tls wants 1.2 or 1.3, not '%s'", s);
    return 0;
}

static int parse_ktls(const char *s, int *out)
{
    if (strcmp(s, "auto") == 0)
        *out = 1;
    else if (strcmp(s, "off") == 0)
        *out = 0;
    else
        return usage_error("--ktls wants auto or off, not '%s'", s);
    return 0;
}

static void print_version(void)
{
    printf("ktla-bench (ktla) %s, %s\n", ktla_library_version(), MBEDTLS_VERSION_STRING_FULL);
}

/* One option's value into o.  0, -1 (--help/--version printed) or a usage error. */
static int apply(struct bench_opts *o, int id, const char *arg)
{
    uint64_t n;

    switch (id) {
    case BENCH_OPT_CONNECTIONS: return parse_unsigned("connections", arg, 1, MAX_CONNECTIONS, &o->connections);
    case BENCH_OPT_THREADS: return parse_unsigned("threads", arg, 1, MAX_THREADS, &o->threads);
    case BENCH_OPT_TIMEOUT: return parse_unsigned("timeout", arg, 1, MAX_TIMEOUT_MS, &o->timeout_ms);
    case BENCH_OPT_DURATION: return parse_duration(arg, &o->duration_s);
    case BENCH_OPT_REQUESTS:
        if (parse_u64(arg, 1, UINT64_MAX / 2, &n) != 0)
            return usage_error("--requests wants a positive whole number, not '%s'", arg);
        o->requests = n;
        return 0;
    case BENCH_OPT_MODE: return parse_mode(arg, &o->mode);
    case BENCH_OPT_RESUME: o->resume = 1; return 0;
    case BENCH_OPT_TLS: return parse_tls(arg, &o->tls_version);
    case BENCH_OPT_CIPHER: return parse_cipher(arg, &o->cipher);
    case BENCH_OPT_KTLS: return parse_ktls(arg, &o->ktls);
    case BENCH_OPT_CACERT: o->cacert = arg; return 0;
    case BENCH_OPT_JSON: o->json = 1; return 0;
    case BENCH_OPT_HELP: options_usage(stdout); return -1;
    case BENCH_OPT_VERSION: print_version(); return -1;
    default: return usage_error("unknown option");
    }
}

static int check_combination(struct bench_opts *o)
{
    if (o->resume && o->mode != BENCH_MODE_HANDSHAKE)
        return usage_error("--resume needs --mode handshake (get mode keeps its connections)");
    if (o->duration_s == 0 && o->requests == 0)
        o->duration_s = 10;
    if (o->threads > o->connections)
        o->threads = o->connections;
    return 0;
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > (long)MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

int options_parse(struct bench_opts *o, int argc, char **argv)
{
    struct option longopts[TOOL_LONGOPTS_SIZE(BENCH_OPT_COUNT)];
    char shortopts[TOOL_SHORTOPTS_SIZE(BENCH_OPT_COUNT)];
    char err[160];
    int c, r;

    memset(o, 0, sizeof *o);
    o->mode = BENCH_MODE_GET;
    o->connections = 10;
    o->timeout_ms = 10000;
    o->ktls = 1;
    tool_options_getopt(descs, BENCH_OPT_COUNT, longopts, shortopts);
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        int id = tool_options_index(descs, BENCH_OPT_COUNT, c);

        if (c == '?')
            return usage_error("unknown option '%s'", argv[optind - 1]);
        if (c == ':')
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        if ((r = apply(o, id, optarg)) != 0)
            return r;
    }
    if (optind != argc - 1)
        return usage_error(optind >= argc ? "no URL given" : "more than one URL given");
    if (options_parse_url(&o->url, argv[optind], err, sizeof err) != 0)
        return usage_error("bad URL '%s': %s", argv[optind], err);
    if (o->threads == 0)
        o->threads = default_threads();
    return check_combination(o);
}
