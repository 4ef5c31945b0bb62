/* SPDX-License-Identifier: Apache-2.0 */
/* client_session.c - a client's session to offer again: saved at the hand-off, renewed by tickets (client_session.h). */
#include "config.h"

#include "client_session.h"

#include <mbedtls/constant_time.h>
#include <mbedtls/platform_time.h>
#include <mbedtls/platform_util.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys/keys.h"
#include "wire/tls_wire.h"

/* RFC 8446 4.6.1: servers must not give a ticket a longer lifetime (7 days). */
#define MAX_TICKET_LIFETIME_S 604800u

struct ktla__client_resume {
    unsigned char *offer; /* ktla_set_session()'s, offered in this connection's handshake */
    size_t offer_len;
    mbedtls_ssl_session handshake; /* TLS 1.3: the handshake's session, resumption_master_secret included */
    int have_handshake;
    mbedtls_md_type_t hash;
    unsigned char *saved; /* mbedtls_ssl_session_save()'s bytes of the session to offer next */
    size_t saved_len;
    uint32_t ticket_left;  /* bytes of a NewSessionTicket body still to come */
    unsigned char *ticket; /* that body, when it is kept: ticket_len bytes */
    uint32_t ticket_len;
};

/* The connection's, made on first use (calloc: an initialised mbedtls_ssl_session); NULL out of memory. */
static struct ktla__client_resume *resume_of(struct ktla__record *rec)
{
    if (rec->resume == NULL)
        rec->resume = calloc(1, sizeof *rec->resume);
    return rec->resume;
}

static void wipe_free(unsigned char **p, size_t len)
{
    if (*p) {
        mbedtls_platform_zeroize(*p, len);
        free(*p);
    }
    *p = NULL;
}

static void forget_saved(struct ktla__client_resume *r)
{
    wipe_free(&r->saved, r->saved_len);
    r->saved_len = 0;
}

/* The server name a session is for: "" without one. */
static const char *server_name(const struct ktla__record *rec)
{
    return rec->own.server_name ? rec->own.server_name : "";
}

/*
 * Replace the session to offer with s, for the server name of rec: saved
 * as the name, a NUL, then mbedtls_ssl_session_save()'s bytes (RFC 8446
 * 4.6.1: a client resumes only with the server it had the session from).
 * 0, or -1 out of memory (the old one is gone either way).
 */
static int save(struct ktla__record *rec, const mbedtls_ssl_session *s)
{
    struct ktla__client_resume *r = rec->resume;
    size_t name_len = strlen(server_name(rec)) + 1, len = 0;

    forget_saved(r);
    if (mbedtls_ssl_session_save(s, NULL, 0, &len) != MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL || len == 0)
        return 0; /* (nothing mbedTLS can save: no session to offer) */
    r->saved = malloc(name_len + len);
    if (r->saved == NULL)
        return -1;
    memcpy(r->saved, server_name(rec), name_len);
    if (mbedtls_ssl_session_save(s, r->saved + name_len, len, &len) != 0) {
        forget_saved(r);
        return 0;
    }
    r->saved_len = name_len + len;
    return 0;
}

/*
 * Whether the handshake just done resumed the offered session; s is its
 * session.  mbedTLS 3.6 has no call for it on a client.  TLS 1.2: a resumed
 * handshake keeps the offered master secret, and a full one derives a new
 * one from fresh randoms.  TLS 1.3: only a full handshake has the server
 * send a Certificate (ktla offers no external PSK), and a client session
 * from a ticket carries no certificate (mbedTLS keeps none in TLS 1.3
 * tickets).
 */
static int offered_session_resumed(const struct ktla__record *rec, mbedtls_ssl_context *ssl,
                                   const mbedtls_ssl_session *s)
{
    size_t len = 0;
    const unsigned char *offer = ktla__client_session_offer(rec, &len);
    mbedtls_ssl_session o;
    int same;

    if (offer == NULL)
        return 0;
    if (rec->own.version == KTLA_TLS_1_3)
        return mbedtls_ssl_get_peer_cert(ssl) == NULL;
    mbedtls_ssl_session_init(&o);
    same = mbedtls_ssl_session_load(&o, offer, len) == 0 &&
           mbedtls_ct_memcmp(o.MBEDTLS_PRIVATE(master), s->MBEDTLS_PRIVATE(master), sizeof o.MBEDTLS_PRIVATE(master)) == 0;
    mbedtls_ssl_session_free(&o);
    return same;
}

int ktla__client_session_capture(struct ktla__record *rec, mbedtls_ssl_context *ssl, uint8_t *resumed)
{
    struct ktla__client_resume *r;
    mbedtls_ssl_session s;
    int rc = 0;

    if (!rec->own.is_client)
        return 0;
    if ((r = resume_of(rec)) == NULL)
        return -1;
    mbedtls_ssl_session_init(&s);
    if (mbedtls_ssl_get_session(ssl, &s) != 0) {
        mbedtls_ssl_session_free(&s);
        return 0; /* no session: nothing to offer later, the connection is fine */
    }
    *resumed = (uint8_t)offered_session_resumed(rec, ssl, &s);
    if (rec->own.version == KTLA_TLS_1_2) {
        if (s.MBEDTLS_PRIVATE(ticket_len) > 0 || s.MBEDTLS_PRIVATE(id_len) > 0)
            rc = save(rec, &s);
        mbedtls_ssl_session_free(&s);
        return rc;
    }
    if (ktla__suite_to_kernel(s.MBEDTLS_PRIVATE(ciphersuite), NULL, NULL, &r->hash) != 0) {
        mbedtls_ssl_session_free(&s);
        return 0;
    }
    r->handshake = s; /* moved: r owns its buffers now */
    r->have_handshake = 1;
    return 0;
}

/* Big-endian reads over a bounded cursor. */
struct cursor {
    const unsigned char *p;
    size_t left;
};

static int take(struct cursor *c, size_t n, const unsigned char **out)
{
    if (c->left < n)
        return -1;
    *out = c->p;
    c->p += n;
    c->left -= n;
    return 0;
}

static int take_uint(struct cursor *c, size_t n, uint32_t *v)
{
    const unsigned char *p;

    if (take(c, n, &p) != 0)
        return -1;
    *v = 0;
    for (size_t i = 0; i < n; i++)
        *v = *v << 8 | p[i];
    return 0;
}

/* A length-prefixed vector: a prefix_len-byte length, then that many bytes. */
static int take_vector(struct cursor *c, size_t prefix_len, const unsigned char **data, uint32_t *len)
{
    return take_uint(c, prefix_len, len) == 0 ? take(c, *len, data) : -1;
}

/* The handshake's session with this ticket: what mbedTLS would have made of it (ssl_tls13_client.c). */
static int session_for_ticket(struct ktla__record *rec, uint32_t lifetime, uint32_t age_add,
                              const unsigned char *nonce, size_t nonce_len, const unsigned char *ticket,
                              size_t ticket_len)
{
    struct ktla__client_resume *r = rec->resume;
    const mbedtls_ssl_session *hs = &r->handshake;
    size_t hash_len = mbedtls_md_get_size(mbedtls_md_info_from_type(r->hash));
    unsigned char *bytes = NULL;
    size_t len = 0;
    mbedtls_ssl_session s;
    int rc = -1;

    mbedtls_ssl_session_init(&s);
    /* A deep copy through mbedTLS's own format (the secrets stay in r->handshake). */
    if (mbedtls_ssl_session_save(hs, NULL, 0, &len) != MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL ||
        (bytes = malloc(len)) == NULL || mbedtls_ssl_session_save(hs, bytes, len, &len) != 0 ||
        mbedtls_ssl_session_load(&s, bytes, len) != 0)
        goto out;
    if (hash_len == 0 || hash_len > sizeof s.MBEDTLS_PRIVATE(resumption_key) ||
        ktla__hkdf_expand_label(r->hash, hs->MBEDTLS_PRIVATE(app_secrets).resumption_master_secret, hash_len,
                                "resumption", nonce, nonce_len, s.MBEDTLS_PRIVATE(resumption_key), hash_len) != 0)
        goto out;
    s.MBEDTLS_PRIVATE(resumption_key_len) = (uint8_t)hash_len;
    free(s.MBEDTLS_PRIVATE(ticket));
    s.MBEDTLS_PRIVATE(ticket) = malloc(ticket_len);
    if (s.MBEDTLS_PRIVATE(ticket) == NULL)
        goto out;
    memcpy(s.MBEDTLS_PRIVATE(ticket), ticket, ticket_len);
    s.MBEDTLS_PRIVATE(ticket_len) = ticket_len;
    s.MBEDTLS_PRIVATE(ticket_lifetime) = lifetime;
    s.MBEDTLS_PRIVATE(ticket_age_add) = age_add;
    s.MBEDTLS_PRIVATE(ticket_reception_time) = mbedtls_ms_time();
    /* Offered with (EC)DHE or without, as the config allows (mbedTLS sets the modes it offered). */
    s.MBEDTLS_PRIVATE(ticket_flags) =
        MBEDTLS_SSL_TLS1_3_TICKET_ALLOW_PSK_RESUMPTION | MBEDTLS_SSL_TLS1_3_TICKET_ALLOW_PSK_EPHEMERAL_RESUMPTION;
    rc = save(rec, &s);
out:
    if (bytes) {
        mbedtls_platform_zeroize(bytes, len);
        free(bytes);
    }
    mbedtls_ssl_session_free(&s);
    return rc;
}

/* A whole NewSessionTicket body: 0 (kept, or not usable and dropped), or -1 when it is malformed. */
static int session_ticket(struct ktla__record *rec, const unsigned char *body, size_t len)
{
    struct cursor c = {body, len};
    const unsigned char *nonce, *ticket, *ext;
    uint32_t lifetime, age_add, nonce_len, ticket_len, ext_len;

    /* struct { uint32 lifetime; uint32 age_add; opaque nonce<0..255>; opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>; } */
    if (take_uint(&c, 4, &lifetime) != 0 || take_uint(&c, 4, &age_add) != 0 ||
        take_vector(&c, 1, &nonce, &nonce_len) != 0 || take_vector(&c, 2, &ticket, &ticket_len) != 0 ||
        ticket_len == 0 || take_vector(&c, 2, &ext, &ext_len) != 0 || c.left != 0)
        return -1;
    (void)ext; /* early_data is the only extension defined here, and ktla sends no early data */
    if (lifetime == 0 || lifetime > MAX_TICKET_LIFETIME_S)
        return 0; /* lifetime 0: discard at once (4.6.1) */
    /* Out of memory: the connection goes on, with the session it had. */
    (void)session_for_ticket(rec, lifetime, age_add, nonce, nonce_len, ticket, ticket_len);
    return 0;
}

/*
 * A client reads the server's TLS 1.3 NewSessionTicket messages (RFC 8446
 * 4.6.1): any number, at any time after the handshake, whole or split
 * across records and reads.  Each whole one becomes the session to offer
 * next time (one too long to keep is read past).  Returns how many bytes from the start of buf were tickets or
 * pieces of one (the rest is for the KeyUpdate code), or -1 for a malformed
 * ticket.
 */
long ktla__client_session_read(struct ktla__record *rec, const unsigned char *buf, size_t n)
{
    struct ktla__rekey *rk = rec->rekey;
    struct ktla__client_resume *r = rec->resume;
    size_t used = 0;

    if (r == NULL)
        return -1; /* (every established client has one: the hand-off failed without) */
    for (;;) {
        size_t take = r->ticket_left < n - used ? r->ticket_left : n - used;
        if (r->ticket)
            memcpy(r->ticket + (r->ticket_len - r->ticket_left), buf + used, take);
        r->ticket_left -= (uint32_t)take;
        used += take;
        if (r->ticket_left == 0 && r->ticket) {
            int rc = session_ticket(rec, r->ticket, r->ticket_len);
            mbedtls_platform_zeroize(r->ticket, r->ticket_len);
            free(r->ticket);
            r->ticket = NULL;
            if (rc != 0)
                return -1;
        }
        if (r->ticket_left > 0 || used == n)
            return (long)used;
        if ((rk->hs_len ? rk->hs[0] : buf[used]) != TLS_HS_NEW_SESSION_TICKET)
            return (long)used;
        while (rk->hs_len < TLS_HS_HEADER_LEN && used < n)
            rk->hs[rk->hs_len++] = buf[used++];
        if (rk->hs_len < TLS_HS_HEADER_LEN)
            return (long)used; /* the header goes on in the next record */
        r->ticket_left = (uint32_t)rk->hs[1] << 16 | (uint32_t)rk->hs[2] << 8 | rk->hs[3];
        rk->hs_len = 0;
        if (r->ticket_left == 0)
            return -1;
        /* Kept only when it can be used; without memory it is read past all the same. */
        if (r->ticket_left <= KTLA__MAX_KEPT_TICKET && r->have_handshake &&
            (r->ticket = malloc(r->ticket_left)) != NULL)
            r->ticket_len = r->ticket_left;
    }
}

int ktla__client_session_reading(const struct ktla__record *rec)
{
    return rec->resume != NULL && rec->resume->ticket_left > 0;
}

int ktla__client_session_set_offer(struct ktla__record *rec, const unsigned char *bytes, size_t len)
{
    struct ktla__client_resume *r = resume_of(rec);
    unsigned char *copy = malloc(len);

    if (r == NULL || copy == NULL) {
        free(copy);
        return -1;
    }
    memcpy(copy, bytes, len);
    wipe_free(&r->offer, r->offer_len);
    r->offer = copy;
    r->offer_len = len;
    return 0;
}

const unsigned char *ktla__client_session_offer(const struct ktla__record *rec, size_t *len)
{
    const struct ktla__client_resume *r = rec->resume;
    const unsigned char *end;
    size_t name_len;

    if (r == NULL || r->offer == NULL || (end = memchr(r->offer, '\0', r->offer_len)) == NULL)
        return NULL;
    name_len = (size_t)(end - r->offer) + 1;
    /* Only to the server name the session came from (DNS names compare without case). */
    if (strcasecmp((const char *)r->offer, server_name(rec)) != 0)
        return NULL;
    *len = r->offer_len - name_len;
    return r->offer + name_len;
}

const unsigned char *ktla__client_session_saved(const struct ktla__record *rec, size_t *len)
{
    if (rec->resume == NULL || rec->resume->saved == NULL)
        return NULL;
    *len = rec->resume->saved_len;
    return rec->resume->saved;
}

void ktla__client_session_free(struct ktla__record *rec)
{
    struct ktla__client_resume *r = rec->resume;

    if (r == NULL)
        return;
    forget_saved(r);
    wipe_free(&r->offer, r->offer_len);
    wipe_free(&r->ticket, r->ticket_len);
    mbedtls_ssl_session_free(&r->handshake); /* wipes it, the resumption_master_secret with it */
    free(r);
    rec->resume = NULL;
}
