/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-http - ktla-serve's request parser, path decoding, ranges, media
 * types, response heads and path resolution, on their own (no TLS, no
 * sockets).  Every prefix of a valid request, and a few thousand random
 * buffers, go through the parser too: under --enable-sanitizers any read
 * past the end would stop the test.
 *
 * Ends with "N passed, N failed"; exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "http.h"

static int passed, failed;

#define CHECK(cond)                                                                                                   \
    do {                                                                                                              \
        if (cond)                                                                                                     \
            passed++;                                                                                                 \
        else {                                                                                                        \
            failed++;                                                                                                 \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                         \
        }                                                                                                             \
    } while (0)

/* Parse a NUL-terminated request; returns the status (0 for DONE, -1 for MORE). */
static int parse(const char *text, struct http_request *req)
{
    int status = 0;
    enum http_parse r = http_parse_request(text, strlen(text), req, &status);

    return r == HTTP_PARSE_DONE ? 0 : r == HTTP_PARSE_MORE ? -1 : status;
}

static int status_of(const char *text)
{
    struct http_request req;
    return parse(text, &req);
}

static void test_valid(void)
{
    struct http_request q;
    const char *r = "GET /a/b.txt?x=1 HTTP/1.1\r\nHost: h\r\nRange: bytes=0-9\r\n"
                    "Connection: Keep-Alive, Upgrade\r\n\r\nNEXT";

    CHECK(parse(r, &q) == 0);
    CHECK(q.method == HTTP_GET && q.method_len == 3);
    CHECK(q.target_len == 12 && memcmp(q.target, "/a/b.txt?x=1", 12) == 0);
    CHECK(q.minor == 1 && q.hosts == 1 && q.conn_keep_alive && !q.conn_close);
    CHECK(q.range && q.range_len == 9 && memcmp(q.range, "bytes=0-9", 9) == 0);
    CHECK(q.head_len == strlen(r) - 4);
    CHECK(!q.has_body && http_keep_alive(&q));

    CHECK(parse("HEAD / HTTP/1.0\n\n", &q) == 0 && q.method == HTTP_HEAD && q.minor == 0);
    CHECK(!http_keep_alive(&q)); /* HTTP/1.0 closes unless asked */
    CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &q) == 0 && http_keep_alive(&q));
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", &q) == 0 && !http_keep_alive(&q));
    CHECK(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", &q) == 0); /* empty lines first */
    CHECK(parse("DELETE / HTTP/1.1\r\nHost: h\r\n\r\n", &q) == 0 && q.method == HTTP_OTHER);
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", &q) == 0 && !q.has_body);
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n", &q) == 0 && q.has_body);
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", &q) == 0 && q.has_body);
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=1-2\r\nRange: bytes=3-4\r\n\r\n", &q) == 0 && !q.range);
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nX: \t v \t\r\n\r\n", &q) == 0);
    CHECK(parse("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n", &q) == 0); /* obs-text */
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1 x\r\nHost: h\r\n\r\n",
        "GET / HTTP1.1\r\nHost: h\r\n\r\n",
        "GET / http/1.1\r\nHost: h\r\n\r\n",
        "GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n",
        " GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "\x16\x03\x01\x02\x10\x01\x01\xfc\r\n\r\n", /* a TLS record on the HTTP parser */
    };
    char nul[] = "GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n";
    struct http_request q;
    int status;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int s = status_of(bad[i]);
        if (s != 400)
            fprintf(stderr, "  case %zu gave %d\n", i, s);
        CHECK(s == 400);
    }
    CHECK(http_parse_request(nul, sizeof nul - 1, &q, &status) == HTTP_PARSE_ERROR && status == 400);
    CHECK(status_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\n") == -1);
}

static void test_limits(void)
{
    char *buf = malloc(HTTP_MAX_HEAD + 1);
    struct http_request q;
    int status;
    size_t n;

    /* A request line that does not end within 8 KiB: 414 as soon as that is clear. */
    memset(buf, 'a', HTTP_MAX_HEAD);
    memcpy(buf, "GET /", 5);
    CHECK(http_parse_request(buf, HTTP_MAX_REQUEST_LINE - 1, &q, &status) == HTTP_PARSE_MORE);
    CHECK(http_parse_request(buf, HTTP_MAX_REQUEST_LINE, &q, &status) == HTTP_PARSE_ERROR && status == 414);
    /* Fields filling the buffer without an end: 431. */
    n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
    memset(buf + n, 'b', HTTP_MAX_HEAD - n);
    CHECK(http_parse_request(buf, HTTP_MAX_HEAD - 1, &q, &status) == HTTP_PARSE_MORE);
    CHECK(http_parse_request(buf, HTTP_MAX_HEAD, &q, &status) == HTTP_PARSE_ERROR && status == 431);
    /* Too many fields: 431. */
    n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < HTTP_MAX_FIELDS + 1; i++)
        n += (size_t)sprintf(buf + n, "X%d: v\r\n", i);
    n += (size_t)sprintf(buf + n, "\r\n");
    CHECK(http_parse_request(buf, n, &q, &status) == HTTP_PARSE_ERROR && status == 431);
    free(buf);
}

/* Every prefix of a valid request is MORE, and the whole is DONE: the parser never guesses. */
static void test_prefixes(void)
{
    const char *r = "GET /x HTTP/1.1\r\nHost: h\r\nRange: bytes=-5\r\n\r\n";
    size_t len = strlen(r);
    int all_more = 1;

    for (size_t i = 0; i < len; i++) {
        char *copy = malloc(i ? i : 1); /* exactly i bytes: ASan sees any overread */
        struct http_request q;
        int status;
        memcpy(copy, r, i);
        all_more &= http_parse_request(copy, i, &q, &status) == HTTP_PARSE_MORE;
        free(copy);
    }
    CHECK(all_more);
}

/* Random bytes (some from an HTTP alphabet) never crash the parser and give a sane answer. */
static void test_random(void)
{
    static const char alphabet[] = "GET /HTTP1.\r\n: \t%a\x01\x80";
    uint64_t x = 0x1234567887654321ULL;
    int sane = 1;

    for (int iter = 0; iter < 3000; iter++) {
        size_t len = (size_t)(x % 300);
        char *buf = malloc(len ? len : 1);
        struct http_request q;
        int status = 0;
        enum http_parse r;
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = iter % 2 ? alphabet[x % (sizeof alphabet - 1)] : (char)x;
        }
        r = http_parse_request(buf, len, &q, &status);
        sane &= r == HTTP_PARSE_MORE || (r == HTTP_PARSE_DONE && q.head_len <= len) ||
                (r == HTTP_PARSE_ERROR && status >= 400);
        free(buf);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    }
    CHECK(sane);
}

static int decode(const char *target, char *out, size_t size)
{
    const char *raw;
    size_t raw_len;
    return http_decode_path(target, strlen(target), out, size, &raw, &raw_len);
}

static void test_decode(void)
{
    static const char *const refused[] = {
        "/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/x", "/%2E%2e", "/..%2fetc%2fpasswd", "/a/%2e%2e%2f..",
        "/%00", "/a%", "/a%4", "/a%zz", "*", "a/b", "/a/..",
    };
    char out[64];
    const char *raw;
    size_t raw_len;

    CHECK(decode("/a%20b/c%2Fd?q=..%2f", out, sizeof out) == 0 && strcmp(out, "/a b/c/d") == 0);
    CHECK(decode("/a..b/..c/c..", out, sizeof out) == 0 && strcmp(out, "/a..b/..c/c..") == 0);
    CHECK(decode("/./x", out, sizeof out) == 0);
    CHECK(decode("http://host:1/p%41th?x", out, sizeof out) == 0 && strcmp(out, "/pAth") == 0);
    CHECK(decode("HTTPS://host", out, sizeof out) == 0 && strcmp(out, "/") == 0);
    CHECK(decode("/sub#frag", out, sizeof out) == 0 && strcmp(out, "/sub") == 0);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int s = decode(refused[i], out, sizeof out);
        if (s != 400)
            fprintf(stderr, "  %s gave %d\n", refused[i], s);
        CHECK(s == 400);
    }
    CHECK(decode("/0123456789012345678901234567890123456789012345678901234567890123456789", out, sizeof out) ==
          414);
    CHECK(http_decode_path("http://h/a%20b?x", 16, out, sizeof out, &raw, &raw_len) == 0 && raw_len == 6 &&
          memcmp(raw, "/a%20b", 6) == 0);
}

static enum files_range range(const char *v, unsigned long long size, unsigned long long *a, unsigned long long *b)
{
    return files_parse_range(v, strlen(v), size, a, b);
}

static void test_ranges(void)
{
    unsigned long long a = 99, b = 99;

    CHECK(range("bytes=0-0", 10, &a, &b) == FILES_RANGE_OK && a == 0 && b == 0);
    CHECK(range("bytes=2-", 10, &a, &b) == FILES_RANGE_OK && a == 2 && b == 9);
    CHECK(range("bytes=2-100", 10, &a, &b) == FILES_RANGE_OK && a == 2 && b == 9);
    CHECK(range("bytes=-3", 10, &a, &b) == FILES_RANGE_OK && a == 7 && b == 9);
    CHECK(range("bytes=-30", 10, &a, &b) == FILES_RANGE_OK && a == 0 && b == 9);
    CHECK(range(" Bytes = 1-2 ", 10, &a, &b) == FILES_RANGE_OK && a == 1 && b == 2);
    CHECK(range("bytes=0-99999999999999999999999", 10, &a, &b) == FILES_RANGE_OK && b == 9);
    CHECK(range("bytes=10-", 10, &a, &b) == FILES_RANGE_UNSATISFIABLE);
    CHECK(range("bytes=99999999999999999999999-", 10, &a, &b) == FILES_RANGE_UNSATISFIABLE);
    CHECK(range("bytes=-0", 10, &a, &b) == FILES_RANGE_UNSATISFIABLE);
    CHECK(range("bytes=0-0", 0, &a, &b) == FILES_RANGE_UNSATISFIABLE);
    CHECK(range("bytes=-5", 0, &a, &b) == FILES_RANGE_UNSATISFIABLE);
    CHECK(range("bytes=5-2", 10, &a, &b) == FILES_RANGE_NONE);
    CHECK(range("bytes=0-1,3-4", 10, &a, &b) == FILES_RANGE_NONE);
    CHECK(range("items=0-1", 10, &a, &b) == FILES_RANGE_NONE);
    CHECK(range("bytes=", 10, &a, &b) == FILES_RANGE_NONE);
    CHECK(range("bytes=-", 10, &a, &b) == FILES_RANGE_NONE);
    CHECK(range("bytes=a-b", 10, &a, &b) == FILES_RANGE_NONE);
    CHECK(range("bytes=1 -2", 10, &a, &b) == FILES_RANGE_NONE);
    CHECK(files_parse_range(NULL, 0, 10, &a, &b) == FILES_RANGE_NONE);
}

static void test_mime(void)
{
    CHECK(strcmp(files_mime_type("/a/index.HTML"), "text/html; charset=utf-8") == 0);
    CHECK(strcmp(files_mime_type("/s.css"), "text/css; charset=utf-8") == 0);
    CHECK(strcmp(files_mime_type("/x.wasm"), "application/wasm") == 0);
    CHECK(strcmp(files_mime_type("/f.woff2"), "font/woff2") == 0);
    CHECK(strcmp(files_mime_type("/v.mp4"), "video/mp4") == 0);
    CHECK(strcmp(files_mime_type("/dir.html/file"), "application/octet-stream") == 0);
    CHECK(strcmp(files_mime_type("/noext"), "application/octet-stream") == 0);
    CHECK(strcmp(files_mime_type("/trailing."), "application/octet-stream") == 0);
}

static void test_heads(void)
{
    char buf[2048], tiny[40];
    struct http_response r = {.status = 206, .keep_alive = 1, .client_minor = 1, .content_type = "image/png",
                              .content_length = 10, .last_modified = 0, .accept_ranges = 1, .content_range = 1,
                              .range_first = 5, .range_last = 14, .size = 100};
    size_t n = http_format_head(buf, sizeof buf, &r);

    CHECK(n > 0 && strncmp(buf, "HTTP/1.1 206 Partial Content\r\n", 30) == 0);
    CHECK(n > 0 && strstr(buf, "Content-Range: bytes 5-14/100\r\n") && strstr(buf, "Content-Length: 10\r\n"));
    CHECK(n > 0 && strstr(buf, "Last-Modified: Thu, 01 Jan 1970 00:00:00 GMT\r\n"));
    CHECK(n > 0 && !strstr(buf, "Connection:") && strcmp(buf + n - 4, "\r\n\r\n") == 0);
    r = (struct http_response){.status = 416, .content_range = 1, .size = 7, .last_modified = -1};
    n = http_format_head(buf, sizeof buf, &r);
    CHECK(n > 0 && strstr(buf, "Content-Range: bytes */7\r\n") && strstr(buf, "Connection: close\r\n"));
    r = (struct http_response){.status = 405, .keep_alive = 1, .last_modified = -1};
    n = http_format_head(buf, sizeof buf, &r);
    CHECK(n > 0 && strstr(buf, "Allow: GET, HEAD\r\n") && strstr(buf, "Connection: keep-alive\r\n"));
    r = (struct http_response){.status = 301, .keep_alive = 1, .client_minor = 1, .location = "/sub?x",
                               .location_len = 4, .last_modified = -1};
    n = http_format_head(buf, sizeof buf, &r);
    CHECK(n > 0 && strstr(buf, "Location: /sub/\r\n"));
    CHECK(http_format_head(tiny, sizeof tiny, &r) == 0);
    n = http_error_page(buf, 512, 431);
    CHECK(n > 0 && n < 512 && strstr(buf, "431 Request Header Fields Too Large"));
    CHECK(strcmp(http_reason(413), "Content Too Large") == 0 && strcmp(http_reason(299), "Unknown") == 0);
}

/* Redirect targets: one leading '/', never "//host" (a protocol-relative URL to another host). */
static void test_location(void)
{
    static const struct {
        const char *path, *want;
    } cases[] = {
        {"/sub", "/sub"},
        {"//evil.example", "/evil.example"},
        {"///evil.example//x", "/evil.example/x"},
        {"/a b/%?#", "/a%20b/%25%3F%23"},
        {"/caf\xc3\xa9", "/caf%C3%A9"},
        {"/", "/"},
        {"", "/"},
        {"/k=v;p@h:1~-._!$&'()*+,", "/k=v;p@h:1~-._!$&'()*+,"},
    };
    char out[64];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = http_location(cases[i].path, out, sizeof out);
        CHECK(n == strlen(cases[i].want) && strcmp(out, cases[i].want) == 0);
        if (n == 0 || strcmp(out, cases[i].want) != 0)
            fprintf(stderr, "    http_location(\"%s\") = \"%s\", want \"%s\"\n", cases[i].path, n ? out : "",
                    cases[i].want);
    }
    CHECK(http_location("/abc", out, 4) == 0);  /* "/abc" and its NUL need 5 */
    CHECK(http_location("/a b", out, 6) == 0);  /* "/a%20b" needs 7 */
    CHECK(http_location("/abc", out, 5) == 4);
}

/* A scratch tree: root/{f.txt, d/index.html, e/, in -> f.txt, out -> ../secret, abs -> /etc/passwd, fifo}. */
static int make_tree(char *dir)
{
    char p[512];
    int fd;

    if (mkdtemp(dir) == NULL)
        return -1;
#define P(...) (snprintf(p, sizeof p, __VA_ARGS__), p)
    if (mkdir(P("%s/root", dir), 0755) || mkdir(P("%s/root/d", dir), 0755) || mkdir(P("%s/root/e", dir), 0755) ||
        mkdir(P("%s/outdir", dir), 0755))
        return -1;
    fd = open(P("%s/root/f.txt", dir), O_CREAT | O_WRONLY, 0644);
    close(fd);
    fd = open(P("%s/root/d/index.html", dir), O_CREAT | O_WRONLY, 0644);
    close(fd);
    fd = open(P("%s/secret", dir), O_CREAT | O_WRONLY, 0644);
    close(fd);
    if (symlink("f.txt", P("%s/root/in", dir)) || symlink("../secret", P("%s/root/out", dir)) ||
        symlink("../outdir", P("%s/root/outd", dir)) || symlink("/etc/passwd", P("%s/root/abs", dir)) ||
        mkfifo(P("%s/root/fifo", dir), 0644))
        return -1;
    fd = open(P("%s/outdir/x", dir), O_CREAT | O_WRONLY, 0644);
    close(fd);
#undef P
    return 0;
}

static int open_status(const struct files_root *root, const char *path)
{
    struct stat st;
    int fd, status = files_open(root, path, &fd, &st);

    if (status == 200)
        close(fd);
    return status;
}

static void test_files(void)
{
    char dir[] = "/tmp/ktla-serve-test.XXXXXX", rootdir[600];
    struct files_root root;

    if (make_tree(dir) != 0) {
        fprintf(stderr, "FAIL: cannot make a scratch tree in /tmp: %s\n", strerror(errno));
        failed++;
        return;
    }
    snprintf(rootdir, sizeof rootdir, "%s/root", dir);
    CHECK(files_root_open(&root, rootdir) == 0);
    for (int fallback = 0; fallback < 2; fallback++) {
        files_force_fallback(fallback);
        CHECK(open_status(&root, "/f.txt") == 200);
        CHECK(open_status(&root, "/in") == 200);
        CHECK(open_status(&root, "/") == 404); /* no index.html at the top: no listing */
        CHECK(open_status(&root, "/d/") == 200);
        CHECK(open_status(&root, "/d") == 301);
        CHECK(open_status(&root, "/e/") == 404);
        CHECK(open_status(&root, "/missing") == 404);
        CHECK(open_status(&root, "/f.txt/x") == 404);
        CHECK(open_status(&root, "/out") == 403);
        CHECK(open_status(&root, "/outd/x") == 403);
        CHECK(open_status(&root, "/abs") == 403);
        CHECK(open_status(&root, "/fifo") == 403); /* and it did not hang */
    }
    files_force_fallback(0);
    files_root_close(&root);
    {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "note: could not remove %s\n", dir);
    }
}

int main(void)
{
    test_valid();
    test_malformed();
    test_limits();
    test_prefixes();
    test_random();
    test_decode();
    test_ranges();
    test_mime();
    test_heads();
    test_location();
    test_files();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
