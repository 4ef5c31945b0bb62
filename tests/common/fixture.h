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

#endif
