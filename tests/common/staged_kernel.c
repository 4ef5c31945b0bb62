/* SPDX-License-Identifier: Apache-2.0 */
/* staged_kernel.c - setsockopt answers and kTLS records that the test sets (see staged_kernel.h). */
#include "staged_kernel.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "kernel/kernel_caps.h"
#include "kernel/ktls.h"
#include "wire/tls_wire.h"

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

/*
 * As kTLS does: the data, and the record type in a TLS_GET_RECORD_TYPE
 * control message.  MSG_PEEK leaves the bytes (and a staged error) where
 * they are, as the kernel does: record_control.c peeks to see whether a
 * KeyUpdate's record goes on.
 */
static ssize_t staged_recvmsg(int fd, struct msghdr *msg, int flags)
{
    const struct staged_read *r;
    struct cmsghdr *c;
    size_t n;
    int peek = (flags & MSG_PEEK) != 0;

    if (!stage.play_records)
        return recvmsg(fd, msg, flags);
    if (stage.next_read >= stage.n_reads) {
        msg->msg_controllen = 0; /* end of stream: no record, no control message */
        return 0;
    }
    r = &stage.reads[stage.next_read];
    if (r->err) {
        if (!peek)
            stage.next_read++;
        errno = r->err;
        return -1;
    }
    n = r->len - stage.read_offset;
    if (n > msg->msg_iov[0].iov_len)
        n = msg->msg_iov[0].iov_len;
    memcpy(msg->msg_iov[0].iov_base, r->data + stage.read_offset, n);
    if (!peek)
        stage.read_offset += n;
    if (stage.read_offset == r->len) {
        stage.next_read++;
        stage.read_offset = 0;
    }
    c = CMSG_FIRSTHDR(msg);
    if (c == NULL || msg->msg_controllen < CMSG_SPACE(1)) {
        msg->msg_flags |= MSG_CTRUNC;
    } else {
        c->cmsg_level = SOL_TLS;
        c->cmsg_type = TLS_GET_RECORD_TYPE;
        c->cmsg_len = CMSG_LEN(1);
        *CMSG_DATA(c) = r->type;
        msg->msg_controllen = CMSG_SPACE(1);
    }
    return (ssize_t)n;
}

static ssize_t staged_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    const struct cmsghdr *c = CMSG_FIRSTHDR(msg);
    size_t len = msg->msg_iov[0].iov_len;

    if (!stage.play_records)
        return sendmsg(fd, msg, flags);
    if (stage.send_errno) {
        errno = stage.send_errno;
        return -1;
    }
    stage.sends++;
    stage.sent_type = c && c->cmsg_level == SOL_TLS && c->cmsg_type == TLS_SET_RECORD_TYPE ? *CMSG_DATA(c)
                                                                                           : TLS_CT_APPLICATION_DATA;
    stage.sent_len = len < sizeof stage.sent ? len : sizeof stage.sent;
    memcpy(stage.sent, msg->msg_iov[0].iov_base, stage.sent_len);
    return (ssize_t)len;
}

void staged_kernel_install(void)
{
    ktla__setsockopt = staged_setsockopt;
    ktla__recvmsg = staged_recvmsg;
    ktla__sendmsg = staged_sendmsg;
    ktla__kernel_caps_reset();
}

void staged_kernel_remove(void)
{
    ktla__setsockopt = setsockopt;
    ktla__kernel_caps_reset();
    ktla__recvmsg = recvmsg;
    ktla__sendmsg = sendmsg;
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
