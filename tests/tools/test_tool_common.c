/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_tool_common.c - tools/common, the helpers every tool shares: JSON
 * string escaping, --help option lines, usage errors, write-all.  Prints
 * "ok ..."/"FAIL ..." lines and "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool_io.h"
#include "tool_json.h"
#include "tool_usage.h"

static unsigned passed, failed;

static void check(int ok, const char *what, const char *got)
{
    if (ok) {
        passed++;
        printf("ok   %s\n", what);
    } else {
        failed++;
        printf("FAIL %s: got [%s]\n", what, got ? got : "");
    }
}

/* What fn wrote to a memory stream. */
static char *capture_json(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    tool_json_string(f, s);
    fclose(f);
    return buf;
}

static void test_json(void)
{
    static const struct {
        const char *in, *want, *what;
    } cases[] = {
        {"plain", "\"plain\"", "JSON: printable ASCII as is"},
        {"a\"b\\c", "\"a\\\"b\\\\c\"", "JSON: quote and backslash escaped"},
        {"t\tn\n", "\"t\\u0009n\\u000a\"", "JSON: control characters as \\u00XX"},
        {"del\x7f", "\"del\\u007f\"", "JSON: DEL as \\u007f"},
        {"\xc3\xa9", "\"\\u00c3\\u00a9\"", "JSON: bytes of 0x80 and above as \\u00XX (output stays ASCII)"},
        {NULL, "null", "JSON: NULL is null"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = capture_json(cases[i].in);

        check(strcmp(got, cases[i].want) == 0, cases[i].what, got);
        free(got);
    }
}

static void test_usage_option(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    tool_usage_option(f, 'c', "connections", "N", "how many");
    tool_usage_option(f, 0, "ktls", "auto|off", "kernel record layer");
    tool_usage_option(f, 0, "a-very-long-option-name", "VALUE", "wrapped");
    fclose(f);
    check(strcmp(buf, "  -c, --connections N          how many\n"
                      "      --ktls auto|off          kernel record layer\n"
                      "      --a-very-long-option-name VALUE\n"
                      "                               wrapped\n") == 0,
          "--help option lines: letter, long-only, too wide wraps", buf);
    free(buf);
}

static void test_usage_error(void)
{
    char got[256] = "";
    int fds[2], saved = dup(STDERR_FILENO), rc;
    ssize_t n;

    if (pipe(fds) != 0 || saved < 0) {
        check(0, "usage error: pipe", strerror(errno));
        return;
    }
    dup2(fds[1], STDERR_FILENO);
    rc = tool_usage_error("ktla-x", 2, "bad value '%s'", "v");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    n = read(fds[0], got, sizeof got - 1);
    got[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    check(rc == 2 && strcmp(got, "ktla-x: bad value 'v'\nTry 'ktla-x --help'.\n") == 0,
          "usage error: message, --help hint, exit status", got);
}

static void test_write_all(void)
{
    static char big[200000]; /* more than a pipe holds: the writer must go on after short writes */
    int fds[2];
    size_t total = 0;
    int status = -1;
    pid_t pid;

    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = 'y';
    if (pipe(fds) != 0) {
        check(0, "write-all: pipe", strerror(errno));
        return;
    }
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        _exit(tool_write_all(fds[1], big, sizeof big) == 0 ? 0 : 1);
    }
    close(fds[1]);
    for (;;) {
        char buf[4096];
        ssize_t n = read(fds[0], buf, sizeof buf);

        if (n <= 0)
            break;
        if ((size_t)n + total == sizeof big && buf[n - 1] != 'y')
            total = 0; /* wrong last byte: fail below */
        total += (size_t)n;
    }
    close(fds[0]);
    waitpid(pid, &status, 0);
    check(total == sizeof big && WIFEXITED(status) && WEXITSTATUS(status) == 0, "write-all: 200,000 bytes through a pipe, all of them in order", NULL);
    check(tool_write_all(-1, "x", 1) == -1 && errno == EBADF, "write-all: a bad descriptor is -1 with errno", NULL);
}

int main(void)
{
    test_json();
    test_usage_option();
    test_usage_error();
    test_write_all();
    printf("%u passed, %u failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
