/*
 * suite_socket.h - ktla over real loopback TCP sockets against an mbedTLS
 * client thread.  The same suite runs on the host, where the record layer
 * must fall back to user space with the kernel's reason, and in the test VM,
 * where it must be in the kernel: the expectation comes from asking the
 * kernel (ktla_probe_run), so neither run can pass by skipping.
 */
#ifndef KTLA_TEST_SUITE_SOCKET_H
#define KTLA_TEST_SUITE_SOCKET_H

/* Register the suite; big_file_mib is the size of the one large sendfile case. */
int add_socket_suite(unsigned big_file_mib);

#endif
