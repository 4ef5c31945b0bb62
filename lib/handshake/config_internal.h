/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_internal.h - the inside of a ktla_config (internal).
 *
 * A config is written by one thread through the setters, then frozen by the
 * first ktla_conn_new(): ktla__config_freeze() builds the mbedTLS
 * configuration once, under a lock, and from then on everything here is
 * read-only and shared by all connections and threads.
 */
#ifndef KTLA_CONFIG_INTERNAL_H
#define KTLA_CONFIG_INTERNAL_H

#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ktla.h"

#define KTLA__MAX_CERTS 8
#define KTLA__MAX_ALPN 8
#define KTLA__MAX_GROUPS 3
#define KTLA__TICKET_KEY_FILE_LEN 36 /* one key of the file: 4 bytes naming it, 32 of AES-256-GCM key */
#define KTLA__MAX_TICKET_KEYS 8      /* keys in one ticket key file: the first seals, all open */

/* A ticket key from the file, bound to the client-auth policy, in PSA: tickets name it in their first bytes. */
struct ktla__ticket_key {
    unsigned char name[4];
    mbedtls_svc_key_id_t id;
};

struct ktla__cert {
    mbedtls_x509_crt chain;
    mbedtls_pk_context key;
};

struct ktla_config {
    /* Set by the setters, before freezing. */
    struct ktla__cert certs[KTLA__MAX_CERTS];
    size_t n_certs;
    char *alpn[KTLA__MAX_ALPN + 1];             /* owned copies, NULL-terminated */
    const char *alpn_list[KTLA__MAX_ALPN + 1];  /* the same, in the type mbedTLS wants */
    enum ktla_tls_version min_version, max_version;
    enum ktla_cipher ciphers[KTLA_CIPHER_COUNT];
    size_t n_ciphers;
    uint16_t groups[KTLA__MAX_GROUPS + 1]; /* 0-terminated */
    int tickets;
    unsigned ticket_lifetime_s;
    unsigned char ticket_key[KTLA__MAX_TICKET_KEYS][KTLA__TICKET_KEY_FILE_LEN]; /* the file's, wiped once built */
    size_t n_ticket_keys;                                                     /* 0: no file, random keys */
    int psk_ke_allowed; /* TLS 1.3 resumption without (EC)DHE */
    enum ktla_client_auth client_auth;
    mbedtls_x509_crt client_ca;
    unsigned handshake_timeout_ms;
    enum ktla_offload_policy offload;

    /* A client's (ktla_config_new_client(), config_client.c). */
    uint8_t is_client;
    uint8_t ca_set;               /* ktla_config_set_ca() replaced the system store */
    enum ktla_verify verify;
    mbedtls_x509_crt server_ca;   /* the CAs the server's chain must verify against */

    /* External PSK (config_psk.c); wiped with the rest of the config when it is freed. */
    unsigned char psk_identity[KTLA_PSK_MAX_IDENTITY];
    size_t psk_identity_len; /* 0: no PSK of our own */
    unsigned char psk_key[KTLA_PSK_MAX_KEY];
    size_t psk_key_len;
    ktla_psk_lookup_fn psk_lookup; /* a server's, or NULL */
    void *psk_lookup_arg;

    /* Built by ktla__config_freeze(). */
    pthread_mutex_t freeze_lock;
    atomic_int frozen;
    mbedtls_ssl_config ssl;
    mbedtls_ssl_ticket_context ticket_ctx;          /* without a key file */
    struct ktla__ticket_key sealing[KTLA__MAX_TICKET_KEYS]; /* with one: n_ticket_keys of them */
    int ciphersuites[2 * KTLA_CIPHER_COUNT + 8]; /* 0-terminated */
    /*
     * A server's copies of ssl that allow one group each, groups[i] in
     * by_group[i] (config_groups.c): hello_peek.c hands one to a connection
     * whose ClientHello carries a key share the server prefers to the one
     * mbedTLS would take.  n_by_group is 0 when there is no choice to make.
     */
    mbedtls_ssl_config by_group[KTLA__MAX_GROUPS];
    uint16_t one_group[KTLA__MAX_GROUPS][2];
    size_t n_by_group;

    char error[256];
    char warning[512]; /* ktla_config_warning(): one line each, kept until the config is freed */
};

/*
 * config_client.c: the client half of the build, after the shared part
 * (versions, suites, groups, own certificate, ALPN): verification, trusted
 * CAs (the system store unless set), tickets.  0 or a KTLA_E_* code.
 */
int ktla__config_build_client(ktla_config *cfg);

/* config_psk.c: whether cfg has an external PSK (its own or a lookup). */
int ktla__config_has_psk(const ktla_config *cfg);

/*
 * config_psk.c: the external PSK part of the build, after the rest (it sets
 * the TLS 1.3 key exchange modes last).  0 or a KTLA_E_* code.
 */
int ktla__config_build_psk(ktla_config *cfg);

/* Build the shared mbedTLS configuration once; 0 or a KTLA_E_* code. */
int ktla__config_freeze(ktla_config *cfg);

/*
 * config_groups.c: after a server's build, its one-group copies (see
 * by_group); nothing to undo (they own nothing) and nothing can fail.
 */
void ktla__config_build_group_choice(ktla_config *cfg);

/* config.c: 0 when a setter may change cfg (not NULL, not frozen; clears the last error), else the KTLA_E_*. */
int ktla__config_writable(ktla_config *cfg);

/* Record why the last call on cfg failed; returns err. */
int ktla__config_fail(ktla_config *cfg, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The SNI callback: picks the certificates whose names match the client's SNI. */
int ktla__cert_select_sni(void *cfg, mbedtls_ssl_context *ssl, const unsigned char *name, size_t len);

/*
 * config_tickets.c: session tickets (or none) in cfg->ssl: the key, bound
 * to the client-auth policy, and which tickets may resume.  0 or a KTLA_E_*.
 */
int ktla__config_setup_tickets(ktla_config *cfg);
/* config_tickets.c: destroy the PSA keys of a key file (ktla_config_free). */
void ktla__config_free_tickets(ktla_config *cfg);

/*
 * What the ticket callbacks learn about, and tell, the handshake running on
 * this thread.  mbedTLS calls them with the config, not the connection, so
 * the handshake driver (conn.c) lends one of these around each
 * mbedtls_ssl_handshake() call and reads it back afterwards.
 *
 * Dependencies run one way: the connection code knows the config; the
 * config code (config_*.c) never reaches into a ktla_conn.
 */
struct ktla__ticket_watch {
    const mbedtls_ssl_context *ssl; /* the handshake in progress: its TLS version so far */
    int resumed;                    /* set when a ticket was accepted */
};

/* config_tickets.c: lend w to the ticket callbacks on this thread until ktla__ticket_watch_end(). */
void ktla__ticket_watch_begin(struct ktla__ticket_watch *w);
void ktla__ticket_watch_end(void);

#endif
