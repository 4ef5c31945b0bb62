/* SPDX-License-Identifier: Apache-2.0 */
/*
 * public_records.c - records for a program that ran its own handshake and
 * called ktla_install_keys(): read with the record type, send a record of a
 * type, alerts and close_notify, and TLS 1.3 KeyUpdate both ways.
 *
 * Only checks and choices live here.  The cmsg and setsockopt code is the
 * kernel engine's (ktls.c), the derivation keys.c's, the rekey step
 * rekey.c's, shared with the server's own KeyUpdate handling.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <mbedtls/md.h>
#include <psa/crypto.h>

#include "kernel/ktls.h"
#include "kernel/ktls_query.h"
#include "keys/keys.h"
#include "rekey.h"
#include "wire/tls_wire.h"

/* The largest TLSPlaintext fragment (RFC 8446 5.1): a larger send would become several records. */
#define MAX_PLAINTEXT 16384

/* The first kernel that lets TLS 1.3 keys be replaced (TLS_TX/TLS_RX set again). */
#define REKEY_MAJOR 6
#define REKEY_MINOR 14

static int fail_errno(int neg_errno)
{
    errno = -neg_errno;
    return KTLA_E_SYSCALL;
}

/* Whether dir of fd is in kTLS: 0, KTLA_E_NOKTLS, or KTLA_E_SYSCALL (errno kept). */
static int require_ktls(int fd, enum ktla_direction dir)
{
    int rc = ktla__ktls_installed(fd, dir);

    if (rc == -ENOPROTOOPT || rc == -EBUSY || rc == -EOPNOTSUPP) {
        errno = -rc;
        return KTLA_E_NOKTLS;
    }
    return rc == 0 ? 0 : fail_errno(rc);
}

long ktla_recv_record(int fd, void *buf, size_t len, unsigned char *record_type, int flags)
{
    long n;
    int rc;

    if (fd < 0 || buf == NULL || len == 0 || record_type == NULL || (flags & ~(MSG_PEEK | MSG_DONTWAIT)) != 0)
        return KTLA_E_INVAL;
    if ((rc = require_ktls(fd, KTLA_DIR_RX)) != 0)
        return rc;
    do
        n = ktla__ktls_recv(fd, buf, len, record_type, flags);
    while (n == -EINTR);
    return n < 0 ? fail_errno((int)n) : n;
}

int ktla_send_record(int fd, unsigned char record_type, const void *buf, size_t len)
{
    int rc;

    if (fd < 0 || buf == NULL || len == 0 || len > MAX_PLAINTEXT ||
        (record_type != TLS_CT_ALERT && record_type != TLS_CT_HANDSHAKE && record_type != TLS_CT_APPLICATION_DATA))
        return KTLA_E_INVAL;
    if ((rc = require_ktls(fd, KTLA_DIR_TX)) != 0)
        return rc;
    rc = ktla__ktls_send_control(fd, record_type, buf, len);
    return rc == 0 ? 0 : fail_errno(rc);
}

int ktla_send_alert(int fd, unsigned char level, unsigned char description)
{
    int rc;

    if (fd < 0 || (level != TLS_ALERT_LEVEL_WARNING && level != TLS_ALERT_LEVEL_FATAL))
        return KTLA_E_INVAL;
    if ((rc = require_ktls(fd, KTLA_DIR_TX)) != 0)
        return rc;
    rc = ktla__ktls_send_alert(fd, level, description);
    return rc == 0 ? 0 : fail_errno(rc);
}

int ktla_send_close_notify(int fd)
{
    return ktla_send_alert(fd, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY);
}

/* ---- KeyUpdate ---- */

/* The cipher and hash of a TLS 1.3 keys structure, checked; 0 or KTLA_E_* with why filled. */
static int tls13_suite(const struct ktla_session_keys *keys, enum ktla_cipher *cipher, mbedtls_md_type_t *md,
                       char *why, size_t why_size)
{
    enum ktla_tls_version version;

    if (keys->version != KTLA_TLS_1_3) {
        snprintf(why, why_size, "KeyUpdate exists only in TLS 1.3");
        return KTLA_E_INVAL;
    }
    if (ktla__suite_to_kernel(keys->ciphersuite, &version, cipher, md) != 0 || version != KTLA_TLS_1_3) {
        snprintf(why, why_size, "cipher suite 0x%04x is not a TLS 1.3 suite the kernel implements",
                 (unsigned)keys->ciphersuite);
        return KTLA_E_INVAL;
    }
    if (keys->secret_len != mbedtls_md_get_size(mbedtls_md_info_from_type(*md))) {
        snprintf(why, why_size, "secret_len %zu is not the length of suite 0x%04x's hash", keys->secret_len,
                 (unsigned)keys->ciphersuite);
        return KTLA_E_INVAL;
    }
    if (psa_crypto_init() != PSA_SUCCESS) { /* the derivation needs it; idempotent */
        snprintf(why, why_size, "psa_crypto_init failed");
        return KTLA_E_NOMEM;
    }
    return 0;
}

/* This side's secret and sequence number for dir: TX is ours, RX the peer's. */
static unsigned char *secret_of(struct ktla_session_keys *keys, int is_client, enum ktla_direction dir,
                                unsigned long long **seq)
{
    int client = (dir == KTLA_DIR_TX) == (is_client != 0);

    *seq = client ? &keys->client_seq : &keys->server_seq;
    return client ? keys->client_secret : keys->server_secret;
}

/* 1 if this kernel can replace kTLS keys; 0 (why filled) if not. */
static int kernel_replaces_keys(char *why, size_t why_size)
{
    struct utsname uts;
    unsigned major = 0, minor = 0;

    if (uname(&uts) != 0 || sscanf(uts.release, "%u.%u", &major, &minor) != 2)
        return 1; /* cannot tell: let the kernel answer */
    if (major > REKEY_MAJOR || (major == REKEY_MAJOR && minor >= REKEY_MINOR))
        return 1;
    snprintf(why, why_size, "kernel %s cannot replace kTLS keys (Linux %d.%d can); nothing was sent", uts.release,
             REKEY_MAJOR, REKEY_MINOR);
    return 0;
}

/* The kernel takes the new keys (ctx: the socket). */
static int install_on_socket(void *ctx, enum ktla_direction dir, const struct ktla__traffic_keys *keys)
{
    return ktla__ktls_set_keys(*(const int *)ctx, dir, keys);
}

/* Rekey dir; 0, or KTLA_E_* with why filled (the connection is unusable then). */
static int rekey(int fd, int is_client, struct ktla_session_keys *keys, enum ktla_direction dir,
                 enum ktla_cipher cipher, mbedtls_md_type_t md, char *why, size_t why_size)
{
    unsigned long long *seq;
    unsigned char *secret = secret_of(keys, is_client, dir, &seq);
    int rc = ktla__rekey_direction(dir, cipher, md, secret, keys->secret_len, install_on_socket, &fd);
    char reason[160];

    if (rc == KTLA__REKEY_NOT_DERIVED) {
        snprintf(why, why_size, "the next traffic secret could not be derived (out of memory)");
        return KTLA_E_NOMEM;
    }
    if (rc != 0) {
        ktla__ktls_reason(KTLA__STEP_KEYS, dir, -rc, reason, sizeof reason);
        snprintf(why, why_size, "%s%s; the connection is unusable", reason,
                 rc == -EBUSY ? " (replacing kTLS keys needs Linux 6.14)" : "");
        return fail_errno(rc);
    }
    *seq = 0;
    return 0;
}

/* Where the KeyUpdate calls write their sentence: the caller's buffer, or scratch when it gave none. */
static char *why_buffer(char *why, size_t *why_size, char *scratch, size_t scratch_size)
{
    if (why == NULL || *why_size == 0) {
        why = scratch;
        *why_size = scratch_size;
    }
    why[0] = '\0';
    return why;
}

/* The checks both KeyUpdate calls make before touching the socket; 0 or KTLA_E_* with why filled. */
static int key_update_ready(int fd, const struct ktla_session_keys *keys, enum ktla_direction dir,
                            enum ktla_cipher *cipher, mbedtls_md_type_t *md, char *why, size_t why_size)
{
    int rc;

    if (fd < 0 || keys == NULL) {
        snprintf(why, why_size, "%s", fd < 0 ? "no socket" : "no keys");
        return KTLA_E_INVAL;
    }
    if ((rc = tls13_suite(keys, cipher, md, why, why_size)) != 0)
        return rc;
    if ((rc = require_ktls(fd, dir)) != 0)
        snprintf(why, why_size, "the socket's %s direction is not in kTLS", dir == KTLA_DIR_TX ? "transmit" : "receive");
    return rc;
}

int ktla_send_key_update(int fd, int is_client, struct ktla_session_keys *keys, int request_update, char *why,
                         size_t why_size)
{
    const unsigned char message[TLS_KEY_UPDATE_LEN] = {
        TLS_HS_KEY_UPDATE, 0, 0, TLS_KEY_UPDATE_BODY_LEN,
        request_update ? TLS_KEY_UPDATE_REQUESTED : TLS_KEY_UPDATE_NOT_REQUESTED};
    enum ktla_cipher cipher;
    mbedtls_md_type_t md;
    char scratch[8];
    int rc;

    why = why_buffer(why, &why_size, scratch, sizeof scratch);
    if (request_update != 0 && request_update != 1) {
        snprintf(why, why_size, "request_update is not 0 or 1");
        return KTLA_E_INVAL;
    }
    if ((rc = key_update_ready(fd, keys, KTLA_DIR_TX, &cipher, &md, why, why_size)) != 0)
        return rc;
    if (!kernel_replaces_keys(why, why_size))
        return KTLA_E_UNSUPPORTED;
    /* The KeyUpdate goes out under the old key; the records after it under the new one. */
    rc = ktla__ktls_send_control(fd, TLS_CT_HANDSHAKE, message, sizeof message);
    if (rc != 0) {
        snprintf(why, why_size, "sending KeyUpdate failed (%s)%s", strerror(-rc),
                 rc == -EAGAIN || rc == -EWOULDBLOCK ? "; nothing was sent, call again" : "");
        return fail_errno(rc);
    }
    return rekey(fd, is_client, keys, KTLA_DIR_TX, cipher, md, why, why_size);
}

int ktla_recv_key_update(int fd, int is_client, struct ktla_session_keys *keys, const void *message, size_t len,
                         char *why, size_t why_size)
{
    const unsigned char *m = message;
    enum ktla_cipher cipher;
    mbedtls_md_type_t md;
    char scratch[8];
    int rc;

    why = why_buffer(why, &why_size, scratch, sizeof scratch);
    if (message == NULL) {
        snprintf(why, why_size, "no message");
        return KTLA_E_INVAL;
    }
    /* Exactly one KeyUpdate message (RFC 8446 4.6.3): header, 1-byte body. */
    if (len != TLS_KEY_UPDATE_LEN || m[0] != TLS_HS_KEY_UPDATE || m[1] != 0 || m[2] != 0 ||
        m[3] != TLS_KEY_UPDATE_BODY_LEN) {
        snprintf(why, why_size, "not one KeyUpdate message (%zu bytes): answer with a decode_error alert", len);
        return KTLA_E_TLS;
    }
    if (m[4] != TLS_KEY_UPDATE_NOT_REQUESTED && m[4] != TLS_KEY_UPDATE_REQUESTED) {
        snprintf(why, why_size, "KeyUpdateRequest %u is neither 0 nor 1: answer with an illegal_parameter alert",
                 m[4]);
        return KTLA_E_TLS;
    }
    if ((rc = key_update_ready(fd, keys, KTLA_DIR_RX, &cipher, &md, why, why_size)) != 0)
        return rc;
    rc = rekey(fd, is_client, keys, KTLA_DIR_RX, cipher, md, why, why_size);
    if (rc != 0)
        return rc;
    return m[4] == TLS_KEY_UPDATE_REQUESTED;
}
