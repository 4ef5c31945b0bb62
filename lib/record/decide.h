/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decide.h - the one decision between the kernel's record layer and ktla's
 * own (internal), asked only by ktla__kernel_take_keys() (install.c), the
 * one path of the hand-off (engine.c) and of ktla_install_keys().  Depends
 * only on the kernel probe (kernel_caps.h).
 */
#ifndef KTLA_RECORD_DECIDE_H
#define KTLA_RECORD_DECIDE_H

#include <stddef.h>

#include "ktla.h"

/*
 * Why the kernel may not take the records of this connection, or NULL when
 * it may: the policy, no socket, a version and cipher this kernel lacks, a
 * record size limit below the kernel's 16 KiB records (max_out: the
 * largest plaintext the peer takes in one record).  The answer is a
 * literal or written into buf.
 */
const char *ktla__offload_refusal(enum ktla_offload_policy policy, int fd, enum ktla_tls_version version,
                                  enum ktla_cipher cipher, size_t max_out, char *buf, size_t size);

#endif
