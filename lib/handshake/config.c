/* SPDX-License-Identifier: Apache-2.0 */
/* config.c - ktla_config: life cycle and setters.  Building the mbedTLS side is config_freeze.c. */
#include "config.h"

#include <errno.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/platform_util.h>
#include <errno.h>
#include <fcntl.h>
#include <psa/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"

static const enum ktla_cipher default_ciphers[] = {
    KTLA_CIPHER_AES_GCM_128, KTLA_CIPHER_AES_GCM_256, KTLA_CIPHER_CHACHA20_POLY1305, KTLA_CIPHER_AES_CCM_128,
};

int ktla__config_fail(ktla_config *cfg, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cfg->error, sizeof cfg->error, fmt, ap);
    va_end(ap);
    return err;
}

int ktla_config_new(ktla_config **out)
{
    ktla_config *cfg;

    if (out == NULL)
        return KTLA_E_INVAL;
    *out = NULL;
    /* mbedTLS 3.6 does all crypto through PSA; the call is idempotent. */
    if (psa_crypto_init() != PSA_SUCCESS)
        return KTLA_E_NOMEM;
    cfg = calloc(1, sizeof *cfg);
    if (cfg == NULL)
        return KTLA_E_NOMEM;
    cfg->min_version = KTLA_TLS_1_2;
    cfg->max_version = KTLA_TLS_1_3;
    memcpy(cfg->ciphers, default_ciphers, sizeof default_ciphers);
    cfg->n_ciphers = sizeof default_ciphers / sizeof default_ciphers[0];
    /*
     * P-256 first: mbedTLS 3.6's P-256 handshake costs 21 % fewer instructions
     * than its X25519 one, P-384 the most (callgrind, TLS 1.3 full handshake
     * with an ECDSA P-256 certificate: 17.1, 21.6 and 26.5 M).  The order
     * decides in TLS 1.2 (mbedTLS takes the server's first group the client
     * supports) and in TLS 1.3 among the key shares the client sent
     * (hello_peek.c), never forcing a HelloRetryRequest.
     */
    cfg->groups[0] = KTLA_GROUP_P256;
    cfg->groups[1] = KTLA_GROUP_X25519;
    cfg->groups[2] = KTLA_GROUP_P384;
    cfg->tickets = 1;
    cfg->ticket_lifetime_s = 7200;
    mbedtls_x509_crt_init(&cfg->client_ca);
    mbedtls_ssl_config_init(&cfg->ssl);
    mbedtls_ssl_ticket_init(&cfg->ticket_ctx);
    pthread_mutex_init(&cfg->freeze_lock, NULL);
    *out = cfg;
    return 0;
}

void ktla_config_free(ktla_config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->n_certs; i++) {
        mbedtls_x509_crt_free(&cfg->certs[i].chain);
        mbedtls_pk_free(&cfg->certs[i].key);
    }
    for (size_t i = 0; cfg->alpn[i]; i++)
        free(cfg->alpn[i]);
    mbedtls_x509_crt_free(&cfg->client_ca);
    mbedtls_x509_crt_free(&cfg->server_ca);
    mbedtls_ssl_config_free(&cfg->ssl);
    mbedtls_ssl_ticket_free(&cfg->ticket_ctx);
    ktla__config_free_tickets(cfg);
    pthread_mutex_destroy(&cfg->freeze_lock);
    mbedtls_platform_zeroize(cfg, sizeof *cfg);
    free(cfg);
}

const char *ktla_config_error(const ktla_config *cfg)
{
    return cfg ? cfg->error : "no configuration";
}

const char *ktla_config_warning(const ktla_config *cfg)
{
    return cfg ? cfg->warning : "";
}

/* Every setter starts here: a frozen config is shared by threads and must not change. */
static int writable(ktla_config *cfg)
{
    if (cfg == NULL)
        return KTLA_E_INVAL;
    /* No error text here: threads may be reading it; the code says it all. */
    if (atomic_load(&cfg->frozen))
        return KTLA_E_FROZEN;
    cfg->error[0] = '\0';
    return 0;
}

/* mbedTLS parses PEM only from NUL-terminated buffers whose length counts the NUL. */
static unsigned char *pem_copy(const void *pem, size_t len)
{
    unsigned char *copy = malloc(len + 1);

    if (copy) {
        memcpy(copy, pem, len);
        copy[len] = '\0';
    }
    return copy;
}

static int add_cert(ktla_config *cfg, const unsigned char *chain, size_t chain_len, const unsigned char *key,
                    size_t key_len, const char *password, const char *what)
{
    struct ktla__cert *c = &cfg->certs[cfg->n_certs];
    size_t pw_len = password ? strlen(password) : 0;
    char msg[128];
    int rc;

    mbedtls_x509_crt_init(&c->chain);
    mbedtls_pk_init(&c->key);
    rc = mbedtls_x509_crt_parse(&c->chain, chain, chain_len);
    if (rc != 0) {
        mbedtls_strerror(rc, msg, sizeof msg);
        goto fail_chain;
    }
    rc = mbedtls_pk_parse_key(&c->key, key, key_len, (const unsigned char *)password, pw_len, mbedtls_psa_get_random,
                              MBEDTLS_PSA_RANDOM_STATE);
    if (rc != 0) {
        mbedtls_strerror(rc, msg, sizeof msg);
        goto fail_key;
    }
    rc = mbedtls_pk_check_pair(&c->chain.pk, &c->key, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    if (rc != 0) {
        mbedtls_strerror(rc, msg, sizeof msg);
        mbedtls_x509_crt_free(&c->chain);
        mbedtls_pk_free(&c->key);
        return ktla__config_fail(cfg, KTLA_E_CERT, "%s: the private key does not belong to the certificate (%s)",
                                 what, msg);
    }
    if (mbedtls_pk_get_type(&c->key) == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(&c->key) < 2048) {
        mbedtls_x509_crt_free(&c->chain);
        mbedtls_pk_free(&c->key);
        return ktla__config_fail(cfg, KTLA_E_CERT, "%s: RSA keys shorter than 2048 bits are refused", what);
    }
    cfg->n_certs++;
    return 0;
fail_key:
    mbedtls_x509_crt_free(&c->chain);
    mbedtls_pk_free(&c->key);
    return ktla__config_fail(cfg, KTLA_E_CERT, "%s: private key: %s", what, msg);
fail_chain:
    mbedtls_x509_crt_free(&c->chain);
    mbedtls_pk_free(&c->key);
    return ktla__config_fail(cfg, KTLA_E_CERT, "%s: certificate chain: %s", what, msg);
}

#define ASN1_SEQUENCE 0x30

/* DER starts with a SEQUENCE; PEM with text ("-----BEGIN", or whitespace before it). */
static int is_der(const unsigned char *buf, size_t len)
{
    return len > 0 && buf[0] == ASN1_SEQUENCE;
}

int ktla_config_add_cert_mem(ktla_config *cfg, const void *chain_pem, size_t chain_len, const void *key_pem,
                             size_t key_len, const char *key_password)
{
    unsigned char *chain, *key;
    int rc = writable(cfg);

    if (rc != 0)
        return rc;
    if (chain_pem == NULL || key_pem == NULL)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "certificate and key are both needed");
    if (cfg->n_certs == KTLA__MAX_CERTS)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "at most %d certificates", KTLA__MAX_CERTS);
    chain = pem_copy(chain_pem, chain_len);
    key = pem_copy(key_pem, key_len);
    if (chain == NULL || key == NULL) {
        free(chain);
        free(key);
        return KTLA_E_NOMEM;
    }
    /* PEM is parsed with the NUL mbedTLS wants counted; DER (an ASN.1 SEQUENCE) at its exact length. */
    rc = add_cert(cfg, chain, chain_len + !is_der(chain, chain_len), key, key_len + !is_der(key, key_len), key_password,
                  "in-memory certificate");
    free(chain);
    mbedtls_platform_zeroize(key, key_len);
    free(key);
    return rc;
}

#define MAX_PEM_FILE (1L << 24)

/*
 * Key files are read with open/read into memory the caller wipes, not with
 * stdio, whose buffer would keep a copy of the key in freed memory.
 */

/* An open regular file, its metadata in *st; -1 with errno set otherwise. */
static int open_regular(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), err = 0;

    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0)
        err = errno;
    else if (!S_ISREG(st->st_mode))
        err = EINVAL;
    if (err != 0) {
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* Read up to cap bytes; *len what came.  0, or an errno. */
static int read_up_to(int fd, unsigned char *buf, size_t cap, size_t *len)
{
    *len = 0;
    while (*len < cap) {
        ssize_t n = read(fd, buf + *len, cap - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            break;
        *len += (size_t)n;
    }
    return 0;
}

/*
 * The whole file plus a terminating NUL (what the PEM parser wants), in a
 * buffer the caller wipes and frees; NULL if unreadable or huge.
 */
static unsigned char *load_file(const char *path, size_t *len, struct stat *st)
{
    unsigned char *buf = NULL;
    size_t size, got;
    int fd = open_regular(path, st);

    if (fd < 0)
        return NULL;
    if (st->st_size < MAX_PEM_FILE) {
        size = (size_t)st->st_size;
        buf = malloc(size + 2); /* one byte more than the size shows a file that grew; then the NUL */
    }
    if (buf && (read_up_to(fd, buf, size + 1, &got) != 0 || got != size)) {
        mbedtls_platform_zeroize(buf, size + 2);
        free(buf);
        buf = NULL;
    }
    close(fd);
    if (buf) {
        buf[size] = '\0';
        *len = size + 1;
    }
    return buf;
}

/* Keep a warning (one line each) for ktla_config_warning(): something that did not stop the call. */
static void config_warn(ktla_config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void config_warn(ktla_config *cfg, const char *fmt, ...)
{
    size_t used = strlen(cfg->warning);
    va_list ap;

    if (used > 0 && used + 1 < sizeof cfg->warning)
        cfg->warning[used++] = '\n';
    va_start(ap, fmt);
    vsnprintf(cfg->warning + used, sizeof cfg->warning - used, fmt, ap);
    va_end(ap);
}

int ktla_config_add_cert_file(ktla_config *cfg, const char *chain_path, const char *key_path,
                              const char *key_password)
{
    unsigned char *chain = NULL, *key = NULL;
    size_t chain_len, key_len;
    struct stat st;
    int rc = writable(cfg);

    if (rc != 0)
        return rc;
    if (chain_path == NULL || key_path == NULL)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "certificate and key paths are both needed");
    if (cfg->n_certs == KTLA__MAX_CERTS)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "at most %d certificates", KTLA__MAX_CERTS);
    chain = load_file(chain_path, &chain_len, &st);
    if (chain == NULL)
        return ktla__config_fail(cfg, KTLA_E_CERT, "%s: cannot read the file", chain_path);
    key = load_file(key_path, &key_len, &st);
    if (key == NULL) {
        free(chain);
        return ktla__config_fail(cfg, KTLA_E_CERT, "%s: cannot read the file", key_path);
    }
    rc = add_cert(cfg, chain, chain_len, key, key_len, key_password, chain_path);
    /* Not refused (a shared test key, a read-only mount may want it so), but worth saying. */
    if (rc == 0 && (st.st_mode & S_IROTH))
        config_warn(cfg, "%s: the private key file can be read by every user (mode %04o): chmod o-r %s", key_path,
                    (unsigned)(st.st_mode & 07777), key_path);
    free(chain);
    mbedtls_platform_zeroize(key, key_len);
    free(key);
    return rc;
}

int ktla_config_set_alpn(ktla_config *cfg, const char *const *protocols, size_t count)
{
    char *copy[KTLA__MAX_ALPN + 1] = {0};
    int rc = writable(cfg);

    if (rc != 0)
        return rc;
    if (count > KTLA__MAX_ALPN || (count > 0 && protocols == NULL))
        return ktla__config_fail(cfg, KTLA_E_INVAL, "at most %d ALPN protocols", KTLA__MAX_ALPN);
    for (size_t i = 0; i < count; i++) {
        size_t len = protocols[i] ? strlen(protocols[i]) : 0;
        if (len == 0 || len > 255) { /* RFC 7301: 1..255 bytes each */
            for (size_t j = 0; j < i; j++)
                free(copy[j]);
            return ktla__config_fail(cfg, KTLA_E_INVAL, "ALPN protocol %zu must be 1 to 255 bytes", i);
        }
        copy[i] = strdup(protocols[i]);
        if (copy[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                free(copy[j]);
            return KTLA_E_NOMEM;
        }
    }
    for (size_t i = 0; cfg->alpn[i]; i++)
        free(cfg->alpn[i]);
    memcpy(cfg->alpn, copy, sizeof copy);
    return 0;
}

int ktla_config_set_versions(ktla_config *cfg, enum ktla_tls_version min, enum ktla_tls_version max)
{
    int rc = writable(cfg);

    if (rc != 0)
        return rc;
    if ((min != KTLA_TLS_1_2 && min != KTLA_TLS_1_3) || (max != KTLA_TLS_1_2 && max != KTLA_TLS_1_3) || min > max)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "versions must be TLS 1.2 or 1.3, min <= max");
    cfg->min_version = min;
    cfg->max_version = max;
    return 0;
}

int ktla_config_set_ciphers(ktla_config *cfg, const enum ktla_cipher *ciphers, size_t count)
{
    int rc = writable(cfg);

    if (rc != 0)
        return rc;
    if (count == 0 || count > KTLA_CIPHER_COUNT || ciphers == NULL)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "1 to %d ciphers", KTLA_CIPHER_COUNT);
    for (size_t i = 0; i < count; i++) {
        if ((unsigned)ciphers[i] >= KTLA_CIPHER_COUNT)
            return ktla__config_fail(cfg, KTLA_E_INVAL, "cipher %zu is not a kernel cipher", i);
        for (size_t j = 0; j < i; j++)
            if (ciphers[j] == ciphers[i])
                return ktla__config_fail(cfg, KTLA_E_INVAL, "cipher %s listed twice", ktla_cipher_name(ciphers[i]));
    }
    memcpy(cfg->ciphers, ciphers, count * sizeof *ciphers);
    cfg->n_ciphers = count;
    return 0;
}

int ktla_config_set_groups(ktla_config *cfg, const enum ktla_group *groups, size_t count)
{
    int rc = writable(cfg);

    if (rc != 0)
        return rc;
    if (count == 0 || count > KTLA__MAX_GROUPS || groups == NULL)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "1 to %d groups", KTLA__MAX_GROUPS);
    for (size_t i = 0; i < count; i++)
        if (groups[i] != KTLA_GROUP_X25519 && groups[i] != KTLA_GROUP_P256 && groups[i] != KTLA_GROUP_P384)
            return ktla__config_fail(cfg, KTLA_E_INVAL, "group %zu is not X25519, P-256 or P-384", i);
    memset(cfg->groups, 0, sizeof cfg->groups);
    for (size_t i = 0; i < count; i++)
        cfg->groups[i] = (uint16_t)groups[i];
    return 0;
}

int ktla_config_set_tickets(ktla_config *cfg, int enabled, unsigned lifetime_s)
{
    int rc = writable(cfg);

    if (rc != 0)
        return rc;
    /* RFC 8446 4.6.1: a ticket lives at most seven days. */
    if (enabled && (lifetime_s == 0 || lifetime_s > 604800))
        return ktla__config_fail(cfg, KTLA_E_INVAL, "ticket lifetime must be 1 to 604800 seconds");
    cfg->tickets = enabled != 0;
    if (enabled)
        cfg->ticket_lifetime_s = lifetime_s;
    return 0;
}

/* The index of a key of the file that repeats an earlier one (*earlier: which), or 0 when all differ. */
static size_t repeated_key(const unsigned char *keys, size_t n, size_t *earlier)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (memcmp(keys + i * KTLA__TICKET_KEY_FILE_LEN, keys + j * KTLA__TICKET_KEY_FILE_LEN,
                       KTLA__TICKET_KEY_FILE_LEN) == 0) {
                *earlier = j;
                return i;
            }
    return 0;
}

int ktla_config_set_ticket_key_file(ktla_config *cfg, const char *path)
{
    unsigned char buf[KTLA__MAX_TICKET_KEYS * KTLA__TICKET_KEY_FILE_LEN + 1];
    struct stat st;
    size_t n = 0, dup, earlier = 0;
    int fd, err, rc = writable(cfg);

    if (rc != 0)
        return rc;
    if (path == NULL)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "no ticket key file named");
    fd = open_regular(path, &st);
    err = fd < 0 ? errno : read_up_to(fd, buf, sizeof buf, &n);
    if (fd >= 0)
        close(fd);
    if (err != 0) {
        mbedtls_platform_zeroize(buf, sizeof buf);
        if (err == ENOMEM)
            return KTLA_E_NOMEM;
        return ktla__config_fail(cfg, KTLA_E_PARSE, "%s: cannot read the ticket key file (%s)", path, strerror(err));
    }
    /* As OpenSSH does for private keys: a key others can read (or replace) protects nothing. */
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        mbedtls_platform_zeroize(buf, sizeof buf);
        return ktla__config_fail(cfg, KTLA_E_PARSE,
                                 "%s: the ticket key file is open to group or others (mode %04o): make it readable by "
                                 "its owner only, with chmod 600 %s",
                                 path, (unsigned)(st.st_mode & 07777), path);
    }
    if (n > KTLA__MAX_TICKET_KEYS * KTLA__TICKET_KEY_FILE_LEN) { /* read one byte past the most there may be */
        mbedtls_platform_zeroize(buf, sizeof buf);
        return ktla__config_fail(cfg, KTLA_E_PARSE, "%s: a ticket key file holds at most %d keys (%d bytes)", path,
                                 KTLA__MAX_TICKET_KEYS, KTLA__MAX_TICKET_KEYS * KTLA__TICKET_KEY_FILE_LEN);
    }
    if (n == 0 || n % KTLA__TICKET_KEY_FILE_LEN != 0) {
        mbedtls_platform_zeroize(buf, sizeof buf);
        return ktla__config_fail(cfg, KTLA_E_PARSE,
                                 "%s: a ticket key file holds 1 to %d keys of %d random bytes each, not %zu bytes",
                                 path, KTLA__MAX_TICKET_KEYS, KTLA__TICKET_KEY_FILE_LEN, n);
    }
    /* A copy pasted twice is a mistake in the rotation, and the two would share one name. */
    if ((dup = repeated_key(buf, n / KTLA__TICKET_KEY_FILE_LEN, &earlier)) != 0) {
        mbedtls_platform_zeroize(buf, sizeof buf);
        return ktla__config_fail(cfg, KTLA_E_PARSE, "%s: key %zu of the ticket key file repeats key %zu", path,
                                 dup + 1, earlier + 1);
    }
    mbedtls_platform_zeroize(cfg->ticket_key, sizeof cfg->ticket_key);
    memcpy(cfg->ticket_key, buf, n);
    mbedtls_platform_zeroize(buf, sizeof buf);
    cfg->n_ticket_keys = n / KTLA__TICKET_KEY_FILE_LEN;
    return 0;
}

int ktla_config_set_client_auth(ktla_config *cfg, enum ktla_client_auth mode, const char *ca_path)
{
    mbedtls_x509_crt ca;
    char msg[128];
    int rc = writable(cfg);

    if (rc != 0)
        return rc;
    if (mode != KTLA_CLIENT_AUTH_NONE && mode != KTLA_CLIENT_AUTH_OPTIONAL && mode != KTLA_CLIENT_AUTH_REQUIRED)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "unknown client authentication mode");
    if (mode != KTLA_CLIENT_AUTH_NONE && ca_path == NULL)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "client authentication needs a CA file");
    /* Parse into a new chain: a failed call leaves the previous setting whole. */
    mbedtls_x509_crt_init(&ca);
    if (mode != KTLA_CLIENT_AUTH_NONE) {
        rc = mbedtls_x509_crt_parse_file(&ca, ca_path);
        if (rc != 0) {
            if (rc > 0)
                snprintf(msg, sizeof msg, "%d certificates could not be parsed", rc);
            else
                mbedtls_strerror(rc, msg, sizeof msg);
            mbedtls_x509_crt_free(&ca);
            return ktla__config_fail(cfg, KTLA_E_CERT, "%s: %s", ca_path, msg);
        }
    }
    mbedtls_x509_crt_free(&cfg->client_ca);
    cfg->client_ca = ca;
    cfg->client_auth = mode;
    return 0;
}

int ktla_config_set_psk_ke(ktla_config *cfg, int allowed)
{
    int rc = writable(cfg);

    if (rc == 0)
        cfg->psk_ke_allowed = allowed != 0;
    return rc;
}

int ktla_config_set_handshake_timeout(ktla_config *cfg, unsigned timeout_ms)
{
    int rc = writable(cfg);

    if (rc == 0)
        cfg->handshake_timeout_ms = timeout_ms;
    return rc;
}

int ktla_config_set_offload(ktla_config *cfg, enum ktla_offload_policy policy)
{
    int rc = writable(cfg);

    if (rc != 0)
        return rc;
    if (policy != KTLA_OFFLOAD_POLICY_AUTO && policy != KTLA_OFFLOAD_POLICY_NEVER)
        return ktla__config_fail(cfg, KTLA_E_INVAL, "unknown offload policy");
    cfg->offload = policy;
    return 0;
}

int ktla__config_writable(ktla_config *cfg)
{
    return writable(cfg);
}
