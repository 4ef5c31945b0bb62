/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_session_load.c - ktla_session_load(), given any bytes (a client's
 * session cache read back from disk, which anyone who can write the file
 * controls), then a session it takes offered in a ClientHello: a client
 * connection on one end of a socket pair runs ktla_connect() until it
 * waits for the server (its ClientHello written with the session in it).
 *
 * Oracles: the call returns 0 or KTLA_E_PARSE (KTLA_E_NOMEM aside) and
 * sets *out to NULL on failure; a session it takes saves back to exactly
 * the input (ktla_session_save() is its inverse); and offering it neither
 * crashes nor ends in anything but waiting for the server's answer or a
 * refusal with a reason.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "ktla.h"

/* The longest server name ktla_session_save() writes (its 2-byte length) and DNS allows (RFC 1035 2.3.4). */
#define MAX_DNS_NAME 253
/* The saved format: "KTLA", its version byte, then the name's 2-byte length and the name. */
#define NAME_LEN_AT 5
#define NAME_AT 7

static ktla_config *client_cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (ktla_config_new_client(&client_cfg) != 0 || ktla_config_set_verify(client_cfg, KTLA_VERIFY_NONE) != 0)
        abort();
    return 0;
}

/* The session offered in a ClientHello to the name it is for: no crash, and ktla_connect() waits or refuses. */
static void offer(const ktla_session *session, const uint8_t *data)
{
    size_t name_len = (size_t)data[NAME_LEN_AT] << 8 | data[NAME_LEN_AT + 1];
    char name[MAX_DNS_NAME + 1];
    ktla_conn *conn = NULL;
    int sv[2], rc;

    if (name_len == 0 || name_len > MAX_DNS_NAME)
        return;
    memcpy(name, data + NAME_AT, name_len);
    name[name_len] = '\0';
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    if (ktla_conn_new(client_cfg, &conn) != 0 || ktla_set_fd(conn, sv[0]) != 0)
        abort();
    if (ktla_set_server_name(conn, name) == 0) {
        if (ktla_set_session(conn, session) != 0)
            abort();
        rc = ktla_connect(conn);
        if (rc == 1 || (rc == -1 && ktla_get_error(conn, rc) != KTLA_ERROR_WANT_READ && ktla_get_reason(conn)[0] == '\0'))
            abort();
    }
    ktla_conn_free(conn);
    close(sv[0]);
    close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ktla_session *session = (ktla_session *)&client_cfg; /* must be overwritten */
    unsigned char *again;
    size_t len = 0;
    int rc = ktla_session_load(&session, data, size);

    if (rc != 0) {
        if (session != NULL || (rc != KTLA_E_PARSE && rc != KTLA_E_NOMEM))
            abort();
        return 0;
    }
    if (session == NULL || ktla_session_save(session, NULL, 0, &len) != KTLA_E_INVAL || len != size)
        abort();
    again = malloc(len);
    if (again == NULL || ktla_session_save(session, again, len, &len) != 0 || len != size || memcmp(again, data, size) != 0)
        abort();
    free(again);
    offer(session, data);
    ktla_session_free(session);
    return 0;
}
