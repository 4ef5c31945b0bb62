/* SPDX-License-Identifier: Apache-2.0 */
/* keyupdate.c - TLS 1.3 KeyUpdate in either record engine (RFC 8446 4.6.3 and 7.2). */
#include "config.h"

#include "keyupdate.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "engine.h"
#include "kernel/ktls.h"
#include "rekey.h"
#include "wire/tls_wire.h"

/* The record layer's engine (kernel or user) takes the new keys. */
static int install_on_engine(void *rec, enum ktla_direction dir, const struct ktla__traffic_keys *keys)
{
    return ktla__record_set_keys(rec, dir, keys);
}

/* The next key of one direction (rekey.c): 0, KTLA__REKEY_NOT_DERIVED, or the engine's -errno. */
static int next_key(struct ktla__record *rec, unsigned char *secret, enum ktla_direction dir)
{
    struct ktla__rekey *rk = rec->rekey;

    return ktla__rekey_direction(dir, rec->own.cipher, (mbedtls_md_type_t)rk->hash, secret, rk->secret_len,
                                 install_on_engine, rec);
}

static int fail_rekey(struct ktla__record *rec, int err, enum ktla_direction dir)
{
    const char *what = dir == KTLA_DIR_RX ? "receive" : "transmit";
    struct utsname uts;
    char why[192];

    if (err == -KTLA__REKEY_NOT_DERIVED) {
        ktla__record_fail(rec, KTLA_ERROR_TLS, ENOMEM, -1,
                        "the peer sent a TLS 1.3 KeyUpdate and the next %s key could not be derived (out of memory); "
                        "the connection is closed",
                        what);
        return -1;
    }
    if (ktla__record_in_user_space(rec)) {
        ktla__record_fail(rec, KTLA_ERROR_TLS, err, -1,
                        "the peer sent a TLS 1.3 KeyUpdate and the new %s key could not be set up in user space (%s); "
                        "the connection is closed",
                        what, strerror(err));
        return -1;
    }
    if (uname(&uts) != 0)
        strcpy(uts.release, "unknown");
    ktla__ktls_reason(KTLA__STEP_KEYS, dir, err, why, sizeof why);
    ktla__record_fail(rec, KTLA_ERROR_TLS, err, -1,
                    "the peer sent a TLS 1.3 KeyUpdate and kernel %s could not install the new %s key (%s)%s; "
                    "the connection is closed",
                    uts.release, what, why, err == EBUSY ? ": replacing kTLS keys needs Linux 6.14" : "");
    return -1;
}

int ktla__keyupdate_flush(struct ktla__record *rec)
{
    static const unsigned char key_update_not_requested[TLS_KEY_UPDATE_LEN] = {TLS_HS_KEY_UPDATE, 0, 0, TLS_KEY_UPDATE_BODY_LEN,
                                                                               TLS_KEY_UPDATE_NOT_REQUESTED};
    struct ktla__rekey *rk = rec->rekey;
    int rc;

    if (rk == NULL || !rk->key_update_owed)
        return 0;
    /*
     * Our KeyUpdate goes out under the old key; only then does the new one
     * apply.  A non-blocking socket with a full send buffer gets WANT_WRITE
     * and the KeyUpdate stays owed (a blocking one waits in sendmsg, as the
     * caller chose).
     */
    rc = ktla__record_send_control(rec, TLS_CT_HANDSHAKE, key_update_not_requested,
                                   sizeof key_update_not_requested);
    if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
        ktla__record_fail(rec, KTLA_ERROR_WANT_WRITE, 0, -1,
                        "our KeyUpdate, which the peer asked for, waits for room in the send buffer");
        return -1;
    }
    if (rc == 0)
        rc = next_key(rec, rk->tx_secret, KTLA_DIR_TX);
    if (rc != 0)
        return fail_rekey(rec, -rc, KTLA_DIR_TX);
    rk->key_update_owed = 0;
    return 0;
}

int ktla__keyupdate_peer(struct ktla__record *rec, int update_requested)
{
    int rc;

    if (rec->rekey == NULL) {
        ktla__record_fail(rec, KTLA_ERROR_TLS, 0, -1, "the peer sent KeyUpdate but no traffic secret was kept");
        return -1;
    }
    rc = next_key(rec, rec->rekey->rx_secret, KTLA_DIR_RX);
    if (rc != 0)
        return fail_rekey(rec, -rc, KTLA_DIR_RX);
    if (!update_requested)
        return 0;
    /* Owed until sent: a second request before then asks for the same one KeyUpdate. */
    rec->rekey->key_update_owed = 1;
    return ktla__keyupdate_flush(rec);
}
