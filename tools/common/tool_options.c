/* SPDX-License-Identifier: Apache-2.0 */
/* tool_options.c - getopt_long's tables and --help lines from one option table. */
#include "tool_options.h"

#include "tool_usage.h"

void tool_options_getopt(const struct tool_option *opts, size_t n, struct option *longopts, char *shortopts)
{
    size_t k = 0;

    shortopts[k++] = ':';
    for (size_t i = 0; i < n; i++) {
        longopts[i] = (struct option){opts[i].name, opts[i].arg ? required_argument : no_argument, NULL,
                                      TOOL_OPT_BASE + (int)i};
        if (opts[i].letter) {
            shortopts[k++] = (char)opts[i].letter;
            if (opts[i].arg)
                shortopts[k++] = ':';
        }
    }
    shortopts[k] = '\0';
    longopts[n] = (struct option){NULL, 0, NULL, 0};
}

int tool_options_index(const struct tool_option *opts, size_t n, int c)
{
    if (c >= TOOL_OPT_BASE && (size_t)(c - TOOL_OPT_BASE) < n)
        return c - TOOL_OPT_BASE;
    for (size_t i = 0; i < n; i++)
        if (opts[i].letter && opts[i].letter == c)
            return (int)i;
    return -1;
}

void tool_options_usage(FILE *out, const struct tool_option *opts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tool_usage_option(out, opts[i].letter, opts[i].name, opts[i].arg, opts[i].help);
}
