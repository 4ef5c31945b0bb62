/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay_main.c - a fuzz target as an ordinary program: run each file named
 * on the command line through LLVMFuzzerTestOneInput once, as libFuzzer
 * does when given files.  make check runs the committed corpus this way
 * (tests/fuzz/check-corpus), under ASan+UBSan in the sanitizer build, so an
 * input that once crashed keeps proving its fix.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

/* Optional in a target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* The whole file; NULL (said why) when it cannot be read. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long size = -1;

    if (f == NULL) {
        perror(path);
        return NULL;
    }
    /* One byte more, so that an empty file still gives a buffer. */
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size + 1)) != NULL && fread(buf, 1, (size_t)size, f) == (size_t)size) {
        *len = (size_t)size;
    } else {
        perror(path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    int failed = 0, ran = 0;

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        uint8_t *data = slurp(argv[i], &len);

        if (data == NULL) {
            failed++;
            continue;
        }
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        ran++;
    }
    printf("%s: %d inputs replayed, %d unreadable\n", argv[0], ran, failed);
    /* Nothing replayed proves nothing. */
    return failed || ran == 0 ? 1 : 0;
}
