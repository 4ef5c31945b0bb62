/* SPDX-License-Identifier: Apache-2.0 */
/* test_keyupdate.h - the KeyUpdate suite of the VM runner. */
#ifndef KTLA_TEST_KEYUPDATE_H
#define KTLA_TEST_KEYUPDATE_H

int add_keyupdate_suite(void);

/* Whether this kernel can replace kTLS keys (TLS 1.3 KeyUpdate): Linux 6.14 and later. */
int kernel_rekeys(void);

#endif
