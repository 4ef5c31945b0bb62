/* SPDX-License-Identifier: Apache-2.0 */
/* deadline.c - the handshake timeout as a budget of the client's silence (see deadline.h). */
#include "config.h"

#include "deadline.h"

#include <limits.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Monotonic milliseconds: the only clock the budget is kept in. */
static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* What the kernel knows of the client's bytes: how many came, and how long ago the last did. */
struct arrivals {
    uint64_t bytes;
    uint32_t last_ms_ago;
};

static int read_arrivals(int fd, struct arrivals *a)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;

    memset(&ti, 0, sizeof ti);
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return -1;
    /* tcpi_bytes_received came with Linux 4.1; an older kernel returns a shorter structure. */
    if (len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received)
        return -1;
    a->bytes = ti.tcpi_bytes_received;
    a->last_ms_ago = ti.tcpi_last_data_recv;
    return 0;
}

/* Only bytes read from the socket by ktla itself can be timed by the kernel's counters. */
static int socket_timed(const ktla_conn *conn)
{
    return conn->fd >= 0 && conn->recv_fn == NULL;
}

void ktla__silence_init(ktla_conn *conn, unsigned budget_ms)
{
    memset(&conn->silence, 0, sizeof conn->silence);
    conn->silence.budget_ms = budget_ms;
}

void ktla__silence_begin(ktla_conn *conn, enum ktla__wait_for what)
{
    struct ktla__silence *s = &conn->silence;
    struct arrivals a;

    if (s->budget_ms == 0 || s->waiting)
        return;
    s->waiting = 1;
    s->reading = what == KTLA__WAIT_READ;
    s->since_ms = now_ms();
    s->have_bytes = s->reading && socket_timed(conn) && read_arrivals(conn->fd, &a) == 0;
    s->bytes_at_start = s->have_bytes ? a.bytes : 0;
}

void ktla__silence_end(ktla_conn *conn)
{
    struct ktla__silence *s = &conn->silence;
    uint64_t now, charged;
    struct arrivals a;

    if (!s->waiting)
        return;
    now = now_ms();
    charged = now > s->since_ms ? now - s->since_ms : 0;
    /* New bytes came during the wait: the client was silent only until the last of them arrived. */
    if (s->have_bytes && read_arrivals(conn->fd, &a) == 0 && a.bytes > s->bytes_at_start) {
        uint64_t arrived = now > a.last_ms_ago ? now - a.last_ms_ago : 0;
        charged = arrived > s->since_ms ? arrived - s->since_ms : 0;
    }
    s->spent_ms += charged;
    s->waiting = 0;
}

int ktla__silence_exhausted(const ktla_conn *conn)
{
    return conn->silence.budget_ms != 0 && conn->silence.spent_ms >= conn->silence.budget_ms;
}

uint64_t ktla__silence_left(const ktla_conn *conn)
{
    const struct ktla__silence *s = &conn->silence;
    uint64_t spent = s->spent_ms, now;

    if (s->budget_ms == 0)
        return UINT64_MAX;
    if (s->waiting && (now = now_ms()) > s->since_ms)
        spent += now - s->since_ms;
    return spent >= s->budget_ms ? 0 : s->budget_ms - spent;
}

int ktla__poll_timeout(uint64_t ms)
{
    return ms > INT_MAX ? INT_MAX : (int)ms;
}
