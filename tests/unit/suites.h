/* SPDX-License-Identifier: Apache-2.0 */
/* suites.h - each test file registers its CUnit suite through one of these. */
#ifndef KTLA_TEST_SUITES_H
#define KTLA_TEST_SUITES_H

int add_header_alone_suite(void);
int add_error_suite(void);
int add_crypto_info_suite(void);
int add_tls_record_suite(void);
int add_probe_host_suite(void);
int add_keys_suite(void);
int add_accept_suite(void);
int add_config_suite(void);
int add_psk_config_suite(void);
int add_bad_input_suite(void);
int add_alerts_suite(void);
int add_resume_auth_suite(void);
int add_key_files_suite(void);
int add_handoff_suite(void);
int add_diag_suite(void);
int add_install_keys_suite(void);
int add_handshake_timeout_suite(void);
int add_threads_suite(void);
int add_handoff_memory_suite(void);
int add_after_handoff_suite(void);
int add_handoff_preconditions_suite(void);
int add_pending_check_suite(void);
int add_user_engine_suite(void);
int add_connect_suite(void);
int add_connect_resume_suite(void);
int add_public_records_suite(void);
int add_client_hello_suite(void);

#endif
