/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_tickets.c - session tickets: the key that seals them, and which
 * tickets a server takes.
 *
 * A ticket is a server's sealed note of what it checked in a full
 * handshake, and resuming from it skips those checks.  So a ticket must
 * only ever be opened by a server whose checks it stands for:
 *
 * - The key from a ticket key file is not used as it is: the key that seals
 *   tickets is derived from it and from the configuration's client
 *   authentication (the mode and the CA certificates).  Servers sharing the
 *   file resume each other's sessions only when they also check clients the
 *   same way; a ticket sealed by a server with another CA, or with client
 *   authentication NONE or OPTIONAL, does not even decrypt at a REQUIRED
 *   server, and the client gets a full handshake with CertificateRequest.
 *   (The alternative, reading the issuing policy out of the ticket, would
 *   trust a field of the very ticket in question; a key mismatch cannot be
 *   argued with.)
 * - Under KTLA_CLIENT_AUTH_REQUIRED a ticket resumes only a session that
 *   holds a client certificate that verified.  mbedTLS 3.6 puts no
 *   certificate in TLS 1.3 tickets and sends no CertificateRequest when it
 *   resumes, so a REQUIRED server issues no TLS 1.3 tickets and refuses any
 *   it is shown; TLS 1.2 tickets carry the certificate and its verification
 *   result (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE), and those are checked.
 * - A ticket resumes only a handshake of its own TLS version.
 *
 * Refusing is never fatal: mbedTLS ignores a ticket its parse callback
 * fails and runs a full handshake (TLS 1.2: ssl_parse_session_ticket_ext;
 * TLS 1.3: the PSK identity does not match).
 */
#include "config.h"

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/ssl_ticket.h>
#include <string.h>

#include "config_internal.h"

#define TICKET_KEY_NAME_LEN 4
#define TICKET_AES_KEY_LEN 32

/* HKDF salt: names what the derived key is for, so that it is never the file's key reused elsewhere. */
static const char bound_key_salt[] = "ktla session ticket key, bound to the client authentication policy";

/* SHA-256 over the mode and each CA certificate's DER, length first: the policy the key is bound to. */
static int policy_digest(const ktla_config *cfg, unsigned char out[32])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    unsigned char mode = (unsigned char)cfg->client_auth;
    mbedtls_md_context_t ctx;
    int rc;

    mbedtls_md_init(&ctx);
    rc = mbedtls_md_setup(&ctx, md, 0);
    if (rc == 0)
        rc = mbedtls_md_starts(&ctx);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, &mode, 1);
    for (const mbedtls_x509_crt *c = &cfg->client_ca; rc == 0 && c && cfg->client_auth != KTLA_CLIENT_AUTH_NONE;
         c = c->next) {
        unsigned char len[4] = {(unsigned char)(c->raw.len >> 24), (unsigned char)(c->raw.len >> 16),
                                (unsigned char)(c->raw.len >> 8), (unsigned char)c->raw.len};
        if (c->raw.len == 0)
            continue;
        rc = mbedtls_md_update(&ctx, len, sizeof len);
        if (rc == 0)
            rc = mbedtls_md_update(&ctx, c->raw.p, c->raw.len);
    }
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, out);
    mbedtls_md_free(&ctx);
    return rc;
}

/* The file's 36 bytes, bound to the policy: out = name (4) || AES-256-GCM key (32). */
static int bound_ticket_key(const ktla_config *cfg, unsigned char out[KTLA__TICKET_KEY_FILE_LEN])
{
    unsigned char digest[32];
    int rc = policy_digest(cfg, digest);

    if (rc == 0)
        rc = mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), (const unsigned char *)bound_key_salt,
                          sizeof bound_key_salt - 1, cfg->ticket_key, sizeof cfg->ticket_key, digest, sizeof digest,
                          out, KTLA__TICKET_KEY_FILE_LEN);
    mbedtls_platform_zeroize(digest, sizeof digest);
    return rc;
}

/* The handshake running on this thread, lent by the handshake driver (config_internal.h). */
static _Thread_local struct ktla__ticket_watch *watching;

void ktla__ticket_watch_begin(struct ktla__ticket_watch *w)
{
    watching = w;
}

void ktla__ticket_watch_end(void)
{
    watching = NULL;
}

/* The TLS version (0x0303, 0x0304) the handshake on this thread negotiates; 0 if none yet. */
static int watched_tls_version(void)
{
    return watching && watching->ssl ? (int)mbedtls_ssl_get_version_number(watching->ssl) : 0;
}

/* Why this config must not resume session s, or NULL when it may. */
static const char *ticket_refused(const ktla_config *cfg, const mbedtls_ssl_session *s)
{
    int version = watched_tls_version();
    mbedtls_ssl_protocol_version ticket_version = s->MBEDTLS_PRIVATE(tls_version);

    if (version != 0 && (int)ticket_version != version)
        return "a ticket of another TLS version";
    if (cfg->client_auth != KTLA_CLIENT_AUTH_REQUIRED)
        return NULL;
    if (ticket_version == MBEDTLS_SSL_VERSION_TLS1_3)
        return "TLS 1.3 tickets carry no client certificate";
    if (s->MBEDTLS_PRIVATE(peer_cert) == NULL || s->MBEDTLS_PRIVATE(verify_result) != 0)
        return "the ticket holds no verified client certificate";
    return NULL;
}

static int write_ticket(void *p, const mbedtls_ssl_session *session, unsigned char *start, const unsigned char *end,
                        size_t *tlen, uint32_t *lifetime)
{
    ktla_config *cfg = p;

    return mbedtls_ssl_ticket_write(&cfg->ticket_ctx, session, start, end, tlen, lifetime);
}

/*
 * mbedTLS has no public "was this session resumed" query.  Sessions resume
 * only through tickets here (no session cache), so a ticket that parses and
 * is taken is a resumption; the callback has no connection argument, so the
 * watch the handshake on this thread lent is told.
 */
static int parse_ticket(void *p, mbedtls_ssl_session *session, unsigned char *buf, size_t len)
{
    ktla_config *cfg = p;
    int rc = mbedtls_ssl_ticket_parse(&cfg->ticket_ctx, session, buf, len);

    /* mbedTLS's own "authentic but not usable": the caller frees the session and ignores the ticket. */
    if (rc == 0 && ticket_refused(cfg, session) != NULL)
        rc = MBEDTLS_ERR_SSL_SESSION_TICKET_EXPIRED;
    if (rc == 0 && watching)
        watching->resumed = 1;
    return rc;
}

int ktla__config_setup_tickets(ktla_config *cfg)
{
    unsigned char key[KTLA__TICKET_KEY_FILE_LEN];
    int rc;

    /* TLS 1.3 resumption only with a fresh (EC)DHE, unless the caller allowed psk_ke: forward secrecy. */
    mbedtls_ssl_conf_tls13_key_exchange_modes(&cfg->ssl, cfg->psk_ke_allowed
                                                             ? MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_ALL
                                                             : MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ALL);
    if (!cfg->tickets) {
        mbedtls_ssl_conf_session_tickets(&cfg->ssl, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
        mbedtls_ssl_conf_new_session_tickets(&cfg->ssl, 0);
        return 0;
    }
    rc = mbedtls_ssl_ticket_setup(&cfg->ticket_ctx, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE,
                                  MBEDTLS_CIPHER_AES_256_GCM, cfg->ticket_lifetime_s);
    if (rc == 0 && cfg->ticket_key_from_file) {
        rc = bound_ticket_key(cfg, key);
        if (rc == 0)
            rc = mbedtls_ssl_ticket_rotate(&cfg->ticket_ctx, key, TICKET_KEY_NAME_LEN, key + TICKET_KEY_NAME_LEN,
                                           TICKET_AES_KEY_LEN, cfg->ticket_lifetime_s);
        mbedtls_platform_zeroize(key, sizeof key);
    }
    if (rc != 0)
        return ktla__config_fail(cfg, KTLA_E_CONFIG, "session tickets could not be set up (mbedTLS -0x%04x)", -rc);
    mbedtls_ssl_conf_session_tickets_cb(&cfg->ssl, write_ticket, parse_ticket, cfg);
    /* TLS 1.3 tickets a REQUIRED server would refuse anyway are not worth sending. */
    mbedtls_ssl_conf_new_session_tickets(&cfg->ssl, cfg->client_auth == KTLA_CLIENT_AUTH_REQUIRED ? 0 : 1);
    return 0;
}
