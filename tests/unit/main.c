/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - the host test runner: every suite that needs no kernel TLS. */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "cunit_run.h"
#include "suite_socket.h"
#include "suites.h"
#include "test_skip.h"

int main(void)
{
    int (*const adders[])(void) = {
        add_header_alone_suite, add_error_suite, add_crypto_info_suite, add_tls_record_suite, add_probe_host_suite,
        add_keys_suite, add_config_suite, add_psk_config_suite, add_accept_suite, add_bad_input_suite, add_alerts_suite,
        add_resume_auth_suite, add_key_files_suite,
        add_handoff_suite,
        add_handoff_preconditions_suite,
        add_diag_suite,
        add_install_keys_suite,
        add_handshake_timeout_suite,
        add_after_handoff_suite,
        add_handoff_memory_suite,
        add_threads_suite,
        add_pending_check_suite,
        add_user_engine_suite,
        add_connect_suite,
        add_connect_resume_suite,
        add_public_records_suite,
        add_client_hello_suite,
    };

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    for (size_t i = 0; i < sizeof adders / sizeof adders[0]; i++)
        if (adders[i]() != 0) {
            fprintf(stderr, "ktla-unit: could not register a suite: %s\n", CU_get_error_msg());
            CU_cleanup_registry();
            return 1;
        }
    /*
     * On the host the big file goes through mbedTLS twice: keep it moderate.
     * In the test VM this is the kernel path's socket suite: the big one.
     */
    if (add_socket_suite(test_in_vm() ? 100 : 16) != 0) {
        CU_cleanup_registry();
        return 1;
    }
    return cunit_run_all();
}
