/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_tls.h - run one request's handshake with ktla and decide the status
 * the kernel gets.
 */
#ifndef KTLA_HSD_TLS_H
#define KTLA_HSD_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "hsd_config.h"
#include "hsd_request.h"

struct hsd_outcome {
    uint32_t status;             /* 0 or a positive errno, as DONE carries it */
    size_t n_remote;             /* authenticated peer identities (key serials) */
    int32_t remote[1];
    char why[1024];              /* the log line: what happened */
};

/* Run req's handshake on req->sockfd (TLS 1.3, keys into kTLS). */
void hsd_handshake(const struct hsd_config *cfg, const struct hsd_request *req, struct hsd_outcome *out);

#endif
