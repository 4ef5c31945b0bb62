/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ktla-stat - like ss(8), for the kernel's TLS: offloaded sockets, the TLS
 * offload features of each interface, and the kernel's TLS counters.
 *
 * A user of the library like any other: it includes only <ktla.h> (and
 * tools/common, the helpers every tool shares).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ktla.h>

#include "tool_json.h"
#include "tool_options.h"
#include "tool_usage.h"

#define EXIT_USAGE 2

#define MSG_PERM "run as root or with CAP_NET_ADMIN to see ULP details"
#define MSG_NOKTLS "no kTLS in this kernel (tls module not loaded)"

struct options {
    int json, all;
    unsigned watch; /* seconds; 0: print once */
};

/* One round's answers: each part with its result code. */
struct snapshot {
    struct ktla_diag_socket *socks;
    size_t n_socks;
    int socks_rc, socks_errno;
    struct ktla_diag_netdev *devs;
    size_t n_devs;
    int devs_rc, devs_errno;
    struct ktla_diag_counter *counters;
    size_t n_counters;
    int counters_rc, counters_errno;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

enum stat_option { OPT_ALL, OPT_JSON, OPT_WATCH, OPT_HELP, OPT_VERSION, OPT_COUNT };

static const struct tool_option options[OPT_COUNT] = {
    [OPT_ALL] = {"all", 'a', NULL, "list every TCP socket, not only those with the tls ULP"},
    [OPT_JSON] = {"json", 'j', NULL, "print one JSON object (one per line with -w)"},
    [OPT_WATCH] = {"watch", 'w', "SECONDS", "print again every SECONDS seconds until interrupted"},
    [OPT_HELP] = {"help", 'h', NULL, "print this help and exit"},
    [OPT_VERSION] = {"version", 'V', NULL, "print the version and exit"},
};

static void usage(FILE *out)
{
    fputs("Usage: ktla-stat [--all] [--json] [-w SECONDS]\n"
          "Show the kernel's view of kernel TLS (kTLS): the TCP sockets whose record\n"
          "layer the kernel runs (version, cipher, where TX and RX are done), the TLS\n"
          "offload features of each network interface, and the kernel's TLS counters.\n"
          "\n",
          out);
    tool_options_usage(out, options, OPT_COUNT);
    fputs("\n"
          "Exit status: 0 everything could be read (a kernel without kTLS is an answer),\n"
          "1 some part could not be read (for example without CAP_NET_ADMIN), 2 usage error.\n",
          out);
}

/* Why a part could not be read, in words a person can act on. */
static const char *why(int rc, int err, char *buf, size_t size)
{
    if (rc == KTLA_E_PERM)
        return MSG_PERM;
    if (rc == KTLA_E_NOKTLS)
        return MSG_NOKTLS;
    if (rc == KTLA_E_NETLINK || rc == KTLA_E_SYSCALL || rc == KTLA_E_NOTFOUND)
        snprintf(buf, size, "%s (%s)", ktla_strerror(rc), strerror(err));
    else
        snprintf(buf, size, "%s", ktla_strerror(rc));
    return buf;
}

static void take(struct snapshot *s, const struct options *o)
{
    memset(s, 0, sizeof *s);
    s->socks_rc = ktla_diag_list(o->all, &s->socks, &s->n_socks);
    s->socks_errno = errno;
    s->devs_rc = ktla_diag_netdev_list(&s->devs, &s->n_devs);
    s->devs_errno = errno;
    s->counters_rc = ktla_diag_tls_stat(&s->counters, &s->n_counters);
    s->counters_errno = errno;
}

static void release(struct snapshot *s)
{
    free(s->socks);
    free(s->devs);
    free(s->counters);
}

/* 0 when every part was read; a kernel without kTLS is an answer, not a failure. */
static int status(const struct snapshot *s)
{
    return s->socks_rc != 0 || s->devs_rc != 0 || (s->counters_rc != 0 && s->counters_rc != KTLA_E_NOKTLS);
}

static const char *state_name(unsigned st)
{
    static const char *const names[] = {"UNKNOWN",  "ESTAB",     "SYN-SENT",  "SYN-RECV", "FIN-WAIT-1",
                                        "FIN-WAIT-2", "TIME-WAIT", "UNCONN",    "CLOSE-WAIT", "LAST-ACK",
                                        "LISTEN",   "CLOSING",   "NEW-SYN-RECV", "BOUND-INACTIVE"};
    return st < sizeof names / sizeof names[0] ? names[st] : "UNKNOWN";
}

static const char *version_name(unsigned v)
{
    return v ? ktla_tls_version_name((enum ktla_tls_version)v) : "-";
}

static const char *cipher_name(int c)
{
    return c >= 0 ? ktla_cipher_name((enum ktla_cipher)c) : "-";
}

static int is_tls(const struct ktla_diag_socket *k)
{
    return strcmp(k->ulp, "tls") == 0;
}

/* ------------------------------------------------------------ table */

static void table_sockets(const struct snapshot *s, const struct options *o)
{
    char buf[256];

    if (s->socks_rc != 0) {
        printf("%s: %s\n", o->all ? "TCP sockets" : "kTLS sockets", why(s->socks_rc, s->socks_errno, buf, sizeof buf));
        return;
    }
    printf("%s: %zu\n", o->all ? "TCP sockets" : "kTLS sockets", s->n_socks);
    if (s->n_socks == 0)
        return;
    printf("%-12s %-30s %-30s %-6s %-7s %-18s %-14s %-14s %-3s %s\n", "State", "Local", "Remote", "ULP", "Version",
           "Cipher", "TX", "RX", "zc", "nopad");
    for (size_t i = 0; i < s->n_socks; i++) {
        const struct ktla_diag_socket *k = &s->socks[i];
        int tls = is_tls(k);

        printf("%-12s %-30s %-30s %-6s %-7s %-18s %-14s %-14s %-3s %s\n", state_name(k->state), k->local, k->remote,
               k->ulp[0] ? k->ulp : "-", version_name(k->tls_version), cipher_name(k->cipher),
               tls ? ktla_diag_conf_name(k->tx) : "-", tls ? ktla_diag_conf_name(k->rx) : "-",
               tls ? (k->tx_zerocopy ? "yes" : "no") : "-", tls ? (k->rx_no_pad ? "yes" : "no") : "-");
    }
}

static void table_devices(const struct snapshot *s)
{
    char buf[256];

    printf("\nInterface TLS offload (ethtool features)");
    if (s->devs_rc != 0) {
        printf(": %s\n", why(s->devs_rc, s->devs_errno, buf, sizeof buf));
        return;
    }
    printf("\n%-16s %-18s %-18s %s\n", "Interface", "tls-hw-tx-offload", "tls-hw-rx-offload", "tls-hw-record");
    for (size_t i = 0; i < s->n_devs; i++)
        printf("%-16s %-18s %-18s %s\n", s->devs[i].name, ktla_diag_feature_name(s->devs[i].tls_tx),
               ktla_diag_feature_name(s->devs[i].tls_rx), ktla_diag_feature_name(s->devs[i].tls_record));
}

static void table_counters(const struct snapshot *s)
{
    char buf[256];

    printf("\nTLS counters (/proc/net/tls_stat)");
    if (s->counters_rc != 0) {
        printf(": %s\n", why(s->counters_rc, s->counters_errno, buf, sizeof buf));
        return;
    }
    putchar('\n');
    for (size_t i = 0; i < s->n_counters; i++)
        printf("%-24s %llu\n", s->counters[i].name, s->counters[i].value);
}

/* ------------------------------------------------------------- JSON */


/* ,"KEY":null or ,"KEY":"why" */
static void json_error(const char *key, int rc, int err)
{
    char buf[256];

    printf(",\"%s\":", key);
    tool_json_string(stdout, rc == 0 ? NULL : why(rc, err, buf, sizeof buf));
}

static void json_socket(const struct ktla_diag_socket *k)
{
    int tls = is_tls(k);

    printf("{\"family\":\"%s\",\"state\":\"%s\",\"local\":", k->family == AF_INET6 ? "inet6" : "inet", state_name(k->state));
    tool_json_string(stdout, k->local);
    fputs(",\"remote\":", stdout);
    tool_json_string(stdout, k->remote);
    printf(",\"inode\":%llu,\"ulp\":", k->inode);
    tool_json_string(stdout, k->ulp[0] ? k->ulp : NULL);
    fputs(",\"version\":", stdout);
    tool_json_string(stdout, k->tls_version ? version_name(k->tls_version) : NULL);
    fputs(",\"cipher\":", stdout);
    tool_json_string(stdout, k->cipher >= 0 ? cipher_name(k->cipher) : NULL);
    fputs(",\"tx\":", stdout);
    tool_json_string(stdout, tls ? ktla_diag_conf_name(k->tx) : NULL);
    fputs(",\"rx\":", stdout);
    tool_json_string(stdout, tls ? ktla_diag_conf_name(k->rx) : NULL);
    printf(",\"tx_zerocopy\":%s,\"rx_no_pad\":%s}", k->tx_zerocopy ? "true" : "false", k->rx_no_pad ? "true" : "false");
}

static void print_json(const struct snapshot *s)
{
    fputs("{\"sockets\":", stdout);
    if (s->socks_rc == 0) {
        putchar('[');
        for (size_t i = 0; i < s->n_socks; i++) {
            if (i)
                putchar(',');
            json_socket(&s->socks[i]);
        }
        putchar(']');
    } else {
        fputs("null", stdout);
    }
    json_error("sockets_error", s->socks_rc, s->socks_errno);
    fputs(",\"interfaces\":", stdout);
    if (s->devs_rc == 0) {
        putchar('[');
        for (size_t i = 0; i < s->n_devs; i++) {
            printf("%s{\"name\":", i ? "," : "");
            tool_json_string(stdout, s->devs[i].name);
            printf(",\"tls-hw-tx-offload\":\"%s\",\"tls-hw-rx-offload\":\"%s\",\"tls-hw-record\":\"%s\"}",
                   ktla_diag_feature_name(s->devs[i].tls_tx), ktla_diag_feature_name(s->devs[i].tls_rx),
                   ktla_diag_feature_name(s->devs[i].tls_record));
        }
        putchar(']');
    } else {
        fputs("null", stdout);
    }
    json_error("interfaces_error", s->devs_rc, s->devs_errno);
    fputs(",\"counters\":", stdout);
    if (s->counters_rc == 0) {
        putchar('{');
        for (size_t i = 0; i < s->n_counters; i++) {
            if (i)
                putchar(',');
            tool_json_string(stdout, s->counters[i].name);
            printf(":%llu", s->counters[i].value);
        }
        putchar('}');
    } else {
        fputs("null", stdout);
    }
    json_error("counters_error", s->counters_rc, s->counters_errno);
    puts("}");
}

/* ------------------------------------------------------------- main */

static int parse(int argc, char **argv, struct options *o)
{
    struct option longopts[TOOL_LONGOPTS_SIZE(OPT_COUNT)];
    char shortopts[TOOL_SHORTOPTS_SIZE(OPT_COUNT)];
    int opt;

    memset(o, 0, sizeof *o);
    tool_options_getopt(options, OPT_COUNT, longopts, shortopts);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        char *end;
        unsigned long secs;

        if (opt == ':')
            return tool_usage_error("ktla-stat", EXIT_USAGE, "option '%s' needs a value", argv[optind - 1]);
        switch (tool_options_index(options, OPT_COUNT, opt)) {
        case OPT_ALL:
            o->all = 1;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_WATCH:
            errno = 0;
            secs = strtoul(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' || secs == 0 || secs > 86400)
                return tool_usage_error("ktla-stat", EXIT_USAGE,
                                        "-w wants a whole number of seconds from 1 to 86400, not \"%s\"", optarg);
            o->watch = (unsigned)secs;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("ktla-stat %s\n", ktla_library_version());
            return 0;
        default:
            return tool_usage_error("ktla-stat", EXIT_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return tool_usage_error("ktla-stat", EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
    return -1;
}

/* One round: read, print, and say whether everything could be read. */
static int round_once(const struct options *o)
{
    struct snapshot s;
    int rc;

    take(&s, o);
    if (o->json) {
        print_json(&s);
    } else {
        if (o->watch) {
            time_t now = time(NULL);
            char when[64];

            if (isatty(STDOUT_FILENO))
                fputs("\033[H\033[2J", stdout);
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
            printf("ktla-stat every %us, %s (Ctrl-C to stop)\n\n", o->watch, when);
        }
        table_sockets(&s, o);
        table_devices(&s);
        table_counters(&s);
    }
    fflush(stdout);
    rc = status(&s);
    if (rc != 0 && !o->json && !o->watch && s.socks_rc == KTLA_E_PERM)
        fprintf(stderr, "ktla-stat: %s\n", MSG_PERM);
    release(&s);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o;
    struct sigaction sa;
    int rc = parse(argc, argv, &o);

    if (rc >= 0)
        return rc;
    if (o.watch == 0)
        return round_once(&o);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: the signal cuts the sleep short */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!stop) {
        struct timespec t = {.tv_sec = o.watch, .tv_nsec = 0};

        rc = round_once(&o);
        while (!stop && nanosleep(&t, &t) != 0 && errno == EINTR)
            ;
    }
    return rc;
}
