/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tool_options.h - a tool's options as one table: --help lines and
 * getopt_long's tables come from it, so they cannot disagree.
 */
#ifndef KTLA_TOOL_OPTIONS_H
#define KTLA_TOOL_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* One option: long name, short letter (0 for none), argument name (NULL for a flag), help line. */
struct tool_option {
    const char *name;
    int letter;
    const char *arg;
    const char *help;
};

/* getopt_long returns TOOL_OPT_BASE + index for a long option, so no index collides with a letter. */
#define TOOL_OPT_BASE 256

/* The size of the tables tool_options_getopt() fills for n options. */
#define TOOL_LONGOPTS_SIZE(n) ((n) + 1)
#define TOOL_SHORTOPTS_SIZE(n) (2 * (n) + 2)

/*
 * Fill getopt_long's tables from opts[0..n): longopts (TOOL_LONGOPTS_SIZE(n)
 * entries) and shortopts (TOOL_SHORTOPTS_SIZE(n) bytes), which starts with
 * ':' so that a missing argument comes back as ':' rather than '?'.
 */
void tool_options_getopt(const struct tool_option *opts, size_t n, struct option *longopts, char *shortopts);

/* The index of the option getopt_long returned as c (TOOL_OPT_BASE + index, or its letter), or -1. */
int tool_options_index(const struct tool_option *opts, size_t n, int c);

/* Every option's --help line (tool_usage_option()). */
void tool_options_usage(FILE *out, const struct tool_option *opts, size_t n);

#endif
