/* SPDX-License-Identifier: Apache-2.0 */
/* fixture.h - server configurations and handshake drivers shared by the tests. */
#ifndef KTLA_TEST_FIXTURE_H
#define KTLA_TEST_FIXTURE_H

#include "ktla.h"
#include "mbed_client.h"
#include "mem_link.h"

#ifndef TEST_DATA_DIR
#error "TEST_DATA_DIR must name tests/data"
#endif

/* A config with the test certificate tests/data/<name>.crt/.key added; NULL on failure. */
ktla_config *fixture_config(const char *name);

/* Load tests/data/<name>.crt/.key into cfg; the ktla return code. */
int fixture_add_cert(ktla_config *cfg, const char *name);

/*
 * Run both handshakes over the link until both finish or one fails.
 * Every ktla_accept() that returns -1 must report WANT_READ or WANT_WRITE
 * (counted in *wants); anything else ends the loop.  Returns ktla_accept's
 * final value; *client_rc gets mbedtls_ssl_handshake's.
 */
int fixture_handshake(ktla_conn *conn, struct mbed_client *cli, struct mem_link *link, int *client_rc,
                      unsigned long *wants);

/*
 * A new ticket key file of 36 random bytes, mode 0600, at a path made from
 * template ("/tmp/...-XXXXXX", rewritten in place).  0 or -1.  The caller
 * unlinks it.
 */
int fixture_ticket_key_file(char *template);

/* A config with tests/data/<name> and the ticket key file; NULL on failure. */
ktla_config *fixture_config_with_key_file(const char *name, const char *key_path);

/* What one handshake of fixture_resume() came to. */
struct resume_result {
    int rc;         /* ktla_accept's final value */
    int client_rc;  /* mbedtls_ssl_handshake's */
    int resumed;    /* ktla_get_session_resumed() */
    int verified;   /* ktla_get_peer_cert_verified() */
    int alert;      /* ktla_get_alert() */
    int got_ticket; /* the client went away with a ticket, saved in *save */
    char reason[256];
};

/* The mbedTLS client of fixture_resume(). */
struct resume_client {
    int version;                      /* 0x0303 or 0x0304 */
    const char *cert;                 /* present tests/data/<cert>.crt/.key; NULL: none */
    const mbedtls_ssl_session *offer; /* the session (ticket) to offer; NULL: none */
    int kex_modes;                    /* TLS 1.3 key exchange modes offered; 0: mbedTLS's default (all) */
};

/*
 * One handshake of client with cfg over memory.  Afterwards the client's
 * session, with the ticket it got if any (TLS 1.3 tickets are read after
 * the handshake), goes to *save (NULL: not kept).  cfg is not freed.
 * Returns 0, or -1 if the test set-up itself failed.
 */
int fixture_resume(ktla_config *cfg, const struct resume_client *client, mbedtls_ssl_session *save,
                   struct resume_result *out);

#endif
