/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve.h - what the parts of ktla-serve share: the options, start-up
 * helpers (state directory, certificate, demo site) and the access log.
 *
 * ktla-serve is a user of libktla like any other: it includes only <ktla.h>
 * from the project.  Internal names are static, or prefixed by their file.
 */
#ifndef KTLA_SERVE_H
#define KTLA_SERVE_H

#include <stddef.h>
#include <stdio.h>

#include <ktla.h>

/*
 * The options, one table: getopt's list, --help, the config file's keys and
 * the man page's OPTIONS section all follow it (tests/serve/check-help-pod
 * compares the last two).  X(id, long name, short letter or 0, argument name
 * or NULL for a flag, help text).
 */
#define SERVE_OPTIONS(X)                                                                                        \
    X(LISTEN, "listen", 0, "ADDR:PORT", "listen on ADDR:PORT (default 127.0.0.1:8443; port 0: any free port)")  \
    X(PORT_FILE, "port-file", 0, "FILE", "once listening, write the port number to FILE")                      \
    X(ROOT, "root", 0, "DIR", "serve the files under DIR (default: a demo site in the state directory)")       \
    X(CERT, "cert", 0, "FILE", "certificate chain, PEM, leaf first (default: a self-signed one, generated)")   \
    X(KEY, "key", 0, "FILE", "the private key of --cert, PEM")                                                 \
    X(THREADS, "threads", 't', "N", "worker threads, each with its own listener (default: one per core)")     \
    X(MAX_CONN, "max-conn", 0, "N", "close new connections beyond N open ones (default 4096)")                 \
    X(HANDSHAKE_TIMEOUT, "handshake-timeout", 0, "MS", "close a handshake the client kept waiting MS ms (default 10000)") \
    X(IDLE_TIMEOUT, "idle-timeout", 0, "MS", "close a connection idle for MS ms (default 30000)")              \
    X(MODE, "mode", 0, "auto|user", "auto: kernel record layer when possible; user: always user space")       \
    X(ALPN, "alpn", 0, "LIST", "ALPN protocols offered, comma-separated (default http/1.1)")                   \
    X(NO_TICKETS, "no-tickets", 0, NULL, "do not issue TLS session tickets")                                  \
    X(CLIENT_CA, "client-ca", 0, "FILE", "verify client certificates against the CA certificates in FILE (PEM)") \
    X(CLIENT_AUTH, "client-auth", 0, "optional|required",                                                     \
      "ask clients for a certificate (with --client-ca); required: refuse those without a valid one")        \
    X(LOG, "log", 0, "FILE", "append the access log to FILE instead of standard output")                      \
    X(CONFIG, "config", 0, "FILE", "read options from FILE (key = value lines); the command line wins")        \
    X(STATE_DIR, "state-dir", 0, "DIR", "where the default certificate and demo site live")                   \
    X(HELP, "help", 'h', NULL, "print this help and exit")                                                     \
    X(VERSION, "version", 0, NULL, "print the version and exit")

enum serve_opt_id {
#define SERVE__OPT_ENUM(id, name, letter, arg, help) SERVE_OPT_##id,
    SERVE_OPTIONS(SERVE__OPT_ENUM)
#undef SERVE__OPT_ENUM
    SERVE_OPT_COUNT
};

/* Everything the command line and config file decide, checked and typed. */
struct serve_options {
    char *value[SERVE_OPT_COUNT]; /* as given (heap copies), NULL when not given */
    char listen_host[256];
    char listen_port[16];
    const char *port_file, *root, *cert, *key, *log, *state_dir;
    unsigned threads;
    unsigned max_conn;
    unsigned handshake_timeout_ms, idle_timeout_ms;
    int user_mode, no_tickets;
    const char *client_ca;
    enum ktla_client_auth client_auth; /* KTLA_CLIENT_AUTH_NONE unless --client-auth */
    char *alpn[8]; /* NULL-terminated; points into alpn_buf */
    char alpn_buf[512];
    size_t n_alpn;
    char state_dir_buf[4096];
};

/* Exit statuses (see the man page's RETURN VALUES). */
#define SERVE_EXIT_OK 0
#define SERVE_EXIT_FAIL 1
#define SERVE_EXIT_USAGE 2

/*
 * options.c: parse argv, then the config file for what argv left unset.
 * Returns 0 to run, SERVE_EXIT_USAGE after printing why, or -1 when
 * --help or --version was printed (exit 0).
 */
int options_parse(struct serve_options *o, int argc, char **argv);
void options_free(struct serve_options *o);

/*
 * The two steps options_parse() takes after the command line, on their own
 * for the fuzzer: the config file's "key = value" lines from f (path names
 * it in messages) for what is still unset, then checking and typing every
 * value, given or default.  0, or SERVE_EXIT_USAGE after printing why.
 */
int options_read_config(struct serve_options *o, FILE *f, const char *path);
int options_finish(struct serve_options *o);
void options_usage(FILE *out);

/* state.c: the state directory (created 0700) for the generated certificate and demo site; idempotent. */
int state_dir_prepare(struct serve_options *o);

/* cert.c: STATE/cert.pem and STATE/key.pem, generated when either is missing.  0 or -1 (printed). */
int cert_ensure(const char *state_dir, char *cert_path, size_t cert_size, char *key_path, size_t key_size);

/* demo.c: STATE/www, generated when missing.  0 or -1 (printed). */
int demo_ensure(const char *state_dir, char *root, size_t root_size);

/* log.c: the access log; one write() per line so threads need no lock. */
int log_open(const char *path);
void log_close(void);
void log_line(const char *line, size_t len);

/* Quote s into out for a log line: control bytes, '"', '\\' and non-ASCII as \xHH. */
void log_escape(char *out, size_t size, const char *s, size_t len);

/*
 * client_cert.c: the client for the access log, after the handshake: the
 * subject of its certificate when it verified against --client-ca (log-
 * escaped), "unverified" for one that did not, "-" for none.
 */
void client_cert_describe(const ktla_conn *tls, char *out, size_t size);

#endif
