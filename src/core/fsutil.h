/*
 * fsutil.h - files and paths done carefully.
 *
 * Every file we create is written atomically (temporary file in the same directory, fsync,
 * rename, fsync of the directory), created with its final mode and opened close-on-exec.
 * Reads are bounded: a file larger than the caller's limit is refused, not truncated.
 */
#ifndef OSR_FSUTIL_H
#define OSR_FSUTIL_H

#include "core/buf.h"

#include <sys/types.h>

/* Reads the whole file into `out` (initialised here). Refuses files over `max` bytes. */
int osr_fs_read_file(struct osr_buf *out, const char *path, size_t max);
/* Replaces `path` atomically with `data`, creating it with `mode`. */
int osr_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Writes all of buf to fd (retrying short writes and EINTR); -1 with errno on failure. */
int osr_fs_write_all(int fd, const void *buf, size_t len);
/* mkdir -p; new directories get `mode`. Existing ones are left as they are. */
int osr_fs_mkdir_p(const char *path, mode_t mode);
bool osr_fs_is_dir(const char *path);
bool osr_fs_exists(const char *path);
/* Joins two path parts with one '/'; an absolute `b` is returned as is. Owned. */
char *osr_path_join(const char *a, const char *b);
/* The absolute form of `path` (relative to `base`, or to the cwd when base is NULL),
 * with "." and ".." segments folded lexically. Owned; NULL only if the cwd is unknown. */
char *osr_path_absolute(const char *path, const char *base);
/* The directory part of `path` (owned). */
char *osr_path_dirname(const char *path);
/* A name that is safe as one path component: `len` bytes (so an embedded NUL fails), 1 to
 * `max`, of letters, digits, '_' and '-', and '.' when `dots` (never first). Drafts,
 * memory session ids and run ids are checked with it. */
bool osr_name_ok(const char *name, size_t len, size_t max, bool dots);
/* Whether `path`, with symbolic links followed, lies strictly inside `root` (also
 * resolved): 1 inside (its resolved form in `real`, PATH_MAX bytes), 0 outside, -1 when
 * either does not exist. */
int osr_fs_contained(const char *path, const char *root, char *real);
/* The directory of the running executable (owned), or NULL. */
char *osr_fs_exe_dir(void);
/* A data directory shipped with the executable (owned), or NULL: $env when set, else
 * <exe dir>/<name> (a build tree) or <exe dir>/../share/osiris/<name> (an install). */
char *osr_fs_data_dir(const char *env, const char *name);
/* Removes directory `name` of directory fd `parent` (AT_FDCWD: the current directory) and
 * everything in it, never following a link (a link is removed as a link), at most 8 levels
 * deep. Returns 0, or -1 with errno set. */
int osr_fs_remove_tree_at(int parent, const char *name);
/* The absolute path of the running executable (owned), or NULL. */
char *osr_fs_exe_path(void);

#endif
