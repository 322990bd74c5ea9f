/* SPDX-License-Identifier: MIT */
/* Files and directories to remove when SIGINT, SIGTERM or SIGHUP (a
 * console control event on Windows) ends the command; see cli.h. The
 * handler only makes async-signal-safe calls (the platform layer's unlinkat
 * and tree removal, write), on names copied when they were registered. */
#include "cli.h"

#include "romfs/romfs_io.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define SLOTS 64
#define NOTES 64   /* one per thread deploying (cli/multi.c), and the main one */

/* The registry is shared by the board threads of cli/multi.c: every
 * change is made under cli_cleanup_hold (which the handler waits out, see
 * on_signal) and, between threads, under slots_lock. */
static struct slot {
    volatile sig_atomic_t used;
    int dirfd;
    int is_dir;
    char *name;
} slots[SLOTS];
static atomic_flag slots_lock = ATOMIC_FLAG_INIT;
static atomic_int holding;   /* threads between cli_cleanup_hold and release */
static atomic_int dying;     /* the handler runs: no new hold begins */
static _Thread_local int hold_depth;

/* cli_cleanup_note: each thread's line, in two parts around the signal's name. */
static struct note {
    volatile sig_atomic_t used;
    char before[256], after[256];
} notes[NOTES];
static _Thread_local int my_note = -1;
static int installed;
static volatile sig_atomic_t board_group;   /* cli_cleanup_board_group */
static long stop_at = -1;   /* ROMFS_TEST_STOP_AT: stop after this registration */
static long registered;

static void lock(void)
{
    while (atomic_flag_test_and_set(&slots_lock))
        rp_sleep_ms(1);
}

static void unlock(void)
{
    atomic_flag_clear(&slots_lock);
}

/* write(2) all of s; errors ignored (nothing can be done about them). */
static void say_raw(const char *s)
{
    (void)rp_write_all(2, s, strlen(s));
}

static void on_signal(int sig)
{
    /* Threads still creating or registering a file finish that first
     * (they hold the signals off only on their own thread); a hold that
     * would begin now waits for the end instead. */
    atomic_store(&dying, 1);
    while (atomic_load(&holding) > 0)
        rp_sleep_ms(1);
    for (int i = 0; i < NOTES; i++) {
        if (!notes[i].used)
            continue;
        say_raw("romfs: ");
        say_raw(notes[i].before);
        say_raw(" (");
        say_raw(rp_signal_name(sig));
        say_raw(")");
        say_raw(notes[i].after);
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
    if (my_note >= 0)
        notes[my_note].used = 0;
    my_note = -1;
    lock();
    for (int i = 0; before && i < NOTES; i++) {
        if (notes[i].used)
            continue;
        snprintf(notes[i].before, sizeof notes[i].before, "%s", before);
        snprintf(notes[i].after, sizeof notes[i].after, "%s", after ? after : "");
        notes[i].before[strcspn(notes[i].before, "\n")] = '\0';
        notes[i].after[strcspn(notes[i].after, "\n")] = '\0';
        notes[i].used = 1;
        my_note = i;
        break;
    }
    unlock();
    cli_cleanup_release(&old);
}

void cli_cleanup_hold(cli_sigmask_t *old)
{
    rp_interrupt_block(old);
    if (hold_depth++ == 0) {
        atomic_fetch_add(&holding, 1);
        if (atomic_load(&dying)) {   /* the handler is removing everything and ending the process */
            atomic_fetch_sub(&holding, 1);
            for (;;)
                rp_sleep_ms(1000);
        }
    }
}

void cli_cleanup_release(const cli_sigmask_t *old)
{
    if (--hold_depth == 0)
        atomic_fetch_sub(&holding, 1);
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
    lock();
    for (int i = 0; copy && i < SLOTS; i++) {
        if (slots[i].used)
            continue;
        slots[i].dirfd = dirfd;
        slots[i].is_dir = is_dir;
        slots[i].name = copy;
        slots[i].used = 1;
        int stop = ++registered == stop_at;
        unlock();
        if (stop)
            rp_stop_self();   /* tests send their signal here */
        return i;
    }
    unlock();
    free(copy);
    return -1;
}

/* The host library's temporary files (romfs_io.h), every one of them: the
 * atomic outputs of build, extract, deploy -o and the caches. */
static _Thread_local cli_sigmask_t hook_saved;
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
    cli_sigmask_t old;
    cli_cleanup_hold(&old);
    lock();
    int found = -1;
    for (int i = 0; i < SLOTS && found < 0; i++)
        if (slots[i].used && slots[i].dirfd == dirfd && !slots[i].is_dir && strcmp(slots[i].name, name) == 0)
            found = i;
    unlock();
    cli_cleanup_remove(found);
    cli_cleanup_release(&old);
}

void cli_cleanup_hook_outputs(void)
{
    romfs_tmp_hooks_t h = {hook_hold, hook_created, hook_gone, NULL};
    romfs_io_set_tmp_hooks(&h);
}

void cli_cleanup_remove(int slot)
{
    if (slot < 0 || slot >= SLOTS)
        return;
    cli_sigmask_t old;
    cli_cleanup_hold(&old);
    lock();
    char *name = slots[slot].used ? slots[slot].name : NULL;
    if (name) {
        slots[slot].used = 0;
        slots[slot].name = NULL;
    }
    unlock();
    cli_cleanup_release(&old);
    free(name);
}
