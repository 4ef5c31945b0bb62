/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.h - counters, errors by kind and the latency histogram.
 *
 * Each worker thread owns one struct bench_stats and is its only writer.
 * The counters the progress line shows are atomics (relaxed), so the main
 * thread may read them while the workers run; the rest is read after join.
 */
#ifndef KTLA_BENCH_STATS_H
#define KTLA_BENCH_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* X(id, name in the report, meaning) -- one table for the enum, table and JSON. */
#define BENCH_ERRORS(X)                                                                          \
    X(CONNECT, "connect", "TCP connect failed")                                                  \
    X(HANDSHAKE, "handshake", "TLS handshake failed")                                            \
    X(TLS_READ, "tls_read", "reading the response failed, or the server closed before it")      \
    X(TLS_WRITE, "tls_write", "writing the request failed")                                      \
    X(HTTP_STATUS, "http_status", "the status was not 2xx")                                      \
    X(TIMEOUT, "timeout", "the request took longer than --timeout")                              \
    X(SHORT_BODY, "short_body", "the connection ended before the whole response")               \
    X(HTTP_PARSE, "http_parse", "malformed or unsupported response (e.g. chunked)")              \
    X(NO_KEEPALIVE, "no_keepalive", "get mode: a response without Content-Length (keep-alive impossible)")

enum bench_err {
#define BENCH__ERR_ENUM(id, name, text) BENCH_ERR_##id,
    BENCH_ERRORS(BENCH__ERR_ENUM)
#undef BENCH__ERR_ENUM
        BENCH_ERR_COUNT
};

const char *bench_err_name(enum bench_err e);
const char *bench_err_text(enum bench_err e);

/*
 * Log-linear ("HDR-style") histogram of microseconds: values below 128 are
 * exact; above, each power of two is split into 64 buckets, so any recorded
 * value is reported within 1/64 (1.6 %) of itself.  Values of 2^37 us
 * (38 hours) or more land in the last bucket.
 */
#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_EXP 30
#define HIST_BUCKETS ((HIST_MAX_EXP + 2) * HIST_SUB)

struct hist {
    uint64_t count[HIST_BUCKETS];
    uint64_t total, max, sum;
};

void hist_record(struct hist *h, uint64_t v);
void hist_merge(struct hist *dst, const struct hist *src);
/* The value at or below which p percent of the records lie (0 when empty). */
uint64_t hist_percentile(const struct hist *h, double p);
/* Bucket index of v, and the highest value of bucket i (exposed for tests). */
size_t hist_index(uint64_t v);
uint64_t hist_bucket_high(size_t i);

struct bench_stats {
    _Atomic uint64_t requests;   /* succeeded: whole response, 2xx */
    _Atomic uint64_t errors;     /* failed attempts, all kinds */
    _Atomic uint64_t body_bytes; /* response body bytes received, whatever became of the request */
    _Atomic uint64_t handshakes; /* completed */
    uint64_t resumed;            /* handshakes without a server Certificate message after offering a session */
    uint64_t resume_offered;     /* handshakes that offered a session */
    uint64_t err[BENCH_ERR_COUNT];
    char err_first[BENCH_ERR_COUNT][256]; /* the first error of each kind, in words */
    char tls_version[16];        /* of the first completed handshake */
    char cipher[64];
    uint64_t rl_kernel;          /* handshakes after which the client's record layer went to the kernel */
    uint64_t rl_user;            /* ... stayed in mbedTLS */
    char rl_user_first[256];     /* why, for the first of those */
    struct hist latency;         /* successful requests, microseconds */
};

static inline void ctr_add(_Atomic uint64_t *c, uint64_t v)
{
    atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static inline uint64_t ctr_get(const _Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void stats_init(struct bench_stats *s);
/* Count one failed attempt of kind e; detail (may be NULL) is kept if it is the first. */
void stats_error(struct bench_stats *s, enum bench_err e, const char *detail);
/* Add src into dst (after the workers have stopped). */
void stats_merge(struct bench_stats *dst, const struct bench_stats *src);

#endif
