/*
 * jsonschema.c - the validator of jsonschema.h.
 *
 * Recursion follows the instance and the schema together; both are bounded (the instance
 * by the parser's depth limit, the schema by MAX_DEPTH, which also stops reference loops).
 */
#include "core/jsonschema.h"
#include "core/alloc.h"
#include "core/buf.h"

#include <locale.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>

#define MAX_DEPTH 64
#define MAX_ERRORS 50

struct ctx {
    const json_t *root;
    struct osr_strv *errors;
    int count;
};

static int check(struct ctx *c, const json_t *schema, const json_t *v, const char *path, int depth);

static void report(struct ctx *c, const char *path, const char *fmt, ...) OSR_PRINTF(3, 4);

static void report(struct ctx *c, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    c->count++;
    if (!c->errors || c->errors->n >= MAX_ERRORS)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    {
        char *line = osr_xasprintf("%s: %s", path, msg);
        osr_strv_push(c->errors, line);
        free(line);
    }
}

static const char *type_of(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static bool has_type(const json_t *v, const char *t)
{
    if (strcmp(t, "number") == 0)
        return json_is_number(v);
    if (strcmp(t, "integer") == 0)
        return json_is_integer(v) ||
               (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v) &&
                isfinite(json_real_value(v)));
    return strcmp(t, type_of(v)) == 0;
}

static int check_type(struct ctx *c, const json_t *type, const json_t *v, const char *path)
{
    size_t i;
    json_t *t;

    if (json_is_string(type)) {
        if (has_type(v, json_string_value(type)))
            return 0;
        report(c, path, "must be %s, not %s", json_string_value(type), type_of(v));
        return 1;
    }
    if (!json_is_array(type))
        return 0;
    json_array_foreach(type, i, t)
    {
        if (json_is_string(t) && has_type(v, json_string_value(t)))
            return 0;
    }
    report(c, path, "has type %s, which is not allowed here", type_of(v));
    return 1;
}

/* Numbers compare by value, so 1 and 1.0 are equal as JSON Schema requires. */
static bool json_equal_num(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b))
        return false;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++) {
            if (!json_equal_num(json_array_get(a, i), json_array_get(b, i)))
                return false;
        }
        return true;
    }
    if (json_is_object(a)) {
        const char *k;
        json_t *x;
        if (json_object_size(a) != json_object_size(b))
            return false;
        json_object_foreach((json_t *)a, k, x)
        {
            json_t *y = json_object_get(b, k);
            if (!y || !json_equal_num(x, y))
                return false;
        }
        return true;
    }
    return json_equal(a, b);
}

static size_t utf8_len(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    }
    return count;
}

/* Regular expressions run in a UTF-8 locale so that '.' and [...] match characters, not
 * bytes; the locale is switched for this thread only, around the regex calls. A pattern
 * that does not compile matches everything (it is the schema's fault, not the value's). */
static bool pattern_matches(const char *pattern, const char *value)
{
    static locale_t utf8;
    locale_t old;
    regex_t re;
    bool ok = true;

    if (!utf8)
        utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    old = utf8 ? uselocale(utf8) : (locale_t)0;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) == 0) {
        ok = regexec(&re, value, 0, NULL, 0) == 0;
        regfree(&re);
    }
    if (utf8)
        uselocale(old);
    return ok;
}

static int check_string(struct ctx *c, const json_t *s, const json_t *v, const char *path)
{
    json_t *minl = json_object_get(s, "minLength"), *maxl = json_object_get(s, "maxLength");
    json_t *pat = json_object_get(s, "pattern");
    size_t len = utf8_len(json_string_value(v), json_string_length(v));
    int n = 0;

    if (json_is_number(minl) && (double)len < json_number_value(minl)) {
        report(c, path, "must be at least %g characters long", json_number_value(minl));
        n++;
    }
    if (json_is_number(maxl) && (double)len > json_number_value(maxl)) {
        report(c, path, "must be at most %g characters long", json_number_value(maxl));
        n++;
    }
    if (json_is_string(pat) && !pattern_matches(json_string_value(pat), json_string_value(v))) {
        report(c, path, "does not match the pattern %s", json_string_value(pat));
        n++;
    }
    return n;
}

static int check_number(struct ctx *c, const json_t *s, const json_t *v, const char *path)
{
    double x = json_number_value(v);
    json_t *k;
    int n = 0;

    if ((k = json_object_get(s, "minimum")) && json_is_number(k) && x < json_number_value(k)) {
        report(c, path, "must be >= %g", json_number_value(k));
        n++;
    }
    if ((k = json_object_get(s, "maximum")) && json_is_number(k) && x > json_number_value(k)) {
        report(c, path, "must be <= %g", json_number_value(k));
        n++;
    }
    if ((k = json_object_get(s, "exclusiveMinimum")) && json_is_number(k) &&
        x <= json_number_value(k)) {
        report(c, path, "must be > %g", json_number_value(k));
        n++;
    }
    if ((k = json_object_get(s, "exclusiveMaximum")) && json_is_number(k) &&
        x >= json_number_value(k)) {
        report(c, path, "must be < %g", json_number_value(k));
        n++;
    }
    if ((k = json_object_get(s, "multipleOf")) && json_is_number(k) && json_number_value(k) > 0) {
        double q = x / json_number_value(k);
        if (!isfinite(q) || fabs(q - round(q)) > 1e-9) {
            report(c, path, "must be a multiple of %g", json_number_value(k));
            n++;
        }
    }
    return n;
}

static char *child_path(const char *path, const char *key)
{
    return osr_xasprintf("%s.%s", path, key);
}

static int check_object(struct ctx *c, const json_t *s, const json_t *v, const char *path,
                        int depth)
{
    json_t *props = json_object_get(s, "properties"), *req = json_object_get(s, "required");
    json_t *addl = json_object_get(s, "additionalProperties"), *x;
    const char *key;
    size_t i;
    int n = 0;

    json_array_foreach(req, i, x)
    {
        if (json_is_string(x) && !json_object_get(v, json_string_value(x))) {
            report(c, path, "'%s' is required", json_string_value(x));
            n++;
        }
    }
    json_object_foreach((json_t *)v, key, x)
    {
        json_t *ps = json_object_get(props, key);
        char *cp = child_path(path, key);
        if (ps) {
            n += check(c, ps, x, cp, depth + 1);
        } else if (json_is_false(addl)) {
            report(c, path, "unknown property '%s'", key);
            n++;
        } else if (json_is_object(addl)) {
            n += check(c, addl, x, cp, depth + 1);
        }
        free(cp);
    }
    return n;
}

static int check_array(struct ctx *c, const json_t *s, const json_t *v, const char *path, int depth)
{
    json_t *items = json_object_get(s, "items"), *k, *x;
    size_t count = json_array_size(v), i;
    int n = 0;

    if ((k = json_object_get(s, "minItems")) && json_is_number(k) &&
        (double)count < json_number_value(k)) {
        report(c, path, "must have at least %g items", json_number_value(k));
        n++;
    }
    if ((k = json_object_get(s, "maxItems")) && json_is_number(k) &&
        (double)count > json_number_value(k)) {
        report(c, path, "must have at most %g items", json_number_value(k));
        n++;
    }
    if (json_is_true(json_object_get(s, "uniqueItems"))) {
        for (size_t a = 0; a < count; a++) {
            for (size_t b = a + 1; b < count; b++) {
                if (json_equal_num(json_array_get(v, a), json_array_get(v, b))) {
                    report(c, path, "items %zu and %zu are equal", a, b);
                    return n + 1;
                }
            }
        }
    }
    if (json_is_object(items) || json_is_boolean(items)) {
        json_array_foreach(v, i, x)
        {
            char *cp = osr_xasprintf("%s[%zu]", path, i);
            n += check(c, items, x, cp, depth + 1);
            free(cp);
        }
    }
    return n;
}

/* Counts how many subschemas of `list` accept v, without reporting their errors. */
static int count_valid(struct ctx *c, const json_t *list, const json_t *v, const char *path,
                       int depth)
{
    size_t i;
    json_t *s;
    int ok = 0;

    json_array_foreach(list, i, s)
    {
        struct ctx sub = {c->root, NULL, 0};
        if (check(&sub, s, v, path, depth + 1) == 0)
            ok++;
    }
    return ok;
}

static int check_combinators(struct ctx *c, const json_t *s, const json_t *v, const char *path,
                             int depth)
{
    json_t *k;
    size_t i;
    json_t *sub;
    int n = 0;

    if ((k = json_object_get(s, "allOf")) && json_is_array(k)) {
        json_array_foreach(k, i, sub) n += check(c, sub, v, path, depth + 1);
    }
    if ((k = json_object_get(s, "anyOf")) && json_is_array(k) &&
        count_valid(c, k, v, path, depth) == 0) {
        report(c, path, "matches none of the allowed forms");
        n++;
    }
    if ((k = json_object_get(s, "oneOf")) && json_is_array(k) &&
        count_valid(c, k, v, path, depth) != 1) {
        report(c, path, "must match exactly one of the allowed forms");
        n++;
    }
    if ((k = json_object_get(s, "not")) && (json_is_object(k) || json_is_boolean(k))) {
        struct ctx tmp = {c->root, NULL, 0};
        if (check(&tmp, k, v, path, depth + 1) == 0) {
            report(c, path, "matches a form that is not allowed");
            n++;
        }
    }
    return n;
}

static const json_t *resolve_ref(const json_t *root, const char *ref)
{
    const json_t *cur = root;
    char *copy, *seg;

    if (strcmp(ref, "#") == 0)
        return root;
    if (strncmp(ref, "#/", 2) != 0)
        return NULL;
    copy = osr_xstrdup(ref + 2);
    for (seg = copy; seg && cur;) {
        char *next = strchr(seg, '/'), *out = seg;
        if (next)
            *next++ = '\0';
        /* JSON Pointer escapes: ~1 is '/', ~0 is '~'. */
        for (char *in = seg; *in; in++) {
            if (in[0] == '~' && (in[1] == '0' || in[1] == '1'))
                *out++ = *++in == '0' ? '~' : '/';
            else
                *out++ = *in;
        }
        *out = '\0';
        cur = json_object_get(cur, seg);
        seg = next;
    }
    free(copy);
    return cur;
}

static int check(struct ctx *c, const json_t *s, const json_t *v, const char *path, int depth)
{
    json_t *k;
    size_t i;
    json_t *e;
    int n = 0;

    if (json_is_true(s))
        return 0;
    if (json_is_false(s)) {
        report(c, path, "no value is allowed here");
        return 1;
    }
    if (!json_is_object(s))
        return 0;
    if (depth > MAX_DEPTH) {
        report(c, path, "schema nesting is too deep");
        return 1;
    }
    if ((k = json_object_get(s, "$ref")) && json_is_string(k)) {
        const json_t *target = resolve_ref(c->root, json_string_value(k));
        if (target)
            n += check(c, target, v, path, depth + 1);
    }
    if ((k = json_object_get(s, "type")) && check_type(c, k, v, path))
        return n + 1;
    if ((k = json_object_get(s, "enum")) && json_is_array(k)) {
        bool found = false;
        json_array_foreach(k, i, e) found = found || json_equal_num(e, v);
        if (!found) {
            char *list = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);
            report(c, path, "must be one of %s", list ? list : "the listed values");
            free(list);
            n++;
        }
    }
    if ((k = json_object_get(s, "const")) && !json_equal_num(k, v)) {
        report(c, path, "must equal the fixed value");
        n++;
    }
    if (json_is_string(v))
        n += check_string(c, s, v, path);
    else if (json_is_number(v))
        n += check_number(c, s, v, path);
    else if (json_is_object(v))
        n += check_object(c, s, v, path, depth);
    else if (json_is_array(v))
        n += check_array(c, s, v, path, depth);
    return n + check_combinators(c, s, v, path, depth);
}

int osr_jsonschema_validate(const json_t *schema, const json_t *instance, const char *root_name,
                            struct osr_strv *errors)
{
    struct ctx c = {schema, errors, 0};

    check(&c, schema, instance, root_name ? root_name : "$", 0);
    return c.count;
}
