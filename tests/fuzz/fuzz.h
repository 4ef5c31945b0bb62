/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz.h - what every fuzz target in tests/fuzz defines, and the one way
 * they take bytes from the fuzzer's input.
 *
 * A target is one file with LLVMFuzzerTestOneInput (and, if it needs
 * one-time set-up, LLVMFuzzerInitialize).  Linked with libFuzzer
 * (--enable-fuzzing, `make fuzz`) it explores; linked with replay_main.c it
 * runs the committed corpus once in make check.
 */
#ifndef KTLA_FUZZ_H
#define KTLA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a stream: every take checks what is left, and an exhausted stream gives zeros. */
struct fuzz_in {
    const uint8_t *p;
    size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
    if (in->left == 0)
        return 0;
    in->left--;
    return *in->p++;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
    uint16_t hi = fuzz_u8(in);
    return (uint16_t)(hi << 8 | fuzz_u8(in));
}

/* Up to n bytes (fewer at the end of the input): a pointer into the input, *got set. */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
    const uint8_t *p = in->p;

    if (n > in->left)
        n = in->left;
    in->p += n;
    in->left -= n;
    *got = n;
    return p;
}

#endif
