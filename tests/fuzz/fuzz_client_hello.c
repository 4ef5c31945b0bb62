/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_client_hello.c - the ClientHello key-share reader a server runs on a
 * client's first bytes before mbedTLS does (lib/handshake/client_hello.c).
 *
 * Input: the connection's first bytes, as ktla's peek would see them.
 * Oracles (beyond ASan/UBSan on every read): the verdict is one of the
 * three, with groups only for KTLA__HELLO_SHARES and never more than asked
 * for; a whole ClientHello reads the same with bytes after its record and
 * with room for one group only (the same first group); any cut before the
 * record's end reads PARTIAL.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "handshake/client_hello.h"

#define MAX_SHARES 8

static void must(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint16_t groups[MAX_SHARES + 1], again[MAX_SHARES + 1], one[2];
    size_t n, n_again, n_one, rec_end;
    enum ktla__hello_parse r;
    uint8_t *longer;

    groups[MAX_SHARES] = 0xbeef;
    r = ktla__client_hello_key_shares(data, size, groups, MAX_SHARES, &n);
    must(r == KTLA__HELLO_SHARES || r == KTLA__HELLO_PARTIAL || r == KTLA__HELLO_UNREADABLE);
    must(n <= MAX_SHARES && groups[MAX_SHARES] == 0xbeef);
    if (r != KTLA__HELLO_SHARES) {
        must(n == 0);
        return 0;
    }
    /* A verdict of SHARES needs a whole record: its header says where it ends. */
    must(size >= 5);
    rec_end = 5 + ((size_t)data[3] << 8 | data[4]);
    must(rec_end <= size);

    /* Bytes after the record change nothing. */
    longer = malloc(rec_end + 7);
    if (longer == NULL)
        return 0;
    memcpy(longer, data, rec_end);
    memset(longer + rec_end, 0x16, 7);
    must(ktla__client_hello_key_shares(longer, rec_end + 7, again, MAX_SHARES, &n_again) == KTLA__HELLO_SHARES);
    must(n_again == n && memcmp(again, groups, n * sizeof groups[0]) == 0);
    free(longer);

    /* Room for one group: the first, and no more written. */
    one[1] = 0xbeef;
    must(ktla__client_hello_key_shares(data, size, one, 1, &n_one) == KTLA__HELLO_SHARES);
    must(n_one == (n > 0) && one[1] == 0xbeef && (n == 0 || one[0] == groups[0]));

    /* Cut short anywhere in the record: not there yet. */
    for (size_t cut = 0; cut < rec_end; cut += 1 + cut / 4) {
        must(ktla__client_hello_key_shares(data, cut, again, MAX_SHARES, &n_again) == KTLA__HELLO_PARTIAL);
        must(n_again == 0);
    }
    must(ktla__client_hello_key_shares(data, rec_end - 1, again, MAX_SHARES, &n_again) == KTLA__HELLO_PARTIAL);
    return 0;
}
