/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.c - the state directory: where the generated certificate and the
 * demo site live.  --state-dir, else $XDG_STATE_HOME/ktla, else
 * ~/.local/state/ktla (the XDG base directory rules).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"

/* Like mkdir -p, with mode for every directory it creates. */
static int mkdir_p(char *path, mode_t mode)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, mode) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return mkdir(path, mode) != 0 && errno != EEXIST ? -1 : 0;
}

static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    struct passwd *pw;

    if (home && home[0] == '/')
        return home;
    pw = getpwuid(getuid());
    return pw ? pw->pw_dir : NULL;
}

int state_dir_prepare(struct serve_options *o)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home;
    size_t size = sizeof o->state_dir_buf;
    int n;

    if (o->state_dir == o->state_dir_buf) /* done already (for the certificate) */
        return 0;
    if (o->state_dir)
        n = snprintf(o->state_dir_buf, size, "%s", o->state_dir);
    else if (xdg && xdg[0] == '/') /* the spec says to ignore relative values */
        n = snprintf(o->state_dir_buf, size, "%s/ktla", xdg);
    else if ((home = home_dir()) != NULL)
        n = snprintf(o->state_dir_buf, size, "%s/.local/state/ktla", home);
    else {
        fprintf(stderr, "ktla-serve: no home directory for the state directory: use --state-dir\n");
        return -1;
    }
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "ktla-serve: the state directory's path is too long\n");
        return -1;
    }
    if (mkdir_p(o->state_dir_buf, 0700) != 0) {
        fprintf(stderr, "ktla-serve: cannot create %s: %s\n", o->state_dir_buf, strerror(errno));
        return -1;
    }
    o->state_dir = o->state_dir_buf;
    return 0;
}
