/* SPDX-License-Identifier: Apache-2.0 */
/* hsd_log.h - ktla-handshaked's log: one line per event on stderr (the journal under systemd). */
#ifndef KTLA_HSD_LOG_H
#define KTLA_HSD_LOG_H

/*
 * "ktla-handshaked: MESSAGE\n", formatted whole and written with one write()
 * (tool_write_all), so that lines from concurrent requests never interleave
 * and no lock is held while the journal is slow.  A message too long for a
 * line (1 KiB) is cut.
 */
void hsd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
