/* SPDX-License-Identifier: Apache-2.0 */
/* staged_run.c - a handshake whose keys go to a watched socket on the staged kernel (see staged_run.h). */
#include "staged_run.h"

#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "loopback.h"

void staged_run_open(struct run *r, ktla_config *cfg, int version, int suite)
{
    memset(r, 0, sizeof *r);
    r->cfg = cfg;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->cfg);
    CU_ASSERT_EQUAL_FATAL(test_loopback_pair(&r->client_fd, &r->server_fd), 0);
    stage.watch_fd = r->server_fd;
    stage.calls_on_watch_fd = 0;
    CU_ASSERT_EQUAL_FATAL(mem_link_init(&r->link, 1 << 20, 0), 0);
    CU_ASSERT_EQUAL_FATAL(mbed_client_init(&r->cli, version, suite, NULL, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(r->cfg, &r->conn), 0);
    CU_ASSERT_EQUAL(ktla_set_io(r->conn, mem_link_server_recv, mem_link_server_send, &r->link), 0);
    CU_ASSERT_EQUAL(ktla_set_fd(r->conn, r->server_fd), 0);
}

void staged_run_close(struct run *r)
{
    ktla_conn_free(r->conn);
    mbed_client_free(&r->cli);
    mem_link_free(&r->link);
    ktla_config_free(r->cfg);
    close(r->client_fd);
    close(r->server_fd);
    stage.watch_fd = -1;
}
