/* SPDX-License-Identifier: MIT */
/* The platform layer (src/host/platform.h) on this system: files and
 * directories, no-replace renames, processes with pipes and waits with a
 * timeout, the clock, temporary directories, the executable's path, and
 * both directory watchers (the native one and the polling one, which the
 * macOS and portable builds use), threads, and temporary files that leave
 * nothing behind. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "platform.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = rp_mkdtemp(NULL, "test_platform-");
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rp_remove_tree_at(RP_AT_CWD, dir);
    rp_stat_t st;
    int gone = rp_stat(dir, &st) != 0 && errno == ENOENT;
    free(dir);
    return gone ? 0 : -1;
}

static const char *at(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void put(const char *name, const char *text)
{
    int fd = rp_open(at(name), RP_WRONLY | RP_CREAT | RP_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(rp_write_all(fd, text, strlen(text)), 0);
    assert_int_equal(rp_close(fd), 0);
}

static void test_stat_and_listing(void **state)
{
    (void)state;
    put("a.txt", "hello");
    assert_int_equal(rp_mkdir(at("sub"), 0755), 0);
    assert_int_equal(rp_mkdir(at("sub"), 0755), -1);
    assert_int_equal(errno, EEXIST);
    rp_stat_t st;
    assert_int_equal(rp_stat(at("a.txt"), &st), 0);
    assert_int_equal(st.type, RP_REG);
    assert_int_equal(st.size, 5);
    assert_true(st.mtime_ns > (int64_t)1500000000 * 1000000000);
    assert_int_equal(rp_stat(at("sub"), &st), 0);
    assert_int_equal(st.type, RP_DIR);
    assert_int_equal(rp_stat(at("missing"), &st), -1);
    assert_int_equal(errno, ENOENT);

    rp_dirstream_t *d = rp_opendir(dir);
    assert_non_null(d);
    int files = 0, dirs = 0;
    for (const char *n; (n = rp_readdir(d)) != NULL;) {
        assert_int_equal(rp_dirstream_stat(d, &st, 1), 0);
        if (strcmp(n, "a.txt") == 0 && st.type == RP_REG && st.size == 5)
            files++;
        else if (strcmp(n, "sub") == 0 && st.type == RP_DIR)
            dirs++;
        else
            fail_msg("unexpected entry %s", n);
    }
    assert_int_equal(errno, 0);
    rp_closedir(d);
    assert_int_equal(files, 1);
    assert_int_equal(dirs, 1);

    int dfd = rp_dir_open(dir);
    assert_true(dfd >= 0);
    assert_int_equal(rp_statat(dfd, "a.txt", &st, 0), 0);
    assert_int_equal(st.size, 5);
    int sub = rp_dir_openat(dfd, "sub", 1);
    assert_true(sub >= 0);
    rp_stat_t up, top;
    int parent = rp_dir_openat(sub, "..", 0);
    assert_true(parent >= 0);
    assert_int_equal(rp_dir_stat(parent, &up), 0);
    assert_int_equal(rp_dir_stat(dfd, &top), 0);
    assert_true(up.dev == top.dev && up.ino == top.ino);
    rp_dir_close(parent);
    rp_dir_close(sub);
    rp_dir_close(dfd);
}

static void test_rename_noreplace(void **state)
{
    (void)state;
    put("from", "new");
    put("to", "old");
    int dfd = rp_dir_open(dir);
    assert_true(dfd >= 0);
    assert_int_equal(rp_renameat(dfd, "from", "to", 1), -1);
    assert_int_equal(errno, EEXIST);
    rp_stat_t st;
    assert_int_equal(rp_statat(dfd, "to", &st, 0), 0);
    assert_int_equal(st.size, 3);
    assert_int_equal(rp_renameat(dfd, "from", "fresh", 1), 0);
    assert_int_equal(rp_renameat(dfd, "fresh", "to", 0), 0);
    assert_int_equal(rp_statat(dfd, "fresh", &st, 0), -1);
    assert_int_equal(rp_unlinkat(dfd, "to", 0), 0);
    rp_dir_close(dfd);
}

static void test_process_pipes(void **state)
{
    (void)state;
    char *argv[] = {"sh", "-c", "read x; echo \"got $x\"; echo err >&2; exit 3", NULL};
    rp_proc_t p;
    int in = -1, out = -1;
    assert_int_equal(rp_spawn(argv, &p, &in, &out, 1), 0);
    unsigned char ready = 9;
    /* nothing to read until it has its line */
    assert_int_equal(rp_wait_readable(&out, 1, 50, &ready), 0);
    assert_int_equal(ready, 0);
    assert_int_equal(rp_write_all(in, "hi\n", 3), 0);
    rp_close(in);
    char buf[64];
    size_t n = 0;
    int64_t t0 = rp_monotonic_ns();
    for (;;) {
        assert_true(rp_wait_readable(&out, 1, 5000, &ready) >= 0);
        long k = rp_read(out, buf + n, sizeof buf - 1 - n);
        assert_true(k >= 0);
        if (k == 0)
            break;
        n += (size_t)k;
    }
    buf[n] = '\0';
    assert_true(rp_monotonic_ns() > t0);
    rp_close(out);
    assert_string_equal(buf, "got hi\nerr\n");
    assert_int_equal(rp_wait(&p), 3);

    char *missing[] = {"romfs-no-such-program-xyz", NULL};
    int r = rp_spawn(missing, &p, NULL, NULL, 0);
    if (r == 0) /* some systems start it, then it exits 127 */
        assert_int_equal(rp_wait(&p), 127);
    else
        assert_int_equal(r, ENOENT);

    char *sleeper[] = {"sleep", "10", NULL};
    assert_int_equal(rp_spawn(sleeper, &p, NULL, NULL, 0), 0);
    assert_int_equal(rp_wait_nohang(&p), -2);
    rp_terminate(&p);
    assert_int_equal(rp_wait(&p), 256 + RP_SIGTERM);
}

static void test_find_program_and_exe(void **state)
{
    (void)state;
    char *sh = rp_find_program(NULL, "sh");
    assert_non_null(sh);
    assert_true(rp_path_absolute(sh) || sh[0] == '.');
    assert_true(rp_executable(sh));
    free(sh);
    assert_null(rp_find_program(NULL, "romfs-no-such-program-xyz"));
    assert_null(rp_find_program("/nonexistent-dir", "sh"));
    assert_true(rp_ncpus() >= 1);
    char *exe = rp_exe_path();
    /* The portable-POSIX build has no way to know it; Linux, macOS and
     * Windows do. */
    if (exe) {
        assert_non_null(strstr(exe, "test_platform"));
        free(exe);
    }
}

static void test_names(void **state)
{
    (void)state;
    /* POSIX holds every name; Windows refuses some (tests/windows). */
    if (!rp_names_restricted()) {
        assert_null(rp_name_refused("a:b"));
        assert_null(rp_name_refused("con"));
        char *k = rp_name_key("Ab");
        assert_string_equal(k, "Ab");
        free(k);
    }
    assert_true(rp_is_sep('/'));
    assert_true(rp_path_absolute("/x"));
    assert_false(rp_path_absolute("x/y"));
    assert_string_equal(rp_last_sep("a/b/c"), "/c");
}

/* A watcher sees a new file, a changed size and a new directory's file,
 * and times out when nothing happens. */
static void watch_with(int force_poll)
{
    char *w_dir = rp_mkdtemp(NULL, "test_watch-");
    assert_non_null(w_dir);
    char p[512];
    snprintf(p, sizeof p, "%s/sub", w_dir);
    assert_int_equal(rp_mkdir(p, 0755), 0);
    rp_watch_t *w = rp_watch_open(w_dir, force_poll);
    assert_non_null(w);
    assert_string_equal(rp_watch_backend(w), force_poll ? "poll" : ROMFS_WATCH_NATIVE);
    assert_int_equal(rp_watch_wait(w, 150), 0);

    snprintf(p, sizeof p, "%s/sub/new.py", w_dir);
    int fd = rp_open(p, RP_WRONLY | RP_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(rp_write_all(fd, "x", 1), 0);
    rp_close(fd);
    assert_int_equal(rp_watch_wait(w, 2000), 1);
    while (rp_watch_wait(w, 150) == 1) /* the rest of the same change */
        ;
    assert_int_equal(rp_watch_wait(w, 150), 0);

    fd = rp_open(p, RP_WRONLY | RP_APPEND, 0);
    assert_true(fd >= 0);
    assert_int_equal(rp_write_all(fd, "yz", 2), 0);
    rp_close(fd);
    assert_int_equal(rp_watch_wait(w, 2000), 1);
    rp_watch_close(w);
    rp_remove_tree_at(RP_AT_CWD, w_dir);
    free(w_dir);
}

/* Leaves out "skip/" and every "*.swp". */
static int leave_out(void *ctx, const char *rel, int is_dir)
{
    (*(int *)ctx)++;
    size_t n = strlen(rel);
    (void)is_dir;
    return strncmp(rel, "skip", 4) == 0 || (n > 4 && strcmp(rel + n - 4, ".swp") == 0);
}

static int changed(rp_watch_t *w, const char *name)
{
    size_t n;
    int overflow;
    const char *const *v = rp_watch_changes(w, &n, &overflow);
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return 1;
    return 0;
}

static void touch_file(const char *root, const char *rel, const char *data)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    int fd = rp_open(p, RP_WRONLY | RP_CREAT | RP_APPEND, 0644);
    assert_true(fd >= 0);
    assert_int_equal(rp_write_all(fd, data, strlen(data)), 0);
    rp_close(fd);
}

/* The changes come named relative to the root, '/'-separated; what the
 * filter leaves out (a directory and what is in it, a pattern) is no
 * change: the wait times out. */
static void watch_filtered(int force_poll)
{
    char *w_dir = rp_mkdtemp(NULL, "test_watchf-");
    assert_non_null(w_dir);
    char p[512];
    snprintf(p, sizeof p, "%s/sub", w_dir);
    assert_int_equal(rp_mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/skip", w_dir);
    assert_int_equal(rp_mkdir(p, 0755), 0);
    int calls = 0;
    rp_watch_t *w = rp_watch_open_filtered(w_dir, force_poll, leave_out, &calls);
    assert_non_null(w);
    assert_true(calls > 0); /* the filter decides what is watched */

    touch_file(w_dir, "skip/x.py", "x");
    touch_file(w_dir, "sub/a.swp", "x");
    assert_int_equal(rp_watch_wait(w, 400), 0);

    touch_file(w_dir, "sub/a.py", "x");
    assert_int_equal(rp_watch_wait(w, 2000), 1);
    int seen = changed(w, "sub/a.py");
    while (!seen && rp_watch_wait(w, 300) == 1)
        seen = changed(w, "sub/a.py");
    assert_true(seen);
    assert_false(changed(w, "sub/a.swp"));
    while (rp_watch_wait(w, 200) == 1)
        ;
    touch_file(w_dir, ".romfsignore", "x");
    assert_int_equal(rp_watch_wait(w, 2000), 1);
    assert_true(changed(w, ".romfsignore"));
    rp_watch_close(w);
    rp_remove_tree_at(RP_AT_CWD, w_dir);
    free(w_dir);
}

/* Wait until a wait names rel (1), or 3 s pass (0); then let the rest of
 * the same change settle. */
static int sees(rp_watch_t *w, const char *rel)
{
    int seen = 0;
    int64_t end = rp_monotonic_ns() + 3000 * (int64_t)1000000;
    while (!seen && rp_monotonic_ns() < end && rp_watch_wait(w, 500) >= 0)
        seen = changed(w, rel);
    while (rp_watch_wait(w, 250) == 1)
        ;
    return seen;
}

static void path_in(char *p, size_t n, const char *root, const char *rel)
{
    snprintf(p, n, "%s/%s", root, rel);
}

/* What editors and tools do to a tree, each change named: a save by
 * renaming a new file over the old one (and an edit of the new file
 * after it), a deletion, directories made two deep at once and a file
 * edited in them later, a directory renamed and a file in it edited
 * under its new name, a directory removed with what it held. */
static void watch_edits(int force_poll)
{
    char *root = rp_mkdtemp(NULL, "test_watche-");
    assert_non_null(root);
    char p[512], q[512];
    path_in(p, sizeof p, root, "sub");
    assert_int_equal(rp_mkdir(p, 0755), 0);
    touch_file(root, "sub/main.py", "v1");
    touch_file(root, "gone.py", "x");
    rp_watch_t *w = rp_watch_open(root, force_poll);
    assert_non_null(w);
    assert_int_equal(rp_watch_wait(w, 150), 0);

    touch_file(root, "sub/.main.py.tmp", "version 2");
    path_in(p, sizeof p, root, "sub/.main.py.tmp");
    path_in(q, sizeof q, root, "sub/main.py");
    assert_int_equal(rp_renameat(RP_AT_CWD, p, q, 0), 0);
    assert_true(sees(w, "sub/main.py"));
    touch_file(root, "sub/main.py", " and 3");
    assert_true(sees(w, "sub/main.py"));

    path_in(p, sizeof p, root, "gone.py");
    assert_int_equal(rp_unlink(p), 0);
    assert_true(sees(w, "gone.py"));

    path_in(p, sizeof p, root, "a");
    assert_int_equal(rp_mkdir(p, 0755), 0);
    path_in(p, sizeof p, root, "a/b");
    assert_int_equal(rp_mkdir(p, 0755), 0);
    touch_file(root, "a/b/deep.py", "1");
    assert_true(sees(w, "a"));
    touch_file(root, "a/b/deep.py", "22");
    assert_true(sees(w, "a/b/deep.py"));

    path_in(p, sizeof p, root, "a");
    path_in(q, sizeof q, root, "moved");
    assert_int_equal(rp_renameat(RP_AT_CWD, p, q, 0), 0);
    assert_true(sees(w, "moved"));
    touch_file(root, "moved/b/deep.py", "333");
    assert_true(sees(w, "moved/b/deep.py"));

    path_in(p, sizeof p, root, "sub/main.py");
    assert_int_equal(rp_unlink(p), 0);
    path_in(p, sizeof p, root, "sub");
    assert_int_equal(rp_rmdir(p), 0);
    assert_true(sees(w, "sub"));
    assert_int_equal(rp_watch_wait(w, 150), 0);
    rp_watch_close(w);
    rp_remove_tree_at(RP_AT_CWD, root);
    free(root);
}

static void test_watch_native(void **state)
{
    (void)state;
    watch_with(0);
    watch_filtered(0);
    watch_edits(0);
}

static void test_watch_poll(void **state)
{
    (void)state;
    watch_with(1);
    watch_filtered(1);
    watch_edits(1);
}

static void test_tmpdir_and_sleep(void **state)
{
    (void)state;
    assert_non_null(rp_tmpdir());
    assert_true(strncmp(dir, rp_tmpdir(), strlen(rp_tmpdir())) == 0);
    int64_t t0 = rp_monotonic_ns();
    assert_int_equal(rp_sleep_ms(20), 0);
    assert_true(rp_monotonic_ns() - t0 >= 15 * 1000000);
}

/* Threads: each runs its own function on its own argument, concurrently
 * (two threads that wait for each other finish only if both run at once),
 * with a stack that takes what the board code puts there, and hands back
 * its return value; a thread-local variable is each thread's own. */
static _Thread_local int tls_value;

typedef struct meet {
    volatile int arrived[2];
    int who;
    int seen_tls;
} meet_t;

static meet_t meet_pair[2];

static volatile int *other_flag(meet_t *m)
{
    return &meet_pair[1 - m->who].arrived[0];
}

static int thread_fn(void *arg)
{
    meet_t *m = arg;
    tls_value = 100 + m->who;
    volatile char big[4u << 20];   /* 4 MiB on the stack */
    big[0] = (char)m->who;
    big[sizeof big - 1] = 1;
    m->arrived[0] = 1;
    int64_t t0 = rp_monotonic_ns();
    while (!*other_flag(m))   /* the other thread runs at the same time */
        if (rp_monotonic_ns() - t0 > 20LL * 1000000000)
            return -1;
        else
            rp_sleep_ms(1);
    rp_sleep_ms(10);
    m->seen_tls = tls_value;
    return 7 + m->who + big[0] + big[sizeof big - 1] - 1;
}

static void test_threads(void **state)
{
    (void)state;
    tls_value = 5;
    rp_thread_t *t[2];
    for (int i = 0; i < 2; i++) {
        memset(&meet_pair[i], 0, sizeof meet_pair[i]);
        meet_pair[i].who = i;
    }
    for (int i = 0; i < 2; i++)
        assert_int_equal(rp_thread_start(&t[i], thread_fn, &meet_pair[i]), 0);
    assert_int_equal(rp_thread_join(t[0]), 7);
    assert_int_equal(rp_thread_join(t[1]), 9);
    assert_int_equal(meet_pair[0].seen_tls, 100);
    assert_int_equal(meet_pair[1].seen_tls, 101);
    assert_int_equal(tls_value, 5);
}

#ifndef _WIN32
/* A child started from a thread (where the interruptions are blocked for
 * good) has them open: SIGTERM ends it. */
static int spawn_sigterm(void *arg)
{
    (void)arg;
    char *argv[] = {"sh", "-c", "kill -TERM $$; echo alive", NULL};
    rp_proc_t p;
    int out = -1;
    if (rp_spawn(argv, &p, NULL, &out, 0) != 0)
        return -1;
    char buf[64];
    long n = rp_read(out, buf, sizeof buf);
    rp_close(out);
    int st = rp_wait(&p);
    return n == 0 ? st : -2;
}

static void test_thread_spawn_signals(void **state)
{
    (void)state;
    rp_thread_t *t;
    assert_int_equal(rp_thread_start(&t, spawn_sigterm, NULL), 0);
    assert_int_equal(rp_thread_join(t), 256 + RP_SIGTERM);
}
#endif

/* rp_tmpfile: readable and writable, and no name left in the directory. */
static void test_tmpfile(void **state)
{
    (void)state;
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
#ifdef _WIN32
    _putenv_s("TMPDIR", dir);
#else
    setenv("TMPDIR", dir, 1);
#endif
    FILE *fp = rp_tmpfile();
    assert_non_null(fp);
    assert_true(fputs("hello, tmp\n", fp) >= 0);
    rewind(fp);
    char buf[32] = "";
    assert_non_null(fgets(buf, sizeof buf, fp));
    assert_string_equal(buf, "hello, tmp\n");
    rp_dirstream_t *d = rp_opendir(dir);
    assert_non_null(d);
#ifndef _WIN32 /* there, the name goes with the last handle */
    assert_null(rp_readdir(d));
#endif
    rp_closedir(d);
    fclose(fp);
    d = rp_opendir(dir);
    assert_null(rp_readdir(d));
    rp_closedir(d);
#ifdef _WIN32
    _putenv_s("TMPDIR", saved ? saved : "");
#else
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
#endif
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stat_and_listing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_noreplace, setup, teardown),
        cmocka_unit_test(test_process_pipes),
        cmocka_unit_test(test_find_program_and_exe),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_watch_native),
        cmocka_unit_test(test_watch_poll),
        cmocka_unit_test_setup_teardown(test_tmpdir_and_sleep, setup, teardown),
        cmocka_unit_test(test_threads),
#ifndef _WIN32
        cmocka_unit_test(test_thread_spawn_signals),
#endif
        cmocka_unit_test_setup_teardown(test_tmpfile, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
