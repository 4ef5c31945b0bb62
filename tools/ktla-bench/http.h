/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h - the request ktla-bench sends and an incremental parser for the
 * response, which checks every byte against the buffer's end.
 *
 * Only Content-Length bodies are read, or (when the caller allows it) a body
 * delimited by the end of the connection, as HTTP/1.0 servers such as
 * `openssl s_server -www` send.  Transfer-Encoding is refused.
 */
#ifndef KTLA_BENCH_HTTP_H
#define KTLA_BENCH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX 8192

enum http_result {
    HTTP_MORE = 0,           /* feed more bytes */
    HTTP_DONE = 1,           /* the whole response is in */
    HTTP_E_PARSE = -1,       /* malformed, unsupported, or bytes beyond the response */
    HTTP_E_NO_KEEPALIVE = -2,/* no Content-Length but the caller needs keep-alive */
    HTTP_E_SHORT = -3,       /* the connection ended inside the response */
    HTTP_E_CLOSED = -4,      /* the connection ended before any byte of it */
};

enum http_state { HTTP_ST_HEAD, HTTP_ST_BODY, HTTP_ST_DONE };

struct http_resp {
    enum http_state state;
    int status;          /* 100..999 once the head is parsed */
    int minor;           /* HTTP/1.<minor> */
    int keep_alive;      /* the connection may carry another request */
    int to_eof;          /* the body runs to the end of the connection */
    uint64_t length;     /* Content-Length, when !to_eof */
    uint64_t body;       /* body bytes received so far */
    size_t hlen;         /* bytes in head[] */
    char head[HTTP_HEAD_MAX];
    const char *why;     /* a static reason after an error */
};

/* Make the request for path and authority; its length, or 0 when it does not fit. */
size_t http_build_request(char *buf, size_t size, const char *path, const char *authority, int conn_close,
                          const char *version);

void http_resp_reset(struct http_resp *r);

/*
 * Feed n received bytes.  need_keepalive makes a response without
 * Content-Length an HTTP_E_NO_KEEPALIVE error instead of a body to the end.
 */
int http_resp_feed(struct http_resp *r, const unsigned char *p, size_t n, int need_keepalive);

/* The connection ended; clean is 1 after a TLS close_notify, 0 for a bare EOF. */
int http_resp_eof(struct http_resp *r, int clean);

#endif
