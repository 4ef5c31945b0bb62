/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deadline.h - the handshake timeout as a budget of the client's silence
 * (internal).
 *
 * A server that is behind must not blame its clients.  So the timeout does
 * not run from the first ktla_accept() like a wall clock: ktla adds up the
 * time the handshake spends waiting for the client, and fails once that
 * reaches the timeout.  A wait starts when the handshake needs bytes the
 * client has not sent (WANT_READ, or a blocking read finding nothing) or
 * cannot hand the client ours (WANT_WRITE: the client is not reading), and
 * ends when ktla goes on.  What a wait costs:
 *
 * - waiting to read on a socket (ktla_set_fd() alone): until the client's
 *   bytes arrived, as the kernel tells (TCP_INFO: bytes received and how
 *   long ago the last of them came), not until the server came back to
 *   read them;
 * - waiting to write, or with caller-moved I/O (ktla_set_io()): all of it,
 *   since ktla cannot know when the way became free.
 *
 * The server's own work, and its delay in coming back once the client's
 * bytes are there, cost nothing; a client that sends nothing, or drips a
 * byte at a time, spends the budget as fast as the clock runs.
 */
#ifndef KTLA_DEADLINE_H
#define KTLA_DEADLINE_H

#include <stdint.h>

#include "conn_internal.h"

enum ktla__wait_for { KTLA__WAIT_READ, KTLA__WAIT_WRITE };

/* The budget of a new handshake (0: none), from the configuration. */
void ktla__silence_init(ktla_conn *conn, unsigned budget_ms);

/* The handshake starts waiting for the client now (no-op without a budget, or when already waiting). */
void ktla__silence_begin(ktla_conn *conn, enum ktla__wait_for what);

/* The wait ends now: charge what the client's silence cost (see above). */
void ktla__silence_end(ktla_conn *conn);

/* 1 when the charged silence has reached the budget. */
int ktla__silence_exhausted(const ktla_conn *conn);

/*
 * Milliseconds of silence left, counting a wait in progress as silence up to
 * now; UINT64_MAX without a budget, 0 once exhausted.
 */
uint64_t ktla__silence_left(const ktla_conn *conn);

/* A poll() timeout for at most ms milliseconds: clamped to INT_MAX (poll takes an int; negative is forever). */
int ktla__poll_timeout(uint64_t ms);

#endif
