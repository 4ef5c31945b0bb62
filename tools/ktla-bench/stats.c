/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats.c - error kinds, counters and the log-linear latency histogram.
 */
#include "stats.h"

#include <stdio.h>
#include <string.h>

static const char *const err_names[BENCH_ERR_COUNT] = {
#define BENCH__ERR_NAME(id, name, text) name,
    BENCH_ERRORS(BENCH__ERR_NAME)
#undef BENCH__ERR_NAME
};

static const char *const err_texts[BENCH_ERR_COUNT] = {
#define BENCH__ERR_TEXT(id, name, text) text,
    BENCH_ERRORS(BENCH__ERR_TEXT)
#undef BENCH__ERR_TEXT
};

const char *bench_err_name(enum bench_err e)
{
    return (unsigned)e < BENCH_ERR_COUNT ? err_names[e] : "unknown";
}

const char *bench_err_text(enum bench_err e)
{
    return (unsigned)e < BENCH_ERR_COUNT ? err_texts[e] : "unknown";
}

size_t hist_index(uint64_t v)
{
    unsigned msb, shift;

    if (v < 2 * HIST_SUB)
        return (size_t)v;
    msb = 63u - (unsigned)__builtin_clzll(v);
    shift = msb - HIST_SUB_BITS;        /* >= 1: keeps the top HIST_SUB_BITS + 1 bits */
    if (shift > HIST_MAX_EXP)
        return HIST_BUCKETS - 1;
    return (size_t)(shift + 1) * HIST_SUB + (size_t)((v >> shift) - HIST_SUB);
}

uint64_t hist_bucket_high(size_t i)
{
    uint64_t shift, mant;

    if (i < 2 * HIST_SUB)
        return i;
    shift = i / HIST_SUB - 1;
    mant = i % HIST_SUB + HIST_SUB;
    return ((mant + 1) << shift) - 1;
}

void hist_record(struct hist *h, uint64_t v)
{
    h->count[hist_index(v)]++;
    h->total++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        dst->count[i] += src->count[i];
    dst->total += src->total;
    dst->sum += src->sum;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    uint64_t want, seen = 0;

    if (h->total == 0)
        return 0;
    want = (uint64_t)(p / 100.0 * (double)h->total + 0.999999);
    if (want < 1)
        want = 1;
    if (want > h->total)
        want = h->total;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= want) {
            uint64_t v = hist_bucket_high(i);
            return v < h->max ? v : h->max;
        }
    }
    return h->max;
}

void stats_init(struct bench_stats *s)
{
    memset(s, 0, sizeof *s);
    atomic_init(&s->requests, 0);
    atomic_init(&s->errors, 0);
    atomic_init(&s->body_bytes, 0);
    atomic_init(&s->handshakes, 0);
}

void stats_error(struct bench_stats *s, enum bench_err e, const char *detail)
{
    if ((unsigned)e >= BENCH_ERR_COUNT)
        return;
    s->err[e]++;
    ctr_add(&s->errors, 1);
    if (s->err_first[e][0] == '\0')
        snprintf(s->err_first[e], sizeof s->err_first[e], "%s", detail ? detail : bench_err_text(e));
}

void stats_merge(struct bench_stats *dst, const struct bench_stats *src)
{
    ctr_add(&dst->requests, ctr_get(&src->requests));
    ctr_add(&dst->errors, ctr_get(&src->errors));
    ctr_add(&dst->body_bytes, ctr_get(&src->body_bytes));
    ctr_add(&dst->handshakes, ctr_get(&src->handshakes));
    dst->resumed += src->resumed;
    dst->resume_offered += src->resume_offered;
    for (int e = 0; e < BENCH_ERR_COUNT; e++) {
        dst->err[e] += src->err[e];
        if (dst->err_first[e][0] == '\0')
            memcpy(dst->err_first[e], src->err_first[e], sizeof dst->err_first[e]);
    }
    if (dst->tls_version[0] == '\0') {
        memcpy(dst->tls_version, src->tls_version, sizeof dst->tls_version);
        memcpy(dst->cipher, src->cipher, sizeof dst->cipher);
    }
    dst->rl_kernel += src->rl_kernel;
    dst->rl_user += src->rl_user;
    if (dst->rl_user_first[0] == '\0')
        memcpy(dst->rl_user_first, src->rl_user_first, sizeof dst->rl_user_first);
    hist_merge(&dst->latency, &src->latency);
}
