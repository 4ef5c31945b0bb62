/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_serve_range.c - ktla-serve's Range parser (files_parse_range in
 * tools/ktla-serve/files.c) on its own, against any file size.
 *
 * Input: 8 bytes of file size (big-endian), then the field value.
 * Oracles: a satisfiable range lies inside the file, first <= last; an
 * empty file never gets one.
 */
#include <stdlib.h>

#include "files.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    unsigned long long file_size = 0, first = 0, last = 0;
    char *v;
    enum files_range r;

    for (int i = 0; i < 8; i++)
        file_size = file_size << 8 | fuzz_u8(&in);
    v = malloc(in.left ? in.left : 1);
    if (v == NULL)
        return 0;
    memcpy(v, in.p, in.left);
    r = files_parse_range(v, in.left, file_size, &first, &last);
    if (r == FILES_RANGE_OK && (first > last || last >= file_size))
        abort();
    free(v);
    return 0;
}
