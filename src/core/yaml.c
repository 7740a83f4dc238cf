/*
 * yaml.c - libyaml events into a positioned node tree (see yaml.h).
 *
 * The builder keeps an explicit stack of open collections instead of recursing, so a
 * document nested 10 000 levels deep is refused by the depth limit, not by the C stack.
 * Aliases are expanded by copying the anchored node; every copied node is charged to the
 * alias budget and to the node limit, which bounds memory for hostile documents.
 */
#include "core/yaml.h"
#include "core/alloc.h"
#include "core/error.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <yaml.h>

const struct osr_yaml_limits osr_yaml_default_limits = {
    .max_bytes = 4u << 20,
    .max_depth = 64,
    .max_nodes = 200000,
    .alias_budget = 10000,
};

/*
 * A string index: open addressing over positions in some array of names (mapping keys or
 * anchors), so duplicate-key checks and anchor lookups stay linear in the document size
 * (a mapping of 100 000 keys must not take seconds).
 */
struct index {
    size_t *slot; /* 1 + position, 0 when empty */
    size_t cap, n;
};

typedef const char *(*name_at_fn)(const void *ctx, size_t pos, size_t *len);

struct frame {
    struct osr_ynode *node;
    struct osr_ynode *key; /* mappings: the key waiting for its value */
    char *anchor;
    struct index keys;
};

struct anchor {
    char *name;
    struct osr_ynode *node;
};

struct builder {
    const size_t *at_offsets; /* sorted offsets where '@' was replaced before parsing */
    size_t n_at;
    bool *at_hit; /* per offset: a plain scalar started there and got its '@' back */
    struct index anchor_index;
    const struct osr_yaml_limits *lim;
    struct osr_yaml_error *err;
    struct frame *stack;
    size_t depth, stack_cap;
    struct anchor *anchors;
    size_t n_anchors, anchors_cap;
    size_t nodes, alias_nodes;
    struct osr_ynode *root;
    int documents;
};

static uint64_t hash_name(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The slot holding `name`, or the empty slot where it belongs. */
static size_t *index_slot(struct index *ix, const char *name, size_t len, name_at_fn at,
                          const void *ctx)
{
    size_t mask = ix->cap - 1, i = (size_t)hash_name(name, len) & mask;

    for (;; i = (i + 1) & mask) {
        size_t plen;
        const char *other;
        if (!ix->slot[i])
            return &ix->slot[i];
        other = at(ctx, ix->slot[i] - 1, &plen);
        if (plen == len && memcmp(other, name, len) == 0)
            return &ix->slot[i];
    }
}

static void index_grow(struct index *ix, name_at_fn at, const void *ctx)
{
    struct index old = *ix;

    ix->cap = old.cap ? old.cap * 2 : 16;
    ix->slot = osr_xcalloc(ix->cap, sizeof(*ix->slot));
    for (size_t i = 0; i < old.cap; i++) {
        size_t len;
        const char *name;
        if (!old.slot[i])
            continue;
        name = at(ctx, old.slot[i] - 1, &len);
        *index_slot(ix, name, len, at, ctx) = old.slot[i];
    }
    free(old.slot);
}

/* Looks `name` up; when absent, records it at position `pos`. Returns the existing
 * position + 1, or 0 when it was added. */
static size_t index_put(struct index *ix, const char *name, size_t len, size_t pos, name_at_fn at,
                        const void *ctx)
{
    size_t *slot;

    if ((ix->n + 1) * 2 > ix->cap)
        index_grow(ix, at, ctx);
    slot = index_slot(ix, name, len, at, ctx);
    if (*slot)
        return *slot;
    *slot = pos + 1;
    ix->n++;
    return 0;
}

static void index_dispose(struct index *ix)
{
    free(ix->slot);
    memset(ix, 0, sizeof(*ix));
}

static int fail(struct builder *b, int code, unsigned line, unsigned col, const char *fmt, ...)
    OSR_PRINTF(5, 6);

static int fail(struct builder *b, int code, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b->err->message, sizeof(b->err->message), fmt, ap);
    va_end(ap);
    b->err->line = line;
    b->err->col = col;
    return osr_error_set(code, "%u:%u: %s", line, col, b->err->message);
}

void osr_ynode_free(struct osr_ynode *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->n; i++) {
        osr_ynode_free(node->items[i]);
        if (node->keys)
            osr_ynode_free(node->keys[i]);
    }
    free(node->items);
    free(node->keys);
    free(node->str);
    free(node);
}

static struct osr_ynode *node_new(struct builder *b, enum osr_ykind kind, yaml_mark_t mark)
{
    struct osr_ynode *n;

    if (b->nodes >= b->lim->max_nodes)
        return NULL;
    b->nodes++;
    n = osr_xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->line = (unsigned)mark.line + 1;
    n->col = (unsigned)mark.column + 1;
    return n;
}

static bool all_digits(const char *s, const char *digits)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        if (!strchr(digits, *s))
            return false;
    }
    return true;
}

static bool parse_int(const char *s, long long *out)
{
    const char *digits = s + ((*s == '-' || *s == '+') ? 1 : 0);
    int base = 10;
    char *end;

    if (s[0] == '0' && s[1] == 'o' && all_digits(s + 2, "01234567")) {
        base = 8;
        digits = s + 2;
    } else if (s[0] == '0' && s[1] == 'x' && all_digits(s + 2, "0123456789abcdefABCDEF")) {
        base = 16;
        digits = s + 2;
    } else if (!all_digits(digits, "0123456789")) {
        return false;
    }
    errno = 0;
    *out = strtoll(base == 10 ? s : digits, &end, base);
    return errno == 0 && *end == '\0';
}

static bool is_float_syntax(const char *s)
{
    const char *p = s + ((*s == '-' || *s == '+') ? 1 : 0);
    bool mant = false;

    while (*p >= '0' && *p <= '9') {
        p++;
        mant = true;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            p++;
            mant = true;
        }
    }
    if (!mant)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

static bool one_of(const char *s, const char *const *words)
{
    for (; *words; words++) {
        if (strcmp(s, *words) == 0)
            return true;
    }
    return false;
}

/* YAML 1.2 core schema, plain scalars only. */
static void resolve_plain(struct osr_ynode *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    static const char *const infs[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
    static const char *const ninfs[] = {"-.inf", "-.Inf", "-.INF", NULL};
    static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
    const char *s = n->str;

    if (one_of(s, nulls)) {
        n->kind = OSR_Y_NULL;
    } else if (one_of(s, trues) || one_of(s, falses)) {
        n->kind = OSR_Y_BOOL;
        n->v.b = s[0] == 't' || s[0] == 'T';
    } else if (parse_int(s, &n->v.i)) {
        n->kind = OSR_Y_INT;
    } else if (is_float_syntax(s)) {
        n->kind = OSR_Y_FLOAT;
        n->v.d = strtod(s, NULL);
    } else if (one_of(s, infs) || one_of(s, ninfs) || one_of(s, nans)) {
        n->kind = OSR_Y_FLOAT;
        n->v.d = one_of(s, nans) ? NAN : one_of(s, infs) ? INFINITY : -INFINITY;
    }
}

static void resolve_scalar(struct osr_ynode *n, const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;

    n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    if (tag && strcmp(tag, "!") == 0)
        n->quoted = true; /* the non-specific tag forces a string */
    if (tag && strcmp(tag, YAML_STR_TAG) == 0)
        n->quoted = true;
    if (!n->quoted)
        resolve_plain(n);
}

static int attach(struct builder *b, struct osr_ynode *n, char *anchor);

static const char *anchor_name_at(const void *ctx, size_t pos, size_t *len)
{
    const struct builder *b = ctx;
    *len = strlen(b->anchors[pos].name);
    return b->anchors[pos].name;
}

static int register_anchor(struct builder *b, const char *name, struct osr_ynode *node)
{
    size_t found;

    b->anchors = osr_xgrow(b->anchors, &b->anchors_cap, b->n_anchors + 1, sizeof(*b->anchors));
    b->anchors[b->n_anchors].name = osr_xstrdup(name);
    b->anchors[b->n_anchors].node = node;
    found = index_put(&b->anchor_index, name, strlen(name), b->n_anchors, anchor_name_at, b);
    if (found) {
        /* YAML allows an anchor to be redefined: the newest definition wins. */
        free(b->anchors[b->n_anchors].name);
        b->anchors[found - 1].node = node;
        return 0;
    }
    b->n_anchors++;
    return 0;
}

static struct osr_ynode *copy_node(struct builder *b, const struct osr_ynode *src, bool *over)
{
    struct osr_ynode *n;

    if (b->alias_nodes >= b->lim->alias_budget || b->nodes >= b->lim->max_nodes) {
        *over = true;
        return NULL;
    }
    b->alias_nodes++;
    b->nodes++;
    n = osr_xmalloc(sizeof(*n));
    *n = *src;
    n->str = src->str ? osr_xstrndup(src->str, src->len) : NULL;
    n->items = n->keys = NULL;
    if (src->n) {
        n->items = osr_xcalloc(src->n, sizeof(*n->items));
        if (src->keys)
            n->keys = osr_xcalloc(src->n, sizeof(*n->keys));
    }
    for (size_t i = 0; i < src->n && !*over; i++) {
        n->items[i] = copy_node(b, src->items[i], over);
        if (src->keys && !*over)
            n->keys[i] = copy_node(b, src->keys[i], over);
    }
    return n;
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
    struct osr_ynode *copy;
    bool over = false;

    if (b->anchor_index.cap) {
        size_t *slot = index_slot(&b->anchor_index, name, strlen(name), anchor_name_at, b);
        size_t i = *slot ? *slot - 1 : 0;
        if (!*slot)
            goto missing;
        copy = copy_node(b, b->anchors[i].node, &over);
        if (over) {
            osr_ynode_free(copy);
            return fail(b, -OSR_ELIMIT, line, col,
                        "alias *%s expands beyond the limit of %zu nodes; write the values out "
                        "instead of repeating aliases",
                        name, b->lim->alias_budget);
        }
        copy->line = line;
        copy->col = col;
        return attach(b, copy, NULL);
    }
missing:
    return fail(b, -OSR_EPARSE, line, col,
                "alias *%s refers to an anchor that is not defined before it (or is still open)",
                name);
}

static const char *key_name_at(const void *ctx, size_t pos, size_t *len)
{
    const struct osr_ynode *map = ctx;
    *len = map->keys[pos]->len;
    return map->keys[pos]->str;
}

static int add_pair(struct builder *b, struct frame *f, struct osr_ynode *key,
                    struct osr_ynode *val)
{
    struct osr_ynode *map = f->node;
    size_t cap, found = index_put(&f->keys, key->str, key->len, map->n, key_name_at, map);

    if (found)
        return fail(b, -OSR_EPARSE, key->line, key->col,
                    "duplicate key '%s' (first defined at line %u); remove one of them", key->str,
                    map->keys[found - 1]->line);
    /* Grow by doubling: capacity is implied by n being a power of two. */
    if ((map->n & (map->n - 1)) == 0) {
        cap = map->n ? map->n * 2 : 1;
        map->items = osr_xrealloc(map->items, cap * sizeof(*map->items));
        map->keys = osr_xrealloc(map->keys, cap * sizeof(*map->keys));
    }
    map->keys[map->n] = key;
    map->items[map->n] = val;
    map->n++;
    return 0;
}

static void add_item(struct osr_ynode *seq, struct osr_ynode *val)
{
    if ((seq->n & (seq->n - 1)) == 0)
        seq->items = osr_xrealloc(seq->items, (seq->n ? seq->n * 2 : 1) * sizeof(*seq->items));
    seq->items[seq->n++] = val;
}

/* Hangs a finished node on its parent (or makes it the root). Takes ownership. */
static int attach(struct builder *b, struct osr_ynode *n, char *anchor)
{
    struct frame *top;
    int rc = 0;

    if (anchor)
        register_anchor(b, anchor, n);
    if (b->depth == 0) {
        b->root = n;
        return 0;
    }
    top = &b->stack[b->depth - 1];
    if (top->node->kind == OSR_Y_SEQ) {
        add_item(top->node, n);
    } else if (!top->key) {
        if (n->kind == OSR_Y_SEQ || n->kind == OSR_Y_MAP) {
            rc = fail(b, -OSR_EPARSE, n->line, n->col,
                      "a mapping key must be a plain value, not a %s", osr_ykind_name(n->kind));
            osr_ynode_free(n);
            return rc;
        }
        if (!n->str)
            n->str = osr_xstrdup("");
        top->key = n;
    } else {
        rc = add_pair(b, top, top->key, n);
        if (rc < 0) {
            osr_ynode_free(top->key);
            osr_ynode_free(n);
        }
        top->key = NULL;
    }
    return rc;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    struct osr_ynode *n = node_new(b, OSR_Y_STR, ev->start_mark);

    if (!n)
        return fail(b, -OSR_ELIMIT, (unsigned)ev->start_mark.line + 1,
                    (unsigned)ev->start_mark.column + 1, "document has more than %zu nodes",
                    b->lim->max_nodes);
    n->len = ev->data.scalar.length;
    n->str = osr_xstrndup((const char *)ev->data.scalar.value, n->len);
    if (b->n_at && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && n->len) {
        const size_t *at =
            bsearch(&ev->start_mark.index, b->at_offsets, b->n_at, sizeof(size_t), cmp_size);
        if (at) {
            n->str[0] = '@'; /* an unquoted connection reference, see parse_at_refs() */
            b->at_hit[at - b->at_offsets] = true;
        }
    }
    resolve_scalar(n, ev);
    return attach(b, n, (char *)ev->data.scalar.anchor);
}

static int on_start(struct builder *b, const yaml_event_t *ev, enum osr_ykind kind)
{
    struct osr_ynode *n;
    const yaml_char_t *anchor =
        kind == OSR_Y_SEQ ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
    unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;

    if (b->depth >= b->lim->max_depth)
        return fail(b, -OSR_ELIMIT, line, col, "nesting deeper than %u levels is not accepted",
                    b->lim->max_depth);
    if (b->depth > 0) {
        struct frame *top = &b->stack[b->depth - 1];
        if (top->node->kind == OSR_Y_MAP && !top->key)
            return fail(b, -OSR_EPARSE, line, col, "a mapping key must be a plain value, not a %s",
                        osr_ykind_name(kind));
    }
    n = node_new(b, kind, ev->start_mark);
    if (!n)
        return fail(b, -OSR_ELIMIT, line, col, "document has more than %zu nodes",
                    b->lim->max_nodes);
    b->stack = osr_xgrow(b->stack, &b->stack_cap, b->depth + 1, sizeof(*b->stack));
    b->stack[b->depth].node = n;
    b->stack[b->depth].key = NULL;
    b->stack[b->depth].anchor = anchor ? osr_xstrdup((const char *)anchor) : NULL;
    memset(&b->stack[b->depth].keys, 0, sizeof(b->stack[b->depth].keys));
    b->depth++;
    return 0;
}

static int on_end(struct builder *b)
{
    struct frame f = b->stack[--b->depth];
    int rc;

    index_dispose(&f.keys);
    rc = attach(b, f.node, f.anchor);
    free(f.anchor);
    return rc;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return fail(b, -OSR_EPARSE, (unsigned)ev->start_mark.line + 1,
                        (unsigned)ev->start_mark.column + 1,
                        "only one YAML document per file is accepted; remove the extra '---'");
        return 0;
    case YAML_ALIAS_EVENT:
        return on_alias(b, ev);
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, ev, OSR_Y_SEQ);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, ev, OSR_Y_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_end(b);
    default:
        return 0;
    }
}

static int parser_error(struct builder *b, const yaml_parser_t *p, const char *text, size_t len)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    unsigned line = (unsigned)p->problem_mark.line + 1, col = (unsigned)p->problem_mark.column + 1;
    size_t at = p->problem_mark.index;

    b->err->offset = at;
    const char *hint = "";

    if (at < len && text[at] == '\t')
        hint = "; YAML indentation must use spaces, not tabs";
    else if (at < len && text[at] == '@')
        hint = "; quote values that start with '@', e.g. \"@postgres.main\"";
    if (p->context)
        return fail(b, -OSR_EPARSE, line, col, "%s %s (line %u)%s", problem, p->context,
                    (unsigned)p->context_mark.line + 1, hint);
    return fail(b, -OSR_EPARSE, line, col, "%s%s", problem, hint);
}

static void builder_dispose(struct builder *b)
{
    while (b->depth > 0) {
        struct frame *f = &b->stack[--b->depth];
        osr_ynode_free(f->key);
        osr_ynode_free(f->node);
        free(f->anchor);
        index_dispose(&f->keys);
    }
    free(b->stack);
    for (size_t i = 0; i < b->n_anchors; i++)
        free(b->anchors[i].name);
    free(b->anchors);
    index_dispose(&b->anchor_index);
}

static int parse_once(struct osr_ynode **out, struct osr_yaml_error *err, const char *text,
                      size_t len, const struct osr_yaml_limits *limits, const size_t *at,
                      size_t n_at, bool *hit)
{
    struct builder b = {.lim = limits ? limits : &osr_yaml_default_limits, .err = err};
    yaml_parser_t parser;

    b.at_offsets = at;
    b.n_at = n_at;
    b.at_hit = hit;
    yaml_event_t ev;
    unsigned line, col;
    int rc = 0;
    bool done = false;

    *out = NULL;
    memset(err, 0, sizeof(*err));
    if (len > b.lim->max_bytes)
        return fail(&b, -OSR_ELIMIT, 0, 0, "document is %zu bytes, over the limit of %zu bytes",
                    len, b.lim->max_bytes);
    if (!osr_utf8_check(text, len, &line, &col))
        return fail(&b, -OSR_EPARSE, line, col,
                    "invalid UTF-8 or NUL byte; save the file as UTF-8");
    if (!yaml_parser_initialize(&parser))
        return fail(&b, -OSR_EPARSE, 0, 0, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done && rc == 0) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = parser_error(&b, &parser, text, len);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (rc == 0 && !b.root) {
        yaml_mark_t start = {0, 0, 0};
        b.root = node_new(&b, OSR_Y_NULL, start);
    }
    if (rc < 0) {
        osr_ynode_free(b.root);
        b.root = NULL;
    }
    builder_dispose(&b);
    *out = b.root;
    return rc;
}

/*
 * OML lets people write `connection: @mysql.main` without quotes, although '@' cannot
 * start a plain YAML scalar. Such an '@' is replaced by a letter before parsing, and the
 * plain scalar that starts at that offset gets its '@' back. The text keeps its length, so
 * line and column numbers are unchanged.
 *
 * 1. Every '@' that stands where a value starts (after ": ", "- ", "[", "," or "{", or at
 *    the start of a line) is replaced, and the text parsed.
 * 2. If some of them did not start a plain scalar, they were inside a quoted or block
 *    scalar (an SQL `@variable`): those are put back as they were (up to a parse error,
 *    after which nothing is known) and the text parsed again.
 * 3. If that still fails on an '@', each '@' libyaml trips over is replaced in turn.
 * Each pass parses the whole text, so step 3 is the rare one and is bounded.
 */
static bool value_start(const char *text, size_t i)
{
    size_t j = i;
    bool space = false;

    while (j > 0 && (text[j - 1] == ' ' || text[j - 1] == '\t')) {
        j--;
        space = true;
    }
    if (j == 0 || text[j - 1] == '\n')
        return true;
    switch (text[j - 1]) {
    case ':':
    case '-':
    case '?':
        return space;
    case '[':
    case ',':
    case '{':
        return true;
    default:
        return false;
    }
}

#define MAX_AT_RETRIES 64

/* Parses copy with the '@' at each of at[0..*n) replaced; drops, and puts back in copy, the
 * ones before the parse error (all of them without one) that did not start a plain scalar. */
static int parse_pass(struct osr_ynode **out, struct osr_yaml_error *err, char *copy, size_t len,
                      const struct osr_yaml_limits *lim, size_t *at, size_t *n, bool *all_hit)
{
    bool *hit = osr_xcalloc(*n ? *n : 1, sizeof(*hit));
    size_t kept = 0;
    int rc = parse_once(out, err, copy, len, lim, at, *n, hit);

    *all_hit = true;
    for (size_t i = 0; i < *n; i++) {
        if (hit[i] || (rc < 0 && at[i] >= err->offset)) {
            at[kept++] = at[i];
        } else {
            copy[at[i]] = '@';
            *all_hit = false;
        }
    }
    *n = kept;
    free(hit);
    return rc;
}

static void insert_sorted(size_t **at, size_t *n, size_t *cap, size_t off)
{
    size_t i = *n;

    *at = osr_xgrow(*at, cap, *n + 1, sizeof(**at));
    while (i > 0 && (*at)[i - 1] > off) {
        (*at)[i] = (*at)[i - 1];
        i--;
    }
    (*at)[i] = off;
    (*n)++;
}

static int parse_at_refs(struct osr_ynode **out, struct osr_yaml_error *err, const char *text,
                         size_t len, const struct osr_yaml_limits *lim)
{
    char *copy = osr_xstrndup(text, len);
    size_t *at = NULL, n = 0, cap = 0;
    bool all_hit;
    int rc;

    for (size_t i = 0; i < len; i++) {
        if (text[i] == '@' && value_start(text, i)) {
            at = osr_xgrow(at, &cap, n + 1, sizeof(*at));
            at[n++] = i;
            copy[i] = 'A';
        }
    }
    for (int pass = 0;; pass++) {
        rc = parse_pass(out, err, copy, len, lim, at, &n, &all_hit);
        if ((rc == 0 && (all_hit || pass > 0)) || pass > MAX_AT_RETRIES)
            break;
        if (rc < 0) {
            if (err->offset >= len || copy[err->offset] != '@')
                break;
            insert_sorted(&at, &n, &cap, err->offset);
            copy[err->offset] = 'A';
        }
        /* else parsed, but some '@' were inside quoted or block scalars: put back, again */
        osr_ynode_free(*out);
        *out = NULL;
    }
    free(copy);
    free(at);
    return rc;
}

int osr_yaml_parse(struct osr_ynode **out, struct osr_yaml_error *err, const char *text, size_t len,
                   const struct osr_yaml_limits *limits)
{
    if (limits && limits->at_refs && memchr(text, '@', len) && len <= limits->max_bytes)
        return parse_at_refs(out, err, text, len, limits);
    return parse_once(out, err, text, len, limits, NULL, 0, NULL);
}

struct osr_ynode *osr_ynode_key(const struct osr_ynode *map, const char *key)
{
    size_t klen = strlen(key);

    if (!map || map->kind != OSR_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        if (map->keys[i]->len == klen && memcmp(map->keys[i]->str, key, klen) == 0)
            return map->keys[i];
    }
    return NULL;
}

struct osr_ynode *osr_ynode_get(const struct osr_ynode *map, const char *key)
{
    size_t klen = strlen(key);

    if (!map || map->kind != OSR_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        if (map->keys[i]->len == klen && memcmp(map->keys[i]->str, key, klen) == 0)
            return map->items[i];
    }
    return NULL;
}

const char *osr_ykind_name(enum osr_ykind kind)
{
    static const char *const names[] = {"null",   "boolean",  "integer", "number",
                                        "string", "sequence", "mapping"};
    return names[kind];
}

bool osr_ynode_is_str(const struct osr_ynode *node)
{
    return node && node->kind == OSR_Y_STR;
}

json_t *osr_ynode_to_json(const struct osr_ynode *n)
{
    json_t *j;

    switch (n->kind) {
    case OSR_Y_NULL:
        return json_null();
    case OSR_Y_BOOL:
        return json_boolean(n->v.b);
    case OSR_Y_INT:
        return json_integer(n->v.i);
    case OSR_Y_FLOAT:
        return isfinite(n->v.d) ? json_real(n->v.d) : json_stringn(n->str, n->len);
    case OSR_Y_STR:
        return json_stringn(n->str, n->len);
    case OSR_Y_SEQ:
        j = json_array();
        for (size_t i = 0; i < n->n; i++)
            json_array_append_new(j, osr_ynode_to_json(n->items[i]));
        return j;
    case OSR_Y_MAP:
        j = json_object();
        for (size_t i = 0; i < n->n; i++)
            json_object_setn_new_nocheck(j, n->keys[i]->str, n->keys[i]->len,
                                         osr_ynode_to_json(n->items[i]));
        return j;
    }
    return json_null();
}

void osr_yaml_excerpt(char *buf, size_t n, const char *text, size_t len, unsigned line,
                      unsigned col)
{
    const char *p = text, *end = text + len, *eol;
    unsigned l = 1;
    int width;

    buf[0] = '\0';
    if (line == 0)
        return;
    while (p < end && l < line) {
        if (*p++ == '\n')
            l++;
    }
    if (l != line)
        return;
    eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
        eol = end;
    width = (int)((eol - p) > 120 ? 120 : (eol - p));
    if (width > 0 && p[width - 1] == '\r')
        width--;
    snprintf(buf, n, "  %.*s\n  %*s^", width, p, (int)(col > 0 ? col - 1 : 0), "");
}

bool osr_utf8_check(const char *text, size_t len, unsigned *line, unsigned *col)
{
    const unsigned char *s = (const unsigned char *)text;
    unsigned l = 1, c = 1;
    size_t i = 0;

    while (i < len) {
        unsigned char ch = s[i];
        size_t need = 0;
        uint32_t cp;

        if (ch == 0)
            goto bad;
        if (ch < 0x80) {
            i++;
            if (ch == '\n') {
                l++;
                c = 1;
            } else {
                c++;
            }
            continue;
        }
        if ((ch & 0xE0) == 0xC0) {
            need = 1;
            cp = ch & 0x1F;
        } else if ((ch & 0xF0) == 0xE0) {
            need = 2;
            cp = ch & 0x0F;
        } else if ((ch & 0xF8) == 0xF0) {
            need = 3;
            cp = ch & 0x07;
        } else {
            goto bad;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += need + 1;
        c++;
    }
    return true;
bad:
    *line = l;
    *col = c;
    return false;
}
