/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timers.h - deadlines in lists, earliest first: expiry only ever looks at
 * a list's head.  Idle and linger deadlines are now plus the list's
 * timeout, so appending at the tail keeps a list sorted; a handshake's
 * deadline is when the client's silence will have used up the handshake
 * timeout (ktla_get_handshake_time_left()), inserted in order.  An entry
 * is embedded in what it times (a session) and knows nothing else of it.
 */
#ifndef KTLA_SERVE_TIMERS_H
#define KTLA_SERVE_TIMERS_H

#include <stdint.h>

struct timer_list;

struct timer_entry {
    struct timer_entry *prev, *next;
    struct timer_list *list; /* NULL: in none */
    uint64_t deadline_ms;
};

struct timer_list {
    struct timer_entry *head, *tail;
    unsigned timeout_ms; /* 0: never */
};

uint64_t now_ms(void); /* CLOCK_MONOTONIC */

/* Put e at the tail of list with a fresh deadline (moving it from any other list). */
void timer_arm(struct timer_list *list, struct timer_entry *e);
/* Put e in list, in order, with this deadline (UINT64_MAX: never). */
void timer_arm_at(struct timer_list *list, struct timer_entry *e, uint64_t deadline_ms);
void timer_cancel(struct timer_entry *e);

#endif
