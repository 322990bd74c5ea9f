/* SPDX-License-Identifier: MIT */
/* Temporary files removed when SIGINT, SIGTERM or SIGHUP (a console control
 * event on Windows) ends the process; see romfs_cleanup.h. The handler only
 * makes async-signal-safe calls (the platform layer's unlinkat, write), on
 * names copied when they were registered. */
#include "romfs/romfs_cleanup.h"

#include "romfs/romfs_io.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define SLOTS 64
#define NOTES 64   /* one per thread deploying (the CLI's many boards), and the main one */

/* The registry is shared by threads: every change is made under hold()
 * (which the handler waits out, see on_signal) and, between threads,
 * under slots_lock. */
static struct slot {
    volatile sig_atomic_t used;
    int dirfd;
    char *name;
} slots[SLOTS];
static atomic_flag slots_lock = ATOMIC_FLAG_INIT;
static atomic_int holding;   /* threads between hold and release */
static atomic_int dying;     /* the handler runs: no new hold begins */
static _Thread_local int hold_depth;
static _Thread_local rp_sigmask_t hold_saved;

/* romfs_cleanup_note: each thread's line, in two parts around the signal's name. */
static struct note {
    volatile sig_atomic_t used;
    char before[256], after[256];
} notes[NOTES];
static _Thread_local int my_note = -1;
static atomic_int installed;
static volatile sig_atomic_t board_group;   /* romfs_cleanup_kill_group */
static romfs_cleanup_opts_t opt = {2, NULL, 0};
static char prefix[64];
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

/* Hold the signals off on this thread (nests); the handler waits for
 * every holding thread. */
static void hold(void)
{
    if (hold_depth++ > 0)
        return;
    rp_interrupt_block(&hold_saved);
    atomic_fetch_add(&holding, 1);
    if (atomic_load(&dying)) {   /* the handler is removing everything and ending the process */
        atomic_fetch_sub(&holding, 1);
        for (;;)
            rp_sleep_ms(1000);
    }
}

static void release(void)
{
    if (--hold_depth > 0)
        return;
    atomic_fetch_sub(&holding, 1);
    rp_interrupt_restore(&hold_saved);
}

/* write(2) all of s; errors ignored (nothing can be done about them). */
static void say_raw(const char *s)
{
    (void)rp_write_all(opt.note_fd, s, strlen(s));
}

static void on_signal(int sig)
{
    /* Threads still creating or registering a file finish that first
     * (they hold the signals off only on their own thread); a hold that
     * would begin now waits for the end instead. */
    atomic_store(&dying, 1);
    while (atomic_load(&holding) > 0)
        rp_sleep_ms(1);
    for (int i = 0; i < NOTES && opt.note_fd >= 0; i++) {
        if (!notes[i].used)
            continue;
        say_raw(prefix);
        say_raw(notes[i].before);
        say_raw(" (");
        say_raw(rp_signal_name(sig));
        say_raw(")");
        say_raw(notes[i].after);
        say_raw("\n");
    }
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].used)
            rp_unlinkat(slots[i].dirfd, slots[i].name, 0);
    if (board_group > 0)
        rp_kill_group((long)board_group);
    /* Die of the signal itself, so the parent sees it (status 128+sig). */
    rp_interrupt_exit(sig);
}

void romfs_cleanup_install(void)
{
    /* A signal ignored by whoever started us (nohup) stays ignored. */
    if (!atomic_exchange(&installed, 1))
        rp_interrupt_install(on_signal, 1);
}

void romfs_cleanup_note(const char *before, const char *after)
{
    romfs_cleanup_install();
    hold();
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
    release();
}

void romfs_cleanup_kill_group(long pgid)
{
    romfs_cleanup_install();
    board_group = (sig_atomic_t)pgid;
}

/* Registered whether or not the handlers are installed: the host library's
 * temporary files may appear while a front end's own handlers are in
 * charge (the build's stop flag while compiling, watch's), which unwind
 * and remove them. */
static void add_at(int dirfd, const char *name)
{
    char *copy = strdup(name);
    lock();
    for (int i = 0; copy && i < SLOTS; i++) {
        if (slots[i].used)
            continue;
        slots[i].dirfd = dirfd;
        slots[i].name = copy;
        slots[i].used = 1;
        int stop = ++registered == opt.stop_after && atomic_load(&installed);
        unlock();
        if (stop)
            rp_stop_self();   /* tests send their signal here */
        return;
    }
    unlock();
    free(copy);
}

/* romfs_io.h's hooks, for every temporary file of an output. */
static void hook_hold(void *ctx)
{
    (void)ctx;
    hold();
}

static void hook_created(void *ctx, int dirfd, const char *name)
{
    (void)ctx;
    if (name)
        add_at(dirfd, name);
    release();
}

static void hook_gone(void *ctx, int dirfd, const char *name)
{
    (void)ctx;
    char *found = NULL;
    hold();
    lock();
    for (int i = 0; i < SLOTS && !found; i++) {
        if (slots[i].used && slots[i].dirfd == dirfd && strcmp(slots[i].name, name) == 0) {
            found = slots[i].name;
            slots[i].used = 0;
            slots[i].name = NULL;
        }
    }
    unlock();
    release();
    free(found);
}

void romfs_cleanup_track(const romfs_cleanup_opts_t *opts)
{
    romfs_cleanup_opts_t o = opts ? *opts : (romfs_cleanup_opts_t){2, NULL, 0};
    hold();
    snprintf(prefix, sizeof prefix, "%s", o.note_prefix ? o.note_prefix : "");
    opt = o;
    opt.note_prefix = prefix;
    release();
    romfs_tmp_hooks_t h = {hook_hold, hook_created, hook_gone, NULL};
    romfs_io_set_tmp_hooks(&h);
}
