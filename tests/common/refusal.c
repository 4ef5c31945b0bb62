/* SPDX-License-Identifier: Apache-2.0 */
/* refusal.c - a ktla server fed hand-made bytes, and what it refused them with (see refusal.h). */
#include "refusal.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "client_hello.h"

void refusal_start(struct refusal *r)
{
    memset(r, 0, sizeof *r);
    r->cfg = fixture_config("ecdsa-p256");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->cfg);
    CU_ASSERT_EQUAL_FATAL(mem_link_init(&r->link, 1 << 16, 0), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_conn_new(r->cfg, &r->conn), 0);
    CU_ASSERT_EQUAL_FATAL(ktla_set_io(r->conn, mem_link_server_recv, mem_link_server_send, &r->link), 0);
}

void refusal_stop(struct refusal *r)
{
    ktla_conn_free(r->conn);
    mem_link_free(&r->link);
    ktla_config_free(r->cfg);
}

int refusal_feed(struct refusal *r, const void *bytes, size_t len, int eof)
{
    int rc = -1;

    CU_ASSERT_EQUAL_FATAL(mem_pipe_put(&r->link.c2s, bytes, len), 0);
    r->link.c2s.closed = eof;
    for (int i = 0; i < 100; i++) {
        rc = ktla_accept(r->conn);
        if (rc >= 0 || ktla_get_error(r->conn, rc) != KTLA_ERROR_WANT_READ)
            break;
        if (r->link.c2s.r == r->link.c2s.w)
            break; /* the server has read everything and wants more */
    }
    return rc;
}

int refusal_alert_on_wire(const struct refusal *r)
{
    return first_plain_alert(r->link.s2c.buf, r->link.s2c.w);
}

void refusal_expect(struct refusal *r, int rc, int alert)
{
    int on_wire = refusal_alert_on_wire(r), count = count_plain_alerts(r->link.s2c.buf, r->link.s2c.w);
    int reported = ktla_get_alert(r->conn);

    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(ktla_get_error(r->conn, rc), KTLA_ERROR_TLS);
    CU_ASSERT(strlen(ktla_get_reason(r->conn)) > 0);
    if (alert >= 0)
        CU_ASSERT_EQUAL(reported, alert);
    CU_ASSERT(reported > 0);
    CU_ASSERT_EQUAL(on_wire, reported);
    CU_ASSERT_EQUAL(count, 1);
    if (on_wire != reported || count != 1 || (alert >= 0 && reported != alert))
        printf("\n    alert: reported %d, on the wire %d (%d alert records), expected %d; reason: %s", reported,
               on_wire, count, alert, ktla_get_reason(r->conn));
    CU_ASSERT_EQUAL(ktla_accept(r->conn), -1); /* sticky */
    CU_ASSERT_EQUAL(ktla_read(r->conn, (char[4]){0}, 4), -1);
}
