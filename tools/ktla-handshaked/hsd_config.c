/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hsd_config.c - parse ktla-handshaked.conf: one "key = value" per line,
 * blanks around both ignored, '#' starts a comment line.  Unknown keys and
 * bad values are errors with the line number: a typo must not silently
 * weaken the agent's authentication.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hsd_config.h"

#define LINE_MAX_LEN 8192
#define CONFIG_MAX_BYTES (1 << 20)

void hsd_config_defaults(struct hsd_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->client_auth = HSD_CLIENT_AUTH_OPTIONAL;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int set_path(char *dst, const char *value, size_t vlen)
{
    if (vlen == 0 || vlen >= HSD_PATH_MAX)
        return -1;
    memcpy(dst, value, vlen);
    dst[vlen] = '\0';
    return 0;
}

static int word_is(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* One key and value (not NUL-terminated).  0, or -1 with a static why. */
static int apply(struct hsd_config *cfg, const char *key, size_t klen, const char *val, size_t vlen,
                 const char **why)
{
    static const struct {
        const char *key;
        size_t offset;
    } paths[] = {
        {"server_certificate", offsetof(struct hsd_config, server_certificate)},
        {"server_private_key", offsetof(struct hsd_config, server_private_key)},
        {"client_certificate", offsetof(struct hsd_config, client_certificate)},
        {"client_private_key", offsetof(struct hsd_config, client_private_key)},
        {"ca_file", offsetof(struct hsd_config, ca_file)},
    };

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (word_is(key, klen, paths[i].key)) {
            if (set_path((char *)cfg + paths[i].offset, val, vlen) < 0) {
                *why = "empty or too long path";
                return -1;
            }
            return 0;
        }
    if (word_is(key, klen, "client_auth")) {
        if (word_is(val, vlen, "none"))
            cfg->client_auth = HSD_CLIENT_AUTH_NONE;
        else if (word_is(val, vlen, "optional"))
            cfg->client_auth = HSD_CLIENT_AUTH_OPTIONAL;
        else if (word_is(val, vlen, "required"))
            cfg->client_auth = HSD_CLIENT_AUTH_REQUIRED;
        else {
            *why = "client_auth is none, optional or required";
            return -1;
        }
        return 0;
    }
    if (word_is(key, klen, "min_version")) {
        if (word_is(val, vlen, "1.3"))
            cfg->allow_tls12 = 0;
        else if (word_is(val, vlen, "1.2"))
            cfg->allow_tls12 = 1;
        else {
            *why = "min_version is 1.2 or 1.3";
            return -1;
        }
        return 0;
    }
    *why = "unknown key";
    return -1;
}

int hsd_config_parse(const char *text, size_t len, struct hsd_config *cfg, char *err, size_t errlen)
{
    size_t pos = 0;
    unsigned lineno = 0;

    while (pos < len) {
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos, k = 0, kend, v, vend;
        const char *why = NULL;

        pos += n + (nl != NULL);
        lineno++;
        if (n > LINE_MAX_LEN)
            why = "line too long";
        else if (memchr(line, '\0', n))
            why = "NUL byte";
        if (why == NULL) {
            while (k < n && is_blank(line[k]))
                k++;
            if (k == n || line[k] == '#')
                continue;
            kend = k;
            while (kend < n && !is_blank(line[kend]) && line[kend] != '=')
                kend++;
            v = kend;
            while (v < n && is_blank(line[v]))
                v++;
            if (v == n || line[v] != '=')
                why = "expected key = value";
        }
        if (why == NULL) {
            v++;
            while (v < n && is_blank(line[v]))
                v++;
            vend = n;
            while (vend > v && is_blank(line[vend - 1]))
                vend--;
            apply(cfg, line + k, kend - k, line + v, vend - v, &why);
        }
        if (why) {
            snprintf(err, errlen, "line %u: %s", lineno, why);
            return -1;
        }
    }
    return 0;
}

int hsd_config_load(const char *path, struct hsd_config *cfg, char *err, size_t errlen)
{
    static char buf[CONFIG_MAX_BYTES];
    FILE *f = fopen(path, "r");
    size_t n;
    int rc;

    hsd_config_defaults(cfg);
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    n = fread(buf, 1, sizeof buf, f);
    if (ferror(f) || n == sizeof buf) {
        snprintf(err, errlen, "%s: %s", path, ferror(f) ? "read error" : "larger than 1 MiB");
        fclose(f);
        return -1;
    }
    fclose(f);
    rc = hsd_config_parse(buf, n, cfg, err, errlen);
    if (rc < 0) {
        char tmp[256];

        snprintf(tmp, sizeof tmp, "%s", err);
        snprintf(err, errlen, "%s: %s", path, tmp);
    }
    return rc;
}
