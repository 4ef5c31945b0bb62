/* SPDX-License-Identifier: Apache-2.0 */
/*
 * det_server.h - a ktla server whose every handshake is the same function
 * of the client's bytes, for the handshake fuzz target and for recording
 * real clients' bytes (record-handshake) that the target then replays.
 *
 * What makes it deterministic:
 * - PSA's random generator (ECDHE keys in TLS 1.3, everything mbedTLS draws
 *   through mbedtls_psa_get_random: server random, TLS 1.2 ECDHE, ticket
 *   keys and nonces, ECDSA blinding) is restarted before each connection
 *   from a fixed entropy source, through mbedTLS's test interface
 *   mbedtls_psa_crypto_configure_entropy_sources();
 * - the clock is fixed: time() (mbedTLS puts it in TLS 1.2's server random
 *   and in session tickets, and checks ticket lifetimes with it) and
 *   mbedtls_ms_time() (the TLS 1.3 ticket age);
 * - one configuration (test certificates ECDSA P-256 and RSA-2048, ALPN h2
 *   and http/1.1, tickets on), built once right after the first restart.
 * Nothing else about the process (addresses, timing) reaches the handshake.
 */
#ifndef KTLA_FUZZ_DET_SERVER_H
#define KTLA_FUZZ_DET_SERVER_H

#include <stddef.h>

#include "fuzz.h"
#include "ktla.h"

/*
 * Restart PSA's generator from the fixed seed; the first call also builds
 * the configuration.  0 or -1.  det_server.c's LLVMFuzzerInitialize makes
 * that first call for the fuzz targets.
 */
int det_server_reset(void);

/*
 * One connection over recv/send (ktla_set_io's callbacks): the handshake,
 * then what a small HTTPS server does: every request read is answered with
 * one short response, close_notify is answered with close_notify, every
 * call retried while ktla says WANT_READ/WANT_WRITE.  Ends when the client
 * is gone or something failed.  Returns ktla_accept()'s
 * last value.  Aborts when ktla breaks its own contract (an oracle for the
 * fuzzer).
 */
int det_server_run(ktla_recv_fn recv_fn, ktla_send_fn send_fn, void *arg);

/* Callbacks for a replay: the client's bytes from a struct fuzz_in (at its end, the client is gone); what the server says is dropped. */
long det_server_input_recv(void *in, unsigned char *buf, size_t len);
long det_server_drop_send(void *arg, const unsigned char *buf, size_t len);

#endif
