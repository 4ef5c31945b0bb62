/*
 * staged_kernel.h - a stand-in for the kernel's setsockopt (through
 * ktla__setsockopt) whose answers a test sets: the errno of the ULP, TX and
 * RX steps, and a copy of the crypto_info each step was handed.
 */
#ifndef KTLA_TEST_STAGED_KERNEL_H
#define KTLA_TEST_STAGED_KERNEL_H

#include <sys/socket.h>

struct staged_kernel {
    int ulp_errno, tx_errno, rx_errno; /* 0: accept */
    int calls;
    unsigned char tx[64], rx[64];
    socklen_t tx_len, rx_len;
};

/* What the staged kernel answers, and what it was handed; tests reset it with memset. */
extern struct staged_kernel stage;

/* Route the library's setsockopt to the stage, and back to the real one. */
void staged_kernel_install(void);
void staged_kernel_remove(void);

#endif
