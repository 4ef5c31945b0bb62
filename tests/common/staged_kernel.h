/*
 * staged_kernel.h - a stand-in for the kernel's setsockopt (through
 * ktla__setsockopt) whose answers a test sets: the errno of the ULP, TX and
 * RX steps, and a copy of the crypto_info each step was handed.
 */
#ifndef KTLA_TEST_STAGED_KERNEL_H
#define KTLA_TEST_STAGED_KERNEL_H

#include <sys/socket.h>

#include "fixture.h"

struct staged_kernel {
    int ulp_errno, tx_errno, rx_errno; /* 0: accept */
    int refuse_cipher;                 /* a TLS_CIPHER_* whose keys get EINVAL, as from a kernel without it; 0: none */
    int watch_fd, calls_on_watch_fd;   /* how many calls were for one socket (-1: none watched) */
    int calls;
    unsigned char tx[64], rx[64];
    socklen_t tx_len, rx_len;
};

/* What the staged kernel answers, and what it was handed. */
extern struct staged_kernel stage;

/*
 * Before each test: every answer "yes", nothing recorded, no socket
 * watched, and the library's probe run afresh under this stage (its calls
 * not counted), so that calls counts only what the test itself caused.
 */
void staged_kernel_reset(void);

/*
 * Route the library's setsockopt to the stage, and back to the real one.
 * Both also forget the library's cached kernel probe, so that a probe run
 * under the stage never outlives it (and the first one under it is staged).
 */
void staged_kernel_install(void);
void staged_kernel_remove(void);

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
