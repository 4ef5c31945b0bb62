/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ktls.h - the one place that talks to the kernel's TLS offload (internal).
 *
 * Everything that calls setsockopt(SOL_TLS, ...) or attaches the "tls" ULP
 * lives in ktls.c; nothing else in the library may.  The setsockopt call goes
 * through ktla__setsockopt so that unit tests can capture the exact
 * crypto_info bytes on a kernel without kTLS.
 */
#ifndef KTLA_KTLS_H
#define KTLA_KTLS_H

#include <stdint.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include "ktla.h"
#include "keys/traffic_keys.h"

/* Any of the kernel's crypto_info structures, as handed to setsockopt. */
union ktla__crypto_info {
    struct tls_crypto_info info;
    struct tls12_crypto_info_aes_gcm_128 aes_gcm_128;
    struct tls12_crypto_info_aes_gcm_256 aes_gcm_256;
    struct tls12_crypto_info_aes_ccm_128 aes_ccm_128;
    struct tls12_crypto_info_chacha20_poly1305 chacha20_poly1305;
};

/*
 * Fill *ci from keys and set *len to the exact size the kernel expects for
 * that cipher.  Returns 0, or KTLA_E_INVAL for a version or cipher the
 * kernel has no structure for.  The caller wipes *ci after use.
 */
int ktla__crypto_info_build(const struct ktla__traffic_keys *keys, union ktla__crypto_info *ci, socklen_t *len);

/* Tests replace this to see what would reach the kernel. */
typedef int (*ktla__setsockopt_fn)(int fd, int level, int name, const void *value, socklen_t len);
extern ktla__setsockopt_fn ktla__setsockopt;

/*
 * The records of a kTLS socket move through these two (recvmsg and sendmsg
 * by default), so that tests and the fuzzer can play the kernel's side on
 * a machine without kTLS: which record type and bytes each recvmsg()
 * returns, and what ktla sends as control records.
 */
typedef ssize_t (*ktla__recvmsg_fn)(int fd, struct msghdr *msg, int flags);
typedef ssize_t (*ktla__sendmsg_fn)(int fd, const struct msghdr *msg, int flags);
extern ktla__recvmsg_fn ktla__recvmsg;
extern ktla__sendmsg_fn ktla__sendmsg;

/* Attach the "tls" ULP to an established TCP socket: 0 or -errno. */
int ktla__ktls_attach_ulp(int fd);

/* Install one direction's keys on a socket with the ULP attached: 0 or -errno. */
int ktla__ktls_set_keys(int fd, enum ktla_direction dir, const struct ktla__traffic_keys *keys);

/*
 * One recvmsg() on a kTLS socket with flags (MSG_PEEK, MSG_DONTWAIT or 0),
 * always with a control buffer (without one the kernel fails non-data
 * records with EIO).  Returns the byte count (0 at end of stream) or
 * -errno; *type is the record's content type (23 for application data, 21
 * alert, 22 handshake).  One call never returns bytes of two records of
 * different types, nor of two non-data records; a non-data record longer
 * than len is returned in pieces, by the calls that follow.
 */
long ktla__ktls_recv(int fd, void *buf, size_t len, unsigned char *type, int flags);

/* Send one record of a non-data content type (alert, handshake): 0 or -errno (-EAGAIN when it would block). */
int ktla__ktls_send_control(int fd, unsigned char type, const void *data, size_t len);

/*
 * Send an alert record, also after a received record failed: then the
 * kernel keeps the error on the socket and refuses sends until it is
 * taken (SO_ERROR), which this does.  0 or -errno.
 */
int ktla__ktls_send_alert(int fd, unsigned char level, unsigned char description);

/*
 * A sentence a person can act on for a failed step, e.g. "TLS ULP not
 * available (ENOENT): this kernel has no tls module".  err is a positive
 * errno; dir is ignored for the ULP step.  Writes into buf, returns buf.
 */
enum ktla__ktls_step { KTLA__STEP_ULP, KTLA__STEP_KEYS };
const char *ktla__ktls_reason(enum ktla__ktls_step step, enum ktla_direction dir, int err, char *buf, size_t size);

#endif /* KTLA_KTLS_H */
