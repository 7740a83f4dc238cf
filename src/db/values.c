/*
 * values.c - database values as JSON (see values.h).
 */
#include "db/values.h"
#include "core/alloc.h"
#include "core/base64.h"
#include "core/mask.h"
#include "core/yaml.h"

/* The longest prefix of s, at most max bytes, that does not split a UTF-8 sequence. */
static size_t utf8_prefix(const char *s, size_t len, size_t max)
{
    size_t n = len < max ? len : max;

    while (n > 0 && n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

json_t *osr_db_bytes_value(const void *p, size_t len, bool *cut)
{
    size_t n = len < OSR_DB_VALUE_MAX ? len : OSR_DB_VALUE_MAX;
    char *b64 = osr_base64_encode(p, n);
    json_t *j = json_pack("{s:s}", "base64", b64);

    if (n < len)
        *cut = true;
    free(b64);
    return j;
}

json_t *osr_db_text_value(const char *s, size_t len, bool *cut)
{
    unsigned line, col;
    size_t n;

    if (!osr_utf8_check(s, len, &line, &col))
        return osr_db_bytes_value(s, len, cut);
    n = utf8_prefix(s, len, OSR_DB_VALUE_MAX);
    if (n < len)
        *cut = true;
    return json_stringn(s, n);
}

void osr_db_mask_row(json_t *row)
{
    const char *key;
    json_t *v;

    json_object_foreach(row, key, v)
    {
        if (!json_is_null(v) && osr_mask_is_secret_name(key))
            json_object_set_new(row, key, json_string(OSR_MASKED));
    }
}
