/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h - HTTP/1.1 request heads in, response heads out (RFC 9110, 9112).
 *
 * Pure functions over caller buffers: no I/O and no allocation, so every
 * byte a client sends is checked here against an explicit end, and the
 * parser can be tested on its own (tests/serve/test-http.c).
 */
#ifndef KTLA_SERVE_HTTP_H
#define KTLA_SERVE_HTTP_H

#include <stddef.h>
#include <time.h>

#define HTTP_MAX_HEAD 16384        /* request line plus header fields; more is 431 */
#define HTTP_MAX_REQUEST_LINE 8192 /* more is 414 */
#define HTTP_MAX_FIELDS 100        /* more is 431 */
#define HTTP_MAX_PATH 4096         /* a decoded path; longer is 414 */

enum http_method {
    HTTP_GET,
    HTTP_HEAD,
    HTTP_OTHER,
};

/* A parsed request head; the pointers point into the caller's buffer. */
struct http_request {
    enum http_method method;
    const char *method_name; /* the token as sent, method_len bytes */
    size_t method_len;
    const char *target; /* the request-target as sent, target_len bytes */
    size_t target_len;
    int minor;                 /* HTTP/1.minor */
    int hosts;                 /* how many Host fields */
    int conn_close;            /* Connection: close */
    int conn_keep_alive;       /* Connection: keep-alive (matters for HTTP/1.0) */
    int has_body;              /* Content-Length > 0, or Transfer-Encoding */
    const char *range;         /* the Range value, NULL if none (or sent twice) */
    size_t range_len;
    size_t head_len;           /* bytes of the head, the empty line included */
};

enum http_parse {
    HTTP_PARSE_DONE,  /* *req describes the head in buf[0, req->head_len) */
    HTTP_PARSE_MORE,  /* no complete head yet, and still within the limits */
    HTTP_PARSE_ERROR, /* answer *status (400, 414, 431, 505) and close */
};

/* Parse the request head at the start of buf[0, len). */
enum http_parse http_parse_request(const char *buf, size_t len, struct http_request *req, int *status);

/* Whether the connection stays open after answering req (HTTP/1.1 default, 1.0 on request). */
int http_keep_alive(const struct http_request *req);

/*
 * The path of a request-target (origin or absolute form, query dropped),
 * %XX-decoded into out (NUL-terminated).  Refuses, with the status to
 * answer: bad escapes, NUL, ".." segments (400); a path longer than size (414).
 * Returns 0 or that status.  [*raw, *raw + *raw_len) is the path as sent
 * (for a Location field: only visible ASCII, unlike the decoded path).
 */
int http_decode_path(const char *target, size_t len, char *out, size_t size, const char **raw, size_t *raw_len);

/*
 * The Location value for a redirect to the decoded path (its trailing '/'
 * is added by http_format_head): exactly one leading '/' and no empty
 * segment anywhere, so that it can never read as a network-path reference
 * ("//host/...", RFC 3986 4.2) to another host; bytes other than
 * unreserved, sub-delims, ':', '@' and '/' as %XX.  Returns the length
 * (NUL-terminated in out), or 0 if it does not fit in size.
 */
size_t http_location(const char *path, char *out, size_t size);

/* "Not Found" for 404 and so on; "Unknown" for others. */
const char *http_reason(int status);

/* What a response head says.  Unset fields are 0 / NULL; last_modified -1 for none. */
struct http_response {
    int status;
    int keep_alive;
    int client_minor;                  /* the request's HTTP/1.minor */
    const char *content_type;
    unsigned long long content_length;
    time_t last_modified;
    int accept_ranges;
    int content_range;                 /* 206: first-last/size; 416: * /size */
    unsigned long long range_first, range_last, size;
    const char *location;              /* 301 */
    size_t location_len;
};

/* The status line and header fields into buf.  Returns the length, or 0 if it does not fit. */
size_t http_format_head(char *buf, size_t size, const struct http_response *r);

/* A small HTML page for an error status.  Returns its length (0 if it does not fit). */
size_t http_error_page(char *buf, size_t size, int status);

#endif
