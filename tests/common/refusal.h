/* SPDX-License-Identifier: Apache-2.0 */
/*
 * refusal.h - a ktla server (user space, caller-moved I/O) fed hand-made
 * bytes, and what it refused them with: the return value, the error class,
 * the reason, and the alert it reported and put on the wire.
 */
#ifndef KTLA_TEST_REFUSAL_H
#define KTLA_TEST_REFUSAL_H

#include <stddef.h>

#include "fixture.h"

struct refusal {
    ktla_config *cfg;
    ktla_conn *conn;
    struct mem_link link;
};

/* A connection on the P-256 test certificate's config, nothing fed yet (asserts on failure). */
void refusal_start(struct refusal *r);
void refusal_stop(struct refusal *r);

/* Feed bytes (then EOF if eof), run the server until it stops asking for more; return accept's value. */
int refusal_feed(struct refusal *r, const void *bytes, size_t len, int eof);

/* The description of the first plaintext alert the server wrote, or -1. */
int refusal_alert_on_wire(const struct refusal *r);

/*
 * Assert a refusal: -1, KTLA_ERROR_TLS, a reason, exactly one alert record
 * on the wire, the one ktla_get_alert() names (alert >= 0: that one; -1:
 * any), and a sticky failure.
 */
void refusal_expect(struct refusal *r, int rc, int alert);

#endif
