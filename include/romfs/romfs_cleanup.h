/* SPDX-License-Identifier: MIT */
/*
 * libromfs signal cleanup: no temporary file outlives a signal.
 *
 * Once tracking starts (romfs_cleanup_track), every temporary file of the
 * host library's outputs (romfs_io.h: atomic outputs, the deploy and
 * compile caches) is registered while it exists. Once the handlers are
 * installed (romfs_cleanup_install, or a call below that says it installs
 * them), SIGINT, SIGTERM or SIGHUP (a console control event on Windows)
 * removes the registered files, writes the notes, kills the board process
 * group and ends the process as the signal would (exit status 128+N). A
 * signal ignored by whoever started the process (nohup) stays ignored.
 *
 * The handler makes only async-signal-safe calls, on copies made at
 * registration. Threads may create outputs at once: creating and
 * registering a file happens with the signals held off on that thread, and
 * the handler waits for such a thread to finish first. Nothing is installed
 * unless the front end asks: one that handles the signals itself for a
 * while (the build's stop flag, `watch`) tracks files and keeps its
 * handlers. Host library; one registry per process; nothing is read from
 * the environment.
 */
#ifndef ROMFS_CLEANUP_H
#define ROMFS_CLEANUP_H

#include "romfs/romfs_export.h"

#ifdef __cplusplus
extern "C" {
#endif

ROMFS_API_BEGIN

typedef struct romfs_cleanup_opts {
    int note_fd;              /* where notes are written (2: standard error) */
    const char *note_prefix;  /* written before each note ("romfs: "), copied; NULL: none */
    long stop_after;          /* tests: stop the process (SIGSTOP) right after this
                               * registration, to signal it while the file exists; 0 never */
} romfs_cleanup_opts_t;

/* Register the host library's temporary files from now on (this sets
 * romfs_io_set_tmp_hooks), with opts (NULL: notes on standard error, no
 * prefix). Installs no handler. */
void romfs_cleanup_track(const romfs_cleanup_opts_t *opts);

/* Install the handlers (once; later calls do nothing). */
void romfs_cleanup_install(void);

/* What a signal interrupts on this thread, said on its way out as
 * "PREFIX BEFORE (SIGNAME) AFTER" and a newline, one line per thread.
 * Copied (each part truncated to 255 bytes and to its first line); NULL
 * clears this thread's note. Installs the handlers. */
void romfs_cleanup_note(const char *before, const char *after);

/* A process group (romfs_board_process_group) to kill outright when a
 * signal ends the process, so no board process outlives it; 0 forgets it.
 * Installs the handlers. */
void romfs_cleanup_kill_group(long pgid);

ROMFS_API_END

#ifdef __cplusplus
}
#endif

#endif
