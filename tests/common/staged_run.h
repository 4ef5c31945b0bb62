/* SPDX-License-Identifier: Apache-2.0 */
/*
 * staged_run.h - a CUnit fixture on the staged kernel (staged_kernel.h): an
 * mbedTLS client's handshake over memory whose keys go to a real loopback
 * socket that the stage watches.
 */
#ifndef KTLA_TEST_STAGED_RUN_H
#define KTLA_TEST_STAGED_RUN_H

#include "fixture.h"
#include "staged_kernel.h"

/*
 * A handshake over memory (ktla_set_io) whose keys go to a real loopback
 * socket (ktla_set_fd), as the API allows: the stage sees every call, and
 * the socket is watched (stage.watch_fd).  staged_run_open() sets it up
 * with cfg (taken over: freed by staged_run_close()) and an mbedTLS client
 * of that version and suite; the test drives the handshake.
 */
struct run {
    ktla_config *cfg;
    ktla_conn *conn;
    struct mbed_client cli;
    struct mem_link link;
    int client_fd, server_fd;
    int rc;
};
void staged_run_open(struct run *r, ktla_config *cfg, int version, int suite);
void staged_run_close(struct run *r);

#endif
