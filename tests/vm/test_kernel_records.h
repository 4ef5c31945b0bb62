/* SPDX-License-Identifier: Apache-2.0 */
/* test_kernel_records.h - the raw-peer record suite of the VM runner. */
#ifndef KTLA_TEST_KERNEL_RECORDS_H
#define KTLA_TEST_KERNEL_RECORDS_H

int add_kernel_records_suite(void);

#endif
