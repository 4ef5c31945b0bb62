/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - the request, and the response parser.
 *
 * The head is collected into a fixed buffer until the blank line, then
 * parsed line by line through one cursor type whose every read is checked
 * against the end (see struct cur).  Body bytes are only counted.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_CONTENT_LENGTH (UINT64_C(1) << 62)

/* A bounded view of bytes: every read checks p < end. */
struct cur {
    const char *p, *end;
};

size_t http_build_request(char *buf, size_t size, const char *path, const char *authority, int conn_close,
                          const char *version)
{
    int n = snprintf(buf, size,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "User-Agent: ktla-bench/%s\r\n"
                     "Accept: */*\r\n"
                     "%s"
                     "\r\n",
                     path, authority, version, conn_close ? "Connection: close\r\n" : "");

    return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

void http_resp_reset(struct http_resp *r)
{
    r->state = HTTP_ST_HEAD;
    r->status = 0;
    r->minor = 0;
    r->keep_alive = 0;
    r->to_eof = 0;
    r->length = 0;
    r->body = 0;
    r->hlen = 0;
    r->why = NULL;
}

static int fail(struct http_resp *r, int err, const char *why)
{
    r->why = why;
    return err;
}

/* Split the next CRLF-terminated line off c (without the CRLF). */
static int cur_line(struct cur *c, struct cur *line)
{
    const char *q = c->p;

    while (q + 1 < c->end && !(q[0] == '\r' && q[1] == '\n'))
        q++;
    if (q + 1 >= c->end)
        return -1;
    line->p = c->p;
    line->end = q;
    c->p = q + 2;
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c) ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* field-vchar, SP or HTAB: what a header value or reason phrase may hold. */
static int is_text(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int all_text(struct cur c)
{
    for (; c.p < c.end; c.p++)
        if (!is_text((unsigned char)*c.p))
            return 0;
    return 1;
}

static int cur_ieq(struct cur c, const char *s)
{
    size_t n = strlen(s);

    return (size_t)(c.end - c.p) == n && strncasecmp(c.p, s, n) == 0;
}

static struct cur trim_ows(struct cur c)
{
    while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
        c.p++;
    while (c.end > c.p && (c.end[-1] == ' ' || c.end[-1] == '\t'))
        c.end--;
    return c;
}

/* "HTTP/1.x NNN[ reason]" */
static int parse_status(struct http_resp *r, struct cur l)
{
    if (l.end - l.p < 12 || memcmp(l.p, "HTTP/1.", 7) != 0 || !is_digit(l.p[7]) || l.p[8] != ' ')
        return fail(r, HTTP_E_PARSE, "bad status line");
    if (!is_digit(l.p[9]) || !is_digit(l.p[10]) || !is_digit(l.p[11]))
        return fail(r, HTTP_E_PARSE, "bad status code");
    if (l.end - l.p > 12 && (l.p[12] != ' ' || !all_text((struct cur){l.p + 13, l.end})))
        return fail(r, HTTP_E_PARSE, "bad reason phrase");
    r->minor = l.p[7] - '0';
    r->status = (l.p[9] - '0') * 100 + (l.p[10] - '0') * 10 + (l.p[11] - '0');
    if (r->status < 200)
        return fail(r, HTTP_E_PARSE, "1xx responses are not supported");
    return 0;
}

static int parse_length(struct http_resp *r, struct cur v, int *seen)
{
    uint64_t n = 0;

    if (v.p == v.end || v.end - v.p > 19)
        return fail(r, HTTP_E_PARSE, "bad Content-Length");
    for (; v.p < v.end; v.p++) {
        if (!is_digit(*v.p))
            return fail(r, HTTP_E_PARSE, "bad Content-Length");
        n = n * 10 + (uint64_t)(*v.p - '0');
    }
    if (n > MAX_CONTENT_LENGTH || (*seen && n != r->length))
        return fail(r, HTTP_E_PARSE, "bad or conflicting Content-Length");
    r->length = n;
    *seen = 1;
    return 0;
}

/* Connection: a comma-separated token list; note close and keep-alive. */
static void parse_connection(struct cur v, int *want_close, int *keep)
{
    while (v.p < v.end) {
        struct cur t = {v.p, v.p};

        while (t.end < v.end && *t.end != ',')
            t.end++;
        v.p = t.end < v.end ? t.end + 1 : v.end;
        t = trim_ows(t);
        if (cur_ieq(t, "close"))
            *want_close = 1;
        else if (cur_ieq(t, "keep-alive"))
            *keep = 1;
    }
}

struct head_flags {
    int has_length, close, keep;
};

static int parse_field(struct http_resp *r, struct cur l, struct head_flags *f)
{
    struct cur name = {l.p, l.p}, value;

    while (name.end < l.end && is_tchar((unsigned char)*name.end))
        name.end++;
    if (name.p == name.end || name.end == l.end || *name.end != ':')
        return fail(r, HTTP_E_PARSE, "bad header line");
    value = trim_ows((struct cur){name.end + 1, l.end});
    if (!all_text(value))
        return fail(r, HTTP_E_PARSE, "control byte in a header value");
    if (cur_ieq(name, "Content-Length"))
        return parse_length(r, value, &f->has_length);
    if (cur_ieq(name, "Transfer-Encoding"))
        return fail(r, HTTP_E_PARSE, "Transfer-Encoding is not supported (Content-Length only)");
    if (cur_ieq(name, "Connection"))
        parse_connection(value, &f->close, &f->keep);
    return 0;
}

/* The head: status line, header lines, blank line; c covers exactly that. */
static int parse_head(struct http_resp *r, struct cur c)
{
    struct head_flags f = {0, 0, 0};
    struct cur line;
    int err;

    if (cur_line(&c, &line) != 0)
        return fail(r, HTTP_E_PARSE, "bad status line");
    if ((err = parse_status(r, line)) != 0)
        return err;
    for (;;) {
        if (cur_line(&c, &line) != 0)
            return fail(r, HTTP_E_PARSE, "unterminated head");
        if (line.p == line.end)
            break;
        if (*line.p == ' ' || *line.p == '\t')
            return fail(r, HTTP_E_PARSE, "folded header lines are not supported");
        if ((err = parse_field(r, line, &f)) != 0)
            return err;
    }
    if (c.p != c.end)
        return fail(r, HTTP_E_PARSE, "bytes after the head");
    if (r->status == 204 || r->status == 304) {
        f.has_length = 1; /* never a body, whatever the headers say */
        r->length = 0;
    }
    r->to_eof = !f.has_length;
    r->keep_alive = !r->to_eof && (r->minor >= 1 ? !f.close : f.keep);
    return 0;
}

static int feed_body(struct http_resp *r, size_t n)
{
    if (r->to_eof) {
        r->body += n;
        return HTTP_MORE;
    }
    if (n > r->length - r->body)
        return fail(r, HTTP_E_PARSE, "more bytes than Content-Length");
    r->body += n;
    if (r->body < r->length)
        return HTTP_MORE;
    r->state = HTTP_ST_DONE;
    return HTTP_DONE;
}

/* Collect head bytes; *used says how many of p were head. */
static int feed_head(struct http_resp *r, const unsigned char *p, size_t n, int need_keepalive, size_t *used)
{
    size_t take = n < HTTP_HEAD_MAX - r->hlen ? n : HTTP_HEAD_MAX - r->hlen;
    size_t from = r->hlen >= 3 ? r->hlen - 3 : 0, end;
    int err;

    memcpy(r->head + r->hlen, p, take);
    r->hlen += take;
    for (end = from; end + 4 <= r->hlen; end++)
        if (memcmp(r->head + end, "\r\n\r\n", 4) == 0)
            break;
    if (end + 4 > r->hlen) {
        *used = take;
        return r->hlen == HTTP_HEAD_MAX ? fail(r, HTTP_E_PARSE, "response head longer than 8 KiB") : HTTP_MORE;
    }
    end += 4;
    *used = take - (r->hlen - end);
    r->hlen = end;
    if ((err = parse_head(r, (struct cur){r->head, r->head + end})) != 0)
        return err;
    if (need_keepalive && r->to_eof)
        return fail(r, HTTP_E_NO_KEEPALIVE, "response without Content-Length: keep-alive impossible");
    r->state = HTTP_ST_BODY;
    return HTTP_MORE;
}

int http_resp_feed(struct http_resp *r, const unsigned char *p, size_t n, int need_keepalive)
{
    size_t used = 0;
    int res;

    if (r->state == HTTP_ST_DONE)
        return n ? fail(r, HTTP_E_PARSE, "bytes after the response") : HTTP_DONE;
    if (r->state == HTTP_ST_HEAD) {
        res = feed_head(r, p, n, need_keepalive, &used);
        if (res != HTTP_MORE || r->state == HTTP_ST_HEAD)
            return res;
    }
    return feed_body(r, n - used);
}

int http_resp_eof(struct http_resp *r, int clean)
{
    switch (r->state) {
    case HTTP_ST_DONE: return HTTP_DONE;
    case HTTP_ST_HEAD:
        if (r->hlen == 0)
            return fail(r, HTTP_E_CLOSED, "the connection ended before the response");
        return fail(r, HTTP_E_SHORT, "the connection ended inside the response head");
    case HTTP_ST_BODY:
    default: break;
    }
    if (!r->to_eof)
        return fail(r, HTTP_E_SHORT, "the connection ended before Content-Length bytes");
    if (!clean)
        return fail(r, HTTP_E_SHORT, "the connection ended without close_notify (possible truncation)");
    r->state = HTTP_ST_DONE;
    return HTTP_DONE;
}
