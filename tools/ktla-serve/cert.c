/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert.c - the default certificate: a self-signed ECDSA P-256 certificate
 * for localhost, 127.0.0.1 and ::1, made with mbedTLS the first time
 * ktla-serve runs without --cert, and kept in the state directory so that
 * clients can trust it once (curl --cacert STATE/cert.pem).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "serve.h"

#define CERT_DAYS 3650 /* a local demo certificate: delete the files for a new one */
#define SUBJECT "CN=localhost,O=ktla-serve self-signed"

/* Write data to path through a temporary file and rename(), so a crash never leaves half a key. */
static int write_file(const char *path, const unsigned char *data, size_t len, mode_t mode)
{
    char tmp[4096 + 8];
    int fd, ok;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return -1;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    ok = fchmod(fd, mode) == 0 && write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
    if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* "YYYYMMDDhhmmss" for t + days, as mbedtls_x509write_crt_set_validity wants. */
static void x509_time(char out[16], time_t t, long days)
{
    struct tm tm;

    t += (time_t)days * 86400;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

static int gen_key(mbedtls_pk_context *key)
{
    int rc = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));

    if (rc == 0)
        rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key), mbedtls_psa_get_random,
                                 MBEDTLS_PSA_RANDOM_STATE);
    return rc;
}

/*
 * SAN: DNS:localhost, IP:127.0.0.1, IP:::1 (the names the demo's curl line can use).  mbedTLS writes
 * the list back to front, so it is built in reverse for the certificate to show it in this order.
 */
static int set_names(mbedtls_x509write_cert *crt)
{
    static unsigned char v4[4] = {127, 0, 0, 1};
    static unsigned char v6[16] = {[15] = 1};
    mbedtls_x509_san_list dns = {.node = {.type = MBEDTLS_X509_SAN_DNS_NAME,
                                          .san.unstructured_name = {.p = (unsigned char *)"localhost", .len = 9}}};
    mbedtls_x509_san_list ip4 = {.node = {.type = MBEDTLS_X509_SAN_IP_ADDRESS,
                                          .san.unstructured_name = {.p = v4, .len = sizeof v4}},
                                 .next = &dns};
    mbedtls_x509_san_list ip6 = {.node = {.type = MBEDTLS_X509_SAN_IP_ADDRESS,
                                          .san.unstructured_name = {.p = v6, .len = sizeof v6}},
                                 .next = &ip4};
    int rc = mbedtls_x509write_crt_set_subject_name(crt, SUBJECT);

    if (rc == 0)
        rc = mbedtls_x509write_crt_set_issuer_name(crt, SUBJECT);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_subject_alternative_name(crt, &ip6);
    return rc;
}

/* A leaf for TLS servers: not a CA, digitalSignature, serverAuth. */
static int set_extensions(mbedtls_x509write_cert *crt)
{
    mbedtls_asn1_sequence server_auth = {
        .buf = {.tag = MBEDTLS_ASN1_OID, .p = (unsigned char *)MBEDTLS_OID_SERVER_AUTH,
                .len = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)}};
    int rc = mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1);

    if (rc == 0)
        rc = mbedtls_x509write_crt_set_key_usage(crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_ext_key_usage(crt, &server_auth);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_subject_key_identifier(crt);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_authority_key_identifier(crt);
    return rc;
}

static int build_cert(mbedtls_x509write_cert *crt, mbedtls_pk_context *key)
{
    unsigned char serial[16];
    char from[16], to[16];
    time_t now = time(NULL);
    int rc;

    if (psa_generate_random(serial, sizeof serial) != PSA_SUCCESS)
        return -1;
    serial[0] &= 0x7f; /* a positive INTEGER */
    serial[0] |= 0x01; /* and no leading zero octet */
    x509_time(from, now, -1); /* a day back: clocks of clients differ */
    x509_time(to, now, CERT_DAYS);
    mbedtls_x509write_crt_set_version(crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(crt, key);
    mbedtls_x509write_crt_set_issuer_key(crt, key);
    rc = mbedtls_x509write_crt_set_serial_raw(crt, serial, sizeof serial);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_validity(crt, from, to);
    if (rc == 0)
        rc = set_names(crt);
    if (rc == 0)
        rc = set_extensions(crt);
    return rc;
}

/* Generate and write both files: the key first, so a cert never exists without its key. */
static int generate(const char *cert_path, const char *key_path)
{
    static unsigned char pem[8192]; /* only main's thread runs this, once */
    mbedtls_pk_context key;
    mbedtls_x509write_cert crt;
    int rc;

    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&crt);
    rc = psa_crypto_init() == PSA_SUCCESS ? gen_key(&key) : -1;
    if (rc == 0)
        rc = mbedtls_pk_write_key_pem(&key, pem, sizeof pem);
    if (rc == 0)
        rc = write_file(key_path, pem, strlen((char *)pem), 0600);
    mbedtls_platform_zeroize(pem, sizeof pem);
    if (rc == 0)
        rc = build_cert(&crt, &key);
    if (rc == 0)
        rc = mbedtls_x509write_crt_pem(&crt, pem, sizeof pem, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
    if (rc == 0)
        rc = write_file(cert_path, pem, strlen((char *)pem), 0644);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&key);
    if (rc != 0)
        fprintf(stderr, "ktla-serve: generating a certificate in %s failed (%s, mbedTLS -0x%04x)\n", cert_path,
                errno ? strerror(errno) : "no system error", (unsigned)-rc);
    return rc == 0 ? 0 : -1;
}

int cert_ensure(const char *state_dir, char *cert_path, size_t cert_size, char *key_path, size_t key_size)
{
    struct stat st;

    if ((size_t)snprintf(cert_path, cert_size, "%s/cert.pem", state_dir) >= cert_size ||
        (size_t)snprintf(key_path, key_size, "%s/key.pem", state_dir) >= key_size) {
        fprintf(stderr, "ktla-serve: the state directory's path is too long\n");
        return -1;
    }
    if (stat(cert_path, &st) == 0 && stat(key_path, &st) == 0)
        return 0;
    errno = 0;
    if (generate(cert_path, key_path) != 0)
        return -1;
    fprintf(stderr, "ktla-serve: generated a self-signed ECDSA P-256 certificate for localhost: %s\n", cert_path);
    return 0;
}
