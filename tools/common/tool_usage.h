/* SPDX-License-Identifier: Apache-2.0 */
/* tool_usage.h - the command-line conventions every ktla tool shares: option lines of --help, usage errors. */
#ifndef KTLA_TOOL_USAGE_H
#define KTLA_TOOL_USAGE_H

#include <stdio.h>

/*
 * One option line of --help: "  -c, --name ARG   help" with the option in
 * a 28-column field (long-only options indented as if they had a letter;
 * letter 0 for none, arg NULL for a flag).  An option too wide for the
 * field puts its help on the next line.
 */
void tool_usage_option(FILE *out, int letter, const char *name, const char *arg, const char *help);

/*
 * "TOOL: MESSAGE" and "Try 'TOOL --help'." on stderr; returns exit_code
 * (the tool's usage-error status), so a parser can `return tool_usage_error(...)`.
 */
int tool_usage_error(const char *tool, int exit_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
