/* SPDX-License-Identifier: Apache-2.0 */
/*
 * staged_kernel.h - a stand-in for the kernel's setsockopt (through
 * ktla__setsockopt) whose answers a test sets: the errno of the ULP, TX and
 * RX steps, and a copy of the crypto_info each step was handed; and for
 * the kTLS socket's record traffic (ktla__recvmsg, ktla__sendmsg): the
 * records the peer "sent", and the control records ktla sent.
 */
#ifndef KTLA_TEST_STAGED_KERNEL_H
#define KTLA_TEST_STAGED_KERNEL_H

#include <sys/socket.h>

/*
 * One thing recvmsg() on the kTLS socket gives: a record of a content type
 * (its bytes handed out over as many calls as the reader's buffer needs,
 * never two records in one call), or, when err is set, that failure.
 */
struct staged_read {
    unsigned char type;
    const unsigned char *data;
    size_t len;
    int err;
};

struct staged_kernel {
    int ulp_errno, tx_errno, rx_errno; /* 0: accept */
    int refuse_cipher;                 /* a TLS_CIPHER_* whose keys get EINVAL, as from a kernel without it; 0: none */
    int watch_fd, calls_on_watch_fd;   /* how many calls were for one socket (-1: none watched) */
    int calls;
    unsigned char tx[64], rx[64];
    socklen_t tx_len, rx_len;
    /* With play_records 0, recvmsg and sendmsg are the real ones. */
    int play_records;
    /* recvmsg: these in order, then end of stream (0) */
    const struct staged_read *reads;
    size_t n_reads, next_read, read_offset;
    /* sendmsg of control records: how many, the last one's type and bytes; send_errno fails them */
    int sends, send_errno;
    unsigned char sent_type, sent[64];
    size_t sent_len;
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
 * Route the library's setsockopt, recvmsg and sendmsg on kTLS sockets to the
 * stage, and back to the real ones.
 * Both also forget the library's cached kernel probe, so that a probe run
 * under the stage never outlives it (and the first one under it is staged).
 */
void staged_kernel_install(void);
void staged_kernel_remove(void);

#endif
