/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_serve_request.c - ktla-serve's request parser (tools/ktla-serve/http.c):
 * the request line and header fields, then what the server does with a
 * parsed head: percent-decoding and normalising the path, the Range field,
 * and the response head that may quote the path back (Location).
 *
 * Oracles: a head that parses lies inside the buffer and needs all of it
 * (one byte less is not a complete head); a decoded path starts with '/',
 * holds no NUL and no ".." segment; a range lies inside the file; the
 * response head ends at its only blank line (nothing from the request can
 * add a header).
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "files.h"
#include "fuzz.h"
#include "http.h"

static void check_head_bounds(const char *buf, size_t len, const struct http_request *req)
{
    struct http_request again;
    int status = 0;

    if (req->head_len == 0 || req->head_len > len || req->method_len == 0 || req->target_len == 0 ||
        req->method_name < buf || req->target < buf || req->target + req->target_len > buf + req->head_len)
        abort();
    if (req->range && (req->range < buf || req->range + req->range_len > buf + req->head_len))
        abort();
    if (http_parse_request(buf, req->head_len - 1, &again, &status) == HTTP_PARSE_DONE)
        abort();
}

static void check_path(const struct http_request *req)
{
    char path[HTTP_MAX_PATH], head[4096];
    const char *raw = NULL;
    size_t raw_len = 0;
    struct http_response r = {.status = 301, .last_modified = -1, .keep_alive = 1};
    const char *blank;
    size_t n;

    if (http_decode_path(req->target, req->target_len, path, sizeof path, &raw, &raw_len) != 0)
        return;
    if (path[0] != '/' || strlen(path) >= sizeof path || strstr(path, "/../") || strcmp(path, "/..") == 0 ||
        (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
        abort();
    if (raw < req->target || raw + raw_len > req->target + req->target_len)
        abort();
    r.location = raw;
    r.location_len = raw_len;
    n = http_format_head(head, sizeof head, &r);
    if (n == 0)
        return; /* a long path does not fit this buffer: the server's is larger */
    blank = memmem(head, n, "\r\n\r\n", 4);
    if (blank == NULL || (size_t)(blank - head) + 4 != n)
        abort();
}

static void check_range(const struct http_request *req, unsigned long long size)
{
    unsigned long long first = 0, last = 0;

    if (files_parse_range(req->range, req->range_len, size, &first, &last) == FILES_RANGE_OK &&
        (first > last || last >= size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_request req;
    int status = 0;
    char *buf = malloc(size ? size : 1); /* exactly the bytes received: ASan sees any read past them */
    enum http_parse r;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    r = http_parse_request(buf, size, &req, &status);
    if (r == HTTP_PARSE_ERROR && status != 400 && status != 414 && status != 431 && status != 505)
        abort();
    if (r == HTTP_PARSE_DONE) {
        check_head_bounds(buf, size, &req);
        (void)http_keep_alive(&req);
        check_path(&req);
        if (req.range)
            check_range(&req, size);
    }
    free(buf);
    return 0;
}
