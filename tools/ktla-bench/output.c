/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.c - progress, table and JSON.  Rates divide by the measured
 * elapsed time; MB is 10^6 bytes of response bodies.
 */
#include "output.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "tool_json.h"

static double per_s(uint64_t n, double s)
{
    return s > 0 ? (double)n / s : 0;
}

void output_progress(double elapsed_s, uint64_t requests, double req_per_s, double mb_per_s, uint64_t errors)
{
    printf("\r%7.1f s  %12" PRIu64 " requests  %10.1f req/s  %9.2f MB/s  %" PRIu64 " errors\033[K", elapsed_s,
           requests, req_per_s, mb_per_s, errors);
    fflush(stdout);
}

void output_progress_clear(void)
{
    fputs("\r\033[K", stdout);
    fflush(stdout);
}

/* A latency in microseconds, in a readable unit. */
static void fmt_us(char *buf, size_t size, uint64_t us)
{
    if (us < 1000)
        snprintf(buf, size, "%" PRIu64 " us", us);
    else if (us < 1000000)
        snprintf(buf, size, "%.2f ms", (double)us / 1e3);
    else
        snprintf(buf, size, "%.3f s", (double)us / 1e6);
}

static const char *mode_name(const struct bench_opts *o)
{
    return o->mode == BENCH_MODE_HANDSHAKE ? "handshake" : "get";
}

static void table_latency(const struct hist *h)
{
    static const double pcts[] = {50, 90, 99};
    char v[32];

    fputs("  latency          ", stdout);
    if (h->total == 0) {
        puts(" -");
        return;
    }
    for (size_t i = 0; i < sizeof pcts / sizeof pcts[0]; i++) {
        fmt_us(v, sizeof v, hist_percentile(h, pcts[i]));
        printf(" p%.0f %s ", pcts[i], v);
    }
    fmt_us(v, sizeof v, h->max);
    printf(" max %s\n", v);
}

static void table_errors(const struct bench_stats *s)
{
    printf("  errors            %" PRIu64 "\n", ctr_get(&s->errors));
    for (int e = 0; e < BENCH_ERR_COUNT; e++)
        if (s->err[e])
            printf("    %-14s  %" PRIu64 "  (first: %s)\n", bench_err_name((enum bench_err)e), s->err[e],
                   s->err_first[e]);
}

void output_table(const struct bench_result *r)
{
    const struct bench_stats *s = r->stats;
    const struct bench_opts *o = r->opts;
    uint64_t hs = ctr_get(&s->handshakes), bytes = ctr_get(&s->body_bytes);

    printf("ktla-bench %s\n", o->url.text);
    printf("  mode              %s%s, %u connections, %u threads%s\n", mode_name(o), o->resume ? " --resume" : "",
           o->connections, r->threads, r->interrupted ? " (interrupted)" : "");
    printf("  TLS               %s %s\n", s->tls_version[0] ? s->tls_version : "-", s->cipher);
    printf("  duration          %.3f s\n", r->elapsed_s);
    printf("  requests          %" PRIu64 "  (%.1f/s)\n", ctr_get(&s->requests),
           per_s(ctr_get(&s->requests), r->elapsed_s));
    printf("  handshakes        %" PRIu64 "  (%.1f/s)\n", hs, per_s(hs, r->elapsed_s));
    printf("  resumed           %" PRIu64 " of %" PRIu64 " offered\n", s->resumed, s->resume_offered);
    printf("  body              %.3f MB  (%.2f MB/s)\n", (double)bytes / 1e6, per_s(bytes, r->elapsed_s) / 1e6);
    printf("  client record layer: kernel %" PRIu64 ", user %" PRIu64, s->rl_kernel, s->rl_user);
    if (s->rl_user)
        printf(" (%s)", s->rl_user_first);
    putchar('\n');
    table_latency(&s->latency);
    table_errors(s);
}


static void json_latency(const struct hist *h)
{
    printf("\"latency_us\":{\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64
           ",\"mean\":%.1f}",
           hist_percentile(h, 50), hist_percentile(h, 90), hist_percentile(h, 99), h->max,
           h->total ? (double)h->sum / (double)h->total : 0.0);
}

static void json_errors(const struct bench_stats *s)
{
    int first = 1;

    printf("\"errors\":%" PRIu64 ",\"errors_by_kind\":{", ctr_get(&s->errors));
    for (int e = 0; e < BENCH_ERR_COUNT; e++)
        printf("%s\"%s\":%" PRIu64, e ? "," : "", bench_err_name((enum bench_err)e), s->err[e]);
    fputs("},\"first_errors\":{", stdout);
    for (int e = 0; e < BENCH_ERR_COUNT; e++) {
        if (!s->err[e])
            continue;
        printf("%s\"%s\":", first ? "" : ",", bench_err_name((enum bench_err)e));
        tool_json_string(stdout, s->err_first[e]);
        first = 0;
    }
    putchar('}');
}

void output_json(const struct bench_result *r)
{
    const struct bench_stats *s = r->stats;
    const struct bench_opts *o = r->opts;
    uint64_t req = ctr_get(&s->requests), hs = ctr_get(&s->handshakes), bytes = ctr_get(&s->body_bytes);

    fputs("{\"url\":", stdout);
    tool_json_string(stdout, o->url.text);
    printf(",\"mode\":\"%s\",\"resume\":%s,\"connections\":%u,\"threads\":%u,\"interrupted\":%s", mode_name(o),
           o->resume ? "true" : "false", o->connections, r->threads, r->interrupted ? "true" : "false");
    fputs(",\"tls_version\":", stdout);
    tool_json_string(stdout, s->tls_version);
    fputs(",\"cipher\":", stdout);
    tool_json_string(stdout, s->cipher);
    printf(",\"duration_s\":%.6f,\"requests\":%" PRIu64 ",\"requests_per_s\":%.2f", r->elapsed_s, req,
           per_s(req, r->elapsed_s));
    printf(",\"handshakes\":%" PRIu64 ",\"handshakes_per_s\":%.2f,\"resume_offered\":%" PRIu64
           ",\"resumed\":%" PRIu64,
           hs, per_s(hs, r->elapsed_s), s->resume_offered, s->resumed);
    printf(",\"body_bytes\":%" PRIu64 ",\"mb_per_s\":%.3f,", bytes, per_s(bytes, r->elapsed_s) / 1e6);
    printf("\"client_record_layer\":{\"kernel\":%" PRIu64 ",\"user\":%" PRIu64 ",\"user_reason\":", s->rl_kernel,
           s->rl_user);
    tool_json_string(stdout, s->rl_user_first);
    fputs("},", stdout);
    json_latency(&s->latency);
    putchar(',');
    json_errors(s);
    puts("}");
}
