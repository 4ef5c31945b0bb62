/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bench_parsers.c - ktla-bench's parsers of untrusted or user input
 * (HTTP response, URL) and its latency histogram, including the negative
 * cases.  Built from tools/ktla-bench's own sources; needs no network.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "options.h"
#include "stats.h"

static int passed, failed;

#define CHECK(cond)                                                                                                 \
    do {                                                                                                            \
        if (cond) {                                                                                                 \
            passed++;                                                                                               \
        } else {                                                                                                    \
            failed++;                                                                                               \
            printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__, #cond);                                                 \
        }                                                                                                           \
    } while (0)

static struct http_resp resp;

/* Feed s in one piece. */
static int feed(const char *s, int need_keepalive)
{
    http_resp_reset(&resp);
    return http_resp_feed(&resp, (const unsigned char *)s, strlen(s), need_keepalive);
}

/* Feed s one byte at a time; the result of the last byte, or the first non-MORE. */
static int feed_bytes(const char *s, int need_keepalive)
{
    size_t n = strlen(s);
    int r = HTTP_MORE;

    http_resp_reset(&resp);
    for (size_t i = 0; i < n && r == HTTP_MORE; i++)
        r = http_resp_feed(&resp, (const unsigned char *)s + i, 1, need_keepalive);
    return r;
}

static void test_http_good(void)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";

    CHECK(feed(ok, 1) == HTTP_DONE && resp.status == 200 && resp.body == 5 && resp.keep_alive);
    CHECK(feed_bytes(ok, 1) == HTTP_DONE && resp.body == 5);
    CHECK(feed("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", 1) == HTTP_DONE && resp.status == 404);
    CHECK(feed("HTTP/1.1 204 No Content\r\n\r\n", 1) == HTTP_DONE && resp.keep_alive);
    CHECK(feed("HTTP/1.1 200\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 1) == HTTP_DONE);
    CHECK(feed("HTTP/1.1 200 OK\r\nContent-Length:\t2 \r\nConnection: foo, close\r\n\r\nab", 1) == HTTP_DONE &&
          !resp.keep_alive);
    CHECK(feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n\r\n", 1) == HTTP_DONE &&
          resp.keep_alive);
    CHECK(feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 1) == HTTP_DONE && !resp.keep_alive);
}

static void test_http_to_eof(void)
{
    static const char www[] = "HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n<HTML>";

    CHECK(feed(www, 0) == HTTP_MORE && resp.to_eof && resp.body == 6);
    CHECK(http_resp_eof(&resp, 1) == HTTP_DONE);
    CHECK(feed(www, 0) == HTTP_MORE && http_resp_eof(&resp, 0) == HTTP_E_SHORT);
    CHECK(feed(www, 1) == HTTP_E_NO_KEEPALIVE);
}

static void test_http_eof(void)
{
    http_resp_reset(&resp);
    CHECK(http_resp_eof(&resp, 1) == HTTP_E_CLOSED);
    CHECK(feed("HTTP/1.1 200 OK\r\n", 1) == HTTP_MORE && http_resp_eof(&resp, 1) == HTTP_E_SHORT);
    CHECK(feed("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 1) == HTTP_MORE &&
          http_resp_eof(&resp, 1) == HTTP_E_SHORT);
}

static void test_http_bad(void)
{
    CHECK(feed("HTTP/2 200 OK\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 20 OK\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200OK\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 100 Continue\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\n: empty\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nA: b\nc\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n", 1) == HTTP_E_PARSE);
    CHECK(feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1) == HTTP_DONE &&
          http_resp_feed(&resp, (const unsigned char *)"x", 1, 1) == HTTP_E_PARSE);
}

static void test_http_nul_and_size(void)
{
    static const unsigned char nul[] = "HTTP/1.1 200 OK\r\nA: \0\r\n\r\n";
    static char big[HTTP_HEAD_MAX + 64];
    size_t n;

    http_resp_reset(&resp);
    CHECK(http_resp_feed(&resp, nul, sizeof nul - 1, 1) == HTTP_E_PARSE);
    n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nX: ");
    memset(big + n, 'a', sizeof big - n - 1);
    big[sizeof big - 1] = '\0';
    CHECK(feed(big, 1) == HTTP_E_PARSE);
    CHECK(feed_bytes(big, 1) == HTTP_E_PARSE && resp.hlen == HTTP_HEAD_MAX);
}

static void test_request(void)
{
    char buf[256], tiny[16];
    size_t n = http_build_request(buf, sizeof buf, "/a?b", "h:1", 1, "0.1");

    CHECK(n == strlen(buf) && strncmp(buf, "GET /a?b HTTP/1.1\r\nHost: h:1\r\n", 30) == 0);
    CHECK(strstr(buf, "Connection: close\r\n\r\n") != NULL);
    CHECK(http_build_request(tiny, sizeof tiny, "/", "h", 0, "0.1") == 0);
}

static int url_ok(const char *s, const char *host, const char *port, const char *auth, const char *path)
{
    static struct bench_url u;
    char err[128];

    return options_parse_url(&u, s, err, sizeof err) == 0 && strcmp(u.host, host) == 0 &&
           strcmp(u.port, port) == 0 && strcmp(u.authority, auth) == 0 && strcmp(u.path, path) == 0;
}

static int url_bad(const char *s)
{
    static struct bench_url u;
    char err[128];

    return options_parse_url(&u, s, err, sizeof err) != 0 && err[0] != '\0';
}

static void test_url(void)
{
    CHECK(url_ok("https://127.0.0.1:4433/x?y", "127.0.0.1", "4433", "127.0.0.1:4433", "/x?y"));
    CHECK(url_ok("HTTPS://example.test", "example.test", "443", "example.test", "/"));
    CHECK(url_ok("https://[::1]:8443/", "::1", "8443", "[::1]:8443", "/"));
    CHECK(url_ok("https://h?q=1", "h", "443", "h", "/?q=1"));
    CHECK(url_ok("https://h/p#frag", "h", "443", "h", "/p"));
    CHECK(url_bad("http://h/"));
    CHECK(url_bad("https://"));
    CHECK(url_bad("https:///x"));
    CHECK(url_bad("https://h:0/"));
    CHECK(url_bad("https://h:65536/"));
    CHECK(url_bad("https://h:/"));
    CHECK(url_bad("https://h:12a/"));
    CHECK(url_bad("https://user@h/"));
    CHECK(url_bad("https://a b/"));
    CHECK(url_bad("https://h/a b"));
    CHECK(url_bad("https://h/a\r\nX: y"));
    CHECK(url_bad("https://h/\x80"));
    CHECK(url_bad("https://[::1/"));
    CHECK(url_bad("https://[::g]/"));
    CHECK(url_bad("https://[::1]x/"));
}

static void test_hist_buckets(void)
{
    size_t prev = 0;
    int ok = 1;

    for (uint64_t v = 0; v < (UINT64_C(1) << 36); v = v < 4096 ? v + 1 : v + v / 97) {
        size_t i = hist_index(v);
        uint64_t high = hist_bucket_high(i);

        if (i < prev || i >= HIST_BUCKETS || high < v || high - v > v / HIST_SUB + 1)
            ok = 0;
        prev = i;
    }
    CHECK(ok);
    CHECK(hist_index(127) == 127 && hist_index(128) == 128 && hist_index(129) == 128 && hist_index(130) == 129);
    CHECK(hist_index(UINT64_MAX) == HIST_BUCKETS - 1);
}

static void test_hist_percentiles(void)
{
    static struct hist a, b;

    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    CHECK(hist_percentile(&a, 50) == 0);
    for (uint64_t v = 1; v <= 500; v++)
        hist_record(&a, v * 100);
    for (uint64_t v = 501; v <= 1000; v++)
        hist_record(&b, v * 100);
    hist_merge(&a, &b);
    CHECK(a.total == 1000 && a.max == 100000);
    CHECK(hist_percentile(&a, 50) >= 50000 && hist_percentile(&a, 50) <= 50000 + 50000 / 64);
    CHECK(hist_percentile(&a, 99) >= 99000 && hist_percentile(&a, 99) <= 99000 + 99000 / 64);
    CHECK(hist_percentile(&a, 100) == 100000);
}

int main(void)
{
    test_http_good();
    test_http_to_eof();
    test_http_eof();
    test_http_bad();
    test_http_nul_and_size();
    test_request();
    test_url();
    test_hist_buckets();
    test_hist_percentiles();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
