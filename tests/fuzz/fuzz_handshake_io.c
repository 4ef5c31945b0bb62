/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_handshake_io.c - the server handshake of fuzz_handshake.c, with the
 * caller-moved I/O (ktla_set_io) misbehaving as the input says: bytes
 * handed over one at a time or in small pieces, WANT_READ between reads,
 * WANT_WRITE, short writes, so that every state of ktla_accept,
 * ktla_read, ktla_write and ktla_shutdown is left and re-entered with a
 * message half moved.  Deterministic like fuzz_handshake.c (det_server.h).
 *
 * Input: one byte of I/O behaviour (bits 0-1 reads: whole, 1 byte, 1-16
 * bytes, whole; bit 2: WANT_READ before every other read; bits 3-4
 * writes: whole, 1 byte, WANT_WRITE every other call, 1-16 bytes; bits
 * 5-7 seed the piece sizes), then every byte the client sends.  Seeds:
 * the handshake corpus's recordings under a few behaviours; each replays
 * to an established connection.  The oracles are det_server.c's.
 */
#include <stdlib.h>

#include "det_server.h"
#include "fuzz.h"

struct link {
    struct fuzz_in in;
    uint8_t mode;
    unsigned state, calls;
};

/* 1..16, from a small generator the input seeds. */
static size_t piece(struct link *l)
{
    l->state = l->state * 1103515245u + 12345u;
    return 1 + (l->state >> 16) % 16;
}

static size_t limit(struct link *l, unsigned mode, size_t len)
{
    size_t most = mode == 1 ? 1 : mode == 2 ? piece(l) : len;
    return len < most ? len : most;
}

static long io_recv(void *arg, unsigned char *buf, size_t len)
{
    struct link *l = arg;
    size_t n;
    const uint8_t *p;

    if ((l->mode & 4) && l->calls++ % 2 == 0 && l->in.left > 0)
        return KTLA_IO_WANT_READ;
    p = fuzz_bytes(&l->in, limit(l, l->mode & 3, len), &n);
    if (n > 0)
        memcpy(buf, p, n);
    return (long)n; /* 0 at the end of the input: the client is gone */
}

static long io_send(void *arg, const unsigned char *buf, size_t len)
{
    static const unsigned modes[4] = {0, 1, 0, 2};
    struct link *l = arg;
    unsigned mode = (l->mode >> 3) & 3;

    (void)buf;
    if (mode == 2 && l->calls++ % 2 == 0)
        return KTLA_IO_WANT_WRITE;
    return (long)limit(l, modes[mode], len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct link l = {{data, size}, 0, 0, 0};

    l.mode = fuzz_u8(&l.in);
    l.state = l.mode >> 5;
    if (det_server_reset() != 0)
        abort();
    (void)det_server_run(io_recv, io_send, &l);
    return 0;
}
