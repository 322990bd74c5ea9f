/* SPDX-License-Identifier: MIT */
/* Files and directories to remove when SIGINT, SIGTERM or SIGHUP (a
 * console control event on Windows) ends the command; see cli.h. The
 * handler only makes async-signal-safe calls (the platform layer's unlinkat
 * and tree removal, write), on names copied when they were registered. */
#include "cli.h"

#include "romfs/romfs_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define SLOTS 64

static struct slot {
    volatile sig_atomic_t used;
    int dirfd;
    int is_dir;
    char *name;
} slots[SLOTS];

/* cli_cleanup_note: the line, in two parts around the signal's name. */
static char note_before[256], note_after[256];
static volatile sig_atomic_t noted;
static int installed;
static volatile sig_atomic_t board_group;   /* cli_cleanup_board_group */
static long stop_at = -1;   /* ROMFS_TEST_STOP_AT: stop after this registration */
static long registered;

/* write(2) all of s; errors ignored (nothing can be done about them). */
static void say_raw(const char *s)
{
    (void)rp_write_all(2, s, strlen(s));
}

static void on_signal(int sig)
{
    if (noted) {
        const char *name = rp_signal_name(sig);
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
            rp_remove_tree_at(slots[i].dirfd, slots[i].name);
        else
            rp_unlinkat(slots[i].dirfd, slots[i].name, 0);
    }
    if (board_group > 0)
        rp_kill_group((long)board_group);
    /* Die of the signal itself, so the parent sees it (status 128+sig). */
    rp_interrupt_exit(sig);
}

static void install(void)
{
    installed = 1;
    const char *s = getenv("ROMFS_TEST_STOP_AT");
    if (s && *s)
        stop_at = strtol(s, NULL, 10);
    /* A signal ignored by whoever started us (nohup) stays ignored. */
    rp_interrupt_install(on_signal, 1);
}

void cli_cleanup_note(const char *before, const char *after)
{
    if (!installed)
        install();
    cli_sigmask_t old;
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

void cli_cleanup_hold(cli_sigmask_t *old)
{
    rp_interrupt_block(old);
}

void cli_cleanup_release(const cli_sigmask_t *old)
{
    rp_interrupt_restore(old);
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
            rp_stop_self();   /* tests send their signal here */
        return i;
    }
    free(copy);
    return -1;
}

/* The host library's temporary files (romfs_io.h), every one of them: the
 * atomic outputs of build, extract, deploy -o and the caches. */
static cli_sigmask_t hook_saved;
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

void cli_cleanup_remove(int slot)
{
    if (slot < 0 || slot >= SLOTS || !slots[slot].used)
        return;
    slots[slot].used = 0;
    free(slots[slot].name);
    slots[slot].name = NULL;
}
