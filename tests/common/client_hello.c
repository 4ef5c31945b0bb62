/* SPDX-License-Identifier: Apache-2.0 */
/* client_hello.c - hand-made ClientHellos for bad-input tests (see client_hello.h). */
#include "client_hello.h"

#include <string.h>

#include "wire/tls_wire.h"

struct writer {
    unsigned char *p;
    size_t len, cap;
    int overflow;
};

static void put(struct writer *w, const void *data, size_t n)
{
    if (w->cap - w->len < n) {
        w->overflow = 1;
        return;
    }
    memcpy(w->p + w->len, data, n);
    w->len += n;
}

static void put8(struct writer *w, unsigned v)
{
    unsigned char b = (unsigned char)v;
    put(w, &b, 1);
}

static void put16(struct writer *w, unsigned v)
{
    put8(w, v >> 8);
    put8(w, v);
}

/* Patch a big-endian length of `bytes` bytes at `at`, covering everything written after it. */
static void patch_len(struct writer *w, size_t at, int bytes)
{
    size_t v = w->len - at - (size_t)bytes;
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        if (!w->overflow)
            w->p[at + (size_t)i] = (unsigned char)v;
}

static void spec_extensions(struct writer *w, const struct hello_spec *spec)
{
    size_t at = w->len, list;

    put16(w, 0);
    put16(w, 0x000a); /* supported_groups */
    put16(w, (unsigned)(2 + 2 * spec->n_groups));
    put16(w, (unsigned)(2 * spec->n_groups));
    for (size_t i = 0; i < spec->n_groups; i++)
        put16(w, spec->groups[i]);
    put16(w, 0x000b); /* ec_point_formats: uncompressed */
    put16(w, 2);
    put8(w, 1);
    put8(w, 0);
    put16(w, 0x000d); /* signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256 */
    put16(w, 8);
    put16(w, 6);
    put16(w, 0x0403);
    put16(w, 0x0804);
    put16(w, 0x0401);
    if (spec->tls13) {
        put16(w, 0x002b); /* supported_versions: TLS 1.3 */
        put16(w, 3);
        put8(w, 2);
        put16(w, 0x0304);
    }
    if (spec->share_len) {
        put16(w, 0x0033); /* key_share: one KeyShareEntry */
        list = w->len;
        put16(w, 0);
        put16(w, 0);
        put16(w, spec->share_group);
        put16(w, (unsigned)spec->share_len);
        put(w, spec->share, spec->share_len);
        patch_len(w, list + 2, 2);
        patch_len(w, list, 2);
    }
    patch_len(w, at, 2);
}

size_t client_hello_build_spec(unsigned char *out, size_t cap, const struct hello_spec *spec)
{
    struct writer w = {.p = out, .cap = cap};
    size_t record_at, hs_at, suites_at;

    put8(&w, TLS_CT_HANDSHAKE);
    put16(&w, spec->legacy_version < 0x0301 ? spec->legacy_version : 0x0301);
    record_at = w.len;
    put16(&w, 0);
    put8(&w, TLS_HS_CLIENT_HELLO);
    hs_at = w.len;
    put(&w, "\0\0\0", 3);
    put16(&w, spec->legacy_version);
    for (int i = 0; i < 32; i++)
        put8(&w, (unsigned)(i * 11 + 3));
    put8(&w, 32); /* a legacy session id, as TLS 1.3 clients in compatibility mode send */
    for (int i = 0; i < 32; i++)
        put8(&w, (unsigned)i);
    suites_at = w.len;
    put16(&w, 0);
    for (size_t i = 0; i < spec->n_suites; i++)
        put16(&w, spec->suites[i]);
    patch_len(&w, suites_at, 2);
    put8(&w, 1); /* compression: null only */
    put8(&w, 0);
    spec_extensions(&w, spec);
    patch_len(&w, hs_at, 3);
    patch_len(&w, record_at, 2);
    return w.overflow ? 0 : w.len;
}

size_t client_hello_build(unsigned char *out, size_t cap, uint16_t hello_version, const uint16_t *suites,
                          size_t n_suites)
{
    static const uint16_t groups[] = {0x001d, 0x0017}; /* x25519, secp256r1 */
    const struct hello_spec spec = {.legacy_version = hello_version, .suites = suites, .n_suites = n_suites,
                                    .groups = groups, .n_groups = 2};

    return client_hello_build_spec(out, cap, &spec);
}

size_t client_hello_sslv2(unsigned char *out, size_t cap)
{
    static const unsigned char specs[] = {0x01, 0x00, 0x80, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x35};
    struct writer w = {.p = out, .cap = cap};
    size_t body = 9 + sizeof specs + 16;

    put8(&w, 0x80 | (unsigned)(body >> 8)); /* 2-byte header, no padding */
    put8(&w, (unsigned)body);
    put8(&w, 1);       /* CLIENT-HELLO */
    put16(&w, 0x0002); /* SSL 2.0 */
    put16(&w, sizeof specs);
    put16(&w, 0);  /* session id length */
    put16(&w, 16); /* challenge length */
    put(&w, specs, sizeof specs);
    for (int i = 0; i < 16; i++)
        put8(&w, (unsigned)i);
    return w.overflow ? 0 : w.len;
}

/* The length field of the record header at rec. */
static size_t record_body_len(const unsigned char *rec)
{
    return ((size_t)rec[TLS_RECORD_LENGTH_AT] << 8) | rec[TLS_RECORD_LENGTH_AT + 1];
}

int first_plain_alert(const unsigned char *out, size_t len)
{
    size_t at = 0;

    while (len - at >= TLS_RECORD_HEADER_LEN) {
        size_t body = record_body_len(out + at);
        if (len - at - TLS_RECORD_HEADER_LEN < body)
            return -1;
        if (out[at] == TLS_CT_ALERT && body == TLS_ALERT_LEN)
            return out[at + TLS_RECORD_HEADER_LEN + 1]; /* the description, after the level */
        at += TLS_RECORD_HEADER_LEN + body;
    }
    return -1;
}

int count_plain_alerts(const unsigned char *out, size_t len)
{
    size_t at = 0;
    int n = 0;

    while (len - at >= TLS_RECORD_HEADER_LEN) {
        size_t body = record_body_len(out + at);
        if (len - at - TLS_RECORD_HEADER_LEN < body)
            return -1;
        n += out[at] == TLS_CT_ALERT;
        at += TLS_RECORD_HEADER_LEN + body;
    }
    return at == len ? n : -1;
}
