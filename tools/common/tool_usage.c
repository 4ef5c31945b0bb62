/* SPDX-License-Identifier: Apache-2.0 */
/* tool_usage.c - --help option lines and usage errors, the same in every tool. */
#include "tool_usage.h"

#include <stdarg.h>
#include <string.h>

#define OPTION_COLUMN 28

void tool_usage_option(FILE *out, int letter, const char *name, const char *arg, const char *help)
{
    char left[64];

    snprintf(left, sizeof left, "%c%c%s--%s%s%s", letter ? '-' : ' ', letter ? letter : ' ', letter ? ", " : "  ",
             name, arg ? " " : "", arg ? arg : "");
    if (strlen(left) > OPTION_COLUMN) /* too wide for the column: the help goes on the next line */
        fprintf(out, "  %s\n  %-*s %s\n", left, OPTION_COLUMN, "", help);
    else
        fprintf(out, "  %-*s %s\n", OPTION_COLUMN, left, help);
}

int tool_usage_error(const char *tool, int exit_code, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", tool);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", tool);
    return exit_code;
}
