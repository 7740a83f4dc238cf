/*
 * retention.c - removing old run records (see retention.h).
 *
 * Every directory is reached one component at a time from an open descriptor with
 * O_NOFOLLOW (openat), and entries are removed with unlinkat, so a symbolic link planted
 * anywhere below the run-log or AIOP root is removed as a link and never followed. Only
 * the roots themselves (run_logs_dir and aiop_dir, as configured) are opened by path.
 */
#include "pipeline/retention.h"
#include "core/jsonl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "pipeline/run_index.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A run directory holds files and a level or two of directories; anything deeper is not
 * ours and makes the removal fail rather than recurse without bound. */
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct entry {
    char *name;
    const char *run_id; /* inside name */
    struct timespec mtime;
};

struct prune {
    const struct osr_config *cfg;
    const char *slug, *keep;
    int rc; /* the first error */
};

/* "<YYYYMMDDTHHMMSSZ>_<run id>", the runner's run directory; *run_id points into name. */
static bool run_dir_name(int dirfd, const char *name, const char **run_id)
{
    static const char shape[] = "00000000T000000Z_";

    for (size_t i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] == '0' ? !isdigit((unsigned char)name[i]) : name[i] != shape[i])
            return false;
    }
    *run_id = name + sizeof(shape) - 1;
    return osr_run_id_ok(*run_id);
}

/* A run id holding the package's files (checked without following links). */
static bool aiop_dir_name(int dirfd, const char *name, const char **run_id)
{
    struct stat st;
    char *json = osr_xasprintf("%s/aiop.json", name), *card = osr_xasprintf("%s/run-card.md", name);
    bool ok = osr_run_id_ok(name) &&
              ((fstatat(dirfd, json, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) ||
               (fstatat(dirfd, card, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)));

    free(json);
    free(card);
    *run_id = name;
    return ok;
}

/* The sub-directories of `dirfd` (not links to them) that `match` accepts. */
static size_t list_dirs(struct entry **out, int dirfd,
                        bool (*match)(int dirfd, const char *name, const char **run_id))
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    size_t n = 0, cap = 0;

    *out = NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    while ((e = readdir(d))) {
        struct stat st;
        const char *id;
        if (e->d_name[0] == '.' || fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISDIR(st.st_mode) || !match(dirfd, e->d_name, &id))
            continue;
        *out = osr_xgrow(*out, &cap, n + 1, sizeof(**out));
        (*out)[n].name = osr_xstrdup(e->d_name);
        (*out)[n].run_id = (*out)[n].name + (id - e->d_name);
        (*out)[n++].mtime = st.st_mtim;
    }
    closedir(d);
    return n;
}

static void free_entries(struct entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

/* One line of retention.jsonl, in one O_APPEND write. */
static void record(struct prune *P, const char *run_id, const char *what, const char *path,
                   const char *reason)
{
    char *dir = osr_config_path(P->cfg, P->cfg->fs.index_dir);
    char *file = osr_path_join(dir, "retention.jsonl"), ts[32], *line;
    time_t now = time(NULL);
    struct tm tm;
    json_t *rec;
    int fd;

    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ts", ts, "run_id", run_id, "pipeline",
                    P->slug, "removed", what, "path", path, "reason", reason);
    line = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    if (line && osr_fs_mkdir_p(dir, 0700) == 0 &&
        (fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) >= 0) {
        char *nl = osr_xasprintf("%s\n", line);
        osr_fs_write_all(fd, nl, strlen(nl));
        free(nl);
        close(fd);
    }
    free(line);
    free(file);
    free(dir);
}

/* Removes entry `e` of `dirfd` (its path for people is `shown`) and records why. */
static void remove_entry(struct prune *P, int dirfd, const struct entry *e, const char *what,
                         const char *shown, const char *reason)
{
    if (osr_fs_remove_tree_at(dirfd, e->name) < 0) {
        if (P->rc == 0)
            P->rc = osr_error_set_errno(-OSR_EIO, "retention cannot remove %s", shown);
        return;
    }
    record(P, e->run_id, what, shown, reason);
}

/* The run directories of <profile>/<slug> older than run_logs_days. */
static void prune_old_logs(struct prune *P, int slug_fd, const char *profile)
{
    time_t limit = time(NULL) - (time_t)P->cfg->fs.run_logs_days * 86400;
    char *reason = osr_xasprintf("older than %lld days (filesystem.retention.run_logs_days)",
                                 P->cfg->fs.run_logs_days);
    struct entry *v;
    size_t n = list_dirs(&v, slug_fd, run_dir_name);

    for (size_t i = 0; i < n; i++) {
        char *shown;
        if (strcmp(v[i].run_id, P->keep) == 0 || v[i].mtime.tv_sec >= limit)
            continue;
        shown = osr_xasprintf("%s/%s/%s/%s", P->cfg->fs.run_logs_dir, profile, P->slug, v[i].name);
        remove_entry(P, slug_fd, &v[i], "run_logs", shown, reason);
        free(shown);
    }
    free_entries(v, n);
    free(reason);
}

static bool any_name(int dirfd, const char *name, const char **run_id)
{
    *run_id = name;
    return osr_name_ok(name, strlen(name), 200, true);
}

/* Run logs: <run_logs_dir>/<every profile>/<slug>/. */
static void prune_logs(struct prune *P)
{
    char *root = osr_config_path(P->cfg, P->cfg->fs.run_logs_dir);
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct entry *profiles = NULL;
    size_t n = fd >= 0 ? list_dirs(&profiles, fd, any_name) : 0;

    for (size_t i = 0; i < n; i++) {
        int pfd = openat(fd, profiles[i].name, DIR_FLAGS);
        int sfd = pfd >= 0 ? openat(pfd, P->slug, DIR_FLAGS) : -1;
        if (sfd >= 0) {
            prune_old_logs(P, sfd, profiles[i].name);
            close(sfd);
        }
        if (pfd >= 0)
            close(pfd);
    }
    free_entries(profiles, n);
    if (fd >= 0)
        close(fd);
    free(root);
}

/* Newest first; the run to keep before all. */
static int newest_first(const void *a, const void *b, void *keep)
{
    const struct entry *x = a, *y = b;

    if ((strcmp(x->run_id, keep) == 0) != (strcmp(y->run_id, keep) == 0))
        return strcmp(x->run_id, keep) == 0 ? -1 : 1;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec > y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec > y->mtime.tv_nsec ? -1 : 1;
    return strcmp(y->name, x->name);
}

/* Packages: <aiop_dir>/<slug>/<run_id>/ beyond the newest aiop_keep_runs_per_pipeline. */
static void prune_aiop(struct prune *P)
{
    char *root = osr_config_path(P->cfg, P->cfg->fs.aiop_dir);
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int sfd = fd >= 0 ? openat(fd, P->slug, DIR_FLAGS) : -1;
    size_t keep = (size_t)P->cfg->fs.aiop_keep_runs_per_pipeline, n;
    char *reason = osr_xasprintf("beyond the newest %zu packages of the pipeline "
                                 "(filesystem.retention.aiop_keep_runs_per_pipeline)",
                                 keep);
    struct entry *v = NULL;

    n = sfd >= 0 ? list_dirs(&v, sfd, aiop_dir_name) : 0;
    qsort_r(v, n, sizeof(*v), newest_first, (void *)P->keep);
    for (size_t i = keep; i < n; i++) {
        char *shown = osr_xasprintf("%s/%s/%s", P->cfg->fs.aiop_dir, P->slug, v[i].name);
        remove_entry(P, sfd, &v[i], "aiop", shown, reason);
        free(shown);
    }
    free_entries(v, n);
    free(reason);
    if (sfd >= 0)
        close(sfd);
    if (fd >= 0)
        close(fd);
    free(root);
}

int osr_retention_apply(const struct osr_config *cfg, const char *slug, const char *keep_run_id)
{
    struct prune P = {cfg, slug, keep_run_id, 0};

    if (!slug || !osr_name_ok(slug, strlen(slug), 200, false) || !osr_run_id_ok(keep_run_id))
        return osr_error_set(-OSR_EINVAL, "retention: not a pipeline slug and run id");
    if (cfg->fs.run_logs_days > 0)
        prune_logs(&P);
    if (cfg->fs.aiop_keep_runs_per_pipeline > 0)
        prune_aiop(&P);
    return P.rc;
}

json_t *osr_retention_find(const struct osr_config *cfg, const char *run_id, const char *what)
{
    char *dir = osr_config_path(cfg, cfg->fs.index_dir);
    char *file = osr_path_join(dir, "retention.jsonl");
    json_t *recs, *rec, *found = NULL;
    size_t i;

    osr_jsonl_load(&recs, file); /* unreadable: nothing is known to be removed */
    json_array_foreach(recs, i, rec)
    {
        const char *id = json_string_value(json_object_get(rec, "run_id"));
        const char *removed = json_string_value(json_object_get(rec, "removed"));
        if (id && removed && strcmp(id, run_id) == 0 && strcmp(removed, what) == 0)
            found = rec; /* the last one says */
    }
    json_incref(found);
    json_decref(recs);
    free(file);
    free(dir);
    return found;
}
