/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.h - moving data over an established record layer, in either
 * engine (internal): the work of ktla_read(), ktla_write(), ktla_sendfile()
 * and ktla_shutdown() once the connection (handshake/conn_records.c) has
 * checked the call.  A KeyUpdate we owe the peer goes out first.  Each
 * returns what the public call returns; a failure, a WANT_READ/WANT_WRITE
 * or a misuse is recorded through rec->own.
 */
#ifndef KTLA_RECORD_H
#define KTLA_RECORD_H

#include <stddef.h>

#include "record_layer.h"

/* > 0 bytes read; 0 at the peer's close_notify; -1. */
long ktla__record_read(struct ktla__record *rec, void *buf, size_t len);
long ktla__record_write(struct ktla__record *rec, const void *buf, size_t len);
long ktla__record_sendfile(struct ktla__record *rec, int file_fd, long long *offset, size_t count);
/* 1 when our close_notify is sent, or -1. */
int ktla__record_shutdown(struct ktla__record *rec);
/* Decrypted bytes waiting in this process (only the user engine keeps any). */
size_t ktla__record_pending(const struct ktla__record *rec);

#endif
