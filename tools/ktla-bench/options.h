/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.h - ktla-bench's command line: one table for getopt, --help and
 * (checked by tests/bench/check-help-pod) the man page's OPTIONS section.
 *
 * ktla-bench includes only <ktla.h> from the project (ktla_library_version(), and
 * ktla_install_keys() for the client's own kTLS record layer);
 * everything else it needs is mbedTLS and libc.
 */
#ifndef KTLA_BENCH_OPTIONS_H
#define KTLA_BENCH_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

/* X(id, long name, short letter or 0, argument name or NULL, help text) */
#define BENCH_OPTIONS(X)                                                                                        \
    X(CONNECTIONS, "connections", 'c', "N", "concurrent connections (default 10)")                            \
    X(DURATION, "duration", 'd', "SECONDS", "run this long (default 10 unless -n is given)")                 \
    X(REQUESTS, "requests", 'n', "N", "stop after N requests (successful or failed)")                        \
    X(THREADS, "threads", 't', "N", "worker threads (default: one per core, at most one per connection)")    \
    X(MODE, "mode", 0, "get|handshake", "get: keep-alive requests; handshake: a new connection per request") \
    X(RESUME, "resume", 0, NULL, "handshake mode: resume the previous session of the same connection slot")  \
    X(TLS, "tls", 0, "1.2|1.3", "offer only this TLS version (default: both)")                              \
    X(CIPHER, "cipher", 0, "NAME", "offer only aes-128-gcm, aes-256-gcm, chacha20-poly1305 or aes-128-ccm")  \
    X(KTLS, "ktls", 0, "auto|off", "client record layer: auto (kTLS when the kernel takes the keys) or off (user space)") \
    X(CACERT, "cacert", 0, "FILE", "verify the server against the CA certificates in FILE (default: none)")  \
    X(TIMEOUT, "timeout", 0, "MS", "fail a request not done after MS milliseconds (default 10000)")          \
    X(JSON, "json", 0, NULL, "print the results as one JSON object")                                        \
    X(HELP, "help", 'h', NULL, "print this help and exit")                                                   \
    X(VERSION, "version", 'V', NULL, "print the version and exit")

enum bench_opt_id {
#define BENCH__OPT_ENUM(id, name, letter, arg, help) BENCH_OPT_##id,
    BENCH_OPTIONS(BENCH__OPT_ENUM)
#undef BENCH__OPT_ENUM
        BENCH_OPT_COUNT
};

enum bench_mode { BENCH_MODE_GET, BENCH_MODE_HANDSHAKE };

/* The four AEAD kinds --cipher can name; BENCH_CIPHER_ANY offers mbedTLS's defaults. */
enum bench_cipher {
    BENCH_CIPHER_ANY,
    BENCH_CIPHER_AES_128_GCM,
    BENCH_CIPHER_AES_256_GCM,
    BENCH_CIPHER_CHACHA20_POLY1305,
    BENCH_CIPHER_AES_128_CCM
};

/* The parts of https://HOST[:PORT][/PATH]. */
struct bench_url {
    char host[256];      /* without IPv6 brackets: SNI, certificate name, getaddrinfo */
    char port[8];        /* decimal, default 443 */
    char authority[272]; /* as written in the URL: the Host header */
    char path[2048];     /* begins with '/' */
    char text[2600];     /* the whole URL, for the report */
};

struct bench_opts {
    enum bench_mode mode;
    int resume;
    unsigned connections;
    unsigned threads;
    double duration_s;   /* 0: none */
    uint64_t requests;   /* 0: no limit */
    int tls_version;     /* 0 both, 12 or 13 */
    enum bench_cipher cipher;
    int ktls;            /* --ktls auto (1, default) or off (0) */
    const char *cacert;  /* NULL: no verification */
    unsigned timeout_ms;
    int json;
    struct bench_url url;
};

/* Exit statuses (the man page's RETURN VALUES). */
#define BENCH_EXIT_OK 0
#define BENCH_EXIT_ERRORS 1
#define BENCH_EXIT_USAGE 2
#define BENCH_EXIT_FAIL 3

/*
 * Parse argv into o.  Returns 0 to run, -1 when --help or --version was
 * printed (exit 0), or BENCH_EXIT_USAGE after printing why to stderr.
 */
int options_parse(struct bench_opts *o, int argc, char **argv);
void options_usage(FILE *out);

/* "aes-128-gcm" ... for a cipher kind; "any" for BENCH_CIPHER_ANY. */
const char *options_cipher_name(enum bench_cipher c);

/* Split an https URL; 0 or -1 (reason in err). */
int options_parse_url(struct bench_url *u, const char *s, char *err, size_t errlen);

#endif
