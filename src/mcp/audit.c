/*
 * audit.c - audit and telemetry JSON lines (see audit.h).
 */
#include "mcp/audit.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/mask.h"
#include "core/sha256.h"

#include <errno.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void osr_mcp_logs_init(struct osr_mcp_logs *l, const struct osr_config *cfg, const char *transport)
{
    l->dir = osr_path_absolute(cfg->fs.mcp_logs_dir, cfg->base_path);
    l->audit = cfg->mcp.audit_enabled;
    l->telemetry = cfg->mcp.telemetry_enabled;
    l->transport = transport;
}

void osr_mcp_logs_dispose(struct osr_mcp_logs *l)
{
    free(l->dir);
    l->dir = NULL;
}

/* "2026-11-24T06:50:01.123Z" and "2026-11-24". */
static void now_utc(char stamp[32], char day[11])
{
    struct timespec ts;
    struct tm tm;
    char secs[24];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(secs, sizeof(secs), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp, 32, "%.19s.%03dZ", secs, (int)(ts.tv_nsec / 1000000) % 1000);
    snprintf(day, 11, "%.10s", secs);
}

/* The SHA-256 (hex) of the last line of the open file, or "" when it is empty. */
static void last_line_hash(int fd, char out[65])
{
    char buf[65536];
    off_t end = lseek(fd, 0, SEEK_END), start, pos;
    struct osr_sha256 h;
    unsigned char digest[32];
    bool found = false;

    out[0] = '\0';
    /* The last line ends before the file's trailing newlines... */
    while (end > 0 && pread(fd, buf, 1, end - 1) == 1 && buf[0] == '\n')
        end--;
    if (end <= 0)
        return;
    /* ...and starts after the newline before it, however far back (lines can be long). */
    for (start = end; start > 0 && !found;) {
        size_t n = start > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)start;
        if (pread(fd, buf, n, start - (off_t)n) != (ssize_t)n)
            return;
        for (; n > 0 && !found; n--, start--)
            found = buf[n - 1] == '\n';
        if (found)
            start++;
    }
    osr_sha256_init(&h);
    for (pos = start; pos < end;) {
        size_t n = end - pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)(end - pos);
        if (pread(fd, buf, n, pos) != (ssize_t)n)
            return;
        osr_sha256_update(&h, buf, n);
        pos += (off_t)n;
    }
    osr_sha256_final(&h, digest);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* <logs>/<kind>/<kind>-<day>.jsonl (owned). */
static char *log_file(const struct osr_mcp_logs *l, const char *kind, const char *day)
{
    char *name = osr_xasprintf("%s/%s-%s.jsonl", kind, kind, day);
    char *path = osr_path_join(l->dir, name);

    free(name);
    return path;
}

static void append(const struct osr_mcp_logs *l, const char *kind, json_t *line, bool chain)
{
    static bool warned;
    char stamp[32], day[11], hash[65];
    char *dir = osr_path_join(l->dir, kind), *path = NULL, *text = NULL;
    int fd = -1;

    now_utc(stamp, day);
    if (!json_object_get(line, "timestamp"))
        json_object_set_new(line, "timestamp", json_string(stamp));
    json_object_set_new(line, "transport", json_string(l->transport));
    path = log_file(l, kind, day);
    if (osr_fs_mkdir_p(dir, 0700) < 0 ||
        (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 ||
        flock(fd, LOCK_EX) < 0)
        goto fail;
    if (chain) {
        int rfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (rfd < 0)
            goto fail;
        last_line_hash(rfd, hash);
        close(rfd);
        json_object_set_new(line, "prev_hash", json_string(hash));
    }
    text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text || osr_fs_write_all(fd, text, strlen(text)) < 0 || osr_fs_write_all(fd, "\n", 1) < 0)
        goto fail;
    goto done;
fail:
    if (!warned)
        fprintf(stderr, "osiris mcp: cannot write %s: %s\n", path ? path : dir, strerror(errno));
    warned = true;
done:
    if (fd >= 0)
        close(fd);
    free(text);
    free(path);
    free(dir);
    json_decref(line);
}

bool osr_mcp_audited(const struct osr_mcp_logs *l, const char *correlation_id)
{
    char stamp[32], day[11], *path;
    struct osr_buf text;
    bool found = false;

    now_utc(stamp, day);
    path = log_file(l, "audit", day);
    if (correlation_id && osr_fs_read_file(&text, path, (size_t)1 << 30) == 0) {
        found = memmem(text.ptr, text.len, correlation_id, strlen(correlation_id)) != NULL;
        osr_buf_dispose(&text);
    }
    free(path);
    return found;
}

void osr_mcp_audit(const struct osr_mcp_logs *l, json_t *line)
{
    if (!l || !l->audit || !l->dir) {
        json_decref(line);
        return;
    }
    append(l, "audit", line, true);
}

void osr_mcp_telemetry(const struct osr_mcp_logs *l, json_t *line)
{
    if (!l || !l->telemetry || !l->dir) {
        json_decref(line);
        return;
    }
    append(l, "telemetry", line, false);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks one file's chain; appends what is broken. Returns the number of lines. */
static size_t verify_file(const char *path, const char *name, json_t *broken)
{
    struct osr_buf text;
    char prev[65] = "";
    size_t lines = 0;
    const char *p;

    if (osr_fs_read_file(&text, path, (size_t)1 << 30) < 0) {
        json_array_append_new(broken, json_pack("{s:s, s:i, s:s}", "file", name, "line", 0,
                                                "reason", osr_error_last()));
        return 0;
    }
    for (p = text.ptr; p < text.ptr + text.len;) {
        const char *nl = memchr(p, '\n', (size_t)(text.ptr + text.len - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(text.ptr + text.len - p);
        json_error_t jerr;
        json_t *line = json_loadb(p, len, 0, &jerr);
        const char *ph = json_string_value(json_object_get(line, "prev_hash"));
        lines++;
        if (!ph || strcmp(ph, prev) != 0)
            json_array_append_new(broken,
                                  json_pack("{s:s, s:I, s:s}", "file", name, "line",
                                            (json_int_t)lines, "reason",
                                            !line ? "not JSON"
                                            : !ph ? "no prev_hash"
                                                  : "prev_hash does not match the line before"));
        osr_sha256_hex(p, len, prev);
        json_decref(line);
        p += len + 1;
    }
    osr_buf_dispose(&text);
    return lines;
}

json_t *osr_mcp_audit_verify(const char *dir)
{
    char *adir = osr_path_join(dir, "audit");
    DIR *d = opendir(adir);
    struct dirent *ent;
    char **names = NULL;
    size_t n = 0, cap = 0, lines = 0;
    json_t *broken = json_array(), *files = json_array();

    while (d && (ent = readdir(d))) {
        size_t len = strlen(ent->d_name);
        if (strncmp(ent->d_name, "audit-", 6) != 0 || len < 7 ||
            strcmp(ent->d_name + len - 6, ".jsonl") != 0)
            continue;
        names = osr_xgrow(names, &cap, n + 1, sizeof(*names));
        names[n++] = osr_xstrdup(ent->d_name);
    }
    if (d)
        closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *path = osr_path_join(adir, names[i]);
        lines += verify_file(path, names[i], broken);
        json_array_append_new(files, json_string(names[i]));
        free(path);
        free(names[i]);
    }
    free(names);
    free(adir);
    return json_pack("{s:o, s:I, s:o}", "files", files, "lines", (json_int_t)lines, "broken",
                     broken);
}

#define AUDIT_TEXT_MAX 256

/* What the audit keeps of one string argument (new reference). */
static json_t *string_form(json_t *v)
{
    char hex[65], *red;
    json_t *form;

    if (json_string_length(v) > AUDIT_TEXT_MAX) {
        osr_sha256_hex(json_string_value(v), json_string_length(v), hex);
        return json_pack("{s:I, s:s}", "bytes", (json_int_t)json_string_length(v), "sha256", hex);
    }
    red = osr_redact_text(json_string_value(v), NULL);
    form = json_string(red);
    free(red);
    return form;
}

/* Replaces, in place, every string inside `j` by its string_form. */
static void audit_form(json_t *j)
{
    const char *k;
    json_t *v;
    size_t i;

    json_object_foreach(j, k, v)
    {
        if (json_is_string(v))
            json_object_set_new(j, k, string_form(v)); /* replacing a value keeps the walk */
        else
            audit_form(v);
    }
    json_array_foreach(j, i, v)
    {
        if (json_is_string(v))
            json_array_set_new(j, i, string_form(v));
        else
            audit_form(v);
    }
}

json_t *osr_mcp_audit_arguments(json_t *args)
{
    json_t *copy = json_deep_copy(args);

    osr_mask_json(copy, NULL);
    audit_form(copy);
    return copy;
}
