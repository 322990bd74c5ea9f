/* SPDX-License-Identifier: MIT */
/* Files and directories to remove when SIGINT, SIGTERM or SIGHUP ends the
 * command; see cli.h. The handler only makes async-signal-safe calls
 * (unlinkat, openat, getdents64, close), on names copied when they were
 * registered. */
#include "cli.h"

#include "romfs/romfs_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SLOTS 64

static struct slot {
    volatile sig_atomic_t used;
    int dirfd;
    int is_dir;
    char *name;
} slots[SLOTS];

static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
static const char *const sig_names[] = {"SIGINT", "SIGTERM", "SIGHUP"};
/* cli_cleanup_note: the line, in two parts around the signal's name. */
static char note_before[256], note_after[256];
static volatile sig_atomic_t noted;
static int installed;
static volatile sig_atomic_t board_group;   /* cli_cleanup_board_group */
static long stop_at = -1;   /* ROMFS_TEST_STOP_AT: stop after this registration */
static long registered;

/* Remove the tree name of dirfd, bounded in depth; what is left is left. */
static void remove_tree(int dirfd, const char *name, int depth)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        char buf[4096];
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < n;) {
                struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
                off += d->d_reclen;
                if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                    continue;
                if (unlinkat(fd, d->d_name, 0) != 0 && depth < 16)
                    remove_tree(fd, d->d_name, depth + 1);
            }
        }
        close(fd);
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* write(2) all of s; errors ignored (nothing can be done about them). */
static void say_raw(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void on_signal(int sig)
{
    if (noted) {
        const char *name = "a signal";
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
            if (sigs[i] == sig)
                name = sig_names[i];
        say_raw("romfs: ");
        say_raw(note_before);
        say_raw(" (");
        say_raw(name);
        say_raw(")");
        say_raw(note_after);
        say_raw("\n");
    }
    for (int i = 0; i < SLOTS; i++) {
        if (!slots[i].used)
            continue;
        if (slots[i].is_dir)
            remove_tree(slots[i].dirfd, slots[i].name, 0);
        else
            unlinkat(slots[i].dirfd, slots[i].name, 0);
    }
    if (board_group > 0)
        kill(-(pid_t)board_group, SIGKILL);
    /* Die of the signal itself, so the parent sees it (status 128+sig). */
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

static void install(void)
{
    installed = 1;
    const char *s = getenv("ROMFS_TEST_STOP_AT");
    if (s && *s)
        stop_at = strtol(s, NULL, 10);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigfillset(&sa.sa_mask);
        /* A signal ignored by whoever started us (nohup) stays ignored. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

void cli_cleanup_note(const char *before, const char *after)
{
    if (!installed)
        install();
    sigset_t old;
    cli_cleanup_hold(&old);
    noted = 0;
    if (before) {
        snprintf(note_before, sizeof note_before, "%s", before);
        snprintf(note_after, sizeof note_after, "%s", after ? after : "");
        note_before[strcspn(note_before, "\n")] = '\0';
        note_after[strcspn(note_after, "\n")] = '\0';
        noted = 1;
    }
    cli_cleanup_release(&old);
}

void cli_cleanup_hold(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&set, sigs[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

void cli_cleanup_release(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
}

void cli_cleanup_install(void)
{
    if (!installed)
        install();
}

void cli_cleanup_board_group(int pgid)
{
    cli_cleanup_install();
    board_group = pgid;
}

/* Register without installing the handlers: the host library's temporary
 * files may appear while a command's own handlers are in charge (the build's
 * stop flag while compiling, watch's), which unwind and remove them. */
static int add_at(int dirfd, const char *name, int is_dir)
{
    char *copy = strdup(name);
    for (int i = 0; copy && i < SLOTS; i++) {
        if (slots[i].used)
            continue;
        slots[i].dirfd = dirfd;
        slots[i].is_dir = is_dir;
        slots[i].name = copy;
        slots[i].used = 1;
        if (++registered == stop_at)
            raise(SIGSTOP);   /* tests send their signal here */
        return i;
    }
    free(copy);
    return -1;
}

/* The host library's temporary files (romfs_io.h), every one of them: the
 * atomic outputs of build, extract, deploy -o and the caches. */
static sigset_t hook_saved;
static void hook_hold(void *ctx)
{
    (void)ctx;
    cli_cleanup_hold(&hook_saved);
}

static void hook_created(void *ctx, int dirfd, const char *name)
{
    (void)ctx;
    if (name)
        add_at(dirfd, name, 0);
    cli_cleanup_release(&hook_saved);
}

static void hook_gone(void *ctx, int dirfd, const char *name)
{
    (void)ctx;
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].dirfd == dirfd && !slots[i].is_dir && strcmp(slots[i].name, name) == 0) {
            cli_cleanup_remove(i);
            return;
        }
}

void cli_cleanup_hook_outputs(void)
{
    romfs_tmp_hooks_t h = {hook_hold, hook_created, hook_gone, NULL};
    romfs_io_set_tmp_hooks(&h);
}

int cli_cleanup_add_at(int dirfd, const char *name, int is_dir)
{
    cli_cleanup_install();
    return add_at(dirfd, name, is_dir);
}

int cli_cleanup_add(const char *path, int is_dir)
{
    return cli_cleanup_add_at(AT_FDCWD, path, is_dir);
}

void cli_cleanup_remove(int slot)
{
    if (slot < 0 || slot >= SLOTS || !slots[slot].used)
        return;
    slots[slot].used = 0;
    free(slots[slot].name);
    slots[slot].name = NULL;
}
