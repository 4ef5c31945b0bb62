/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_key_files.c - the files that hold secrets: a ticket key file that
 * group or others can reach is refused (with the mode and the chmod that
 * fixes it), a private key every user can read is accepted with a warning
 * (ktla_config_warning()), and reading either leaves no copy of the key in
 * freed heap memory (stdio's buffer would).
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "suites.h"

static void test_ticket_key_file_modes(void)
{
    static const struct {
        mode_t mode;
        int accepted;
    } cases[] = {{0600, 1}, {0400, 1}, {0640, 0}, {0644, 0}, {0604, 0}, {0620, 0}};
    char path[] = "/tmp/ktla-ticket-mode-XXXXXX";

    CU_ASSERT_EQUAL_FATAL(fixture_ticket_key_file(path), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ktla_config *cfg = NULL;
        char mode[16];
        int rc;

        CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
        CU_ASSERT_EQUAL_FATAL(chmod(path, cases[i].mode), 0);
        rc = ktla_config_set_ticket_key_file(cfg, path);
        printf("\n    mode %04o: %s", (unsigned)cases[i].mode, rc == 0 ? "accepted" : ktla_config_error(cfg));
        if (cases[i].accepted) {
            CU_ASSERT_EQUAL(rc, 0);
        } else {
            snprintf(mode, sizeof mode, "mode %04o", (unsigned)cases[i].mode);
            CU_ASSERT_EQUAL(rc, KTLA_E_PARSE);
            CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_error(cfg), mode));
            CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_error(cfg), "chmod 600"));
        }
        ktla_config_free(cfg);
    }
    unlink(path);
}

/*
 * The first len bytes of a file, with read(2): the test must not leave key
 * text in a stdio buffer itself.  Returns the count, or -1.
 */
static long read_head(const char *path, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, len) : -1;

    if (fd >= 0)
        close(fd);
    return n;
}

/* A copy of tests/data/ecdsa-p256.key with the given mode, made with read/write; 0 or -1. */
static int copy_key(char *path, mode_t mode)
{
    char src[512], text[4096];
    int fd = mkstemp(path), ok;
    long len;

    snprintf(src, sizeof src, "%s/ecdsa-p256.key", TEST_DATA_DIR);
    len = read_head(src, text, sizeof text);
    ok = fd >= 0 && len > 0 && write(fd, text, (size_t)len) == len && fchmod(fd, mode) == 0;
    if (fd >= 0)
        close(fd);
    memset(text, 0, sizeof text);
    return ok ? 0 : -1;
}

static void test_world_readable_private_key(void)
{
    for (int world = 0; world < 2; world++) {
        char key[] = "/tmp/ktla-key-mode-XXXXXX", crt[512];
        ktla_config *cfg = NULL;

        snprintf(crt, sizeof crt, "%s/ecdsa-p256.crt", TEST_DATA_DIR);
        CU_ASSERT_EQUAL_FATAL(copy_key(key, world ? 0644 : 0600), 0);
        CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
        CU_ASSERT_EQUAL(ktla_config_add_cert_file(cfg, crt, key, NULL), 0); /* a warning, not a refusal */
        printf("\n    mode %s: warning \"%s\"", world ? "0644" : "0600", ktla_config_warning(cfg));
        if (world) {
            CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_warning(cfg), key));
            CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_warning(cfg), "every user"));
            CU_ASSERT_PTR_NOT_NULL(strstr(ktla_config_warning(cfg), "chmod o-r"));
        } else {
            CU_ASSERT_STRING_EQUAL(ktla_config_warning(cfg), "");
        }
        ktla_config_free(cfg);
        unlink(key);
    }
    CU_ASSERT_STRING_EQUAL(ktla_config_warning(NULL), "");
}

/*
 * After the key is read, the blocks malloc hands out next (which reuse what
 * was freed, stdio's buffer among them) must not hold the key's text.  A
 * heuristic, since a freed block need not come back; under a sanitizer that
 * quarantines freed memory it finds nothing either way.
 */
/*
 * Reading a block malloc has not initialised is the point here; memcheck
 * would report it (check-valgrind), so tell it the bytes are meant to be read.
 */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MARK_READABLE(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#endif
#endif
#ifndef MARK_READABLE
#define MARK_READABLE(p, n) ((void)(p), (void)(n))
#endif

static int heap_holds(const char *needle)
{
    static const size_t sizes[] = {4096, 4096, 8192, 65536, 1024, 512};
    int found = 0;

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && !found; i++) {
        char *p = malloc(sizes[i]);
        if (p == NULL)
            break;
        MARK_READABLE(p, sizes[i]);
        found = memmem(p, sizes[i], needle, strlen(needle)) != NULL;
        free(p);
    }
    return found;
}

static void test_no_key_left_in_freed_memory(void)
{
    char key[] = "/tmp/ktla-key-copy-XXXXXX", crt[512], text[256] = "", line[41];
    char ticket[] = "/tmp/ktla-ticket-copy-XXXXXX";
    ktla_config *cfg = NULL;
    char *second;

    snprintf(crt, sizeof crt, "%s/ecdsa-p256.crt", TEST_DATA_DIR);
    CU_ASSERT_EQUAL_FATAL(copy_key(key, 0600), 0);
    CU_ASSERT_FATAL(read_head(key, text, sizeof text - 1) > 100);
    second = strchr(text, '\n'); /* the second line is key material (base64) */
    CU_ASSERT_PTR_NOT_NULL_FATAL(second);
    snprintf(line, sizeof line, "%.40s", second + 1);
    CU_ASSERT_FALSE_FATAL(heap_holds(line)); /* the test's own reading left nothing behind */
    CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
    CU_ASSERT_EQUAL(ktla_config_add_cert_file(cfg, crt, key, NULL), 0);
    CU_ASSERT_FALSE(heap_holds(line));
    ktla_config_free(cfg);
    unlink(key);

    /* The ticket key file: binary; look for its first 16 bytes. */
    {
        unsigned char bytes[36];
        char needle[17];

        CU_ASSERT_EQUAL_FATAL(fixture_ticket_key_file(ticket), 0);
        CU_ASSERT_EQUAL_FATAL(read_head(ticket, bytes, sizeof bytes), (long)sizeof bytes);
        memcpy(needle, bytes, 16);
        needle[16] = '\0';
        if (strlen(needle) == 16) { /* no NUL inside: memmem with strlen works */
            CU_ASSERT_FALSE_FATAL(heap_holds(needle));
            CU_ASSERT_EQUAL_FATAL(ktla_config_new(&cfg), 0);
            CU_ASSERT_EQUAL(ktla_config_set_ticket_key_file(cfg, ticket), 0);
            CU_ASSERT_FALSE(heap_holds(needle));
            ktla_config_free(cfg);
        }
        unlink(ticket);
    }
}

int add_key_files_suite(void)
{
    CU_pSuite s = CU_add_suite("key files: modes and copies", NULL, NULL);
    return s && CU_add_test(s, "ticket key file open to group or others: refused", test_ticket_key_file_modes) &&
                   CU_add_test(s, "private key every user can read: a warning", test_world_readable_private_key) &&
                   CU_add_test(s, "no copy of a key left in freed memory", test_no_key_left_in_freed_memory)
               ? 0
               : -1;
}
