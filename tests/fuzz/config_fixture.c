/* SPDX-License-Identifier: Apache-2.0 */
/* config_fixture.c - the configuration fuzz targets' certificate and checks (see config_fixture.h). */
#include "config_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf = malloc(1 << 16);

    snprintf(path, sizeof path, "%s/%s", TEST_DATA_DIR, name);
    f = fopen(path, "rb");
    if (f == NULL || buf == NULL)
        abort();
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

ktla_config *config_fixture_new(void)
{
    static char *crt, *key;
    static size_t crt_len, key_len;
    ktla_config *cfg = NULL;

    if (crt == NULL) {
        crt = slurp("ecdsa-p256.crt", &crt_len);
        key = slurp("ecdsa-p256.key", &key_len);
    }
    if (ktla_config_new(&cfg) != 0 || ktla_config_add_cert_mem(cfg, crt, crt_len, key, key_len, NULL) != 0)
        abort();
    return cfg;
}

void config_fixture_must_build(ktla_config *cfg)
{
    ktla_conn *conn = NULL;

    if (ktla_conn_new(cfg, &conn) != 0) {
        fprintf(stderr, "a config the setters accepted does not build: %s\n", ktla_config_error(cfg));
        abort();
    }
    ktla_conn_free(conn);
}
