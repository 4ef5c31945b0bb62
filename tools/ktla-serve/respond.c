/* SPDX-License-Identifier: Apache-2.0 */
/*
 * respond.c - from a parsed request to what the session sends: a head in
 * s->io->out, then either a small HTML page after it or a file range to
 * sendfile.  No I/O on the connection here.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "session.h"

#define MAX_LOCATION 1024 /* a redirect target longer than this is refused as 414 */

/* Whether the connection may stay open after this error: not after garbage we may have misread. */
static int keeps_connection(int status)
{
    return status == 301 || status == 403 || status == 404 || status == 405 || status == 416;
}

static struct http_response base_response(const struct session *s, int status)
{
    return (struct http_response){
        .status = status,
        .keep_alive = s->keep_alive,
        .client_minor = s->io->req.minor,
        .last_modified = (time_t)-1,
    };
}

/* r's head, then (except for HEAD) the page for its status. */
static void send_page(struct session *s, struct http_response *r)
{
    char page[512];
    size_t page_len = http_error_page(page, sizeof page, r->status);

    r->keep_alive = r->keep_alive && keeps_connection(r->status);
    r->content_type = "text/html; charset=utf-8";
    r->content_length = page_len;
    s->io->out_len = http_format_head(s->io->out, sizeof s->io->out, r);
    if (s->io->out_len == 0 || s->io->out_len + page_len > sizeof s->io->out) {
        /* Cannot happen with these sizes; if it did, a bare 500 beats a head that lies. */
        static const char bare[] = "HTTP/1.1 500 Internal Server Error\r\n"
                                   "Content-Length: 0\r\nConnection: close\r\n\r\n";
        memcpy(s->io->out, bare, sizeof bare - 1);
        s->io->out_len = sizeof bare - 1;
        r->status = 500;
        r->keep_alive = 0;
    } else if (s->io->req.method != HTTP_HEAD) {
        memcpy(s->io->out + s->io->out_len, page, page_len);
        s->io->out_len += page_len;
        s->io->out_body = page_len;
    }
    s->io->out_off = 0;
    s->status = r->status;
    s->keep_alive = r->keep_alive;
}

void respond_error(struct session *s, int status)
{
    struct http_response r = base_response(s, status);

    send_page(s, &r);
}

/*
 * A directory named without its '/': send the client to it.  The Location
 * is built from the decoded path, never copied from the request: a request
 * for "//evil.example" must not become "Location: //evil.example/", which a
 * browser reads as another host.
 */
static void respond_redirect(struct session *s, const char *path)
{
    struct http_response r = base_response(s, 301);
    char location[MAX_LOCATION + 1];
    size_t len = http_location(path, location, sizeof location);

    if (len == 0) {
        respond_error(s, 414);
        return;
    }
    r.location = location; /* copied into s->io->out by send_page, before location goes */
    r.location_len = len;
    send_page(s, &r);
}

static void respond_unsatisfiable(struct session *s, unsigned long long size)
{
    struct http_response r = base_response(s, 416);

    r.content_range = 1;
    r.size = size;
    r.accept_ranges = 1;
    send_page(s, &r);
}

/* 200 or 206 for an open regular file; takes fd. */
static void respond_file(struct session *s, const char *path, int fd, const struct stat *st)
{
    const struct http_request *q = &s->io->req;
    unsigned long long size = (unsigned long long)st->st_size, first = 0, last = size ? size - 1 : 0;
    struct http_response r = base_response(s, 200);
    enum files_range range = FILES_RANGE_NONE;

    /* RFC 9110 14.2: Range is defined for GET only. */
    if (q->method == HTTP_GET)
        range = files_parse_range(q->range, q->range_len, size, &first, &last);
    if (range == FILES_RANGE_UNSATISFIABLE) {
        close(fd);
        respond_unsatisfiable(s, size);
        return;
    }
    r.content_type = files_mime_type(path);
    r.last_modified = st->st_mtime;
    r.accept_ranges = 1;
    r.content_length = size;
    if (range == FILES_RANGE_OK) {
        r.status = 206;
        r.content_range = 1;
        r.range_first = first;
        r.range_last = last;
        r.size = size;
        r.content_length = last - first + 1;
    }
    s->io->out_len = http_format_head(s->io->out, sizeof s->io->out, &r);
    s->io->out_off = 0;
    s->status = r.status;
    if (q->method == HTTP_HEAD || r.content_length == 0) {
        close(fd);
        return;
    }
    s->file_fd = fd;
    s->file_off = (long long)first;
    s->file_end = (long long)(first + r.content_length);
}

void respond(struct session *s)
{
    const struct http_request *q = &s->io->req;
    char path[HTTP_MAX_PATH];
    const char *raw;
    size_t raw_len;
    struct stat st;
    int status, fd;

    s->keep_alive = http_keep_alive(q) && !s->loop->stopping;
    if (q->method == HTTP_OTHER || q->has_body) {
        /* A body we will not read would be taken for the next request: close after answering. */
        if (q->has_body)
            s->keep_alive = 0;
        respond_error(s, q->method == HTTP_OTHER ? 405 : 413);
        return;
    }
    status = http_decode_path(q->target, q->target_len, path, sizeof path, &raw, &raw_len);
    if (status == 0)
        status = files_open(&s->loop->srv->root, path, &fd, &st);
    if (status == 301)
        respond_redirect(s, path);
    else if (status != 200)
        respond_error(s, status);
    else
        respond_file(s, path, fd, &st);
}
