/*
 * pii.c - personal data out of free text (see pii.h).
 */
#include "core/pii.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/mask.h"

#include <ctype.h>
#include <regex.h>

/* What a match must also satisfy to be replaced. */
enum check {
    ANY,
    LUHN,  /* a card number: its checksum holds */
    PHONE, /* 9 to 15 digits */
};

struct pattern {
    const char *re, *label;
    enum check check;
};

static const struct pattern patterns[] = {
    {"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}", "[EMAIL]", ANY},
    {"[A-Z]{2}[0-9]{2}( ?[A-Z0-9]{4}){2,7}( ?[A-Z0-9]{1,4})?", "[IBAN]", ANY},
    {"[0-9]([ -]?[0-9]){12,18}", "[CARD]", LUHN},
    {"([0-9]{1,3}\\.){3}[0-9]{1,3}", "[IP]", ANY},
    {"[0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4})*::([0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4})*)?|"
     "[0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4}){3,7}",
     "[IP]", ANY},
    {"\\+?[0-9][0-9 ().-]{7,}[0-9]", "[PHONE]", PHONE},
};

static bool luhn_ok(const char *s, size_t n)
{
    int sum = 0, digits = 0;

    for (size_t i = n; i-- > 0;) {
        int d;
        if (s[i] < '0' || s[i] > '9')
            continue;
        d = s[i] - '0';
        if (digits++ % 2 == 1)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return digits >= 13 && sum % 10 == 0;
}

/* Counts the digits of a match (phones need at least 9). */
static size_t digit_count(const char *s, size_t n)
{
    size_t d = 0;

    for (size_t i = 0; i < n; i++)
        d += s[i] >= '0' && s[i] <= '9';
    return d;
}

static char *apply(const char *text, const struct pattern *p, size_t *count)
{
    regex_t re;
    regmatch_t m;
    struct osr_buf out;
    const char *at = text;
    int flags = 0;

    if (regcomp(&re, p->re, REG_EXTENDED) != 0)
        return osr_xstrdup(text);
    osr_buf_init(&out, OSR_BUF_UNLIMITED);
    while (*at && regexec(&re, at, 1, &m, flags) == 0 && m.rm_eo > m.rm_so) {
        const char *s = at + m.rm_so;
        size_t n = (size_t)(m.rm_eo - m.rm_so);
        /* Not inside a longer word or number (std::vector, build 1.2.3.4.5). */
        bool bounded = (s == text || !isalnum((unsigned char)s[-1])) &&
                       !isalnum((unsigned char)s[n]) && s[n] != '.' && s[n] != ':' &&
                       (s == text || (s[-1] != '.' && s[-1] != ':'));
        bool take =
            bounded && (p->check == LUHN    ? luhn_ok(s, n)
                        : p->check == PHONE ? digit_count(s, n) >= 9 && digit_count(s, n) <= 15
                                            : true);
        osr_buf_put(&out, at, (size_t)m.rm_so);
        if (take) {
            osr_buf_puts(&out, p->label);
            (*count)++;
        } else {
            osr_buf_put(&out, s, n);
        }
        at = s + n;
        flags = REG_NOTBOL;
    }
    osr_buf_puts(&out, at);
    regfree(&re);
    return out.ptr ? out.ptr : osr_xstrdup("");
}

char *osr_pii_redact(const char *text, size_t *count)
{
    size_t local = 0, *c = count ? count : &local;
    char *cur = osr_xstrdup(text), *next;

    for (size_t i = 0; i < OSR_ARRAY_LEN(patterns); i++) {
        next = apply(cur, &patterns[i], c);
        free(cur);
        cur = next;
    }
    next = osr_redact_text(cur, NULL);
    if (strcmp(next, cur) != 0)
        (*c)++;
    free(cur);
    return next;
}

static size_t walk(json_t *v)
{
    size_t n = 0, i;
    const char *k;
    json_t *child;
    void *tmp;

    if (json_is_string(v)) {
        char *r = osr_pii_redact(json_string_value(v), &n);
        json_string_set(v, r);
        free(r);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, child) n += walk(child);
    } else if (json_is_object(v)) {
        json_object_foreach_safe(v, tmp, k, child)
        {
            if (osr_mask_is_secret_name(k) && !json_is_null(child)) {
                json_object_set_new(v, k, json_string(OSR_MASKED));
                n++;
            } else {
                n += walk(child);
            }
        }
    }
    return n;
}

size_t osr_pii_redact_json(json_t *v)
{
    return walk(v);
}
