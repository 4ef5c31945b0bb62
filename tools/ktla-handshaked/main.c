/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ktla-handshaked - a handshake agent for the kernel's net/handshake upcall
 * (NFS with xprtsec=tls/mtls, NVMe/TCP): the kernel asks, ktla runs the TLS
 * handshake on the kernel's socket and puts the keys into kTLS.
 *
 * The main thread waits for READY notifications and takes every pending
 * request with ACCEPT; each request then runs in a detached thread of its
 * own, so that a slow peer never delays another request.  The kernel
 * enforces each request's timeout too (it cancels the request and closes
 * the socket), so a restart of the agent leaves nothing hanging longer.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ktla.h>

#include "hsd_config.h"
#include "hsd_genl.h"
#include "hsd_log.h"
#include "hsd_proto.h"
#include "hsd_tls.h"
#include "tool_options.h"
#include "tool_usage.h"

#define EXIT_USAGE 2

struct options {
    const char *config_path;
    int verbose, check;
};

struct job {
    int family;
    struct hsd_request req;
};

static const struct hsd_config *config; /* read-only once the threads run */
static volatile sig_atomic_t stop;
static int verbose;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

enum hsd_option { OPT_CONFIG, OPT_CHECK, OPT_VERBOSE, OPT_HELP, OPT_COUNT };

static const struct tool_option options[OPT_COUNT] = {
    [OPT_CONFIG] = {"config", 'c', "FILE", "the config file (default " HSD_CONFIG_DEFAULT_PATH ")"},
    [OPT_CHECK] = {"check", 0, NULL, "read the config, check the certificates, and exit"},
    [OPT_VERBOSE] = {"verbose", 'v', NULL, "log every request, not only failures"},
    [OPT_HELP] = {"help", 'h', NULL, "show this help and exit"},
};

static void usage(FILE *out)
{
    fputs("Usage: ktla-handshaked [-c FILE] [--check] [-v]\n"
          "Answer the kernel's TLS handshake requests (net/handshake: NFS with\n"
          "xprtsec=tls or mtls, NVMe/TCP): run each handshake with ktla on the\n"
          "kernel's socket, put the keys into kTLS and report the outcome.\n"
          "\n",
          out);
    tool_options_usage(out, options, OPT_COUNT);
}

static void *run_job(void *arg)
{
    struct job *job = arg;
    struct hsd_outcome out;
    int rc;

    if (verbose)
        hsd_log("request: %s, auth %s, peer %s, timeout %u ms", hsd_msg_type_name(job->req.msg_type),
              hsd_auth_name(job->req.auth_mode), job->req.peername[0] ? job->req.peername : "-", job->req.timeout_ms);
    hsd_handshake(config, &job->req, &out);
    rc = hsd_done(job->family, job->req.sockfd, out.status, out.remote, out.n_remote);
    if (out.status || verbose)
        hsd_log("%s%s", out.status ? "failed: " : "", out.why);
    if (out.status)
        hsd_log("reported %s to the kernel", strerror((int)out.status));
    if (rc < 0)
        hsd_log("DONE not taken by the kernel: %s (the request may have timed out)", strerror(-rc));
    close(job->req.sockfd);
    free(job);
    return NULL;
}

/* Take every pending request; each gets a thread. */
static void accept_all(int family)
{
    for (;;) {
        struct job *job = malloc(sizeof *job);
        char why[256];
        pthread_attr_t attr;
        pthread_t tid;
        int rc;

        if (job == NULL) {
            hsd_log("out of memory: pending requests wait for their timeout");
            return;
        }
        job->family = family;
        rc = hsd_accept(family, &job->req, why, sizeof why);
        if (rc < 0) {
            if (rc != -EAGAIN)
                hsd_log("ACCEPT failed: %s: %s", why, strerror(-rc));
            if (job->req.sockfd >= 0) {
                hsd_done(family, job->req.sockfd, EINVAL, NULL, 0);
                close(job->req.sockfd);
            }
            free(job);
            return;
        }
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        rc = pthread_create(&tid, &attr, run_job, job);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            hsd_log("no thread for a request: %s", strerror(rc));
            hsd_done(family, job->req.sockfd, EAGAIN, NULL, 0);
            close(job->req.sockfd);
            free(job);
        }
    }
}

/* -1 to go on; otherwise the exit status (0 after --help, EXIT_USAGE on a usage error). */
static int parse_options(int argc, char **argv, struct options *o)
{
    struct option longopts[TOOL_LONGOPTS_SIZE(OPT_COUNT)];
    char shortopts[TOOL_SHORTOPTS_SIZE(OPT_COUNT)];
    int c;

    o->config_path = HSD_CONFIG_DEFAULT_PATH;
    tool_options_getopt(options, OPT_COUNT, longopts, shortopts);
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == ':')
            return tool_usage_error("ktla-handshaked", EXIT_USAGE, "option '%s' needs a value", argv[optind - 1]);
        switch (tool_options_index(options, OPT_COUNT, c)) {
        case OPT_CONFIG: o->config_path = optarg; break;
        case OPT_CHECK: o->check = 1; break;
        case OPT_VERBOSE: o->verbose = 1; break;
        case OPT_HELP: usage(stdout); return 0;
        default: return tool_usage_error("ktla-handshaked", EXIT_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return tool_usage_error("ktla-handshaked", EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
    return -1;
}

/* The certificates load now, not at the first request: a bad path fails at start. */
static int check_certificates(const struct hsd_config *c)
{
    ktla_config *cfg;
    int rc = 0;

    if (c->server_certificate[0] || c->server_private_key[0]) {
        if (ktla_config_new(&cfg) != 0)
            return -1;
        if (ktla_config_add_cert_file(cfg, c->server_certificate, c->server_private_key, NULL) != 0) {
            hsd_log("server certificate: %s", ktla_config_error(cfg));
            rc = -1;
        }
        ktla_config_free(cfg);
    }
    if (ktla_config_new_client(&cfg) != 0)
        return -1;
    if (c->ca_file[0] && ktla_config_set_ca(cfg, c->ca_file, NULL) != 0) {
        hsd_log("ca_file: %s", ktla_config_error(cfg));
        rc = -1;
    }
    if ((c->client_certificate[0] || c->client_private_key[0]) &&
        ktla_config_add_cert_file(cfg, c->client_certificate, c->client_private_key, NULL) != 0) {
        hsd_log("client certificate: %s", ktla_config_error(cfg));
        rc = -1;
    }
    ktla_config_free(cfg);
    return rc;
}

int main(int argc, char **argv)
{
    static struct hsd_config cfg;
    struct hsd_listener l;
    struct options o = {0};
    struct sigaction sa;
    char err[512];
    int rc = parse_options(argc, argv, &o);

    if (rc >= 0)
        return rc;
    verbose = o.verbose;
    if (hsd_config_load(o.config_path, &cfg, err, sizeof err) < 0) {
        hsd_log("%s", err);
        return 1;
    }
    if (check_certificates(&cfg) < 0)
        return 1;
    if (o.check) {
        printf("ktla-handshaked: %s: ok\n", o.config_path);
        return 0;
    }
    config = &cfg;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (hsd_listen(&l, err, sizeof err) < 0) {
        hsd_log("%s", err);
        return 1;
    }
    hsd_log("listening for handshake requests (ktla %s)", ktla_library_version());
    /* Requests queued before we started (or while we restarted) sent their READY already. */
    accept_all(l.family);
    while (!stop) {
        struct pollfd p = {hsd_listener_fd(&l), POLLIN, 0};
        int n = poll(&p, 1, -1);

        if (n < 0 && errno != EINTR) {
            hsd_log("poll: %s", strerror(errno));
            break;
        }
        if (n > 0 && hsd_listener_drain(&l) > 0)
            accept_all(l.family);
    }
    hsd_listener_close(&l);
    hsd_log("stopped");
    return 0;
}
