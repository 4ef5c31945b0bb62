/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_handshake.c - the server handshake: ktla_accept() over caller-moved
 * I/O (ktla_set_io) with the input as every byte the client sends, then
 * ktla_read/ktla_write/ktla_shutdown in user space on what follows, on a
 * server that is a function of those bytes (det_server.h: fixed
 * certificates, fixed random generator, fixed clock), so any crash
 * replays from its input alone.
 *
 * The seeds (corpus/handshake/) are whole client byte streams of openssl
 * s_client, gnutls-cli and curl, TLS 1.2 and 1.3, recorded against this
 * same server by tests/fuzz/capture-hellos: replayed, they complete the
 * handshake, so the fuzzer starts from real ClientHellos and from every
 * later message.  The oracles are det_server.c's.
 */
#include <stdlib.h>

#include "det_server.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};

    if (det_server_reset() != 0)
        abort();
    (void)det_server_run(det_server_input_recv, det_server_drop_send, &in);
    return 0;
}
