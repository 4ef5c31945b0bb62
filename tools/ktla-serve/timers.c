/* SPDX-License-Identifier: Apache-2.0 */
/* timers.c - sorted deadline lists (timers.h). */
#include <time.h>

#include "timers.h"

uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void timer_cancel(struct timer_entry *e)
{
    struct timer_list *l = e->list;

    if (l == NULL)
        return;
    if (e->prev)
        e->prev->next = e->next;
    else
        l->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        l->tail = e->prev;
    e->prev = e->next = NULL;
    e->list = NULL;
}

void timer_arm_at(struct timer_list *list, struct timer_entry *e, uint64_t deadline_ms)
{
    struct timer_entry *after;

    timer_cancel(e);
    e->deadline_ms = deadline_ms;
    e->list = list;
    /* Usually the latest deadline: walk back from the tail only as far as needed. */
    for (after = list->tail; after && after->deadline_ms > deadline_ms; after = after->prev)
        ;
    e->prev = after;
    e->next = after ? after->next : list->head;
    if (e->next)
        e->next->prev = e;
    else
        list->tail = e;
    if (after)
        after->next = e;
    else
        list->head = e;
}

void timer_arm(struct timer_list *list, struct timer_entry *e)
{
    timer_arm_at(list, e, list->timeout_ms ? now_ms() + list->timeout_ms : UINT64_MAX);
}
