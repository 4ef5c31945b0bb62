/* SPDX-License-Identifier: Apache-2.0 */
/*
 * suite_socket.h - ktla over real loopback TCP sockets against an mbedTLS
 * client thread.  The same suite runs on the host, where the record layer
 * must fall back to user space with the kernel's reason, and in the test VM,
 * where it must be in the kernel: the expectation comes from asking the
 * kernel directly (TCP_ULP "tls" on a loopback socket), not from the
 * library's probe, and inside the VM (KTLA_IN_VM) it is the kernel, full
 * stop, so neither run can pass by skipping.
 *
 * The helpers below serve the other suites that drive ktla_accept() on
 * loopback sockets (records after the hand-off, memory, threads).
 */
#ifndef KTLA_TEST_SUITE_SOCKET_H
#define KTLA_TEST_SUITE_SOCKET_H

#include "ktla.h"

/* Register the suite; big_file_mib is the size of the one large sendfile case. */
int add_socket_suite(unsigned big_file_mib);

/* The 8 version x cipher combinations, as (wire version, IANA suite). */
#define SOCKET_N_COMBOS 8
struct socket_combo {
    int version, suite;
};
extern const struct socket_combo socket_combos[SOCKET_N_COMBOS];

/* Where the record layer must be after a hand-off here (set by add_socket_suite()). */
enum ktla_offload socket_expected_offload(void);

/* A deadline for one case (monotonic ms): no case may take longer, even under emulation. */
long long socket_deadline(void);

/* After ret <= 0 from a ktla call: 1 if it asks to retry (WANT_READ/WANT_WRITE). */
int socket_is_want(ktla_conn *c, long ret);

/* Wait (at most 5 s at a time) for what ret asked for; -1, with a CUnit failure, once past the deadline. */
int socket_wait(ktla_conn *c, int fd, long ret, long long deadline_ms);

#endif
