/* SPDX-License-Identifier: Apache-2.0 */
/*
 * options.c - ktla-serve's command line and config file.
 *
 * Both fill the same table of strings (serve.h's SERVE_OPTIONS): the command
 * line first, then the config file only where the command line said nothing,
 * so the command line wins.  Only then are the strings checked and typed, in
 * one place, whichever source they came from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "serve.h"
#include "tool_options.h"
#include "tool_usage.h"

static const struct tool_option descs[SERVE_OPT_COUNT] = {
#define SERVE__OPT_DESC(id, name, letter, arg, help) {name, letter, arg, help},
    SERVE_OPTIONS(SERVE__OPT_DESC)
#undef SERVE__OPT_DESC
};

void options_usage(FILE *out)
{
    fputs("Usage: ktla-serve [OPTION]...\n"
          "Serve a directory over HTTPS/1.1 (GET and HEAD) with ktla: the TLS handshake runs in\n"
          "user space, then the kernel's TLS offload (kTLS) takes the record layer when it can,\n"
          "and file bodies go out with the kernel's sendfile.  With no options: a self-signed\n"
          "certificate and a demo site from the state directory, on 127.0.0.1:8443.\n"
          "\n",
          out);
    tool_options_usage(out, descs, SERVE_OPT_COUNT);
    fputs("\n"
          "SIGHUP reloads the TLS configuration (certificate, key, client CA, ticket keys,\n"
          "--config); connections in flight finish on the previous one.\n"
          "Exit status: 0 after SIGINT or SIGTERM (in-flight responses finished), 1 when\n"
          "the server could not start, 2 for a usage error.\n",
          out);
}

/* "ktla-serve: MESSAGE" and the --help hint on stderr; the usage exit status. */
#define usage_error(...) tool_usage_error("ktla-serve", SERVE_EXIT_USAGE, __VA_ARGS__)

/* Store a value unless one is there already (the command line's, which wins). */
static int set_value(struct serve_options *o, int id, const char *v)
{
    if (o->value[id] != NULL)
        return 0;
    o->value[id] = strdup(v);
    return o->value[id] ? 0 : -1;
}

static int find_option(const char *name)
{
    for (int i = 0; i < SERVE_OPT_COUNT; i++)
        if (strcmp(descs[i].name, name) == 0)
            return i;
    return -1;
}

/* A flag in the config file: "yes"/"true"/"1" or "no"/"false"/"0". */
static const char *flag_value(const char *v)
{
    if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
        return "1";
    if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
        return "0";
    return NULL;
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}

/* One "key = value" line of the config file.  0, or SERVE_EXIT_USAGE after saying why. */
static int config_line(struct serve_options *o, char *line, const char *path, unsigned lineno)
{
    char where[4096 + 32], *eq = strchr(line, '='), *key, *val;
    const char *v;
    int id;

    snprintf(where, sizeof where, "%s:%u", path, lineno);
    key = trim(line);
    if (*key == '\0' || *key == '#')
        return 0;
    if (eq == NULL)
        return usage_error("%s: expected 'key = value'", where);
    *eq = '\0';
    key = trim(key);
    val = trim(eq + 1);
    id = find_option(key);
    if (id < 0 || id == SERVE_OPT_CONFIG || id == SERVE_OPT_HELP || id == SERVE_OPT_VERSION)
        return usage_error("%s: unknown key '%s'", where, key);
    v = descs[id].arg ? val : flag_value(val);
    if (v == NULL)
        return usage_error("%s: '%s' wants yes or no", where, key);
    if (set_value(o, id, v) != 0)
        return usage_error("%s: out of memory", where);
    return 0;
}

int options_read_config(struct serve_options *o, FILE *f, const char *path)
{
    char line[4096];
    unsigned lineno = 0;
    int rc = 0;

    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            rc = usage_error("%s:%u: line too long", path, lineno);
        } else {
            rc = config_line(o, line, path, lineno);
        }
    }
    return rc;
}

static int read_config_file(struct serve_options *o, const char *path)
{
    FILE *f = fopen(path, "re");
    int rc;

    if (f == NULL)
        return usage_error("cannot read the config file %s: %s", path, strerror(errno));
    rc = options_read_config(o, f, path);
    fclose(f);
    return rc;
}

static int parse_argv(struct serve_options *o, int argc, char **argv)
{
    struct option longopts[TOOL_LONGOPTS_SIZE(SERVE_OPT_COUNT)];
    char shortopts[TOOL_SHORTOPTS_SIZE(SERVE_OPT_COUNT)];
    int c;

    tool_options_getopt(descs, SERVE_OPT_COUNT, longopts, shortopts);
    opterr = 0;
    optind = 0; /* GNU getopt starts afresh: a reload (SIGHUP) parses the command line again */
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        int id = tool_options_index(descs, SERVE_OPT_COUNT, c);

        if (c == ':')
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        if (id < 0)
            return usage_error("unknown option '%s'", argv[optind - 1]);
        free(o->value[id]); /* the last of repeated options wins, as usual */
        o->value[id] = NULL;
        if (set_value(o, id, descs[id].arg ? optarg : "1") != 0)
            return usage_error("out of memory");
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    return 0;
}

/* An unsigned decimal in [min, max]; -1 otherwise. */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" (all addresses). */
static int parse_listen(struct serve_options *o, const char *s)
{
    const char *colon = strrchr(s, ':');
    const char *host = s;
    size_t host_len;
    unsigned port;

    if (colon == NULL || parse_uint(colon + 1, 0, 65535, &port) != 0)
        return -1;
    host_len = (size_t)(colon - s);
    if (host_len >= 2 && s[0] == '[' && colon[-1] == ']') {
        host++;
        host_len -= 2;
    }
    if (host_len >= sizeof o->listen_host)
        return -1;
    memcpy(o->listen_host, host, host_len);
    o->listen_host[host_len] = '\0';
    snprintf(o->listen_port, sizeof o->listen_port, "%u", port);
    return 0;
}

static int parse_alpn(struct serve_options *o, const char *s)
{
    char *save = NULL, *tok;

    if (strlen(s) >= sizeof o->alpn_buf)
        return -1;
    strcpy(o->alpn_buf, s);
    o->n_alpn = 0;
    for (tok = strtok_r(o->alpn_buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (*tok == '\0' || strlen(tok) > 255 || o->n_alpn + 1 >= sizeof o->alpn / sizeof o->alpn[0])
            return -1;
        o->alpn[o->n_alpn++] = tok;
    }
    o->alpn[o->n_alpn] = NULL;
    return o->n_alpn > 0 ? 0 : -1;
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

int options_finish(struct serve_options *o)
{
    char *const *v = o->value;

    if (parse_listen(o, v[SERVE_OPT_LISTEN] ? v[SERVE_OPT_LISTEN] : "127.0.0.1:8443") != 0)
        return usage_error("--listen wants ADDR:PORT, not '%s'", v[SERVE_OPT_LISTEN]);
    o->threads = default_threads();
    if (v[SERVE_OPT_THREADS] && parse_uint(v[SERVE_OPT_THREADS], 1, 1024, &o->threads) != 0)
        return usage_error("--threads wants 1 to 1024, not '%s'", v[SERVE_OPT_THREADS]);
    o->max_conn = 4096;
    if (v[SERVE_OPT_MAX_CONN] && parse_uint(v[SERVE_OPT_MAX_CONN], 1, 1000000, &o->max_conn) != 0)
        return usage_error("--max-conn wants 1 to 1000000, not '%s'", v[SERVE_OPT_MAX_CONN]);
    o->handshake_timeout_ms = 10000;
    if (v[SERVE_OPT_HANDSHAKE_TIMEOUT] &&
        parse_uint(v[SERVE_OPT_HANDSHAKE_TIMEOUT], 0, 86400000, &o->handshake_timeout_ms) != 0)
        return usage_error("--handshake-timeout wants 0 to 86400000 ms, not '%s'", v[SERVE_OPT_HANDSHAKE_TIMEOUT]);
    o->idle_timeout_ms = 30000;
    if (v[SERVE_OPT_IDLE_TIMEOUT] && parse_uint(v[SERVE_OPT_IDLE_TIMEOUT], 0, 86400000, &o->idle_timeout_ms) != 0)
        return usage_error("--idle-timeout wants 0 to 86400000 ms, not '%s'", v[SERVE_OPT_IDLE_TIMEOUT]);
    if (v[SERVE_OPT_MODE] && strcmp(v[SERVE_OPT_MODE], "auto") != 0 && strcmp(v[SERVE_OPT_MODE], "user") != 0)
        return usage_error("--mode wants auto or user, not '%s'", v[SERVE_OPT_MODE]);
    o->user_mode = v[SERVE_OPT_MODE] && strcmp(v[SERVE_OPT_MODE], "user") == 0;
    if (parse_alpn(o, v[SERVE_OPT_ALPN] ? v[SERVE_OPT_ALPN] : "http/1.1") != 0)
        return usage_error("--alpn wants 1 to 7 comma-separated names of 1 to 255 bytes, not '%s'",
                           v[SERVE_OPT_ALPN]);
    o->no_tickets = v[SERVE_OPT_NO_TICKETS] && strcmp(v[SERVE_OPT_NO_TICKETS], "1") == 0;
    if ((v[SERVE_OPT_CERT] == NULL) != (v[SERVE_OPT_KEY] == NULL))
        return usage_error("--cert and --key go together");
    if (v[SERVE_OPT_CLIENT_AUTH] && strcmp(v[SERVE_OPT_CLIENT_AUTH], "optional") != 0 &&
        strcmp(v[SERVE_OPT_CLIENT_AUTH], "required") != 0)
        return usage_error("--client-auth wants optional or required, not '%s'", v[SERVE_OPT_CLIENT_AUTH]);
    if ((v[SERVE_OPT_CLIENT_AUTH] == NULL) != (v[SERVE_OPT_CLIENT_CA] == NULL))
        return usage_error("--client-auth and --client-ca go together");
    o->client_auth = v[SERVE_OPT_CLIENT_AUTH] == NULL               ? KTLA_CLIENT_AUTH_NONE
                     : strcmp(v[SERVE_OPT_CLIENT_AUTH], "optional") == 0 ? KTLA_CLIENT_AUTH_OPTIONAL
                                                                      : KTLA_CLIENT_AUTH_REQUIRED;
    o->client_ca = v[SERVE_OPT_CLIENT_CA];
    o->ticket_key = v[SERVE_OPT_TICKET_KEY];
    if (o->ticket_key && o->no_tickets)
        return usage_error("--ticket-key and --no-tickets contradict each other");
    o->port_file = v[SERVE_OPT_PORT_FILE];
    o->root = v[SERVE_OPT_ROOT];
    o->cert = v[SERVE_OPT_CERT];
    o->key = v[SERVE_OPT_KEY];
    o->log = v[SERVE_OPT_LOG];
    o->state_dir = v[SERVE_OPT_STATE_DIR];
    return 0;
}

int options_parse(struct serve_options *o, int argc, char **argv)
{
    int rc;

    memset(o, 0, sizeof *o);
    rc = parse_argv(o, argc, argv);
    if (rc != 0)
        return rc;
    if (o->value[SERVE_OPT_HELP]) {
        options_usage(stdout);
        return -1;
    }
    if (o->value[SERVE_OPT_VERSION]) {
        printf("ktla-serve (ktla) %s\n", ktla_library_version());
        return -1;
    }
    if (o->value[SERVE_OPT_CONFIG] && (rc = read_config_file(o, o->value[SERVE_OPT_CONFIG])) != 0)
        return rc;
    return options_finish(o);
}

void options_free(struct serve_options *o)
{
    for (int i = 0; i < SERVE_OPT_COUNT; i++) {
        free(o->value[i]);
        o->value[i] = NULL;
    }
}
