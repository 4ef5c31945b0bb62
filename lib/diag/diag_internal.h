/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag_internal.h - what the diagnostics files (lib/diag/diag_*.c) share (internal).
 *
 * The public calls (ktla_diag_*) ask the kernel over netlink (libnl-3) and
 * /proc.  Every reply is decoded by one of the parsers below, each of which
 * takes the raw bytes the kernel sent and validates every attribute against
 * an nla_policy before reading it, so that the unit tests can feed them
 * crafted and malformed messages without a kernel that has kTLS.
 */
#ifndef KTLA_DIAG_INTERNAL_H
#define KTLA_DIAG_INTERNAL_H

#include <linux/netlink.h>
#include <stddef.h>

#include "ktla.h"

/* ------------------------------------------------------------ sock_diag */

/*
 * Decode one SOCK_DIAG_BY_FAMILY reply (struct inet_diag_msg + attributes)
 * into *out.  len is how many bytes are readable at nlh (at least
 * nlh->nlmsg_len).  *ulp_seen is set to 1 when the message carried
 * INET_DIAG_ULP_INFO (so the kernel showed ULP details to this caller),
 * else left alone.  Returns 0 or KTLA_E_PARSE.
 */
int ktla__diag_sock_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_socket *out, int *ulp_seen);

/* The kernel's TLS_CIPHER_* number as enum ktla_cipher, or -1 if it is none of ours. */
int ktla__diag_cipher_from_kernel(unsigned int type);

/* The ULP attached to fd as getsockopt(TCP_ULP) says ("" for none): 0 or -errno. */
int ktla__diag_fd_ulp(int fd, char *name, size_t size);

/*
 * 1 if the kernel can name ULP on any TCP socket right now: "tls" (or with
 * any_ulp, any ULP at all) is in /proc/sys/net/ipv4/tcp_available_ulp.  A
 * socket can only carry a ULP that is registered, so 0 means no socket has
 * one.  1 also when the file cannot be read (we cannot rule it out).
 */
int ktla__diag_ulp_registered(int any_ulp);

/* 1 if this process has CAP_NET_ADMIN in its effective set, else 0. */
int ktla__diag_have_net_admin(void);

/*
 * The result of a netlink exchange as a KTLA_E_* code, with errno set:
 * kernel_errno (positive, from an NLMSG_ERROR) when there was one, else a
 * libnl error nlerr (negative NLE_*) turned into the nearest errno.
 */
int ktla__diag_nl_fail(int nlerr, int kernel_errno);

/* ------------------------------------------------------------- ethtool */

/*
 * Decode one ETHTOOL_MSG_FEATURES_GET_REPLY (genl header + attributes) into
 * *out: the device name from ETHTOOL_A_FEATURES_HEADER and the state of the
 * three TLS features from the HW, WANTED, ACTIVE and NOCHANGE bitsets (in
 * the verbose, named form).  Returns 0 or KTLA_E_PARSE.
 */
int ktla__diag_features_parse(struct nlmsghdr *nlh, size_t len, struct ktla_diag_netdev *out);

/*
 * What a feature is from its membership in the four bitsets: a feature the
 * device cannot change (not in HW, or in NOCHANGE) is fixed; one that is
 * neither active nor changeable is absent.
 */
enum ktla_diag_feature ktla__diag_feature_state(int hw, int active, int nochange);

/* ------------------------------------------------------------ tls_stat */

/* At most this many counters, and this many bytes of /proc/net/tls_stat. */
#define KTLA__TLS_STAT_MAX_COUNTERS 256
#define KTLA__TLS_STAT_MAX_BYTES 65536

/*
 * Parse the text of /proc/net/tls_stat: lines "Name<spaces or tabs>value",
 * name of letters, digits and '_' (shorter than the name field), value a
 * decimal that fits 64 bits.  buf need not be NUL-terminated.  Empty lines
 * are skipped; anything else malformed fails the whole parse.  On success
 * *out (freed with free(), NULL when *count is 0) holds *count counters in
 * file order.  Returns 0, KTLA_E_PARSE, KTLA_E_NOMEM, KTLA_E_INVAL.
 */
int ktla__diag_tls_stat_parse(const char *buf, size_t len, struct ktla_diag_counter **out, size_t *count);

#endif /* KTLA_DIAG_INTERNAL_H */
