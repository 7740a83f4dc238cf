/*
 * test_fsutil.c - files and paths (core/fsutil.h).
 *
 * Covers atomic writes (content, the requested mode even against the umask, replacement of
 * an existing file, no temporary files left behind, failure in a missing directory),
 * bounded reads (the limit is a refusal, not a truncation), mkdir -p with modes for new
 * directories only, and the lexical path helpers (absolute, join, dirname).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/strv.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture {
    char dir[64];
    struct osr_strv paths; /* owned here so a failing test leaks nothing */
    struct osr_buf buf;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = osr_xcalloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/osr_test_fsutil.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    osr_buf_init(&f->buf, OSR_BUF_UNLIMITED);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    osr_buf_dispose(&f->buf);
    osr_strv_dispose(&f->paths);
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static const char *fx_path(struct fixture *f, const char *rel)
{
    char *p = osr_xasprintf("%s/%s", f->dir, rel);

    osr_strv_push(&f->paths, p);
    free(p);
    return f->paths.v[f->paths.n - 1];
}

static unsigned mode_of(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    assert_non_null(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(d);
    return n;
}

static void read_back(struct fixture *f, const char *path, const char *want)
{
    osr_buf_dispose(&f->buf);
    assert_int_equal(osr_fs_read_file(&f->buf, path, 1 << 20), 0);
    assert_int_equal(f->buf.len, strlen(want));
    assert_memory_equal(f->buf.ptr, want, f->buf.len);
}

static void test_write_atomic(void **state)
{
    struct fixture *f = *state;
    const char *path = fx_path(f, "state.json");

    assert_int_equal(osr_fs_write_atomic(path, "hello\n", 6, 0600), 0);
    read_back(f, path, "hello\n");
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(count_entries(f->dir), 1);

    /* Replacing keeps one file, with the new content and the new mode. */
    assert_int_equal(osr_fs_write_atomic(path, "second", 6, 0640), 0);
    read_back(f, path, "second");
    assert_int_equal(mode_of(path), 0640);
    assert_int_equal(count_entries(f->dir), 1);

    assert_int_equal(osr_fs_write_atomic(path, "", 0, 0600), 0);
    read_back(f, path, "");
    assert_int_equal(count_entries(f->dir), 1);
}

static void test_write_atomic_mode_ignores_umask(void **state)
{
    struct fixture *f = *state;
    const char *path = fx_path(f, "shared.txt");
    mode_t old = umask(077);
    int rc = osr_fs_write_atomic(path, "x", 1, 0644);

    umask(old);
    assert_int_equal(rc, 0);
    assert_int_equal(mode_of(path), 0644);
}

static void test_write_atomic_binary(void **state)
{
    struct fixture *f = *state;
    const char *path = fx_path(f, "blob");
    static const char data[] = {'a', '\0', 'b', '\n', '\xff'};

    assert_int_equal(osr_fs_write_atomic(path, data, sizeof(data), 0600), 0);
    osr_buf_dispose(&f->buf);
    assert_int_equal(osr_fs_read_file(&f->buf, path, 100), 0);
    assert_int_equal(f->buf.len, sizeof(data));
    assert_memory_equal(f->buf.ptr, data, sizeof(data));
}

static void test_write_atomic_missing_dir(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(osr_fs_write_atomic(fx_path(f, "no/such/file"), "x", 1, 0600), -OSR_EIO);
    assert_true(strlen(osr_error_last()) > 0);
    assert_int_equal(count_entries(f->dir), 0);
}

static void test_read_limit(void **state)
{
    struct fixture *f = *state;
    const char *path = fx_path(f, "hundred");
    char data[100];

    memset(data, 'x', sizeof(data));
    assert_int_equal(osr_fs_write_atomic(path, data, sizeof(data), 0600), 0);
    osr_buf_dispose(&f->buf);
    assert_int_equal(osr_fs_read_file(&f->buf, path, 100), 0);
    assert_int_equal(f->buf.len, 100);
    assert_int_equal(f->buf.ptr[100], '\0');
    osr_buf_dispose(&f->buf);
    assert_int_equal(osr_fs_read_file(&f->buf, path, 99), -OSR_ELIMIT);
    /* Refused, not truncated: nothing is handed back. */
    assert_int_equal(f->buf.len, 0);
    assert_string_equal(f->buf.ptr, "");
    assert_non_null(strstr(osr_error_last(), "99"));
}

static void test_read_limit_on_streams(void **state)
{
    struct fixture *f = *state;

    /* /proc files report size 0, so the limit must also hold while reading. */
    osr_buf_dispose(&f->buf);
    assert_int_equal(osr_fs_read_file(&f->buf, "/proc/self/status", 10), -OSR_ELIMIT);
    assert_int_equal(f->buf.len, 0);
}

static void test_read_errors(void **state)
{
    struct fixture *f = *state;

    osr_buf_dispose(&f->buf);
    assert_int_equal(osr_fs_read_file(&f->buf, fx_path(f, "missing"), 100), -OSR_ENOTFOUND);
    assert_int_equal(f->buf.len, 0);
    osr_buf_dispose(&f->buf);
    assert_int_equal(osr_fs_read_file(&f->buf, f->dir, 100), -OSR_EINVAL);
}

static void test_mkdir_p(void **state)
{
    struct fixture *f = *state;
    const char *deep = fx_path(f, "a/b/c");

    assert_int_equal(osr_fs_mkdir_p(deep, 0700), 0);
    assert_true(osr_fs_is_dir(deep));
    assert_int_equal(mode_of(fx_path(f, "a")), 0700);
    assert_int_equal(mode_of(fx_path(f, "a/b")), 0700);
    assert_int_equal(mode_of(deep), 0700);
    /* Again: nothing to do, not an error. */
    assert_int_equal(osr_fs_mkdir_p(deep, 0700), 0);
    /* A trailing slash is fine. */
    assert_int_equal(osr_fs_mkdir_p(fx_path(f, "t/u/"), 0750), 0);
    assert_int_equal(mode_of(fx_path(f, "t/u")), 0750);
}

static void test_mkdir_p_keeps_existing_modes(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(mkdir(fx_path(f, "x"), 0755), 0);
    assert_int_equal(chmod(fx_path(f, "x"), 0755), 0);
    assert_int_equal(osr_fs_mkdir_p(fx_path(f, "x/y"), 0700), 0);
    assert_int_equal(mode_of(fx_path(f, "x")), 0755);
    assert_int_equal(mode_of(fx_path(f, "x/y")), 0700);
}

static void test_mkdir_p_file_in_the_way(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(osr_fs_write_atomic(fx_path(f, "file"), "x", 1, 0600), 0);
    assert_true(osr_fs_mkdir_p(fx_path(f, "file/sub"), 0700) < 0);
    assert_true(osr_fs_mkdir_p(fx_path(f, "file"), 0700) < 0);
    assert_non_null(strstr(osr_error_last(), "file"));
}

static void test_mkdir_p_empty_path(void **state)
{
    pid_t pid;
    int status = 0;

    (void)state;
    /* Every input has a defined answer; run in a child so a memory error is reported as
     * this test's failure instead of ending the whole run. */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int rc = osr_fs_mkdir_p("", 0700);
        _exit(rc <= 0 ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_exists_and_is_dir(void **state)
{
    struct fixture *f = *state;

    assert_true(osr_fs_is_dir(f->dir));
    assert_true(osr_fs_exists(f->dir));
    assert_false(osr_fs_exists(fx_path(f, "nothing")));
    assert_int_equal(osr_fs_write_atomic(fx_path(f, "plain"), "x", 1, 0600), 0);
    assert_false(osr_fs_is_dir(fx_path(f, "plain")));
    assert_true(osr_fs_exists(fx_path(f, "plain")));
    /* A dangling symlink exists (lstat), but is no directory. */
    assert_int_equal(symlink("nowhere", fx_path(f, "dangling")), 0);
    assert_true(osr_fs_exists(fx_path(f, "dangling")));
    assert_false(osr_fs_is_dir(fx_path(f, "dangling")));
}

struct path_case {
    const char *a, *b, *want;
};

static void check_cases(const struct path_case *cases, size_t n,
                        char *(*fn)(const char *, const char *))
{
    for (size_t i = 0; i < n; i++) {
        char *got = fn(cases[i].a, cases[i].b);
        bool ok = got && strcmp(got, cases[i].want) == 0;

        if (!ok)
            print_error("('%s', '%s') gave '%s', expected '%s'\n", cases[i].a,
                        cases[i].b ? cases[i].b : "NULL", got ? got : "NULL", cases[i].want);
        free(got);
        assert_true(ok);
    }
}

static void test_path_absolute(void **state)
{
    static const struct path_case cases[] = {
        {"a/../b", "/base", "/base/b"},
        {"./x", "/base", "/base/x"},
        {"/a/./b/../c", "/base", "/a/c"},
        {"/a/./b/../c", NULL, "/a/c"},
        {"a//b/", "/base", "/base/a/b"},
        {"..", "/base", "/"},
        {"../..", "/base/sub", "/"},
        {"/../x", NULL, "/x"},
        {"/a/..", NULL, "/"},
        {".", "/base/", "/base"},
        {"", "/base", "/base"},
        {"x", "/", "/x"},
        {"a/b/../../..", "/r/s", "/r"},
    };
    char cwd[PATH_MAX], *got;

    (void)state;
    check_cases(cases, OSR_ARRAY_LEN(cases), osr_path_absolute);
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    got = osr_path_absolute(".", NULL);
    assert_non_null(got);
    assert_string_equal(got, cwd);
    free(got);
}

static void test_path_join(void **state)
{
    static const struct path_case cases[] = {
        {"a", "b", "a/b"}, {"a/", "b", "a/b"}, {"/a", "b/c", "/a/b/c"}, {"a", "/b", "/b"},
        {"", "b", "b"},    {"a", "", "a"},     {"/", "x", "/x"},        {"a/b", "../c", "a/b/../c"},
    };

    (void)state;
    check_cases(cases, OSR_ARRAY_LEN(cases), osr_path_join);
}

static char *dirname_adapter(const char *a, const char *unused)
{
    (void)unused;
    return osr_path_dirname(a);
}

static void test_path_dirname(void **state)
{
    static const struct path_case cases[] = {
        {"a/b/c", NULL, "a/b"}, {"/a/b", NULL, "/a"}, {"c", NULL, "."},
        {"/c", NULL, "/"},      {"/", NULL, "/"},     {"./x", NULL, "."},
    };

    (void)state;
    check_cases(cases, OSR_ARRAY_LEN(cases), dirname_adapter);
}

static void test_exe_path(void **state)
{
    char *exe = osr_fs_exe_path(), *dir = osr_fs_exe_dir();

    (void)state;
    assert_non_null(exe);
    assert_non_null(dir);
    assert_int_equal(exe[0], '/');
    assert_non_null(strstr(exe, "test_fsutil"));
    assert_int_equal(strncmp(exe, dir, strlen(dir)), 0);
    assert_int_equal(exe[strlen(dir)], '/');
    free(exe);
    free(dir);
}

static void test_name_ok(void **state)
{
    (void)state;
    assert_true(osr_name_ok("orders.yaml", 11, 100, true));
    assert_true(osr_name_ok("run-2026_11.a", 13, 128, true));
    assert_true(osr_name_ok("s-9_x", 5, 64, false));
    assert_false(osr_name_ok("a.b", 3, 64, false));  /* no dots for session ids */
    assert_false(osr_name_ok(".env", 4, 100, true)); /* hidden */
    assert_false(osr_name_ok("..", 2, 100, true));
    assert_false(osr_name_ok("a/b", 3, 100, true));
    assert_false(osr_name_ok("a b", 3, 100, true));
    assert_false(osr_name_ok("", 0, 100, true));
    assert_false(osr_name_ok(NULL, 0, 100, true));
    assert_false(osr_name_ok("abcd", 4, 3, true));     /* too long */
    assert_false(osr_name_ok("ab\0cd", 5, 100, true)); /* an embedded NUL */
    assert_false(osr_name_ok("caf\xc3\xa9", 5, 100, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_atomic_mode_ignores_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_atomic_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_atomic_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_limit_on_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_p_keeps_existing_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_p_file_in_the_way, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_p_empty_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exists_and_is_dir, setup, teardown),
        cmocka_unit_test(test_path_absolute),
        cmocka_unit_test(test_path_join),
        cmocka_unit_test(test_path_dirname),
        cmocka_unit_test(test_exe_path),
        cmocka_unit_test(test_name_ok),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
