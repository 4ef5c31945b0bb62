/* staged_kernel.c - a setsockopt whose answers the test sets (see staged_kernel.h). */
#include "staged_kernel.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "kernel_caps.h"
#include "loopback.h"
#include "ktls.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

struct staged_kernel stage;

static int staged_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    int err = 0;

    stage.calls++;
    if (fd == stage.watch_fd)
        stage.calls_on_watch_fd++;
    if (level == SOL_TCP && name == TCP_ULP) {
        err = stage.ulp_errno;
    } else if ((level == SOL_TLS && (name == TLS_TX || name == TLS_RX)) && stage.refuse_cipher &&
               len >= sizeof(struct tls_crypto_info) &&
               ((const struct tls_crypto_info *)value)->cipher_type == stage.refuse_cipher) {
        err = EINVAL;
    } else if (level == SOL_TLS && name == TLS_TX) {
        err = stage.tx_errno;
        stage.tx_len = len;
        memcpy(stage.tx, value, len < sizeof stage.tx ? len : sizeof stage.tx);
    } else if (level == SOL_TLS && name == TLS_RX) {
        err = stage.rx_errno;
        stage.rx_len = len;
        memcpy(stage.rx, value, len < sizeof stage.rx ? len : sizeof stage.rx);
    }
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

void staged_kernel_install(void)
{
    ktla__setsockopt = staged_setsockopt;
    ktla__kernel_caps_reset();
}

void staged_kernel_remove(void)
{
    ktla__setsockopt = setsockopt;
    ktla__kernel_caps_reset();
}

void staged_kernel_reset(void)
{
    char why[256];

    memset(&stage, 0, sizeof stage);
    stage.watch_fd = -1;
    ktla__kernel_caps_reset();
    /* The library's kernel probe runs now, under the stage, rather than inside the test's first call. */
    (void)ktla__kernel_refuses(KTLA_TLS_1_3, KTLA_CIPHER_AES_GCM_128, why, sizeof why);
    stage.calls = 0;
}

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
