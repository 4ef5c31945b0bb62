/* SPDX-License-Identifier: Apache-2.0 */
/*
 * user_engine.h - ktla's own record layer in user space (internal): the
 * engine of a connection the kernel did not take (record/decide.h says
 * which and why).  Records are sealed and opened by record_crypto.c; this
 * file moves them over the socket or the caller's callbacks and keeps a
 * record received or sent in part across WANT_READ/WANT_WRITE.  It calls
 * nothing above it: ktla_read() (record.c) hands the non-data records it
 * returns to the same control code as the kernel engine's
 * (record_control.c), whose sends and re-keys come back down through
 * engine.h.
 *
 * Memory: a small fixed state per connection; a buffer for one record
 * exists only while a record is being received or sent, and is wiped and
 * freed when it has been consumed.
 */
#ifndef KTLA_USER_ENGINE_H
#define KTLA_USER_ENGINE_H

#include <stddef.h>

#include "record_layer.h"
#include "keys/traffic_keys.h"

/*
 * Start the engine on rec with both directions' keys; max_out is the
 * largest plaintext the peer accepts in one record (2^14, or less after
 * max_fragment_length / record_size_limit).  0, or -1 (out of memory, or
 * PSA refused a key) with nothing kept.
 */
int ktla__user_engine_start(struct ktla__record *rec, const struct ktla__traffic_keys *tx,
                            const struct ktla__traffic_keys *rx, size_t max_out);

/* Wipe and free the engine (keys, buffers); rec->user is NULL after. */
void ktla__user_engine_free(struct ktla__record *rec);

/*
 * Receiving, for ktla_read() (record.c), which hands non-data records to
 * the control code itself, so that this engine never calls back up:
 * - ktla__user_flush_own(): send the rest of a non-data record of ours
 *   that the socket took only in part; 0 or -1 (WANT_WRITE recorded);
 * - ktla__user_next_record(): receive and open the next record, kept
 *   across WANT_READ: 0 with its type and plaintext (in the engine's
 *   buffer, valid until taken or dropped), or -1 with the failure recorded
 *   and its alert sent;
 * - ktla__user_take(): copy out up to len bytes of the data record opened
 *   (ktla__user_pending() says how many wait), freeing it once all taken;
 * - ktla__user_drop_record(): wipe and free the record opened.
 */
int ktla__user_flush_own(struct ktla__record *rec);
int ktla__user_next_record(struct ktla__record *rec, unsigned char *type, const unsigned char **pt, size_t *len);
size_t ktla__user_take(struct ktla__record *rec, void *buf, size_t len);
void ktla__user_drop_record(struct ktla__record *rec);

/* ktla_write(), ktla_shutdown() and ktla_pending() on the user engine. */
long ktla__user_write(struct ktla__record *rec, const void *buf, size_t len);
int ktla__user_shutdown(struct ktla__record *rec);
size_t ktla__user_pending(const struct ktla__record *rec);

/*
 * A non-data record of ours (alert, KeyUpdate): sealed under the current
 * key and on its way (what the socket did not take is sent first by the
 * next call).  0, or -EAGAIN when a record sent in part is still in the
 * way, or another -errno.
 */
int ktla__user_send_control(struct ktla__record *rec, unsigned char type, const void *data, size_t len);

/* A fatal alert, best effort and never waiting (the connection is ending). */
void ktla__user_fatal_alert(struct ktla__record *rec, unsigned char description);

/* Replace one direction's keys (KeyUpdate): 0 or -ENOMEM. */
int ktla__user_set_keys(struct ktla__record *rec, enum ktla_direction dir, const struct ktla__traffic_keys *keys);

#endif
