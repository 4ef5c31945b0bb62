/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_config.c - the TLS configuration new connections get, and its reload.
 *
 * libktla wants a ktla_config freed only after the last connection made
 * from it (ktla_config_new(3)), so each configuration here carries a count
 * of references: one for being the current configuration, one per
 * connection.  A reload (SIGHUP) builds a whole new configuration from the
 * files, and only if every step succeeds puts it in place of the current
 * one; connections in flight keep theirs, and the last of them to close
 * frees it.  A reload that fails changes nothing but the log.
 *
 * Taking a reference must not race with the swap dropping the last one, so
 * the current pointer and the taking of its reference share a mutex: one
 * lock per accepted connection, next to a handshake that costs far more.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

struct serve_tls {
    ktla_config *cfg;
    enum ktla_client_auth client_auth; /* what the access log says about clients */
    atomic_uint refs;
};

/* Say why, free cfg, and return NULL (what make_config then returns). */
static ktla_config *config_failed(ktla_config *cfg, const char *ctx, const char *what, int rc)
{
    fprintf(stderr, "ktla-serve: %s%s: %s%s%s\n", ctx, what, ktla_strerror(rc), *ktla_config_error(cfg) ? ": " : "",
            ktla_config_error(cfg));
    ktla_config_free(cfg);
    return NULL;
}

/* A checked config from the options; ctx prefixes the messages ("" at start-up, "reload: " later). */
static ktla_config *make_config(const struct serve_options *o, const char *ctx)
{
    ktla_config *cfg;
    int rc = ktla_config_new(&cfg);

    if (rc != 0) {
        fprintf(stderr, "ktla-serve: %s%s\n", ctx, ktla_strerror(rc));
        return NULL;
    }
    if ((rc = ktla_config_add_cert_file(cfg, o->cert, o->key, NULL)) != 0)
        return config_failed(cfg, ctx, "certificate", rc);
    if ((rc = ktla_config_set_alpn(cfg, (const char *const *)o->alpn, o->n_alpn)) != 0)
        return config_failed(cfg, ctx, "--alpn", rc);
    if (o->no_tickets && (rc = ktla_config_set_tickets(cfg, 0, 0)) != 0)
        return config_failed(cfg, ctx, "--no-tickets", rc);
    if (o->ticket_key && (rc = ktla_config_set_ticket_key_file(cfg, o->ticket_key)) != 0)
        return config_failed(cfg, ctx, "--ticket-key", rc);
    if ((rc = ktla_config_set_handshake_timeout(cfg, o->handshake_timeout_ms)) != 0)
        return config_failed(cfg, ctx, "--handshake-timeout", rc);
    if (o->user_mode && (rc = ktla_config_set_offload(cfg, KTLA_OFFLOAD_POLICY_NEVER)) != 0)
        return config_failed(cfg, ctx, "--mode", rc);
    if (o->client_ca && (rc = ktla_config_set_client_auth(cfg, o->client_auth, o->client_ca)) != 0)
        return config_failed(cfg, ctx, "--client-ca", rc);
    /* What the first connection would find wrong, shown now rather than at the first client. */
    if ((rc = ktla_config_check(cfg)) != 0)
        return config_failed(cfg, ctx, "TLS configuration", rc);
    /* Not worth refusing to start over, but worth knowing (a private key every user can read). */
    if (*ktla_config_warning(cfg))
        fprintf(stderr, "ktla-serve: %swarning: %s\n", ctx, ktla_config_warning(cfg));
    return cfg;
}

static struct serve_tls *tls_new(const struct serve_options *o, const char *ctx)
{
    struct serve_tls *t = calloc(1, sizeof *t);

    if (t == NULL) {
        fprintf(stderr, "ktla-serve: %sout of memory\n", ctx);
        return NULL;
    }
    t->cfg = make_config(o, ctx);
    if (t->cfg == NULL) {
        free(t);
        return NULL;
    }
    t->client_auth = o->client_ca ? o->client_auth : KTLA_CLIENT_AUTH_NONE;
    atomic_init(&t->refs, 1); /* the server's: it is the current one */
    return t;
}

int tls_config_start(struct server *srv)
{
    srv->tls = tls_new(srv->opt, "");
    return srv->tls ? 0 : -1;
}

void tls_config_stop(struct server *srv)
{
    tls_config_release(srv->tls);
    srv->tls = NULL;
    pthread_mutex_destroy(&srv->tls_lock);
}

struct serve_tls *tls_config_acquire(struct server *srv)
{
    struct serve_tls *t;

    pthread_mutex_lock(&srv->tls_lock);
    t = srv->tls;
    atomic_fetch_add(&t->refs, 1);
    pthread_mutex_unlock(&srv->tls_lock);
    return t;
}

void tls_config_release(struct serve_tls *t)
{
    if (t && atomic_fetch_sub(&t->refs, 1) == 1) {
        ktla_config_free(t->cfg);
        free(t);
    }
}

ktla_config *tls_config_get(const struct serve_tls *t)
{
    return t->cfg;
}

enum ktla_client_auth tls_config_client_auth(const struct serve_tls *t)
{
    return t->client_auth;
}

/* The options a reload does not apply: the listeners, threads, files and limits are set up once. */
static const struct {
    int id;
    const char *name;
} restart_only[] = {
    {SERVE_OPT_LISTEN, "listen"},     {SERVE_OPT_PORT_FILE, "port-file"},       {SERVE_OPT_ROOT, "root"},
    {SERVE_OPT_THREADS, "threads"},   {SERVE_OPT_MAX_CONN, "max-conn"},         {SERVE_OPT_LOG, "log"},
    {SERVE_OPT_STATE_DIR, "state-dir"}, {SERVE_OPT_IDLE_TIMEOUT, "idle-timeout"},
};

static int same_value(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int tls_config_reload(struct server *srv)
{
    struct serve_options o;
    struct serve_tls *fresh = NULL, *old;
    int rc = options_parse(&o, srv->argc, srv->argv);

    if (rc == 0) {
        /* Without --cert, the generated certificate start-up chose (the same files). */
        if (o.cert == NULL) {
            o.cert = srv->opt->cert;
            o.key = srv->opt->key;
        }
        for (size_t i = 0; i < sizeof restart_only / sizeof restart_only[0]; i++)
            if (!same_value(o.value[restart_only[i].id], srv->opt->value[restart_only[i].id]))
                fprintf(stderr, "ktla-serve: reload: --%s changed: it takes a restart, the running value stays\n",
                        restart_only[i].name);
        fresh = tls_new(&o, "reload: ");
    }
    options_free(&o);
    if (fresh == NULL) {
        fprintf(stderr, "ktla-serve: reload failed: still serving with the previous TLS configuration\n");
        return -1;
    }
    pthread_mutex_lock(&srv->tls_lock);
    old = srv->tls;
    srv->tls = fresh;
    pthread_mutex_unlock(&srv->tls_lock);
    /* Our reference goes; the connections made from it hold theirs until they close. */
    tls_config_release(old);
    fprintf(stderr, "ktla-serve: reloaded: new connections use the new TLS configuration; those in flight "
                    "finish on the previous one\n");
    return 0;
}
