/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.h - the live progress line, the final table and the JSON object.
 */
#ifndef KTLA_BENCH_OUTPUT_H
#define KTLA_BENCH_OUTPUT_H

#include <stdint.h>

#include "options.h"
#include "stats.h"

struct bench_result {
    const struct bench_opts *opts;
    const struct bench_stats *stats; /* merged over the workers */
    unsigned threads;
    double elapsed_s;
    int interrupted;                 /* stopped by SIGINT or SIGTERM */
};

/* "\r"-updated line: elapsed, requests, req/s and MB/s over the last interval, errors. */
void output_progress(double elapsed_s, uint64_t requests, double req_per_s, double mb_per_s, uint64_t errors);
/* Erase the progress line before the results. */
void output_progress_clear(void);

void output_table(const struct bench_result *r);
void output_json(const struct bench_result *r);

#endif
