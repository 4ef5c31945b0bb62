/* test_keyupdate.h - the KeyUpdate suite of the VM runner. */
#ifndef KTLA_TEST_KEYUPDATE_H
#define KTLA_TEST_KEYUPDATE_H

int add_keyupdate_suite(void);

#endif
