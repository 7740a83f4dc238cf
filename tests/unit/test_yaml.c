/*
 * test_yaml.c - the YAML loader (core/yaml.h).
 *
 * Covers YAML 1.2 core-schema resolution of plain scalars (yes/on stay strings, 0777 is
 * decimal, 0o17 octal), 1-based positions on nodes and errors, and the refusals that keep
 * hostile or ambiguous input out: duplicate keys, alias bombs, deep nesting, node and size
 * limits, several documents, invalid UTF-8 and NUL bytes, tab indentation. Also alias
 * copies, osr_ynode_to_json and osr_yaml_excerpt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/yaml.h"

#include <math.h>

#define assert_has(hay, needle)                                                                    \
    do {                                                                                           \
        const char *hay_ = (hay), *needle_ = (needle);                                             \
        if (!hay_ || !strstr(hay_, needle_))                                                       \
            fail_msg("'%s' not found in '%s'", needle_, hay_ ? hay_ : "(null)");                   \
    } while (0)

static struct osr_ynode *parse_ok(const char *text)
{
    struct osr_yaml_error err;
    struct osr_ynode *root = NULL;
    int rc = osr_yaml_parse(&root, &err, text, strlen(text), NULL);

    if (rc != 0)
        fail_msg("parse of '%s' failed: %d %u:%u %s", text, rc, err.line, err.col, err.message);
    assert_non_null(root);
    return root;
}

static int parse_fail(struct osr_yaml_error *err, const char *text, size_t len)
{
    struct osr_ynode *root = (struct osr_ynode *)1;
    int rc = osr_yaml_parse(&root, err, text, len, NULL);

    assert_true(rc < 0);
    assert_null(root);
    return rc;
}

struct scalar_case {
    const char *text; /* the value as written after "v: " */
    enum osr_ykind kind;
    long long i;
    double d;
};

static const struct scalar_case scalar_cases[] = {
    {"", OSR_Y_NULL, 0, 0},
    {"~", OSR_Y_NULL, 0, 0},
    {"null", OSR_Y_NULL, 0, 0},
    {"Null", OSR_Y_NULL, 0, 0},
    {"NULL", OSR_Y_NULL, 0, 0},
    {"true", OSR_Y_BOOL, 1, 0},
    {"True", OSR_Y_BOOL, 1, 0},
    {"TRUE", OSR_Y_BOOL, 1, 0},
    {"false", OSR_Y_BOOL, 0, 0},
    {"False", OSR_Y_BOOL, 0, 0},
    {"FALSE", OSR_Y_BOOL, 0, 0},
    {"yes", OSR_Y_STR, 0, 0},
    {"no", OSR_Y_STR, 0, 0},
    {"on", OSR_Y_STR, 0, 0},
    {"off", OSR_Y_STR, 0, 0},
    {"y", OSR_Y_STR, 0, 0},
    {"tRUE", OSR_Y_STR, 0, 0},
    {"nul", OSR_Y_STR, 0, 0},
    {"0", OSR_Y_INT, 0, 0},
    {"42", OSR_Y_INT, 42, 0},
    {"-12", OSR_Y_INT, -12, 0},
    {"+12", OSR_Y_INT, 12, 0},
    {"0o17", OSR_Y_INT, 15, 0},
    {"0x1F", OSR_Y_INT, 31, 0},
    {"0xff", OSR_Y_INT, 255, 0},
    {"0777", OSR_Y_INT, 777, 0},
    {"0o8", OSR_Y_STR, 0, 0},
    {"0X1F", OSR_Y_STR, 0, 0},
    {"-0x1F", OSR_Y_STR, 0, 0},
    {"1_000", OSR_Y_STR, 0, 0},
    {"12abc", OSR_Y_STR, 0, 0},
    {"1e3", OSR_Y_FLOAT, 0, 1000.0},
    {"1.5", OSR_Y_FLOAT, 0, 1.5},
    {"-2.5e-1", OSR_Y_FLOAT, 0, -0.25},
    {".5", OSR_Y_FLOAT, 0, 0.5},
    {"1.", OSR_Y_FLOAT, 0, 1.0},
    {"1e", OSR_Y_STR, 0, 0},
    {".", OSR_Y_STR, 0, 0},
    {".inf", OSR_Y_FLOAT, 0, INFINITY},
    {".Inf", OSR_Y_FLOAT, 0, INFINITY},
    {"+.inf", OSR_Y_FLOAT, 0, INFINITY},
    {"-.inf", OSR_Y_FLOAT, 0, -INFINITY},
    {"-.INF", OSR_Y_FLOAT, 0, -INFINITY},
    {".nan", OSR_Y_FLOAT, 0, NAN},
    {".NaN", OSR_Y_FLOAT, 0, NAN},
    {"\"123\"", OSR_Y_STR, 0, 0},
    {"'true'", OSR_Y_STR, 0, 0},
    {"\"\"", OSR_Y_STR, 0, 0},
    {"!!str 123", OSR_Y_STR, 0, 0},
    {"!!str true", OSR_Y_STR, 0, 0},
    {"! 12", OSR_Y_STR, 0, 0},
    {"|\n  12\n", OSR_Y_STR, 0, 0},
    {"hello world", OSR_Y_STR, 0, 0},
};

static void check_scalar(const struct scalar_case *c)
{
    char text[64];
    struct osr_ynode *root, *v;

    snprintf(text, sizeof(text), "v: %s\n", c->text);
    root = parse_ok(text);
    v = osr_ynode_get(root, "v");
    assert_non_null(v);
    if (v->kind != c->kind)
        fail_msg("'%s' resolved to %s, expected %s", c->text, osr_ykind_name(v->kind),
                 osr_ykind_name(c->kind));
    if (c->kind == OSR_Y_BOOL)
        assert_int_equal(v->v.b, c->i != 0);
    if (c->kind == OSR_Y_INT && v->v.i != c->i)
        fail_msg("'%s' resolved to %lld, expected %lld", c->text, v->v.i, c->i);
    if (c->kind == OSR_Y_FLOAT && isnan(c->d))
        assert_true(isnan(v->v.d));
    else if (c->kind == OSR_Y_FLOAT && isinf(c->d))
        assert_true(isinf(v->v.d) && signbit(v->v.d) == signbit(c->d));
    else if (c->kind == OSR_Y_FLOAT)
        assert_float_equal(v->v.d, c->d, 1e-9);
    assert_non_null(v->str);
    osr_ynode_free(root);
}

static void test_core_schema_scalars(void **state)
{
    (void)state;
    for (size_t i = 0; i < OSR_ARRAY_LEN(scalar_cases); i++)
        check_scalar(&scalar_cases[i]);
}

static void test_scalar_keeps_text_and_quoted_flag(void **state)
{
    struct osr_ynode *root = parse_ok("a: 0777\nb: \"123\"\nc: 'it''s'\nd: \"tab\\there\"\n");

    (void)state;
    assert_string_equal(osr_ynode_get(root, "a")->str, "0777");
    assert_false(osr_ynode_get(root, "a")->quoted);
    assert_true(osr_ynode_get(root, "b")->quoted);
    assert_true(osr_ynode_is_str(osr_ynode_get(root, "b")));
    assert_string_equal(osr_ynode_get(root, "c")->str, "it's");
    assert_string_equal(osr_ynode_get(root, "d")->str, "tab\there");
    assert_int_equal(osr_ynode_get(root, "d")->len, 8);
    assert_false(osr_ynode_is_str(osr_ynode_get(root, "a")));
    osr_ynode_free(root);
}

static void test_empty_documents(void **state)
{
    struct osr_ynode *root;

    (void)state;
    root = parse_ok("");
    assert_int_equal(root->kind, OSR_Y_NULL);
    osr_ynode_free(root);
    root = parse_ok("# only a comment\n\n");
    assert_int_equal(root->kind, OSR_Y_NULL);
    osr_ynode_free(root);
    root = parse_ok("---\na: 1\n...\n");
    assert_int_equal(root->kind, OSR_Y_MAP);
    osr_ynode_free(root);
}

static void test_node_positions(void **state)
{
    struct osr_ynode *root = parse_ok("a: 1\nb:\n  - x\n  - {k: v}\n");
    struct osr_ynode *b, *m;

    (void)state;
    assert_int_equal(root->kind, OSR_Y_MAP);
    assert_int_equal(root->n, 2);
    assert_int_equal(osr_ynode_key(root, "a")->line, 1);
    assert_int_equal(osr_ynode_key(root, "a")->col, 1);
    assert_int_equal(osr_ynode_get(root, "a")->line, 1);
    assert_int_equal(osr_ynode_get(root, "a")->col, 4);
    assert_int_equal(osr_ynode_key(root, "b")->line, 2);
    b = osr_ynode_get(root, "b");
    assert_int_equal(b->kind, OSR_Y_SEQ);
    assert_int_equal(b->line, 3);
    assert_int_equal(b->col, 3);
    assert_int_equal(b->items[0]->line, 3);
    assert_int_equal(b->items[0]->col, 5);
    m = b->items[1];
    assert_int_equal(m->kind, OSR_Y_MAP);
    assert_int_equal(m->line, 4);
    assert_int_equal(m->col, 5);
    assert_int_equal(osr_ynode_key(m, "k")->col, 6);
    assert_int_equal(osr_ynode_get(m, "k")->line, 4);
    assert_int_equal(osr_ynode_get(m, "k")->col, 9);
    assert_null(osr_ynode_get(m, "missing"));
    assert_null(osr_ynode_get(b, "k"));
    assert_null(osr_ynode_key(b, "k"));
    osr_ynode_free(root);
}

static void test_syntax_error_position(void **state)
{
    static const char text[] = "a: 1\nb: c: d\n";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, text, strlen(text)), -OSR_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 5);
    assert_true(err.message[0] != '\0');
    assert_has(osr_error_last(), "2:5: ");
}

static void test_duplicate_key_refused(void **state)
{
    static const char text[] = "name: a\nother: 1\nname: b\n";
    static const char nested[] = "outer:\n  k: 1\n  j: 2\n  k: 3\n";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, text, strlen(text)), -OSR_EPARSE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 1);
    assert_has(err.message, "duplicate key 'name'");
    assert_has(err.message, "line 1");
    assert_has(osr_error_last(), "3:1:");
    assert_has(osr_error_last(), "line 1");

    assert_int_equal(parse_fail(&err, nested, strlen(nested)), -OSR_EPARSE);
    assert_int_equal(err.line, 4);
    assert_int_equal(err.col, 3);
    assert_has(err.message, "'k'");
    assert_has(err.message, "line 2");
}

static void test_same_key_in_different_maps_accepted(void **state)
{
    struct osr_ynode *root = parse_ok("a: {k: 1}\nb: {k: 2}\nc: [{k: 1}, {k: 2}]\n");

    (void)state;
    assert_int_equal(osr_ynode_get(osr_ynode_get(root, "b"), "k")->v.i, 2);
    osr_ynode_free(root);
}

static void test_billion_laughs_refused(void **state)
{
    static const char text[] =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, text, strlen(text)), -OSR_ELIMIT);
    assert_true(err.line >= 2);
    assert_true(err.col > 0);
    assert_has(err.message, "alias");
}

static void test_alias_copies(void **state)
{
    struct osr_ynode *root =
        parse_ok("base: &b {host: h, port: 5432}\ncopy: *b\nlist: [&x 1, *x, *x]\n"
                 "redef: &x two\nlast: *x\n");
    struct osr_ynode *base = osr_ynode_get(root, "base"), *copy = osr_ynode_get(root, "copy");
    struct osr_ynode *list = osr_ynode_get(root, "list");

    (void)state;
    assert_int_equal(copy->kind, OSR_Y_MAP);
    assert_ptr_not_equal(copy, base);
    assert_int_equal(copy->n, 2);
    assert_string_equal(osr_ynode_get(copy, "host")->str, "h");
    assert_ptr_not_equal(osr_ynode_get(copy, "host"), osr_ynode_get(base, "host"));
    assert_int_equal(osr_ynode_get(copy, "port")->v.i, 5432);
    /* The copy sits where the alias was written. */
    assert_int_equal(copy->line, 2);
    assert_int_equal(copy->col, 7);
    assert_int_equal(list->n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(list->items[i]->v.i, 1);
    assert_string_equal(osr_ynode_get(root, "last")->str, "two");
    osr_ynode_free(root);
}

static void test_undefined_alias_refused(void **state)
{
    static const char text[] = "a: 1\nb: *nope\n";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, text, strlen(text)), -OSR_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 4);
    assert_has(err.message, "nope");
}

static void test_collection_key_refused(void **state)
{
    static const char flow[] = "{[a]: 1}\n";
    static const char block[] = "? {a: 1}\n: x\n";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, flow, strlen(flow)), -OSR_EPARSE);
    assert_has(err.message, "mapping key");
    assert_int_equal(parse_fail(&err, block, strlen(block)), -OSR_EPARSE);
    assert_has(err.message, "mapping key");
}

static char *brackets(size_t open, size_t close)
{
    char *s = malloc(open + close + 2);

    assert_non_null(s);
    memset(s, '[', open);
    memset(s + open, ']', close);
    s[open + close] = '\n';
    s[open + close + 1] = '\0';
    return s;
}

static void test_deep_nesting_refused(void **state)
{
    struct osr_yaml_error err;
    char *deep = brackets(10000, 0), *closed = brackets(10000, 10000);

    (void)state;
    assert_int_equal(parse_fail(&err, deep, strlen(deep)), -OSR_ELIMIT);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, osr_yaml_default_limits.max_depth + 1);
    assert_has(err.message, "nesting");
    assert_int_equal(parse_fail(&err, closed, strlen(closed)), -OSR_ELIMIT);
    free(deep);
    free(closed);
}

static void test_nesting_at_the_limit_accepted(void **state)
{
    unsigned max = osr_yaml_default_limits.max_depth;
    char *ok = brackets(max, max), *over = brackets(max + 1, max + 1);
    struct osr_yaml_error err;
    struct osr_ynode *root = parse_ok(ok);

    (void)state;
    assert_int_equal(root->kind, OSR_Y_SEQ);
    osr_ynode_free(root);
    assert_int_equal(parse_fail(&err, over, strlen(over)), -OSR_ELIMIT);
    free(ok);
    free(over);
}

static void test_custom_limits(void **state)
{
    const struct osr_yaml_limits small = {
        .max_bytes = 64, .max_depth = 2, .max_nodes = 5, .alias_budget = 2};
    struct osr_yaml_error err;
    struct osr_ynode *root = NULL;
    static const char many[] = "[1, 2, 3, 4, 5, 6]";
    /* Exactly max_bytes (64) is accepted, one byte more is not. */
    static const char at_max[] = "a: 0123456789012345678901234567890123456789012345678901234567890";
    static const char big[] = "a: 01234567890123456789012345678901234567890123456789012345678901";
    static const char aliases[] = "[&a [1, 2], *a]";
    static const char fits[] = "[1, 2, 3]";

    (void)state;
    assert_int_equal(osr_yaml_parse(&root, &err, many, strlen(many), &small), -OSR_ELIMIT);
    assert_null(root);
    assert_has(err.message, "5");
    assert_int_equal(strlen(at_max), 64);
    assert_int_equal(osr_yaml_parse(&root, &err, at_max, strlen(at_max), &small), 0);
    osr_ynode_free(root);
    assert_int_equal(osr_yaml_parse(&root, &err, big, strlen(big), &small), -OSR_ELIMIT);
    assert_null(root);
    assert_has(err.message, "65 bytes");
    assert_int_equal(osr_yaml_parse(&root, &err, aliases, strlen(aliases), &small), -OSR_ELIMIT);
    assert_null(root);
    assert_int_equal(osr_yaml_parse(&root, &err, fits, strlen(fits), &small), 0);
    assert_int_equal(root->n, 3);
    osr_ynode_free(root);
}

static void test_multi_document_refused(void **state)
{
    static const char text[] = "a: 1\n---\nb: 2\n";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, text, strlen(text)), -OSR_EPARSE);
    assert_int_equal(err.line, 2);
    assert_has(err.message, "one YAML document");
}

static void test_invalid_utf8_refused(void **state)
{
    static const char bad_byte[] = "a: 1\nb: x\xffy\n";
    static const char after_multibyte[] = "k: \xc3\xa9\xff\n";
    static const char overlong[] = "k: \xc0\x80\n";
    static const char surrogate[] = "k: \xed\xa0\x80\n";
    static const char truncated[] = "k: \xe2\x82";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, bad_byte, strlen(bad_byte)), -OSR_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 5);
    assert_has(err.message, "UTF-8");
    assert_has(osr_error_last(), "2:5:");
    /* Columns count characters, not bytes. */
    assert_int_equal(parse_fail(&err, after_multibyte, strlen(after_multibyte)), -OSR_EPARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 5);
    assert_int_equal(parse_fail(&err, overlong, strlen(overlong)), -OSR_EPARSE);
    assert_int_equal(err.col, 4);
    assert_int_equal(parse_fail(&err, surrogate, strlen(surrogate)), -OSR_EPARSE);
    assert_int_equal(parse_fail(&err, truncated, strlen(truncated)), -OSR_EPARSE);
    assert_int_equal(err.col, 4);
}

static void test_nul_byte_refused(void **state)
{
    static const char text[] = "a: 1\nb: c\0d\n";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, text, sizeof(text) - 1), -OSR_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 5);
    assert_has(err.message, "NUL");
}

static void test_valid_utf8_accepted(void **state)
{
    struct osr_ynode *root = parse_ok("name: \"Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
    unsigned line = 0, col = 0;

    (void)state;
    assert_string_equal(osr_ynode_get(root, "name")->str,
                        "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80");
    osr_ynode_free(root);
    assert_true(osr_utf8_check("abc\n\xc3\xa9", 6, &line, &col));
    assert_false(osr_utf8_check("abc\n\xc3\xa9\x80", 7, &line, &col));
    assert_int_equal(line, 2);
    assert_int_equal(col, 2);
}

static void test_tab_indentation_hint(void **state)
{
    static const char text[] = "a:\n\tb: 1\n";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, text, strlen(text)), -OSR_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 1);
    assert_has(err.message, "tabs");
}

static void test_at_sign_hint(void **state)
{
    static const char text[] = "connection: @postgres.main\n";
    struct osr_yaml_error err;

    (void)state;
    assert_int_equal(parse_fail(&err, text, strlen(text)), -OSR_EPARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 13);
    assert_has(err.message, "quote values that start with '@'");
}

static struct osr_ynode *parse_refs(const char *text)
{
    struct osr_yaml_limits lim = osr_yaml_default_limits;
    struct osr_yaml_error err;
    struct osr_ynode *root = NULL;

    lim.at_refs = true;
    if (osr_yaml_parse(&root, &err, text, strlen(text), &lim) != 0)
        fail_msg("parse failed: %u:%u %s", err.line, err.col, err.message);
    return root;
}

static char *refs_json(const char *text)
{
    struct osr_ynode *root = parse_refs(text);
    json_t *j = osr_ynode_to_json(root);
    char *s = json_dumps(j, JSON_COMPACT);

    json_decref(j);
    osr_ynode_free(root);
    return s;
}

static void test_at_refs(void **state)
{
    char *s;

    (void)state;
    s = refs_json("a: @pg.main\nb: [@x.y, '@q']\nc: {k: @m.n}\n");
    assert_string_equal(s, "{\"a\":\"@pg.main\",\"b\":[\"@x.y\",\"@q\"],\"c\":{\"k\":\"@m.n\"}}");
    free(s);
    /* '@' inside block and quoted scalars, even where a value could start, stays as written. */
    s = refs_json("c: @my.wh\n"
                  "q: |\n"
                  "  SELECT @rank := @rank + 1\n"
                  "  , @x\n"
                  "  @y := 1\n"
                  "d: \"x, @z\"\n"
                  "e: @sb.main\n");
    assert_string_equal(s, "{\"c\":\"@my.wh\",\"q\":\"SELECT @rank := @rank + 1\\n, @x\\n@y := "
                           "1\\n\",\"d\":\"x, @z\",\"e\":\"@sb.main\"}");
    free(s);
}

/* Thousands of references and one SQL variable at the start of a block line: each pass
 * parses the whole text, so this must not take one pass per reference. */
static void test_at_refs_many(void **state)
{
    struct osr_buf b;
    struct osr_ynode *root, *steps;

    (void)state;
    osr_buf_init(&b, OSR_BUF_UNLIMITED);
    osr_buf_puts(&b, "steps:\n");
    for (int i = 0; i < 5000; i++)
        osr_buf_printf(&b, "  - connection: @mysql.wh\n    query: |\n      SELECT 1\n");
    osr_buf_puts(&b, "  - connection: @mysql.wh\n    query: |\n      @x := 1\n");
    osr_buf_putc(&b, '\0');
    assert_false(osr_buf_failed(&b));
    root = parse_refs(b.ptr);
    steps = osr_ynode_get(root, "steps");
    assert_int_equal(steps->n, 5001);
    assert_string_equal(osr_ynode_get(steps->items[0], "connection")->str, "@mysql.wh");
    assert_string_equal(osr_ynode_get(steps->items[5000], "query")->str, "@x := 1\n");
    osr_ynode_free(root);
    osr_buf_dispose(&b);
}

static void test_to_json(void **state)
{
    struct osr_ynode *root = parse_ok("s: text\n"
                                      "i: 0o17\n"
                                      "f: 1.5\n"
                                      "b: true\n"
                                      "n: ~\n"
                                      "inf: -.inf\n"
                                      "nan: .nan\n"
                                      "q: \"123\"\n"
                                      "seq: [1, two, [], {}]\n"
                                      "map: {k: v, z: null}\n");
    json_t *j = osr_ynode_to_json(root);
    char *dumped = json_dumps(j, JSON_COMPACT);

    (void)state;
    /* Document order is kept; inf/nan become their text. */
    assert_string_equal(dumped, "{\"s\":\"text\",\"i\":15,\"f\":1.5,\"b\":true,\"n\":null,"
                                "\"inf\":\"-.inf\",\"nan\":\".nan\",\"q\":\"123\","
                                "\"seq\":[1,\"two\",[],{}],\"map\":{\"k\":\"v\",\"z\":null}}");
    free(dumped);
    json_decref(j);
    osr_ynode_free(root);
}

static void test_to_json_scalar_root(void **state)
{
    struct osr_ynode *root = parse_ok("0x10\n");
    json_t *j = osr_ynode_to_json(root);

    (void)state;
    assert_true(json_is_integer(j));
    assert_int_equal(json_integer_value(j), 16);
    json_decref(j);
    osr_ynode_free(root);
}

static void test_excerpt(void **state)
{
    static const char text[] = "a: 1\nbb: [x\nc: 3";
    static const char crlf[] = "a: 1\r\nb: 2\r\n";
    char buf[256];
    char small[8];
    char longline[300];

    (void)state;
    osr_yaml_excerpt(buf, sizeof(buf), text, strlen(text), 2, 5);
    assert_string_equal(buf, "  bb: [x\n      ^");
    osr_yaml_excerpt(buf, sizeof(buf), text, strlen(text), 3, 1);
    assert_string_equal(buf, "  c: 3\n  ^");
    osr_yaml_excerpt(buf, sizeof(buf), text, strlen(text), 0, 0);
    assert_string_equal(buf, "");
    osr_yaml_excerpt(buf, sizeof(buf), text, strlen(text), 9, 1);
    assert_string_equal(buf, "");
    osr_yaml_excerpt(buf, sizeof(buf), crlf, strlen(crlf), 1, 4);
    assert_string_equal(buf, "  a: 1\n     ^");
    osr_yaml_excerpt(small, sizeof(small), text, strlen(text), 2, 5);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    /* Long lines are cut at 120 characters. */
    memset(longline, 'x', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = '\0';
    osr_yaml_excerpt(buf, sizeof(buf), longline, strlen(longline), 1, 1);
    assert_int_equal(strchr(buf, '\n') - buf, 2 + 120);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(osr_ykind_name(OSR_Y_MAP), "mapping");
    assert_string_equal(osr_ykind_name(OSR_Y_SEQ), "sequence");
    assert_string_equal(osr_ykind_name(OSR_Y_STR), "string");
    assert_string_equal(osr_ykind_name(OSR_Y_INT), "integer");
    assert_string_equal(osr_ykind_name(OSR_Y_BOOL), "boolean");
    assert_string_equal(osr_ykind_name(OSR_Y_NULL), "null");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_schema_scalars),
        cmocka_unit_test(test_scalar_keeps_text_and_quoted_flag),
        cmocka_unit_test(test_empty_documents),
        cmocka_unit_test(test_node_positions),
        cmocka_unit_test(test_syntax_error_position),
        cmocka_unit_test(test_duplicate_key_refused),
        cmocka_unit_test(test_same_key_in_different_maps_accepted),
        cmocka_unit_test(test_billion_laughs_refused),
        cmocka_unit_test(test_alias_copies),
        cmocka_unit_test(test_undefined_alias_refused),
        cmocka_unit_test(test_collection_key_refused),
        cmocka_unit_test(test_deep_nesting_refused),
        cmocka_unit_test(test_nesting_at_the_limit_accepted),
        cmocka_unit_test(test_custom_limits),
        cmocka_unit_test(test_multi_document_refused),
        cmocka_unit_test(test_invalid_utf8_refused),
        cmocka_unit_test(test_nul_byte_refused),
        cmocka_unit_test(test_valid_utf8_accepted),
        cmocka_unit_test(test_tab_indentation_hint),
        cmocka_unit_test(test_at_sign_hint),
        cmocka_unit_test(test_at_refs),
        cmocka_unit_test(test_at_refs_many),
        cmocka_unit_test(test_to_json),
        cmocka_unit_test(test_to_json_scalar_root),
        cmocka_unit_test(test_excerpt),
        cmocka_unit_test(test_kind_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
