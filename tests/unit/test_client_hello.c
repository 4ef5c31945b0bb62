/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_client_hello.c - the ClientHello key-share reader (lib/handshake/client_hello.c):
 * the groups of a well-formed hello in order, every truncation PARTIAL and never SHARES, every
 * length field made wrong UNREADABLE, no key_share read as none.  Real clients' hellos go
 * through it in tests/serve/check-groups and in the fuzz target's corpus.
 */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "handshake/client_hello.h"
#include "suites.h"

#define GROUP_X25519 0x001d
#define GROUP_P256 0x0017
#define GROUP_P384 0x0018

struct writer {
    unsigned char b[2048];
    size_t n;
};

static void put(struct writer *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put_u(struct writer *w, size_t v, size_t bytes)
{
    for (size_t i = bytes; i-- > 0;)
        w->b[w->n++] = (unsigned char)(v >> (8 * i));
}

/* Fill an n-byte length field at `at` with what was written after it. */
static void patch_len(struct writer *w, size_t at, size_t bytes)
{
    size_t v = w->n - at - bytes;

    for (size_t i = bytes; i-- > 0; v >>= 8)
        w->b[at + i] = (unsigned char)v;
}

/*
 * A TLS 1.3 ClientHello record as OpenSSL or GnuTLS write one: an SNI
 * extension before key_share (with a share per group of shares[]), and
 * supported_versions after it.  Returns the length.
 */
static size_t build_hello(unsigned char *out, const uint16_t *shares, size_t n_shares, int with_key_share)
{
    static const unsigned char sni[] = {0x00, 0x00, 0x00, 0x09, 0x00, 0x07, 0x00, 0x00, 0x04, 't', 'e', 's', 't'};
    static const unsigned char versions[] = {0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04};
    unsigned char random[32], key[97];
    struct writer w = {.n = 0};
    size_t rec, hs, exts, ks, list;

    memset(random, 0x5a, sizeof random);
    memset(key, 0x04, sizeof key);
    put_u(&w, 22, 1);
    put_u(&w, 0x0301, 2);
    rec = w.n;
    put_u(&w, 0, 2);
    put_u(&w, 1, 1); /* client_hello */
    hs = w.n;
    put_u(&w, 0, 3);
    put_u(&w, 0x0303, 2);
    put(&w, random, sizeof random);
    put_u(&w, 32, 1); /* legacy_session_id */
    put(&w, random, 32);
    put_u(&w, 4, 2);
    put_u(&w, 0x1301, 2);
    put_u(&w, 0x1302, 2);
    put_u(&w, 1, 1);
    put_u(&w, 0, 1);
    exts = w.n;
    put_u(&w, 0, 2);
    put(&w, sni, sizeof sni);
    if (with_key_share) {
        put_u(&w, 51, 2);
        ks = w.n;
        put_u(&w, 0, 2);
        list = w.n;
        put_u(&w, 0, 2);
        for (size_t i = 0; i < n_shares; i++) {
            size_t key_len = shares[i] == GROUP_X25519 ? 32 : shares[i] == GROUP_P384 ? 97 : 65;
            put_u(&w, shares[i], 2);
            put_u(&w, key_len, 2);
            put(&w, key, key_len);
        }
        patch_len(&w, list, 2);
        patch_len(&w, ks, 2);
    }
    put(&w, versions, sizeof versions);
    patch_len(&w, exts, 2);
    patch_len(&w, hs, 3);
    patch_len(&w, rec, 2);
    memcpy(out, w.b, w.n);
    return w.n;
}

static void test_shares_in_order(void)
{
    static const uint16_t sent[] = {GROUP_X25519, GROUP_P256, GROUP_P384};
    unsigned char hello[2048];
    uint16_t got[4];
    size_t n, len = build_hello(hello, sent, 3, 1);

    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(hello, len, got, 4, &n), KTLA__HELLO_SHARES);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT(got[0] == GROUP_X25519 && got[1] == GROUP_P256 && got[2] == GROUP_P384);
    /* Bytes after the record (the client's next flight, early data) change nothing. */
    memset(hello + len, 0x17, 16);
    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(hello, len + 16, got, 4, &n), KTLA__HELLO_SHARES);
    CU_ASSERT_EQUAL(n, 3);
    /* No more than max are written. */
    got[1] = 0xffff;
    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(hello, len, got, 1, &n), KTLA__HELLO_SHARES);
    CU_ASSERT(n == 1 && got[0] == GROUP_X25519 && got[1] == 0xffff);
}

static void test_no_key_share(void)
{
    unsigned char hello[2048];
    uint16_t got[4];
    size_t n = 9, len = build_hello(hello, NULL, 0, 0);

    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(hello, len, got, 4, &n), KTLA__HELLO_SHARES);
    CU_ASSERT_EQUAL(n, 0);
    /* An empty client_shares (a client asking for a HelloRetryRequest on purpose) is no share either. */
    len = build_hello(hello, NULL, 0, 1);
    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(hello, len, got, 4, &n), KTLA__HELLO_SHARES);
    CU_ASSERT_EQUAL(n, 0);
}

static void test_every_truncation(void)
{
    static const uint16_t sent[] = {GROUP_X25519, GROUP_P256};
    unsigned char hello[2048];
    uint16_t got[4];
    size_t n, len = build_hello(hello, sent, 2, 1);

    for (size_t cut = 0; cut < len; cut++) {
        enum ktla__hello_parse r = ktla__client_hello_key_shares(hello, cut, got, 4, &n);
        if (r != KTLA__HELLO_PARTIAL || n != 0) {
            CU_FAIL("a truncated ClientHello is not PARTIAL");
            fprintf(stderr, "cut at %zu of %zu: %d, n %zu\n", cut, len, (int)r, n);
            return;
        }
    }
}

/* Every length field one too long and one too short: never SHARES with groups, never past the buffer (ASan). */
static void test_wrong_lengths(void)
{
    static const uint16_t sent[] = {GROUP_X25519, GROUP_P256};
    unsigned char hello[2048], bad[2048];
    uint16_t got[4];
    size_t n, len = build_hello(hello, sent, 2, 1);
    /* Where key_share starts: before supported_versions (7 bytes) and after two shares of 32 and 65 bytes. */
    const size_t ks_at = len - 7 - (2 + 2 + 2 + 2 + 2 + 32 + 2 + 2 + 65);
    const struct {
        size_t at, bytes;
        const char *what;
    } fields[] = {
        {6, 3, "handshake length"},
        {5 + 4 + 2 + 32, 1, "session id"},
        {5 + 4 + 2 + 32 + 1 + 32, 2, "cipher suites"},
        {5 + 4 + 2 + 32 + 1 + 32 + 2 + 4, 1, "compression methods"},
        {5 + 4 + 2 + 32 + 1 + 32 + 2 + 4 + 1 + 1, 2, "extensions"},
        {ks_at + 2, 2, "key_share extension"},
        {ks_at + 4, 2, "client_shares"},
        {ks_at + 8, 2, "first key_exchange"},
    };

    CU_ASSERT_EQUAL_FATAL(hello[ks_at + 1], 51); /* the offsets are right */
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
        for (int delta = -1; delta <= 1; delta += 2) {
            size_t v = 0;
            enum ktla__hello_parse r;

            memcpy(bad, hello, len);
            for (size_t i = 0; i < fields[f].bytes; i++)
                v = (v << 8) | bad[fields[f].at + i];
            v += (size_t)delta;
            for (size_t i = fields[f].bytes; i-- > 0; v >>= 8)
                bad[fields[f].at + i] = (unsigned char)v;
            r = ktla__client_hello_key_shares(bad, len, got, 4, &n);
            if (r != KTLA__HELLO_UNREADABLE || n != 0) {
                CU_FAIL("a wrong length field went unnoticed");
                fprintf(stderr, "%s %+d: %d, %zu shares\n", fields[f].what, delta, (int)r, n);
            }
        }
}

static void test_not_a_client_hello(void)
{
    static const unsigned char http[] = "GET / HTTP/1.1\r\n\r\n";
    static const unsigned char sslv2[] = {0x80, 0x2e, 0x01, 0x03, 0x01};
    static const uint16_t sent[] = {GROUP_P256};
    unsigned char hello[2048];
    uint16_t got[4];
    size_t n, len = build_hello(hello, sent, 1, 1);

    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(http, sizeof http - 1, got, 4, &n), KTLA__HELLO_UNREADABLE);
    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(sslv2, sizeof sslv2, got, 4, &n), KTLA__HELLO_UNREADABLE);
    hello[5] = 2; /* a ServerHello */
    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(hello, len, got, 4, &n), KTLA__HELLO_UNREADABLE);
    /* ...which is told as soon as its first byte is there. */
    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(hello, 6, got, 4, &n), KTLA__HELLO_UNREADABLE);
    hello[5] = 1;
    hello[0] = 23; /* application data */
    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(hello, len, got, 4, &n), KTLA__HELLO_UNREADABLE);
    hello[0] = 22;
    hello[3] = 0x40; /* a record longer than 2^14 */
    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(hello, len, got, 4, &n), KTLA__HELLO_UNREADABLE);
    CU_ASSERT_EQUAL(ktla__client_hello_key_shares(NULL, 0, got, 4, &n), KTLA__HELLO_PARTIAL);
    CU_ASSERT_EQUAL(n, 0);
}

int add_client_hello_suite(void)
{
    CU_pSuite s = CU_add_suite("client_hello", NULL, NULL);

    return s && CU_add_test(s, "key shares in the client's order", test_shares_in_order) &&
                   CU_add_test(s, "no key share", test_no_key_share) &&
                   CU_add_test(s, "every truncation is PARTIAL", test_every_truncation) &&
                   CU_add_test(s, "every length field off by one", test_wrong_lengths) &&
                   CU_add_test(s, "not a ClientHello", test_not_a_client_hello)
               ? 0
               : -1;
}
