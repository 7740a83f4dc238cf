/*
 * canon.c - canonical JSON and YAML writers (see canon.h).
 */
#include "core/canon.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/sha256.h"

#include <math.h>

static void put_string(struct osr_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";

    osr_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            osr_buf_putc(b, '\\');
            osr_buf_putc(b, (char)c);
        } else if (c == '\n') {
            osr_buf_puts(b, "\\n");
        } else if (c == '\t') {
            osr_buf_puts(b, "\\t");
        } else if (c == '\r') {
            osr_buf_puts(b, "\\r");
        } else if (c < 0x20 || c == 0x7f) {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            osr_buf_puts(b, u);
        } else {
            osr_buf_putc(b, (char)c);
        }
    }
    osr_buf_putc(b, '"');
}

static void put_real(struct osr_buf *b, double d)
{
    char tmp[40];

    if (!isfinite(d)) {
        osr_buf_puts(b, "null");
        return;
    }
    /* The shortest of %.15g, %.16g, %.17g that reads back exactly. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    osr_buf_puts(b, tmp);
    if (!strpbrk(tmp, ".eE"))
        osr_buf_puts(b, ".0");
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The object's keys, sorted (array owned, strings borrowed). */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
    const char **keys = osr_xmalloc((json_object_size(obj) + 1) * sizeof(*keys));
    const char *k;
    json_t *v;
    size_t i = 0;

    json_object_foreach((json_t *)obj, k, v) keys[i++] = k;
    qsort(keys, i, sizeof(*keys), cmp_keys);
    *n = i;
    return keys;
}

static void put_json(struct osr_buf *b, const json_t *v)
{
    size_t n, i;
    const char **keys;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        keys = sorted_keys(v, &n);
        osr_buf_putc(b, '{');
        for (i = 0; i < n; i++) {
            if (i)
                osr_buf_putc(b, ',');
            put_string(b, keys[i], strlen(keys[i]));
            osr_buf_putc(b, ':');
            put_json(b, json_object_get(v, keys[i]));
        }
        osr_buf_putc(b, '}');
        free(keys);
        break;
    case JSON_ARRAY:
        osr_buf_putc(b, '[');
        for (i = 0; i < json_array_size(v); i++) {
            if (i)
                osr_buf_putc(b, ',');
            put_json(b, json_array_get(v, i));
        }
        osr_buf_putc(b, ']');
        break;
    case JSON_STRING:
        put_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        osr_buf_printf(b, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        put_real(b, json_real_value(v));
        break;
    case JSON_TRUE:
        osr_buf_puts(b, "true");
        break;
    case JSON_FALSE:
        osr_buf_puts(b, "false");
        break;
    default:
        osr_buf_puts(b, "null");
    }
}

char *osr_canon_json(const json_t *v)
{
    struct osr_buf b;

    osr_buf_init(&b, OSR_BUF_UNLIMITED);
    put_json(&b, v);
    return osr_buf_take(&b);
}

static bool is_container(const json_t *v)
{
    return (json_is_object(v) && json_object_size(v)) || (json_is_array(v) && json_array_size(v));
}

static void indent(struct osr_buf *b, int level)
{
    for (int i = 0; i < level; i++)
        osr_buf_puts(b, "  ");
}

static void put_yaml(struct osr_buf *b, const json_t *v, int level);

/* A scalar, or an empty container in flow form, on the current line. */
static void put_yaml_inline(struct osr_buf *b, const json_t *v)
{
    if (json_is_object(v))
        osr_buf_puts(b, "{}");
    else if (json_is_array(v))
        osr_buf_puts(b, "[]");
    else
        put_json(b, v);
}

/* What follows "key:" or "-": a nested block on the next lines, or the value inline. */
static void put_yaml_value(struct osr_buf *b, const json_t *c, int level)
{
    if (is_container(c)) {
        osr_buf_putc(b, '\n');
        put_yaml(b, c, level + 1);
    } else {
        osr_buf_putc(b, ' ');
        put_yaml_inline(b, c);
        osr_buf_putc(b, '\n');
    }
}

static void put_yaml(struct osr_buf *b, const json_t *v, int level)
{
    size_t n, i;
    const char **keys;

    if (json_is_object(v)) {
        keys = sorted_keys(v, &n);
        for (i = 0; i < n; i++) {
            const json_t *c = json_object_get(v, keys[i]);
            indent(b, level);
            put_string(b, keys[i], strlen(keys[i]));
            osr_buf_putc(b, ':');
            put_yaml_value(b, c, level);
        }
        free(keys);
    } else if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++) {
            const json_t *c = json_array_get(v, i);
            indent(b, level);
            osr_buf_putc(b, '-');
            put_yaml_value(b, c, level);
        }
    } else {
        indent(b, level);
        put_yaml_inline(b, v);
        osr_buf_putc(b, '\n');
    }
}

char *osr_canon_yaml(const json_t *v)
{
    struct osr_buf b;

    osr_buf_init(&b, OSR_BUF_UNLIMITED);
    osr_buf_puts(&b, "---\n");
    if (is_container(v))
        put_yaml(&b, v, 0);
    else {
        put_yaml_inline(&b, v);
        osr_buf_putc(&b, '\n');
    }
    return osr_buf_take(&b);
}

char *osr_canon_fingerprint(const json_t *v)
{
    char *text = osr_canon_json(v), hex[65];

    osr_sha256_hex(text, strlen(text), hex);
    free(text);
    return osr_xasprintf("sha256:%s", hex);
}
