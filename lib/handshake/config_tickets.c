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
 *
 * A ticket key file holds up to KTLA__MAX_TICKET_KEYS keys, as nginx's list
 * of ssl_session_ticket_key files: the first seals new tickets, every one
 * opens them, so a fleet rotates by adding a key before it seals with it and
 * retiring a key only after its tickets have expired.  mbedTLS's ticket
 * context holds two keys and replaces the sealing one with a random key
 * every lifetime, so with a file the tickets are sealed here instead: the
 * same layout as mbedTLS's (key name 4 || IV 12 || length 2 || sealed
 * session || GCM tag 16, the first 18 bytes authenticated), the key picked by
 * the name a ticket starts with, and file keys that never expire on their own.
 * Without a file, mbedTLS's context and its random rotating keys serve.
 */
#include "config.h"

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/ssl_ticket.h>
#include <psa/crypto.h>
#include <string.h>

#include "config_internal.h"

#define TICKET_KEY_NAME_LEN 4
#define TICKET_AES_KEY_LEN 32
#define TICKET_IV_LEN 12
#define TICKET_SEALED_LEN_LEN 2 /* the sealed session's length, big-endian */
#define TICKET_HEAD_LEN (TICKET_KEY_NAME_LEN + TICKET_IV_LEN + TICKET_SEALED_LEN_LEN) /* authenticated, in clear */
#define TICKET_TAG_LEN 16
#define TICKET_MAX_SEALED 0xffff

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

/* One of the file's 36-byte keys, bound to the policy digest: out = name (4) || AES-256-GCM key (32). */
static int bound_ticket_key(const unsigned char file_key[KTLA__TICKET_KEY_FILE_LEN], const unsigned char digest[32],
                            unsigned char out[KTLA__TICKET_KEY_FILE_LEN])
{
    return mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), (const unsigned char *)bound_key_salt,
                        sizeof bound_key_salt - 1, file_key, KTLA__TICKET_KEY_FILE_LEN, digest, 32, out,
                        KTLA__TICKET_KEY_FILE_LEN);
}

void ktla__config_free_tickets(ktla_config *cfg)
{
    for (size_t i = 0; i < KTLA__MAX_TICKET_KEYS; i++) {
        psa_destroy_key(cfg->sealing[i].id); /* the null key id is a no-op */
        cfg->sealing[i].id = MBEDTLS_SVC_KEY_ID_INIT;
    }
}

/* Every key of the file, bound and imported into PSA, names checked distinct.  0 or an mbedTLS/PSA error. */
static int import_file_keys(ktla_config *cfg)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    unsigned char digest[32], bound[KTLA__TICKET_KEY_FILE_LEN];
    int rc = policy_digest(cfg, digest);

    psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT);
    psa_set_key_algorithm(&attr, PSA_ALG_GCM);
    psa_set_key_type(&attr, PSA_KEY_TYPE_AES);
    psa_set_key_bits(&attr, TICKET_AES_KEY_LEN * 8);
    for (size_t i = 0; rc == 0 && i < cfg->n_ticket_keys; i++) {
        rc = bound_ticket_key(cfg->ticket_key[i], digest, bound);
        if (rc == 0 && psa_import_key(&attr, bound + TICKET_KEY_NAME_LEN, TICKET_AES_KEY_LEN, &cfg->sealing[i].id) !=
                           PSA_SUCCESS)
            rc = MBEDTLS_ERR_SSL_ALLOC_FAILED;
        memcpy(cfg->sealing[i].name, bound, TICKET_KEY_NAME_LEN);
        /* Tickets find their key by name: two keys of one name (2^-32 per pair) would shadow one another. */
        for (size_t j = 0; rc == 0 && j < i; j++)
            if (memcmp(cfg->sealing[j].name, cfg->sealing[i].name, TICKET_KEY_NAME_LEN) == 0)
                rc = MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    }
    mbedtls_platform_zeroize(bound, sizeof bound);
    mbedtls_platform_zeroize(digest, sizeof digest);
    if (rc != 0)
        ktla__config_free_tickets(cfg);
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

/* The sealing key whose name a ticket starts with, or NULL. */
static const struct ktla__ticket_key *key_named(const ktla_config *cfg, const unsigned char *name)
{
    for (size_t i = 0; i < cfg->n_ticket_keys; i++)
        if (memcmp(cfg->sealing[i].name, name, TICKET_KEY_NAME_LEN) == 0)
            return &cfg->sealing[i];
    return NULL;
}

/* Seal session with the file's first key into start..end (mbedTLS's f_ticket_write). */
static int seal_ticket(const ktla_config *cfg, const mbedtls_ssl_session *session, unsigned char *start,
                       const unsigned char *end, size_t *tlen, uint32_t *lifetime)
{
    const struct ktla__ticket_key *key = &cfg->sealing[0];
    unsigned char *iv = start + TICKET_KEY_NAME_LEN, *len_p = iv + TICKET_IV_LEN, *state = start + TICKET_HEAD_LEN;
    size_t room = (size_t)(end - start), clear_len, sealed_len;
    int rc;

    *tlen = 0;
    if (room < TICKET_HEAD_LEN + TICKET_TAG_LEN)
        return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    memcpy(start, key->name, TICKET_KEY_NAME_LEN);
    if (psa_generate_random(iv, TICKET_IV_LEN) != PSA_SUCCESS)
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    rc = mbedtls_ssl_session_save(session, state, room - TICKET_HEAD_LEN - TICKET_TAG_LEN, &clear_len);
    if (rc != 0)
        return rc;
    if (clear_len > TICKET_MAX_SEALED) {
        mbedtls_platform_zeroize(state, clear_len);
        return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
    }
    len_p[0] = (unsigned char)(clear_len >> 8);
    len_p[1] = (unsigned char)clear_len;
    /* In place, as mbedTLS's own ticket writer does; the session's secrets never stay in clear. */
    if (psa_aead_encrypt(key->id, PSA_ALG_GCM, iv, TICKET_IV_LEN, start, TICKET_HEAD_LEN, state, clear_len, state,
                         clear_len + TICKET_TAG_LEN, &sealed_len) != PSA_SUCCESS ||
        sealed_len != clear_len + TICKET_TAG_LEN) {
        mbedtls_platform_zeroize(state, clear_len + TICKET_TAG_LEN);
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    *tlen = TICKET_HEAD_LEN + sealed_len;
    *lifetime = cfg->ticket_lifetime_s;
    return 0;
}

/*
 * Open a ticket sealed by any key of the file (mbedTLS's f_ticket_parse).
 * Errors as mbedTLS's own parser gives them: a key not known (retired, or
 * another fleet's) or a ticket too old is EXPIRED, a forged one INVALID_MAC.
 */
static int open_ticket(const ktla_config *cfg, mbedtls_ssl_session *session, unsigned char *buf, size_t len)
{
    const struct ktla__ticket_key *key;
    size_t sealed_len, clear_len;
    mbedtls_ms_time_t created;
    int rc;

    if (len < TICKET_HEAD_LEN + TICKET_TAG_LEN)
        return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    sealed_len = ((size_t)buf[TICKET_HEAD_LEN - 2] << 8) | buf[TICKET_HEAD_LEN - 1];
    if (len != TICKET_HEAD_LEN + sealed_len + TICKET_TAG_LEN)
        return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    if ((key = key_named(cfg, buf)) == NULL)
        return MBEDTLS_ERR_SSL_SESSION_TICKET_EXPIRED;
    if (psa_aead_decrypt(key->id, PSA_ALG_GCM, buf + TICKET_KEY_NAME_LEN, TICKET_IV_LEN, buf, TICKET_HEAD_LEN,
                         buf + TICKET_HEAD_LEN, sealed_len + TICKET_TAG_LEN, buf + TICKET_HEAD_LEN, sealed_len,
                         &clear_len) != PSA_SUCCESS ||
        clear_len != sealed_len)
        return MBEDTLS_ERR_SSL_INVALID_MAC;
    rc = mbedtls_ssl_session_load(session, buf + TICKET_HEAD_LEN, clear_len);
    mbedtls_platform_zeroize(buf + TICKET_HEAD_LEN, clear_len);
    if (rc != 0)
        return rc;
    /* The age bound mbedTLS's parser applies: no ticket outlives the lifetime it was issued with. */
    if (mbedtls_ssl_session_get_ticket_creation_time(session, &created) != 0 || mbedtls_ms_time() < created ||
        mbedtls_ms_time() - created > (mbedtls_ms_time_t)cfg->ticket_lifetime_s * 1000)
        return MBEDTLS_ERR_SSL_SESSION_TICKET_EXPIRED;
    return 0;
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

    if (cfg->n_ticket_keys > 0)
        return seal_ticket(cfg, session, start, end, tlen, lifetime);
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
    int rc = cfg->n_ticket_keys > 0 ? open_ticket(cfg, session, buf, len)
                                    : mbedtls_ssl_ticket_parse(&cfg->ticket_ctx, session, buf, len);

    /* mbedTLS's own "authentic but not usable": the caller frees the session and ignores the ticket. */
    if (rc == 0 && ticket_refused(cfg, session) != NULL)
        rc = MBEDTLS_ERR_SSL_SESSION_TICKET_EXPIRED;
    if (rc == 0 && watching)
        watching->resumed = 1;
    return rc;
}

int ktla__config_setup_tickets(ktla_config *cfg)
{
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
    if (cfg->n_ticket_keys > 0)
        rc = import_file_keys(cfg);
    else
        rc = mbedtls_ssl_ticket_setup(&cfg->ticket_ctx, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE,
                                      MBEDTLS_CIPHER_AES_256_GCM, cfg->ticket_lifetime_s);
    if (rc == MBEDTLS_ERR_SSL_BAD_INPUT_DATA)
        return ktla__config_fail(cfg, KTLA_E_CONFIG, "two keys of the ticket key file have the same name: replace one");
    if (rc != 0)
        return ktla__config_fail(cfg, KTLA_E_CONFIG, "session tickets could not be set up (mbedTLS -0x%04x)", -rc);
    mbedtls_ssl_conf_session_tickets_cb(&cfg->ssl, write_ticket, parse_ticket, cfg);
    /* TLS 1.3 tickets a REQUIRED server would refuse anyway are not worth sending. */
    mbedtls_ssl_conf_new_session_tickets(&cfg->ssl, cfg->client_auth == KTLA_CLIENT_AUTH_REQUIRED ? 0 : 1);
    return 0;
}
