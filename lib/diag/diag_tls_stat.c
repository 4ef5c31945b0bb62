/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diag_tls_stat.c - the kernel's global TLS counters, /proc/net/tls_stat.
 *
 * net/tls/tls_proc.c writes one line per counter, seq_printf("%-32s\t%lu\n"):
 * TlsCurrTxSw, TlsCurrRxSw, TlsCurrTxDevice, TlsCurrRxDevice, TlsTxSw,
 * TlsRxSw, TlsTxDevice, TlsRxDevice, TlsDecryptError, TlsRxDeviceResync,
 * TlsDecryptRetry, TlsRxNoPadViolation, and from the TLS 1.3 rekey work
 * TlsRxRekeyOk, TlsRxRekeyError, TlsTxRekeyOk, TlsTxRekeyError,
 * TlsRxRekeyReceived.  The file exists per network namespace once the tls
 * module is loaded.  We take any such line, not only the names we know.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag_internal.h"

#define NAME_MAX_LEN (sizeof(((struct ktla_diag_counter *)0)->name) - 1)

static int is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* One line [p, end) (no '\n') into *c: 0, 1 for an empty line, KTLA_E_PARSE. */
static int parse_line(const char *p, const char *end, struct ktla_diag_counter *c)
{
    const char *name = p;
    size_t name_len;
    unsigned long long v = 0;

    while (p < end && is_name_char(*p))
        p++;
    name_len = (size_t)(p - name);
    if (name_len == 0)
        return p == end ? 1 : KTLA_E_PARSE;
    if (name_len > NAME_MAX_LEN || p == end || (*p != ' ' && *p != '\t'))
        return KTLA_E_PARSE;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p == end || *p < '0' || *p > '9')
        return KTLA_E_PARSE;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return KTLA_E_PARSE; /* does not fit 64 bits */
        v = v * 10 + d;
    }
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p != end)
        return KTLA_E_PARSE;
    memcpy(c->name, name, name_len);
    c->name[name_len] = '\0';
    c->value = v;
    return 0;
}

int ktla__diag_tls_stat_parse(const char *buf, size_t len, struct ktla_diag_counter **out, size_t *count)
{
    struct ktla_diag_counter *v = NULL;
    const char *p = buf, *end = buf + len;
    size_t n = 0;

    if (out == NULL || count == NULL || (buf == NULL && len != 0))
        return KTLA_E_INVAL;
    *out = NULL;
    *count = 0;
    if (len > KTLA__TLS_STAT_MAX_BYTES)
        return KTLA_E_PARSE;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        struct ktla_diag_counter c;
        int rc = parse_line(p, eol, &c);

        p = nl ? nl + 1 : end;
        if (rc == 1)
            continue;
        if (rc == 0 && n == KTLA__TLS_STAT_MAX_COUNTERS)
            rc = KTLA_E_PARSE;
        if (rc == 0 && n % 16 == 0) {
            struct ktla_diag_counter *grown = realloc(v, (n + 16) * sizeof *v);
            if (grown == NULL)
                rc = KTLA_E_NOMEM;
            else
                v = grown;
        }
        if (rc != 0) {
            free(v);
            return rc;
        }
        v[n++] = c;
    }
    *out = v;
    *count = n;
    return 0;
}

int ktla_diag_tls_stat(struct ktla_diag_counter **out, size_t *count)
{
    static const char path[] = "/proc/net/tls_stat";
    char *buf;
    size_t len = 0;
    ssize_t r = 0;
    int fd, rc;

    if (out == NULL || count == NULL)
        return KTLA_E_INVAL;
    *out = NULL;
    *count = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? KTLA_E_NOKTLS : KTLA_E_SYSCALL;
    /* One byte more than we accept, so that a file too long is seen as such. */
    buf = malloc(KTLA__TLS_STAT_MAX_BYTES + 1);
    if (buf == NULL) {
        close(fd);
        return KTLA_E_NOMEM;
    }
    while (len <= KTLA__TLS_STAT_MAX_BYTES &&
           ((r = read(fd, buf + len, KTLA__TLS_STAT_MAX_BYTES + 1 - len)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            len += (size_t)r;
    if (len <= KTLA__TLS_STAT_MAX_BYTES && r < 0) {
        int saved = errno;
        free(buf);
        close(fd);
        errno = saved;
        return KTLA_E_SYSCALL;
    }
    close(fd);
    rc = ktla__diag_tls_stat_parse(buf, len, out, count);
    free(buf);
    return rc;
}
