/*
 * fsutil.c - bounded reads, atomic writes, directory creation and path helpers.
 */
#include "core/fsutil.h"
#include "core/alloc.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/random.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

int osr_fs_read_file(struct osr_buf *out, const char *path, size_t max)
{
    struct stat st;
    char chunk[65536];
    ssize_t n;
    int fd, rc = 0;

    osr_buf_init(out, max);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return osr_error_set_errno(errno == ENOENT ? -OSR_ENOTFOUND : -OSR_EIO, "cannot open %s",
                                   path);
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = osr_error_set(-OSR_EINVAL, "%s is a directory, not a file", path);
        goto done;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        rc = osr_error_set(-OSR_ELIMIT, "%s is %lld bytes, over the limit of %zu bytes", path,
                           (long long)st.st_size, max);
        goto done;
    }
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = osr_error_set_errno(-OSR_EIO, "cannot read %s", path);
            goto done;
        }
        if (osr_buf_put(out, chunk, (size_t)n) < 0) {
            rc = osr_error_set(-OSR_ELIMIT, "%s is over the limit of %zu bytes", path, max);
            goto done;
        }
    }
done:
    close(fd);
    if (rc < 0)
        osr_buf_dispose(out);
    return rc;
}

int osr_fs_write_all(int fd, const void *buf, size_t len)
{
    const char *data = buf;

    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* Some filesystems refuse fsync on a directory; the rename itself has happened. */
    if (fsync(fd) < 0 && errno != EINVAL) {
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int osr_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char *dir = osr_path_dirname(path);
    uint32_t nonce = 0;
    char *tmp;
    int fd, rc = 0;

    if (getrandom(&nonce, sizeof(nonce), 0) < 0)
        nonce = (uint32_t)getpid();
    tmp = osr_xasprintf("%s.tmp.%08x", path, nonce);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        rc = osr_error_set_errno(-OSR_EIO, "cannot create %s", tmp);
        goto done;
    }
    if (fchmod(fd, mode) < 0 || osr_fs_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        rc = osr_error_set_errno(-OSR_EIO, "cannot write %s", path);
        close(fd);
        unlink(tmp);
        goto done;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        rc = osr_error_set_errno(-OSR_EIO, "cannot replace %s", path);
        unlink(tmp);
        goto done;
    }
    if (fsync_dir(dir) < 0)
        rc = osr_error_set_errno(-OSR_EIO, "cannot sync directory %s", dir);
done:
    free(tmp);
    free(dir);
    return rc;
}

int osr_fs_mkdir_p(const char *path, mode_t mode)
{
    char *p;
    int rc = 0;

    if (!path[0])
        return osr_error_set(-OSR_EINVAL, "cannot create a directory with an empty name");
    p = osr_xstrdup(path);

    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST) {
            rc = osr_error_set_errno(errno == EACCES ? -OSR_EIO : -OSR_EIO,
                                     "cannot create directory %s", p);
            break;
        }
        if (!osr_fs_is_dir(p)) {
            rc = osr_error_set(-OSR_EIO, "%s exists and is not a directory", p);
            break;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

bool osr_fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool osr_fs_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

char *osr_path_join(const char *a, const char *b)
{
    size_t la = strlen(a);

    if (b[0] == '/' || la == 0)
        return osr_xstrdup(b);
    if (b[0] == '\0')
        return osr_xstrdup(a);
    return osr_xasprintf("%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
}

/* Folds "." and ".." segments of an absolute path in place. */
static void normalize(char *path)
{
    char *out = path, *in = path;

    while (*in) {
        char *seg;
        size_t n;

        while (*in == '/')
            in++;
        seg = in;
        while (*in && *in != '/')
            in++;
        n = (size_t)(in - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > path && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

char *osr_path_absolute(const char *path, const char *base)
{
    char *joined, *cwd = NULL;

    if (path[0] == '/') {
        joined = osr_xstrdup(path);
    } else {
        if (!base) {
            cwd = getcwd(NULL, 0);
            if (!cwd)
                return NULL;
            base = cwd;
        }
        joined = osr_path_join(base, path);
    }
    normalize(joined);
    free(cwd);
    return joined;
}

bool osr_name_ok(const char *name, size_t len, size_t max, bool dots)
{
    const char *set = dots ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
                           : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

    return name && len > 0 && len <= max && name[0] != '.' && strlen(name) == len &&
           strspn(name, set) == len;
}

int osr_fs_contained(const char *path, const char *root, char *real)
{
    char real_root[PATH_MAX];
    size_t n;

    if (!realpath(path, real) || !realpath(root, real_root))
        return -1;
    n = strlen(real_root);
    if (n == 1) /* the root is / */
        return real[1] != '\0';
    return strncmp(real, real_root, n) == 0 && real[n] == '/';
}

char *osr_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return osr_xstrdup(".");
    if (slash == path)
        return osr_xstrdup("/");
    return osr_xstrndup(path, (size_t)(slash - path));
}

char *osr_fs_exe_path(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

    if (n <= 0)
        return NULL;
    return osr_xstrndup(buf, (size_t)n);
}

char *osr_fs_exe_dir(void)
{
    char *exe = osr_fs_exe_path(), *dir;

    if (!exe)
        return NULL;
    dir = osr_path_dirname(exe);
    free(exe);
    return dir;
}

char *osr_fs_data_dir(const char *env, const char *name)
{
    const char *set = getenv(env);
    char *exe_dir, *share = osr_xasprintf("../share/osiris/%s", name);
    const char *candidates[] = {name, share};
    char *found = NULL;

    if (set && *set) {
        free(share);
        return osr_path_absolute(set, NULL);
    }
    exe_dir = osr_fs_exe_dir();
    for (size_t i = 0; exe_dir && !found && i < OSR_ARRAY_LEN(candidates); i++) {
        char *p = osr_path_absolute(candidates[i], exe_dir);
        if (osr_fs_is_dir(p))
            found = p;
        else
            free(p);
    }
    free(exe_dir);
    free(share);
    return found;
}

static int remove_tree(int parent, const char *name, int depth)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc = 0;
    DIR *d;
    struct dirent *e;

    if (fd < 0)
        return errno == ENOTDIR || errno == ELOOP ? unlinkat(parent, name, 0) : -1;
    if (depth > 8 || !(d = fdopendir(fd))) {
        close(fd);
        errno = depth > 8 ? ELOOP : errno;
        return -1;
    }
    while (rc == 0 && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (unlinkat(fd, e->d_name, 0) < 0)
            rc = errno == EISDIR ? remove_tree(fd, e->d_name, depth + 1) : -1;
    }
    closedir(d);
    return rc == 0 ? unlinkat(parent, name, AT_REMOVEDIR) : rc;
}

int osr_fs_remove_tree_at(int parent, const char *name)
{
    return remove_tree(parent, name, 0);
}
