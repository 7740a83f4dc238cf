/*
 * mask.c - secret-name rules, DSN masking, JSON masking and free-text redaction.
 */
#include "core/mask.h"
#include "core/alloc.h"
#include "core/buf.h"

#include <ctype.h>

/* Words that make a name secret when they are one of its parts. */
static const char *const secret_parts[] = {
    "password",      "passwd",         "pwd",       "pass",
    "passphrase",    "secret",         "secrets",   "token",
    "credential",    "credentials",    "apikey",    "auth",
    "authorization", "bearer",         "cookie",    "key",
    "keys",          "privatekey",     "sslkey",    "secretkey",
    "accesskey",     "servicerolekey", "anonkey",   "accesstoken",
    "refreshtoken",  "clientsecret",   "sessionid", NULL,
};

/* Parts that mark a key-like name as structural, not secret (primary_key, upsert_keys...). */
static const char *const exempt_parts[] = {
    "primary", "foreign",   "upsert",    "sort",  "partition", "unique",       "cluster", "join",
    "natural", "surrogate", "composite", "dedup", "merge",     "distribution", NULL,
};

/* Last parts that describe a secret rather than hold one (auth_type, token_count). */
static const char *const describing_last_parts[] = {
    "type",    "mode",  "method", "name",  "names",    "header", "column",
    "columns", "field", "fields", "count", "length",   "len",    "size",
    "env",     "var",   "hint",   "url",   "endpoint", NULL,
};

static bool in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++) {
        if (strlen(*list) == n && memcmp(*list, s, n) == 0)
            return true;
    }
    return false;
}

/* Splits `name` into lower-case parts at '_', '-', '.', ' ' and camelCase boundaries. */
static size_t split_parts(const char *name, char *buf, size_t bufsz, const char **parts,
                          size_t *lens, size_t max_parts)
{
    size_t np = 0, o = 0;
    bool open = false;

    for (size_t i = 0; name[i] && o + 1 < bufsz; i++) {
        unsigned char c = (unsigned char)name[i];
        bool sep = c == '_' || c == '-' || c == '.' || c == ' ';
        bool upper_start = isupper(c) && i > 0 && islower((unsigned char)name[i - 1]);

        if (sep || upper_start)
            open = false;
        if (sep)
            continue;
        if (!open) {
            if (np == max_parts)
                break;
            parts[np] = buf + o;
            lens[np++] = 0;
            open = true;
        }
        buf[o++] = (char)tolower(c);
        lens[np - 1]++;
    }
    return np;
}

/* Words written together with a prefix, as in PGPASSWORD, sslpassword, accesstoken. */
static bool ends_with_secret(const char *part, size_t n)
{
    static const char *const suffixes[] = {"password", "passwd",     "secret", "token",
                                           "apikey",   "privatekey", NULL};

    for (const char *const *suf = suffixes; *suf; suf++) {
        size_t sl = strlen(*suf);
        if (n > sl && memcmp(part + n - sl, *suf, sl) == 0)
            return true;
    }
    return false;
}

bool osr_mask_is_secret_name(const char *name)
{
    char buf[256];
    const char *parts[16];
    size_t lens[16], np;
    bool secret = false;

    np = split_parts(name, buf, sizeof(buf), parts, lens, OSR_ARRAY_LEN(parts));
    if (np == 0)
        return false;
    for (size_t i = 0; i < np; i++) {
        if (in_list(parts[i], lens[i], exempt_parts))
            return false;
        if (in_list(parts[i], lens[i], secret_parts) || ends_with_secret(parts[i], lens[i]))
            secret = true;
    }
    if (secret && np > 1 && in_list(parts[np - 1], lens[np - 1], describing_last_parts))
        return false;
    return secret;
}

bool osr_mask_is_reference(const char *s)
{
    size_t n = strlen(s);
    return n > 3 && s[0] == '$' && s[1] == '{' && s[n - 1] == '}' && !strchr(s + 2, '$');
}

/* Masks the password of every scheme://user:password@ authority in s. */
static void mask_userinfo(struct osr_buf *out, const char *s, bool *changed)
{
    const char *p = s;

    while (*p) {
        const char *sch = strstr(p, "://"), *auth, *end, *at = NULL, *colon = NULL;

        if (!sch) {
            osr_buf_puts(out, p);
            return;
        }
        auth = sch + 3;
        /* libpq and most URL parsers take everything up to the last '@' before the path
         * as userinfo, so a password may hold '?' or '#': the authority ends at '/'. */
        end = auth + strcspn(auth, "/ \t\n\"'");
        for (const char *q = auth; q < end; q++) {
            if (*q == '@')
                at = q;
        }
        if (at)
            colon = memchr(auth, ':', (size_t)(at - auth));
        if (!at || !colon) {
            osr_buf_put(out, p, (size_t)(end - p));
            p = end;
            continue;
        }
        osr_buf_put(out, p, (size_t)(colon + 1 - p));
        osr_buf_puts(out, OSR_MASKED);
        p = at;
        if (changed)
            *changed = true;
    }
}

/* At `hit` (the start of "password", any case), returns where the value starts when this
 * is a conninfo pair ("password = v", "Password=v;"), or NULL. */
static const char *conninfo_value(const char *s, const char *hit)
{
    const char *v = hit + 8;

    if (hit > s && !isspace((unsigned char)hit[-1]) && !strchr("?&;", hit[-1]))
        return NULL;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v != '=')
        return NULL;
    v++;
    while (*v == ' ' || *v == '\t')
        v++;
    return v;
}

/* Masks the values of `password=...` pairs in libpq-style (space separated) and
 * ODBC/ADO-style (semicolon separated) connection strings. */
static char *mask_conninfo(const char *s, bool *changed)
{
    struct osr_buf out;
    const char *p = s;

    osr_buf_init(&out, OSR_BUF_UNLIMITED);
    while (*p) {
        const char *hit = strcasestr(p, "password");
        const char *v = hit ? conninfo_value(s, hit) : NULL, *e;

        if (!v || *v == '\0' || strncmp(v, "${", 2) == 0) {
            size_t adv = hit ? (size_t)(hit - p) + 1 : strlen(p);
            osr_buf_put(&out, p, adv);
            p += adv;
            continue;
        }
        if (*v == '\'') {
            e = v + 1;
            while (*e && *e != '\'')
                e += (*e == '\\' && e[1]) ? 2 : 1;
            if (*e)
                e++;
        } else {
            bool url_param = hit > s && strchr("?&;", hit[-1]);
            e = v + strcspn(v, url_param ? "&;# \t\n" : "; \t\n");
        }
        if (e == v) {
            osr_buf_put(&out, p, (size_t)(v - p));
            p = v;
            continue;
        }
        osr_buf_put(&out, p, (size_t)(v - p));
        osr_buf_puts(&out, OSR_MASKED);
        p = e;
        if (changed)
            *changed = true;
    }
    return osr_buf_take(&out);
}

char *osr_mask_dsn(const char *s, bool *changed)
{
    struct osr_buf out;
    char *tmp;

    if (changed)
        *changed = false;
    osr_buf_init(&out, OSR_BUF_UNLIMITED);
    mask_userinfo(&out, s, changed);
    tmp = osr_buf_take(&out);
    if (strcasestr(tmp, "password")) {
        char *m = mask_conninfo(tmp, changed);
        free(tmp);
        tmp = m;
    }
    return tmp;
}

static bool name_is_secret(const char *key, const struct osr_strv *extra)
{
    return osr_mask_is_secret_name(key) || (extra && osr_strv_contains(extra, key));
}

static void mask_value(json_t *parent_obj, const char *key, json_t *v)
{
    if (json_is_string(v) && osr_mask_is_reference(json_string_value(v)))
        return;
    if (json_is_null(v))
        return;
    json_object_set_new(parent_obj, key, json_string(OSR_MASKED));
}

static void mask_string_in_place(json_t *v)
{
    bool changed = false;
    char *m = osr_mask_dsn(json_string_value(v), &changed);

    if (changed)
        json_string_set(v, m);
    free(m);
}

/* A DSN field whose form we can parse keeps its non-secret parts (host, database) visible
 * and loses only its password; any other form is masked whole. */
static bool dsn_with_known_shape(const char *key, json_t *v)
{
    const char *s = json_string_value(v);

    if (!s || !strstr(key, "dsn"))
        return false;
    return strstr(s, "://") != NULL || (strchr(s, '=') != NULL && strchr(s, ' ') != NULL);
}

/* A DSN keeps its visible parts only when its password was found and masked; a DSN whose
 * password cannot be located (or that has none) is masked whole, which is never a leak. */
static void mask_dsn_field(json_t *obj, const char *key, json_t *v)
{
    bool changed = false;
    char *m = osr_mask_dsn(json_string_value(v), &changed);

    if (changed)
        json_string_set(v, m);
    else
        mask_value(obj, key, v);
    free(m);
}

void osr_mask_json(json_t *value, const struct osr_strv *extra_names)
{
    const char *key;
    json_t *v;
    size_t i;
    void *tmp;

    if (json_is_object(value)) {
        json_object_foreach_safe(value, tmp, key, v)
        {
            if (name_is_secret(key, extra_names) && dsn_with_known_shape(key, v))
                mask_dsn_field(value, key, v);
            else if (name_is_secret(key, extra_names) && !json_is_object(v) && !json_is_array(v))
                mask_value(value, key, v);
            else
                osr_mask_json(v, extra_names);
        }
    } else if (json_is_array(value)) {
        json_array_foreach(value, i, v) osr_mask_json(v, extra_names);
    } else if (json_is_string(value)) {
        mask_string_in_place(value);
    }
}

/* Decodes one JSON pointer segment in place (~1 is '/', ~0 is '~'). */
static void unescape_segment(char *seg)
{
    char *out = seg;

    for (char *in = seg; *in; in++) {
        if (in[0] == '~' && (in[1] == '0' || in[1] == '1')) {
            *out++ = in[1] == '0' ? '~' : '/';
            in++;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
}

static json_t *child(json_t *cur, const char *seg, size_t *index)
{
    char *end;
    unsigned long long i;

    if (json_is_object(cur))
        return json_object_get(cur, seg);
    if (!json_is_array(cur) || !*seg || (seg[0] == '0' && seg[1]))
        return NULL;
    i = strtoull(seg, &end, 10);
    if (*end || i >= json_array_size(cur))
        return NULL;
    *index = (size_t)i;
    return json_array_get(cur, (size_t)i);
}

void osr_mask_pointer(json_t *root, const char *pointer)
{
    json_t *cur = root, *parent = NULL;
    char *copy, *seg, *next, *last = NULL;
    size_t index = 0;

    if (pointer[0] != '/')
        return;
    copy = osr_xstrdup(pointer);
    for (seg = copy + 1; seg && cur; seg = next) {
        next = strchr(seg, '/');
        if (next)
            *next++ = '\0';
        unescape_segment(seg);
        parent = cur;
        last = seg;
        cur = child(cur, seg, &index);
    }
    if (cur && parent && !json_is_null(cur) &&
        !(json_is_string(cur) && osr_mask_is_reference(json_string_value(cur)))) {
        if (json_is_array(parent))
            json_array_set_new(parent, index, json_string(OSR_MASKED));
        else
            json_object_set_new(parent, last, json_string(OSR_MASKED));
    }
    free(copy);
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* At an identifier followed by an assignment (=, :), masks the value. Returns the number of
 * bytes consumed from p (0 when nothing matched). */
static size_t redact_pair(struct osr_buf *out, const char *p, const char *start)
{
    const char *e = p, *v, *ve;
    char name[128];
    size_t n;

    if (p > start && ident_char(p[-1]))
        return 0;
    while (ident_char(*e))
        e++;
    n = (size_t)(e - p);
    if (n == 0 || n >= sizeof(name))
        return 0;
    memcpy(name, p, n);
    name[n] = '\0';
    v = e;
    if (*v == '"' || *v == '\'')
        v++;
    while (*v == ' ')
        v++;
    if (*v != '=' && *v != ':')
        return 0;
    if (!osr_mask_is_secret_name(name))
        return 0;
    v++;
    while (*v == ' ')
        v++;
    if (strncmp(v, "Bearer ", 7) == 0 || strncmp(v, "Basic ", 6) == 0 ||
        strncmp(v, "bearer ", 7) == 0)
        v = strchr(v, ' ') + 1;
    if (*v == '"' || *v == '\'') {
        char q = *v;
        ve = strchr(v + 1, q);
        ve = ve ? ve + 1 : v + strlen(v);
    } else {
        ve = v + strcspn(v, " \t\n\r&,;})]");
    }
    if (ve == v || strncmp(v, OSR_MASKED, strlen(OSR_MASKED)) == 0 || *v == '$')
        return 0;
    osr_buf_put(out, p, (size_t)(v - p));
    osr_buf_puts(out, OSR_MASKED);
    return (size_t)(ve - p);
}

static char *redact_pairs(const char *text)
{
    struct osr_buf out;
    const char *p = text;

    osr_buf_init(&out, OSR_BUF_UNLIMITED);
    while (*p) {
        size_t used = 0;

        if (strncasecmp(p, "Bearer ", 7) == 0 && p[7] && !isspace((unsigned char)p[7]) &&
            strncmp(p + 7, OSR_MASKED, strlen(OSR_MASKED)) != 0) {
            osr_buf_put(&out, p, 7);
            osr_buf_puts(&out, OSR_MASKED);
            used = 7 + strcspn(p + 7, " \t\n\r\"',;");
        } else if (isalpha((unsigned char)*p)) {
            used = redact_pair(&out, p, text);
        }
        if (used) {
            p += used;
        } else {
            osr_buf_putc(&out, *p++);
        }
    }
    return osr_buf_take(&out);
}

static char *replace_all(const char *text, const char *needle)
{
    struct osr_buf out;
    size_t nl = strlen(needle);
    const char *p = text, *hit;

    osr_buf_init(&out, OSR_BUF_UNLIMITED);
    while ((hit = strstr(p, needle))) {
        osr_buf_put(&out, p, (size_t)(hit - p));
        osr_buf_puts(&out, OSR_MASKED);
        p = hit + nl;
    }
    osr_buf_puts(&out, p);
    return osr_buf_take(&out);
}

char *osr_redact_text(const char *text, const struct osr_strv *secrets)
{
    char *cur = osr_xstrdup(text), *next;

    /* Whole secret values first, longest first would be ideal; any order still removes
     * every occurrence because a replaced value cannot reappear. */
    for (size_t i = 0; secrets && i < secrets->n; i++) {
        if (strlen(secrets->v[i]) < OSR_MASK_MIN_SECRET_LEN)
            continue;
        next = replace_all(cur, secrets->v[i]);
        free(cur);
        cur = next;
    }
    next = osr_mask_dsn(cur, NULL);
    free(cur);
    cur = redact_pairs(next);
    free(next);
    return cur;
}
