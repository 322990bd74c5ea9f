/* SPDX-License-Identifier: MIT */
/* Signal cleanup (src/host/cleanup.c): a child process registers outputs,
 * gets a real signal, and the parent checks what it left and how it died. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "romfs/romfs_cleanup.h"
#include "romfs/romfs_io.h"
#include "testutil.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return tu_tmpdir(dir, sizeof dir, "test_cleanup");
}

static int teardown(void **state)
{
    (void)state;
    return tu_rmtree(dir);
}

static const char *at(const char *name)
{
    return tu_path(dir, name);
}

/* Entries in dir. */
static int entries(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "exit $(ls -A '%s' | wc -l)", dir);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Open an output in the child; _exit(99) if that fails. Its temporary
 * file exists from here. */
static void child_open(romfs_out_t *o, const char *name)
{
    if (romfs_out_open(o, at(name)) != 0 || romfs_out_write(o, "data", 4) != 0)
        _exit(99);
}

static int wait_status(pid_t pid)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

/* Run body in a child process (which then exits 0) and return how it
 * ended. */
static int in_child(void (*body)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        body();
        _exit(0);
    }
    return wait_status(pid);
}

static void assert_killed_by(int st, int sig)
{
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), sig);
}

/* Everything the child wrote on fd (closed here), NUL-terminated. */
static void read_all(int fd, char *buf, size_t size)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    close(fd);
}

static void removes_outputs(void)
{
    romfs_cleanup_track(NULL);
    romfs_cleanup_install();
    romfs_out_t a, b;
    child_open(&a, "a");
    child_open(&b, "b");
    raise(SIGTERM);
}

static void test_signal_removes_outputs(void **state)
{
    (void)state;
    assert_killed_by(in_child(removes_outputs), SIGTERM);
    assert_int_equal(entries(), 0);   /* both temporary files gone, nothing renamed */
}

static void track_only(void)
{
    romfs_cleanup_track(NULL);
    romfs_out_t a;
    child_open(&a, "a");
    raise(SIGINT);
}

/* Tracking alone installs nothing: the signal's default action kills the
 * child, and its temporary file stays (a front end's own handlers would
 * have removed it). */
static void test_track_installs_nothing(void **state)
{
    (void)state;
    assert_killed_by(in_child(track_only), SIGINT);
    assert_int_equal(entries(), 1);
}

static void commit_many(void)
{
    romfs_cleanup_track(NULL);
    romfs_cleanup_install();
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        romfs_out_t o;
        child_open(&o, name);
        if (romfs_out_commit(&o) != 0)
            _exit(98);
    }
    romfs_out_t last;
    child_open(&last, "last");
    raise(SIGHUP);
}

/* Committed outputs leave the registry: far more than its 64 slots are
 * written one after another, and the one open at the signal still goes. */
static void test_committed_are_forgotten(void **state)
{
    (void)state;
    assert_killed_by(in_child(commit_many), SIGHUP);
    assert_int_equal(entries(), 100);
    struct stat sb;
    assert_int_equal(stat(at("f99"), &sb), 0);
    assert_int_equal(sb.st_size, 4);
}

static int pipe_w;   /* the write end a child body uses */

static void notes(void)
{
    romfs_cleanup_opts_t o = {pipe_w, "tool: ", 0};
    romfs_cleanup_track(&o);
    romfs_cleanup_note("gone", "");
    romfs_cleanup_note(NULL, NULL);
    romfs_cleanup_note("deploy to B interrupted\nsecond line", ": deploy again");
    raise(SIGTERM);
}

/* Each thread's note is said on the way out, with the prefix and the
 * signal's name; a cleared note is not. */
static void test_notes(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pipe_w = p[1];
    int st = in_child(notes);   /* a pipe's worth of note: no blocking before the wait */
    close(p[1]);
    char buf[512];
    read_all(p[0], buf, sizeof buf);
    assert_killed_by(st, SIGTERM);
    assert_string_equal(buf, "tool: deploy to B interrupted (SIGTERM): deploy again\n");
}

/* The process group given is killed: its member holds the pipe's write
 * end, so the parent reads end-of-file only once it is dead. */
static void test_kill_group(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, 0);
            for (;;)
                pause();
        }
        setpgid(g, g);
        close(p[1]);
        romfs_cleanup_track(NULL);
        romfs_cleanup_kill_group(g);
        raise(SIGTERM);
        _exit(0);
    }
    close(p[1]);
    char buf[16];
    read_all(p[0], buf, sizeof buf);   /* returns: the group member is dead */
    assert_string_equal(buf, "");
    assert_killed_by(wait_status(pid), SIGTERM);
}

/* stop_after stops the process right after that registration (once the
 * handlers are installed), so a test can signal it there. */
static void test_stop_after(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        romfs_cleanup_opts_t o = {2, NULL, 2};
        romfs_cleanup_track(&o);
        romfs_cleanup_install();
        romfs_out_t a, b, c;
        child_open(&a, "a");
        child_open(&b, "b");
        child_open(&c, "c");   /* only after SIGCONT, which SIGTERM preempts */
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(entries(), 2);
    kill(pid, SIGTERM);
    kill(pid, SIGCONT);
    assert_killed_by(wait_status(pid), SIGTERM);
    assert_int_equal(entries(), 0);
}

/* A signal ignored at start (nohup) stays ignored. */
static void test_ignored_stays_ignored(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGHUP, SIG_IGN);
        romfs_cleanup_track(NULL);
        romfs_cleanup_install();
        romfs_out_t a;
        child_open(&a, "a");
        raise(SIGHUP);
        _exit(romfs_out_commit(&a) == 0 ? 7 : 8);
    }
    int st = wait_status(pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 7);
    assert_int_equal(entries(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_signal_removes_outputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_track_installs_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_committed_are_forgotten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignored_stays_ignored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
