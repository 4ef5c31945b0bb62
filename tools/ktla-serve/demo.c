/* SPDX-License-Identifier: Apache-2.0 */
/*
 * demo.c - the demo site ktla-serve serves when given no --root: a page
 * saying what ktla is and how to see where the record layer runs, a few
 * small files of the common types, and a 10 MiB file for throughput.
 *
 * Built in a temporary directory and renamed into place, so an interrupted
 * first run never leaves half a site that later runs would keep serving.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"
#include "tool_io.h"

#define BIG_SIZE (10u << 20)

static const char index_html[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ktla-serve</title>\n"
    "<link rel=\"stylesheet\" href=\"style.css\"><link rel=\"icon\" href=\"ktla.svg\"></head>\n"
    "<body>\n"
    "<h1><img src=\"ktla.svg\" alt=\"\" width=\"32\" height=\"32\"> It works: ktla-serve</h1>\n"
    "<p><b>ktla</b> (kernel TLS accept) is a C library that runs the server side of a TLS 1.2 or 1.3\n"
    "handshake in user space with mbedTLS, then hands the traffic keys to the Linux kernel's TLS\n"
    "offload (<b>kTLS</b>), so that the record layer &mdash; encryption of everything sent after the\n"
    "handshake &mdash; runs in the kernel.  Files then go out with the kernel's <code>sendfile</code>,\n"
    "without a copy through user space.  Where the kernel has no kTLS, ktla keeps the record layer in\n"
    "user space and says why.</p>\n"
    "<h2>Where did this page's encryption run?</h2>\n"
    "<p>ktla-serve writes one access-log line per request.  Its <code>tx=</code> and <code>rx=</code>\n"
    "fields say <code>kernel</code> or <code>user</code>; on the first request of a connection served\n"
    "in user space, <code>reason=</code> says why (for example, a kernel without the <code>tls</code>\n"
    "module).</p>\n"
    "<pre>ktla-probe                         # what this kernel's TLS offload accepts\n"
    "cat /proc/net/tls_stat             # the kernel's kTLS counters (TlsCurrTxSw ...)\n"
    "ss -tni | grep -i tls              # sockets with the tls ULP attached\n"
    "ktla-serve --mode user             # force user space, to compare</pre>\n"
    "<h2>Try</h2>\n"
    "<pre>curl --cacert STATE/cert.pem https://localhost:8443/hello.txt\n"
    "curl --cacert STATE/cert.pem -r 0-99 https://localhost:8443/10MiB.bin | wc -c\n"
    "curl --cacert STATE/cert.pem -o /dev/null -w '%{speed_download}\\n' https://localhost:8443/10MiB.bin</pre>\n"
    "<p>(STATE is the state directory ktla-serve printed when it started.)</p>\n"
    "<ul>\n"
    "<li><a href=\"hello.txt\">hello.txt</a> (text/plain)</li>\n"
    "<li><a href=\"data.json\">data.json</a> (application/json)</li>\n"
    "<li><a href=\"ktla.svg\">ktla.svg</a> (image/svg+xml)</li>\n"
    "<li><a href=\"10MiB.bin\">10MiB.bin</a> (10 MiB, for throughput)</li>\n"
    "</ul>\n"
    "</body></html>\n";

static const char style_css[] =
    "body { font-family: sans-serif; max-width: 48em; margin: 2em auto; line-height: 1.5; }\n"
    "pre { background: #f4f4f4; padding: 1em; overflow-x: auto; }\n"
    "h1 img { vertical-align: middle; }\n";

static const char hello_txt[] = "Hello from ktla-serve.\n";

static const char data_json[] = "{\"server\": \"ktla-serve\", \"library\": \"ktla\", \"record_layer\": "
                                "\"see the access log: tx= and rx=\"}\n";

static const char ktla_svg[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">"
    "<rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#2a6\"/>"
    "<path d=\"M10 15v-4a6 6 0 0 1 12 0v4\" stroke=\"#fff\" stroke-width=\"3\" fill=\"none\"/>"
    "<rect x=\"8\" y=\"15\" width=\"16\" height=\"11\" rx=\"2\" fill=\"#fff\"/></svg>\n";

static int put_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[4096 + 64];
    int fd, rc;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    rc = tool_write_all(fd, data, len);
    return close(fd) == 0 ? rc : -1;
}

/* 10 MiB of xorshift output: incompressible, and the same on every machine. */
static int put_big_file(const char *dir)
{
    static uint64_t block[8192];
    char path[4096 + 64];
    uint64_t x = 0x6b746c6120736572ULL; /* "ktla ser" */
    int fd, rc = 0;

    snprintf(path, sizeof path, "%s/10MiB.bin", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    for (size_t done = 0; rc == 0 && done < BIG_SIZE; done += sizeof block) {
        for (size_t i = 0; i < sizeof block / sizeof block[0]; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            block[i] = x;
        }
        rc = tool_write_all(fd, block, sizeof block);
    }
    return close(fd) == 0 ? rc : -1;
}

static int fill(const char *dir)
{
    if (put_file(dir, "index.html", index_html, sizeof index_html - 1) != 0 ||
        put_file(dir, "style.css", style_css, sizeof style_css - 1) != 0 ||
        put_file(dir, "hello.txt", hello_txt, sizeof hello_txt - 1) != 0 ||
        put_file(dir, "data.json", data_json, sizeof data_json - 1) != 0 ||
        put_file(dir, "ktla.svg", ktla_svg, sizeof ktla_svg - 1) != 0)
        return -1;
    return put_big_file(dir);
}

/* Remove what fill() may have left in a temporary directory. */
static void remove_tmp(const char *dir)
{
    static const char *const names[] = {"index.html", "style.css", "hello.txt", "data.json", "ktla.svg", "10MiB.bin"};
    char path[4096 + 64];

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int demo_ensure(const char *state_dir, char *root, size_t root_size)
{
    char tmp[4096 + 32];
    struct stat st;

    if ((size_t)snprintf(root, root_size, "%s/www", state_dir) >= root_size) {
        fprintf(stderr, "ktla-serve: the state directory's path is too long\n");
        return -1;
    }
    if (stat(root, &st) == 0)
        return 0;
    snprintf(tmp, sizeof tmp, "%s/www.tmp.%ld", state_dir, (long)getpid());
    if (mkdir(tmp, 0755) != 0 || fill(tmp) != 0 || rename(tmp, root) != 0) {
        fprintf(stderr, "ktla-serve: creating the demo site %s failed: %s\n", root, strerror(errno));
        remove_tmp(tmp);
        return -1;
    }
    fprintf(stderr, "ktla-serve: created a demo site in %s\n", root);
    return 0;
}
