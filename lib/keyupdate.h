/* keyupdate.h - TLS 1.3 KeyUpdate on a connection whose record layer is in the kernel (internal). */
#ifndef KTLA_KEYUPDATE_H
#define KTLA_KEYUPDATE_H

#include "conn_internal.h"

/*
 * The peer sent KeyUpdate: install its next receive key, and when it asked
 * (update_requested = 1) send our own KeyUpdate and install our next
 * transmit key.  Kernels before 6.14 cannot replace keys: the connection
 * then ends with a reason that says so.  0, or -1 with the failure recorded.
 */
int ktla__keyupdate_peer(ktla_conn *conn, int update_requested);

#endif
