/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - request heads in, response heads out.
 *
 * Parsing goes in two passes over bytes the caller already holds: the first
 * only finds where the head ends (or decides it is too long: 414, 431), the
 * second reads it strictly through one cursor type that never looks past
 * its end (the s2n "stuffer" habit).  Anything RFC 9112 does not allow is a
 * 400: obs-fold, whitespace before a colon, control bytes, bare CR.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ktla.h>

#include "http.h"

/* A read position and its end; every read checks it. */
struct cursor {
    const char *p, *end;
};

static int at_end(const struct cursor *c)
{
    return c->p >= c->end;
}

/* Consume ch if it is next. */
static int take(struct cursor *c, char ch)
{
    if (at_end(c) || *c->p != ch)
        return 0;
    c->p++;
    return 1;
}

/* Consume the longest run of bytes pred accepts; returns its length. */
static size_t span(struct cursor *c, int (*pred)(unsigned char))
{
    const char *start = c->p;

    while (!at_end(c) && pred((unsigned char)*c->p))
        c->p++;
    return (size_t)(c->p - start);
}

/* RFC 9110 5.6.2 tchar. */
static int is_tchar(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int is_vchar(unsigned char ch)
{
    return ch >= 0x21 && ch <= 0x7e;
}

static int is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

static int is_ows(unsigned char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Field values: VCHAR, obs-text, and whitespace inside. */
static int is_field_byte(unsigned char ch)
{
    return is_vchar(ch) || ch >= 0x80 || is_ows(ch);
}

/*
 * The line starting at *pos, within buf[0, len): its content [*pos, end)
 * without CR LF (or bare LF), and *pos moved past it.  0 if no LF yet.
 */
static int next_line(const char *buf, size_t len, size_t *pos, struct cursor *line)
{
    const char *nl = memchr(buf + *pos, '\n', len - *pos);
    const char *end;

    if (nl == NULL)
        return 0;
    end = nl;
    if (end > buf + *pos && end[-1] == '\r')
        end--;
    line->p = buf + *pos;
    line->end = end;
    *pos = (size_t)(nl - buf) + 1;
    return 1;
}

/* First pass: where the head ends.  DONE with *head_len, MORE, or ERROR with *status. */
static enum http_parse find_head_end(const char *buf, size_t len, size_t start, size_t *head_len, int *status)
{
    size_t pos = start, fields = 0;
    struct cursor line;

    if (!next_line(buf, len, &pos, &line)) {
        if (len - start >= HTTP_MAX_REQUEST_LINE) {
            *status = 414;
            return HTTP_PARSE_ERROR;
        }
        return len >= HTTP_MAX_HEAD ? (*status = 431, HTTP_PARSE_ERROR) : HTTP_PARSE_MORE;
    }
    if (pos - start > HTTP_MAX_REQUEST_LINE) {
        *status = 414;
        return HTTP_PARSE_ERROR;
    }
    while (next_line(buf, len, &pos, &line)) {
        if (pos > HTTP_MAX_HEAD || ++fields > HTTP_MAX_FIELDS + 1) {
            *status = 431;
            return HTTP_PARSE_ERROR;
        }
        if (line.p == line.end) {
            *head_len = pos;
            return HTTP_PARSE_DONE;
        }
    }
    if (len >= HTTP_MAX_HEAD) {
        *status = 431;
        return HTTP_PARSE_ERROR;
    }
    return HTTP_PARSE_MORE;
}

static enum http_method method_of(const char *m, size_t len)
{
    if (len == 3 && memcmp(m, "GET", 3) == 0)
        return HTTP_GET;
    if (len == 4 && memcmp(m, "HEAD", 4) == 0)
        return HTTP_HEAD;
    return HTTP_OTHER;
}

/* method SP request-target SP HTTP-version; returns 0 or the status. */
static int parse_request_line(struct cursor *c, struct http_request *req)
{
    req->method_name = c->p;
    req->method_len = span(c, is_tchar);
    if (req->method_len == 0 || !take(c, ' '))
        return 400;
    req->method = method_of(req->method_name, req->method_len);
    req->target = c->p;
    req->target_len = span(c, is_vchar);
    if (req->target_len == 0 || !take(c, ' '))
        return 400;
    if (c->end - c->p != 8 || memcmp(c->p, "HTTP/", 5) != 0 || !is_digit((unsigned char)c->p[5]) ||
        c->p[6] != '.' || !is_digit((unsigned char)c->p[7]))
        return 400;
    if (c->p[5] != '1')
        return 505;
    req->minor = c->p[7] - '0';
    return 0;
}

static int token_eq(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* Connection: a comma-separated list of tokens (RFC 9110 7.6.1). */
static void parse_connection(struct http_request *req, const char *v, size_t len)
{
    struct cursor c = {v, v + len};

    while (!at_end(&c)) {
        const char *tok;
        size_t n;

        span(&c, is_ows);
        tok = c.p;
        n = span(&c, is_tchar);
        if (token_eq(tok, n, "close"))
            req->conn_close = 1;
        else if (token_eq(tok, n, "keep-alive"))
            req->conn_keep_alive = 1;
        while (!at_end(&c) && *c.p != ',')
            c.p++;
        take(&c, ',');
    }
}

/* Content-Length: 1*DIGIT only (a list, a sign or an overflow is 400). */
static int parse_content_length(const char *v, size_t len, unsigned long long *out)
{
    unsigned long long n = 0;

    if (len == 0 || len > 19)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit((unsigned char)v[i]))
            return -1;
        n = n * 10 + (unsigned)(v[i] - '0');
    }
    *out = n;
    return 0;
}

struct field_state {
    int content_lengths, transfer_encoding, ranges;
    unsigned long long content_length;
};

/* One field we act on; the rest are only checked for syntax.  0 or a status. */
static int use_field(struct http_request *req, struct field_state *st, const char *name, size_t name_len,
                     const char *v, size_t len)
{
    unsigned long long n;

    if (token_eq(name, name_len, "host")) {
        req->hosts++;
    } else if (token_eq(name, name_len, "connection")) {
        parse_connection(req, v, len);
    } else if (token_eq(name, name_len, "range")) {
        st->ranges++;
        req->range = v;
        req->range_len = len;
    } else if (token_eq(name, name_len, "content-length")) {
        if (parse_content_length(v, len, &n) != 0 || (st->content_lengths++ > 0 && n != st->content_length))
            return 400;
        st->content_length = n;
    } else if (token_eq(name, name_len, "transfer-encoding")) {
        st->transfer_encoding = 1;
    }
    return 0;
}

/* field-name ":" OWS field-value OWS.  0 or a status. */
static int parse_field(struct cursor *c, struct http_request *req, struct field_state *st)
{
    const char *name = c->p, *value, *vend;
    size_t name_len = span(c, is_tchar);

    if (name_len == 0 || !take(c, ':')) /* also obs-fold and "name :" */
        return 400;
    span(c, is_ows);
    value = c->p;
    span(c, is_field_byte);
    if (!at_end(c)) /* a control byte or a bare CR */
        return 400;
    vend = c->end;
    while (vend > value && is_ows((unsigned char)vend[-1]))
        vend--;
    return use_field(req, st, name, name_len, value, (size_t)(vend - value));
}

/* Second pass over a complete head. */
static int parse_head(const char *buf, size_t start, size_t head_len, struct http_request *req)
{
    struct field_state st = {0};
    struct cursor line;
    size_t pos = start;
    int status;

    if (!next_line(buf, head_len, &pos, &line)) /* find_head_end saw it: cannot happen */
        return 400;
    status = parse_request_line(&line, req);
    while (status == 0 && next_line(buf, head_len, &pos, &line) && line.p != line.end)
        status = parse_field(&line, req, &st);
    if (status != 0)
        return status;
    if (st.transfer_encoding && st.content_lengths) /* request smuggling: refuse both */
        return 400;
    req->has_body = st.transfer_encoding || st.content_length > 0;
    if (st.ranges > 1)
        req->range = NULL; /* Range is a singleton: ignore it rather than guess */
    if (req->hosts > 1 || (req->minor >= 1 && req->hosts == 0))
        return 400; /* RFC 9112 3.2 */
    return 0;
}

enum http_parse http_parse_request(const char *buf, size_t len, struct http_request *req, int *status)
{
    size_t start = 0, head_len = 0;
    enum http_parse r;

    memset(req, 0, sizeof *req);
    /* RFC 9112 2.2: ignore empty lines before the request line. */
    while (start < len && start < 16 && (buf[start] == '\r' || buf[start] == '\n'))
        start++;
    r = find_head_end(buf, len, start, &head_len, status);
    if (r != HTTP_PARSE_DONE)
        return r;
    *status = parse_head(buf, start, head_len, req);
    req->head_len = head_len;
    return *status == 0 ? HTTP_PARSE_DONE : HTTP_PARSE_ERROR;
}

int http_keep_alive(const struct http_request *req)
{
    if (req->conn_close)
        return 0;
    return req->minor >= 1 || req->conn_keep_alive;
}

static int hex_value(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Where the path starts in an origin-form ("/...") or absolute-form ("http://host/...") target. */
static const char *path_start(const char *t, size_t len, size_t *skip)
{
    const char *end = t + len, *p;

    if (len > 0 && t[0] == '/') {
        *skip = 0;
        return t;
    }
    if (len >= 7 && strncasecmp(t, "http://", 7) == 0)
        p = t + 7;
    else if (len >= 8 && strncasecmp(t, "https://", 8) == 0)
        p = t + 8;
    else
        return NULL;
    while (p < end && *p != '/' && *p != '?')
        p++;
    *skip = (size_t)(p - t);
    return p;
}

/* Reject ".." as a whole segment: after decoding, so %2e%2e and ..%2f are caught too. */
static int has_dotdot_segment(const char *path)
{
    for (const char *seg = path; seg != NULL; seg = strchr(seg, '/')) {
        seg += *seg == '/';
        if (seg[0] == '.' && seg[1] == '.' && (seg[2] == '/' || seg[2] == '\0'))
            return 1;
    }
    return 0;
}

int http_decode_path(const char *target, size_t len, char *out, size_t size, const char **raw, size_t *raw_len)
{
    size_t skip, n = 0;
    const char *p = path_start(target, len, &skip), *end = target + len;

    if (p == NULL || size < 2)
        return 400;
    if (p == end || *p == '?') { /* "http://host" alone means "/" */
        out[n++] = '/';
    }
    for (; p < end && *p != '?' && *p != '#'; p++) {
        int ch = (unsigned char)*p;
        if (ch == '%') {
            int hi = p + 2 < end ? hex_value((unsigned char)p[1]) : -1;
            int lo = hi >= 0 ? hex_value((unsigned char)p[2]) : -1;
            if (lo < 0)
                return 400;
            ch = hi * 16 + lo;
            p += 2;
        }
        if (ch == 0)
            return 400;
        if (n + 1 >= size)
            return 414;
        out[n++] = (char)ch;
    }
    out[n] = '\0';
    *raw = target + skip;
    *raw_len = (size_t)(p - *raw);
    return has_dotdot_segment(out) ? 400 : 0;
}

/* RFC 3986 3.3 pchar, less '%' (every byte here is decoded): what a path may carry as it is. */
static int path_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != 0 && strchr("-._~!$&'()*+,;=:@", ch) != NULL);
}

size_t http_location(const char *path, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (const char *p = path; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '/' && n > 0 && out[n - 1] == '/')
            continue; /* "//" anywhere, the start included, is one '/' */
        if (n == 0 && ch != '/') {
            if (size < 2)
                return 0;
            out[n++] = '/';
        }
        if (ch == '/' || path_char(ch)) {
            if (n + 1 >= size)
                return 0;
            out[n++] = (char)ch;
        } else {
            if (n + 3 >= size)
                return 0;
            out[n++] = '%';
            out[n++] = hex[ch >> 4];
            out[n++] = hex[ch & 15];
        }
    }
    if (n == 0) {
        if (size < 2)
            return 0;
        out[n++] = '/';
    }
    out[n] = '\0';
    return n;
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

/* An output buffer that remembers running out of room instead of overrunning. */
struct out {
    char *p;
    size_t size, len;
    int full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->full)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->size - o->len)
        o->full = 1;
    else
        o->len += (size_t)n;
}

/* RFC 9110 5.6.7 IMF-fixdate; strftime's %a and %b are English in the C locale we never change. */
static void put_date(struct out *o, const char *name, time_t t)
{
    struct tm tm;
    char date[40];

    if (gmtime_r(&t, &tm) == NULL || strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        return;
    put(o, "%s: %s\r\n", name, date);
}

size_t http_format_head(char *buf, size_t size, const struct http_response *r)
{
    struct out o = {buf, size, 0, size == 0};

    put(&o, "HTTP/1.1 %d %s\r\n", r->status, http_reason(r->status));
    put_date(&o, "Date", time(NULL));
    put(&o, "Server: ktla-serve/%s\r\n", ktla_library_version());
    if (r->content_type)
        put(&o, "Content-Type: %s\r\nX-Content-Type-Options: nosniff\r\n", r->content_type);
    put(&o, "Content-Length: %llu\r\n", r->content_length);
    if (r->last_modified >= 0)
        put_date(&o, "Last-Modified", r->last_modified);
    if (r->accept_ranges)
        put(&o, "Accept-Ranges: bytes\r\n");
    if (r->content_range && r->status == 416)
        put(&o, "Content-Range: bytes */%llu\r\n", r->size);
    else if (r->content_range)
        put(&o, "Content-Range: bytes %llu-%llu/%llu\r\n", r->range_first, r->range_last, r->size);
    if (r->status == 405)
        put(&o, "Allow: GET, HEAD\r\n");
    if (r->location)
        put(&o, "Location: %.*s/\r\n", (int)r->location_len, r->location);
    if (!r->keep_alive)
        put(&o, "Connection: close\r\n");
    else if (r->client_minor == 0)
        put(&o, "Connection: keep-alive\r\n");
    put(&o, "\r\n");
    return o.full ? 0 : o.len;
}

static const char *error_text(int status)
{
    switch (status) {
    case 301: return "The document has moved to the directory of that name.";
    case 400: return "The request could not be understood.";
    case 403: return "That path leads outside the served directory.";
    case 404: return "There is nothing at this path.";
    case 405: return "Only GET and HEAD are served here.";
    case 413: return "This server accepts no request content.";
    case 414: return "The request line is too long.";
    case 416: return "The requested range is outside the file.";
    case 431: return "The request header fields are too large.";
    case 505: return "Only HTTP/1.x is served here.";
    default: return "The server could not answer.";
    }
}

size_t http_error_page(char *buf, size_t size, int status)
{
    struct out o = {buf, size, 0, size == 0};

    put(&o,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%d %s</title></head>\n"
        "<body><h1>%d %s</h1><p>%s</p><hr><p>ktla-serve</p></body></html>\n",
        status, http_reason(status), status, http_reason(status), error_text(status));
    return o.full ? 0 : o.len;
}
