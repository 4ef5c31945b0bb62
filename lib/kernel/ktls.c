/* SPDX-License-Identifier: Apache-2.0 */
/* ktls.c - crypto_info per cipher, and the only setsockopt(SOL_TLS) of the library. */
#define _GNU_SOURCE
#include "config.h"

#include "ktls.h"
#include "wire/byte_order.h"
#include "wire/tls_wire.h"

#include <errno.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

ktla__setsockopt_fn ktla__setsockopt = setsockopt;
ktla__recvmsg_fn ktla__recvmsg = recvmsg;
ktla__sendmsg_fn ktla__sendmsg = sendmsg;

/*
 * AES-GCM and AES-CCM share one layout: salt (4 bytes), iv (8), key, rec_seq.
 * In TLS 1.3 salt+iv are the 12-byte static IV.  In TLS 1.2 the salt is the
 * implicit IV and iv is the explicit nonce of the next record, which the
 * kernel then increments: it must be the sequence number, because explicit
 * nonce 0 was already used for the Finished message under this key and
 * reusing it would reuse a GCM nonce.
 */
static void fill_aes(const struct ktla__traffic_keys *k, unsigned char *salt, unsigned char *iv,
                     unsigned char *key, size_t key_len, unsigned char *rec_seq)
{
    memcpy(salt, k->iv, 4);
    if (k->version == KTLA_TLS_1_3)
        memcpy(iv, k->iv + 4, 8);
    else
        ktla__put_be(iv, 8, k->seq);
    memcpy(key, k->key, key_len);
    ktla__put_be(rec_seq, 8, k->seq);
}

/* ChaCha20-Poly1305 takes the whole 12-byte static IV in both versions. */
static void fill_chacha(const struct ktla__traffic_keys *k, struct tls12_crypto_info_chacha20_poly1305 *c)
{
    memcpy(c->iv, k->iv, sizeof c->iv);
    memcpy(c->key, k->key, sizeof c->key);
    ktla__put_be(c->rec_seq, 8, k->seq);
}

int ktla__crypto_info_build(const struct ktla__traffic_keys *k, union ktla__crypto_info *ci, socklen_t *len)
{
    if (k->version != KTLA_TLS_1_2 && k->version != KTLA_TLS_1_3)
        return KTLA_E_INVAL;
    memset(ci, 0, sizeof *ci);
    ci->info.version = (uint16_t)k->version;
    switch (k->cipher) {
    case KTLA_CIPHER_AES_GCM_128: {
        struct tls12_crypto_info_aes_gcm_128 *c = &ci->aes_gcm_128;
        c->info.cipher_type = TLS_CIPHER_AES_GCM_128;
        fill_aes(k, c->salt, c->iv, c->key, sizeof c->key, c->rec_seq);
        *len = sizeof *c;
        return 0;
    }
    case KTLA_CIPHER_AES_GCM_256: {
        struct tls12_crypto_info_aes_gcm_256 *c = &ci->aes_gcm_256;
        c->info.cipher_type = TLS_CIPHER_AES_GCM_256;
        fill_aes(k, c->salt, c->iv, c->key, sizeof c->key, c->rec_seq);
        *len = sizeof *c;
        return 0;
    }
    case KTLA_CIPHER_AES_CCM_128: {
        struct tls12_crypto_info_aes_ccm_128 *c = &ci->aes_ccm_128;
        c->info.cipher_type = TLS_CIPHER_AES_CCM_128;
        fill_aes(k, c->salt, c->iv, c->key, sizeof c->key, c->rec_seq);
        *len = sizeof *c;
        return 0;
    }
    case KTLA_CIPHER_CHACHA20_POLY1305:
        ci->chacha20_poly1305.info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
        fill_chacha(k, &ci->chacha20_poly1305);
        *len = sizeof ci->chacha20_poly1305;
        return 0;
    default:
        memset(ci, 0, sizeof *ci);
        return KTLA_E_INVAL;
    }
}

int ktla__ktls_attach_ulp(int fd)
{
    static const char ulp[] = "tls";

    if (ktla__setsockopt(fd, SOL_TCP, TCP_ULP, ulp, sizeof ulp) != 0)
        return -errno;
    return 0;
}

int ktla__ktls_set_keys(int fd, enum ktla_direction dir, const struct ktla__traffic_keys *keys)
{
    union ktla__crypto_info ci;
    socklen_t len = 0;
    int rc = ktla__crypto_info_build(keys, &ci, &len);

    if (rc != 0)
        return -EINVAL;
    rc = ktla__setsockopt(fd, SOL_TLS, dir == KTLA_DIR_TX ? TLS_TX : TLS_RX, &ci, len) == 0 ? 0 : -errno;
    explicit_bzero(&ci, sizeof ci);
    return rc;
}

long ktla__ktls_recv(int fd, void *buf, size_t len, unsigned char *type, int flags)
{
    char control[CMSG_SPACE(sizeof(unsigned char))];
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n = ktla__recvmsg(fd, &msg, flags);

    if (n < 0)
        return -errno;
    *type = TLS_CT_APPLICATION_DATA;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_TLS && c->cmsg_type == TLS_GET_RECORD_TYPE)
            *type = *(unsigned char *)CMSG_DATA(c);
    return n;
}

int ktla__ktls_send_control(int fd, unsigned char type, const void *data, size_t len)
{
    char control[CMSG_SPACE(sizeof(unsigned char))] = {0};
    struct iovec iov = {.iov_base = (void *)(uintptr_t)data, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    ssize_t n;

    c->cmsg_level = SOL_TLS;
    c->cmsg_type = TLS_SET_RECORD_TYPE;
    c->cmsg_len = CMSG_LEN(sizeof(unsigned char));
    *(unsigned char *)CMSG_DATA(c) = type;
    /* Never MSG_MORE: the kernel refuses it for control records. */
    do
        n = ktla__sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

int ktla__ktls_send_alert(int fd, unsigned char level, unsigned char description)
{
    const unsigned char alert[TLS_ALERT_LEN] = {level, description};
    int rc = ktla__ktls_send_control(fd, TLS_CT_ALERT, alert, sizeof alert);
    int pending = 0;
    socklen_t len = sizeof pending;

    /*
     * A record that failed (EBADMSG, EMSGSIZE) leaves its error on the socket,
     * and the kernel refuses every send while it is there.  Only the receive
     * side is dead: take the error (reading SO_ERROR clears it), then send.
     */
    if (rc != 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &len) == 0 && pending != 0)
        rc = ktla__ktls_send_control(fd, TLS_CT_ALERT, alert, sizeof alert);
    return rc;
}

static const char *errno_name(int err)
{
    const char *name = strerrorname_np(err);
    return name ? name : "unknown errno";
}

const char *ktla__ktls_reason(enum ktla__ktls_step step, enum ktla_direction dir, int err, char *buf, size_t size)
{
    const char *what = dir == KTLA_DIR_TX ? "TLS_TX" : "TLS_RX";
    const char *hint;

    if (step == KTLA__STEP_ULP) {
        switch (err) {
        case ENOENT:
            hint = "this kernel has no tls module (CONFIG_TLS unset, or the module cannot be loaded)";
            break;
        case ENOTCONN:
            hint = "the socket is not an established TCP connection";
            break;
        case EEXIST:
            hint = "another upper-layer protocol is already attached to the socket";
            break;
        case ENOPROTOOPT:
            hint = "this kernel predates TCP upper-layer protocols (Linux 4.13)";
            break;
        default:
            hint = strerror(err);
            break;
        }
        snprintf(buf, size, "TLS ULP not available (%s): %s", errno_name(err), hint);
        return buf;
    }
    switch (err) {
    case EINVAL:
        hint = "this kernel does not know this TLS version or cipher";
        break;
    case ENOPROTOOPT:
        hint = dir == KTLA_DIR_RX ? "this kernel has no receive offload (Linux 4.17)" : "option unknown to this kernel";
        break;
    case EBUSY:
        hint = "keys for this direction are already installed";
        break;
    case ENOMEM:
        hint = "the kernel is out of memory";
        break;
    default:
        hint = strerror(err);
        break;
    }
    snprintf(buf, size, "%s keys refused (%s): %s", what, errno_name(err), hint);
    return buf;
}
