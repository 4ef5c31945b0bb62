/* SPDX-License-Identifier: Apache-2.0 */
/* tool_json.c - JSON string escaping, the same in every tool. */
#include "tool_json.h"

#define FIRST_PRINTABLE 0x20
#define DEL 0x7f

void tool_json_string(FILE *out, const char *s)
{
    if (s == NULL) {
        fputs("null", out);
        return;
    }
    putc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < FIRST_PRINTABLE || c >= DEL)
            fprintf(out, "\\u%04x", c);
        else
            putc(c, out);
    }
    putc('"', out);
}
