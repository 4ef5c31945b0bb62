/* SPDX-License-Identifier: Apache-2.0 */
/* client_hello.c - the key-share groups of a ClientHello, bounds-checked (see client_hello.h). */
#include "config.h"

#include "client_hello.h"

#include "wire/tls_wire.h"

/* ClientHello fields (RFC 8446 4.1.2, RFC 5246 7.4.1.2) and the key_share extension (RFC 8446 4.2.8). */
#define HELLO_VERSION_LEN 2
#define HELLO_RANDOM_LEN 32
#define EXT_KEY_SHARE 51
#define SSL3_MAJOR 3 /* a TLS record's legacy_record_version is 3.x */

/* A cursor over untrusted bytes: every take fails once past the end, and stays failed. */
struct cursor {
    const unsigned char *p;
    size_t left;
    int bad;
};

static const unsigned char *take(struct cursor *c, size_t n)
{
    const unsigned char *at = c->p;

    if (c->bad || n > c->left) {
        c->bad = 1;
        return NULL;
    }
    c->p += n;
    c->left -= n;
    return at;
}

/* A big-endian integer of n (1 to 3) bytes; 0 once failed. */
static size_t take_uint(struct cursor *c, size_t n)
{
    const unsigned char *at = take(c, n);
    size_t v = 0;

    for (size_t i = 0; at && i < n; i++)
        v = (v << 8) | at[i];
    return v;
}

/* The vector with an n-byte length prefix at the cursor, as a cursor of its own; the outer one moves past it. */
static struct cursor take_vector(struct cursor *c, size_t n)
{
    size_t len = take_uint(c, n);
    struct cursor v = {.p = NULL, .left = 0, .bad = c->bad};

    if (!c->bad) {
        v.p = take(c, len);
        v.left = len;
        v.bad = c->bad;
    }
    return v;
}

/* KeyShareClientHello: client_shares<0..2^16-1> of { NamedGroup group; opaque key_exchange<1..2^16-1>; }. */
static int read_key_shares(struct cursor ext, uint16_t *groups, size_t max, size_t *n)
{
    struct cursor shares = take_vector(&ext, 2);

    if (ext.bad || ext.left != 0)
        return -1;
    while (!shares.bad && shares.left > 0) {
        uint16_t group = (uint16_t)take_uint(&shares, 2);
        struct cursor key = take_vector(&shares, 2);

        if (shares.bad || key.left == 0)
            return -1;
        if (*n < max)
            groups[(*n)++] = group;
    }
    return shares.bad ? -1 : 0;
}

static enum ktla__hello_parse parse_body(struct cursor hello, uint16_t *groups, size_t max, size_t *n)
{
    struct cursor exts, suites, compression;

    (void)take(&hello, HELLO_VERSION_LEN + HELLO_RANDOM_LEN);
    (void)take_vector(&hello, 1);          /* legacy_session_id<0..32> */
    suites = take_vector(&hello, 2);       /* cipher_suites<2..2^16-2>, two bytes each */
    compression = take_vector(&hello, 1);  /* legacy_compression_methods<1..2^8-1> */
    if (hello.bad || suites.left < 2 || suites.left % 2 != 0 || compression.left < 1)
        return KTLA__HELLO_UNREADABLE;
    if (hello.left == 0)
        return KTLA__HELLO_SHARES; /* no extensions at all: an old TLS 1.2 client, no key share */
    exts = take_vector(&hello, 2);
    if (hello.bad || hello.left != 0)
        return KTLA__HELLO_UNREADABLE;
    while (!exts.bad && exts.left > 0) {
        size_t type = take_uint(&exts, 2);
        struct cursor body = take_vector(&exts, 2);

        if (exts.bad)
            break;
        if (type == EXT_KEY_SHARE) {
            if (read_key_shares(body, groups, max, n) != 0) {
                *n = 0;
                return KTLA__HELLO_UNREADABLE;
            }
            /* RFC 8446 4.2: one extension of a type at most; mbedTLS refuses a second, so it does not matter here. */
            return KTLA__HELLO_SHARES;
        }
    }
    return exts.bad ? KTLA__HELLO_UNREADABLE : KTLA__HELLO_SHARES;
}

enum ktla__hello_parse ktla__client_hello_key_shares(const unsigned char *buf, size_t len, uint16_t *groups,
                                                     size_t max, size_t *n)
{
    struct cursor rec = {.p = buf, .left = buf ? len : 0, .bad = 0};
    struct cursor fragment, hello;
    const unsigned char *hdr;
    size_t rec_len, hello_len;
    enum ktla__hello_parse r;

    *n = 0;
    hdr = take(&rec, 3);
    if (hdr == NULL)
        return len < 3 && (len < 1 || buf[0] == TLS_CT_HANDSHAKE) && (len < 2 || buf[1] == SSL3_MAJOR)
                   ? KTLA__HELLO_PARTIAL
                   : KTLA__HELLO_UNREADABLE;
    if (hdr[0] != TLS_CT_HANDSHAKE || hdr[1] != SSL3_MAJOR)
        return KTLA__HELLO_UNREADABLE;
    rec_len = take_uint(&rec, 2);
    if (rec.bad)
        return KTLA__HELLO_PARTIAL;
    if (rec_len == 0 || rec_len > TLS_MAX_PLAINTEXT_LEN)
        return KTLA__HELLO_UNREADABLE;
    fragment.p = take(&rec, rec_len);
    if (fragment.p == NULL) {
        /* Not all here.  Whether what is here is a ClientHello at all is told now, not after waiting. */
        return len > TLS_RECORD_HEADER_LEN && buf[TLS_RECORD_HEADER_LEN] != TLS_HS_CLIENT_HELLO
                   ? KTLA__HELLO_UNREADABLE
                   : KTLA__HELLO_PARTIAL;
    }
    fragment.left = rec_len;
    fragment.bad = 0;
    if (take_uint(&fragment, 1) != TLS_HS_CLIENT_HELLO)
        return KTLA__HELLO_UNREADABLE;
    hello_len = take_uint(&fragment, 3);
    /* A ClientHello continued in a second record: not followed (rare; mbedTLS still gets it whole). */
    if (fragment.bad || hello_len > fragment.left)
        return KTLA__HELLO_UNREADABLE;
    hello.p = take(&fragment, hello_len);
    hello.left = hello_len;
    hello.bad = 0;
    r = parse_body(hello, groups, max, n);
    if (r != KTLA__HELLO_SHARES)
        *n = 0;
    return r;
}
