/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_bench_response.c - ktla-bench's incremental HTTP response parser
 * (tools/ktla-bench/http.c), fed the same bytes twice: whole, and in
 * pieces whose sizes the input chooses.
 *
 * Input: one byte of flags (bit 0 need_keepalive, bit 1 a clean end), one
 * byte seeding the piece sizes, then the bytes the server sent.
 * Oracles: both feedings end the same way, with the same status, length
 * and keep-alive verdict; body bytes never exceed Content-Length.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "http.h"

static struct http_resp whole, pieces;

/* Feed [p, p + n) in pieces of 1..64 bytes, bytes after a complete response included, until an error. */
static int feed_pieces(struct http_resp *r, const uint8_t *p, size_t n, int keepalive, uint8_t seed)
{
    unsigned state = seed | 1u;
    int res = HTTP_MORE;

    while (n > 0 && res >= 0) {
        size_t k;

        state = state * 1103515245u + 12345u;
        k = 1 + (state >> 16) % 64;
        if (k > n)
            k = n;
        res = http_resp_feed(r, p, k, keepalive);
        p += k;
        n -= k;
    }
    return res;
}

/* Every byte at once; then the end of the connection if the response wants more. */
static int run(struct http_resp *r, int res, int clean)
{
    if (res == HTTP_MORE)
        res = http_resp_eof(r, clean);
    if (res == HTTP_DONE && !r->to_eof && r->body != r->length)
        abort();
    if (res < 0 && r->why == NULL)
        abort(); /* every failure says why */
    return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    uint8_t flags = fuzz_u8(&in), seed = fuzz_u8(&in);
    int keepalive = flags & 1, clean = (flags >> 1) & 1;
    int a, b;

    http_resp_reset(&whole);
    http_resp_reset(&pieces);
    a = run(&whole, in.left ? http_resp_feed(&whole, in.p, in.left, keepalive) : HTTP_MORE, clean);
    b = run(&pieces, feed_pieces(&pieces, in.p, in.left, keepalive, seed), clean);
    if (a != b || whole.status != pieces.status || whole.keep_alive != pieces.keep_alive ||
        whole.to_eof != pieces.to_eof || whole.length != pieces.length)
        abort();
    return 0;
}
