/* SPDX-License-Identifier: Apache-2.0 */
/* self_copy.c - a fresh copy of the running test program (self_copy.h). */
#define _GNU_SOURCE
#include "self_copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int test_run_copy(const char *suite, const char *const *env, void (*on_line)(const char *line, void *arg), void *arg)
{
    char line[512];
    int out[2], status = -1;
    FILE *f;
    pid_t pid;

    if (pipe(out) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(out[1], STDERR_FILENO);
        close(out[0]);
        close(out[1]);
        setenv("KTLA_TEST_ONLY", suite, 1);
        for (size_t i = 0; env && env[i] && env[i + 1]; i += 2)
            setenv(env[i], env[i + 1], 1);
        execl("/proc/self/exe", "ktla-unit", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    f = fdopen(out[0], "r");
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        on_line(line, arg);
    }
    if (f)
        fclose(f);
    else
        close(out[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}
