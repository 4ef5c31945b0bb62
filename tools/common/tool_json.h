/* SPDX-License-Identifier: Apache-2.0 */
/* tool_json.h - JSON output of the tools (--json). */
#ifndef KTLA_TOOL_JSON_H
#define KTLA_TOOL_JSON_H

#include <stdio.h>

/*
 * s as a JSON string, quotes included, or null for NULL.  '"' and '\'
 * are escaped, and every byte outside printable ASCII (controls, DEL, and
 * bytes of 0x80 and above, which need not be UTF-8: interface names are
 * any bytes) as \u00XX, so the output is always ASCII and valid JSON.
 */
void tool_json_string(FILE *out, const char *s);

#endif
