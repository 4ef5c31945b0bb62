/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ktla-probe - print what this kernel's TLS offload accepts.
 *
 * A user of the library like any other: it includes only <ktla.h> (and
 * tools/common, the helpers every tool shares).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <ktla.h>

#include "tool_json.h"
#include "tool_options.h"
#include "tool_usage.h"

#define EXIT_USAGE 2

static const enum ktla_tls_version versions[] = {KTLA_TLS_1_2, KTLA_TLS_1_3};
static const enum ktla_direction dirs[] = {KTLA_DIR_TX, KTLA_DIR_RX};
#define N_VERSIONS (sizeof versions / sizeof versions[0])

enum probe_option { OPT_JSON, OPT_STRICT, OPT_HELP, OPT_VERSION, OPT_COUNT };

static const struct tool_option options[OPT_COUNT] = {
    [OPT_JSON] = {"json", 0, NULL, "print one JSON object instead of a table"},
    [OPT_STRICT] = {"strict", 0, NULL, "exit 1 unless every version, cipher and direction is accepted"},
    [OPT_HELP] = {"help", 0, NULL, "print this help and exit"},
    [OPT_VERSION] = {"version", 0, NULL, "print the version and exit"},
};

static void usage(FILE *out)
{
    fputs("Usage: ktla-probe [--json] [--strict]\n"
          "Report whether this kernel offers TLS offload (kTLS) and which TLS versions,\n"
          "ciphers and directions it accepts keys for, by trying each on a loopback\n"
          "TCP connection.\n"
          "\n",
          out);
    tool_options_usage(out, options, OPT_COUNT);
    fputs("\n"
          "Exit status: 0 the probe ran (see --strict), 1 not everything accepted\n"
          "under --strict, 2 usage error, 3 the probe could not run.\n",
          out);
}


static void print_json(const ktla_probe *p)
{
    int first = 1;

    fputs("{\"kernel\":", stdout);
    tool_json_string(stdout, ktla_probe_kernel_release(p));
    printf(",\"ulp\":{\"available\":%s,\"reason\":", ktla_probe_ulp_available(p) ? "true" : "false");
    tool_json_string(stdout, ktla_probe_ulp_reason(p));
    fputs("},\"keys\":[", stdout);
    for (size_t v = 0; v < N_VERSIONS; v++)
        for (int c = 0; c < KTLA_CIPHER_COUNT; c++)
            for (int d = 0; d < 2; d++) {
                printf("%s{\"version\":\"%s\",\"cipher\":\"%s\",\"direction\":\"%s\",\"accepted\":%s,\"reason\":",
                       first ? "" : ",", ktla_tls_version_name(versions[v]), ktla_cipher_name((enum ktla_cipher)c),
                       d == KTLA_DIR_TX ? "tx" : "rx",
                       ktla_probe_key_accepted(p, versions[v], (enum ktla_cipher)c, dirs[d]) ? "true" : "false");
                tool_json_string(stdout, ktla_probe_key_reason(p, versions[v], (enum ktla_cipher)c, dirs[d]));
                putchar('}');
                first = 0;
            }
    puts("]}");
}

static void print_table(const ktla_probe *p)
{
    printf("kernel %s\n", ktla_probe_kernel_release(p));
    if (ktla_probe_ulp_available(p))
        puts("TLS ULP: available");
    else
        printf("no kTLS: %s\n", ktla_probe_ulp_reason(p));
    printf("\n%-18s", "cipher");
    for (size_t v = 0; v < N_VERSIONS; v++)
        printf("  %s TX  %s RX", ktla_tls_version_name(versions[v]), ktla_tls_version_name(versions[v]));
    putchar('\n');
    for (int c = 0; c < KTLA_CIPHER_COUNT; c++) {
        printf("%-18s", ktla_cipher_name((enum ktla_cipher)c));
        for (size_t v = 0; v < N_VERSIONS; v++)
            for (int d = 0; d < 2; d++)
                printf("  %-9s", ktla_probe_key_accepted(p, versions[v], (enum ktla_cipher)c, dirs[d]) ? "yes" : "no");
        putchar('\n');
    }
    /* Reasons only where the ULP itself worked: otherwise they all repeat its reason. */
    if (!ktla_probe_ulp_available(p))
        return;
    for (size_t v = 0; v < N_VERSIONS; v++)
        for (int c = 0; c < KTLA_CIPHER_COUNT; c++)
            for (int d = 0; d < 2; d++) {
                const char *why = ktla_probe_key_reason(p, versions[v], (enum ktla_cipher)c, dirs[d]);
                if (why)
                    printf("%s %s %s: %s\n", ktla_tls_version_name(versions[v]),
                           ktla_cipher_name((enum ktla_cipher)c), d == KTLA_DIR_TX ? "TX" : "RX", why);
            }
}

static int all_accepted(const ktla_probe *p)
{
    for (size_t v = 0; v < N_VERSIONS; v++)
        for (int c = 0; c < KTLA_CIPHER_COUNT; c++)
            for (int d = 0; d < 2; d++)
                if (!ktla_probe_key_accepted(p, versions[v], (enum ktla_cipher)c, dirs[d]))
                    return 0;
    return 1;
}

int main(int argc, char **argv)
{
    struct option longopts[TOOL_LONGOPTS_SIZE(OPT_COUNT)];
    char shortopts[TOOL_SHORTOPTS_SIZE(OPT_COUNT)];
    int json = 0, strict = 0, opt, rc;
    ktla_probe *p;

    tool_options_getopt(options, OPT_COUNT, longopts, shortopts);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (tool_options_index(options, OPT_COUNT, opt)) {
        case OPT_JSON:
            json = 1;
            break;
        case OPT_STRICT:
            strict = 1;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("ktla-probe %s\n", ktla_library_version());
            return 0;
        default:
            return tool_usage_error("ktla-probe", EXIT_USAGE, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return tool_usage_error("ktla-probe", EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
    rc = ktla_probe_run(&p);
    if (rc != 0) {
        fprintf(stderr, "ktla-probe: %s (%s)\n", ktla_strerror(rc), rc == KTLA_E_LOOPBACK ? strerror(errno) : "");
        return 3;
    }
    if (json)
        print_json(p);
    else
        print_table(p);
    rc = strict && !all_accepted(p) ? 1 : 0;
    ktla_probe_free(p);
    return rc;
}
