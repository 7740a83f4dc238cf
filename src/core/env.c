/*
 * env.c - .env files and ${VAR} substitution (see env.h).
 *
 * The .env syntax accepted: blank lines, `# comments`, `KEY=value`, `export KEY=value`,
 * values in single quotes (taken literally), double quotes (with \n, \t, \", \\ escapes),
 * or bare (trailing whitespace and a ` # comment` removed).
 */
#include "core/env.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENV_FILE_MAX (1u << 20)

bool osr_env_name_valid(const char *name, size_t n)
{
    if (n == 0 || !(name[0] == '_' || (name[0] >= 'A' && name[0] <= 'Z') ||
                    (name[0] >= 'a' && name[0] <= 'z')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

static const char *skip_blank(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Parses the value part of a line into `val`; returns false on an unterminated quote. */
static bool parse_value(struct osr_buf *val, const char *p, const char *end)
{
    p = skip_blank(p, end);
    if (p < end && (*p == '"' || *p == '\'')) {
        char q = *p++;
        for (; p < end && *p != q; p++) {
            if (q == '"' && *p == '\\' && p + 1 < end) {
                char e = *++p;
                osr_buf_putc(val, e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
            } else {
                osr_buf_putc(val, *p);
            }
        }
        return p < end;
    }
    const char *stop = end;
    for (const char *s = p; s < end; s++) {
        /* p is inside the line, after '=': s[-1] is always readable. */
        if (*s == '#' && (s[-1] == ' ' || s[-1] == '\t')) {
            stop = s;
            break;
        }
    }
    while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\r'))
        stop--;
    osr_buf_put(val, p, (size_t)(stop - p));
    return true;
}

static int load_line(const char *file, unsigned lineno, const char *p, const char *end,
                     struct osr_diags *diags)
{
    const char *key, *eq;
    struct osr_buf val;
    char *name;
    int set = 0;

    p = skip_blank(p, end);
    if (p == end || *p == '#' || *p == '\r')
        return 0;
    if ((size_t)(end - p) > 7 && memcmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
        p = skip_blank(p + 7, end);
    key = p;
    eq = memchr(p, '=', (size_t)(end - p));
    if (!eq) {
        osr_diag_add_at(diags, OSR_SEV_WARNING, "ENV001", file, lineno, 1, NULL, "write KEY=value",
                        "line ignored: no '=' found");
        return 0;
    }
    while (eq > key && (eq[-1] == ' ' || eq[-1] == '\t'))
        eq--;
    if (!osr_env_name_valid(key, (size_t)(eq - key))) {
        osr_diag_add_at(diags, OSR_SEV_WARNING, "ENV002", file, lineno, 1, NULL,
                        "names use letters, digits and '_' and do not start with a digit",
                        "line ignored: '%.*s' is not a valid variable name",
                        (int)(eq - key > 64 ? 64 : eq - key), key);
        return 0;
    }
    name = osr_xstrndup(key, (size_t)(eq - key));
    osr_buf_init(&val, ENV_FILE_MAX);
    if (!parse_value(&val, memchr(eq, '=', (size_t)(end - eq)) + 1, end)) {
        osr_diag_add_at(diags, OSR_SEV_WARNING, "ENV003", file, lineno, 1, NULL,
                        "close the quote on the same line",
                        "line ignored: the value of %s has an unterminated quote", name);
    } else if (!getenv(name)) {
        setenv(name, val.ptr, 0);
        set = 1;
    }
    explicit_bzero(val.ptr, val.len);
    osr_buf_dispose(&val);
    free(name);
    return set;
}

int osr_env_load_file(const char *path, struct osr_diags *diags)
{
    struct osr_buf text;
    struct stat st;
    const char *p, *end;
    unsigned lineno = 0;
    int rc, count = 0;

    rc = osr_fs_read_file(&text, path, ENV_FILE_MAX);
    if (rc == -OSR_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    if (stat(path, &st) == 0 && (st.st_mode & 077))
        osr_diag_add_at(diags, OSR_SEV_WARNING, "ENV010", path, 0, 0, NULL, "run: chmod 600 .env",
                        ".env is readable by group or others (mode %03o); it holds secrets",
                        (unsigned)(st.st_mode & 0777));
    p = text.ptr;
    end = text.ptr + text.len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        count += load_line(path, ++lineno, p, eol, diags);
        p = eol + 1;
    }
    explicit_bzero(text.ptr, text.len);
    osr_buf_dispose(&text);
    return count;
}

int osr_env_load_workspace(const char *base_path, struct osr_diags *diags)
{
    char *base_env = osr_path_join(base_path, ".env");
    char *cwd_env = osr_path_absolute(".env", NULL);
    int rc = osr_env_load_file(base_env, diags);

    if (rc >= 0 && cwd_env && strcmp(cwd_env, base_env) != 0) {
        int rc2 = osr_env_load_file(cwd_env, diags);
        rc = rc2 < 0 ? rc2 : rc + rc2;
    }
    free(base_env);
    free(cwd_env);
    return rc;
}

int osr_env_subst(char **out, const char *s, struct osr_strv *refs, struct osr_strv *missing)
{
    struct osr_buf b;
    int unresolved = 0;

    osr_buf_init(&b, OSR_BUF_UNLIMITED);
    while (*s) {
        const char *close, *name = s + 2, *dflt = NULL;
        size_t nlen;
        char *var;
        const char *val;

        if (s[0] != '$' || s[1] != '{' || !(close = strchr(s + 2, '}'))) {
            osr_buf_putc(&b, *s++);
            continue;
        }
        nlen = (size_t)(close - name);
        for (size_t i = 0; i + 1 < nlen; i++) {
            if (name[i] == ':' && name[i + 1] == '-') {
                dflt = name + i + 2;
                nlen = i;
                break;
            }
        }
        if (!osr_env_name_valid(name, nlen)) {
            osr_buf_put(&b, s, (size_t)(close - s) + 1);
            s = close + 1;
            continue;
        }
        var = osr_xstrndup(name, nlen);
        val = getenv(var);
        if (refs)
            osr_strv_add_unique(refs, var);
        if (dflt && (!val || !*val)) {
            osr_buf_put(&b, dflt, (size_t)(close - dflt));
        } else if (val) {
            osr_buf_puts(&b, val);
        } else {
            osr_buf_put(&b, s, (size_t)(close - s) + 1);
            unresolved++;
            if (missing)
                osr_strv_add_unique(missing, var);
        }
        free(var);
        s = close + 1;
    }
    *out = osr_buf_take(&b);
    return unresolved;
}
