/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_fixture.h - for the configuration fuzz targets: a fresh config
 * with the ECDSA test certificate, from PEM read once into memory, and the
 * check that a config a setter accepted also builds (ktla_conn_new).
 */
#ifndef KTLA_FUZZ_CONFIG_FIXTURE_H
#define KTLA_FUZZ_CONFIG_FIXTURE_H

#include "ktla.h"

/* A new config with the certificate (aborts when the test data is missing). */
ktla_config *config_fixture_new(void);

/* Freeze cfg through ktla_conn_new; aborts unless that succeeds. */
void config_fixture_must_build(ktla_config *cfg);

#endif
