/*
 * test_duckdb_processor.c - duckdb.processor driven through its operations (steps.h).
 *
 * Needs OSIRIS_DUCKDB_LIBRARY (CMake runs this test through scripts/duckdb-lib, which
 * installs the pinned library of tests/node). Covers the engine-not-available errors (a
 * missing file, a file that is not a library) before the library is loaded; inputs as
 * df_<id> tables (sanitised names, a collision, typed columns from declared types and from
 * values, an input without rows); result values of every kind, with dates, times,
 * timestamps, intervals, UUIDs, 128-bit integers and decimals checked against DuckDB's own
 * text for thousands of values; nested types refused; batches of a large result; several
 * statements; query errors; no file access or settings; a bad input value; a dry run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "pipeline/steps.h"

#include <fcntl.h>
#include <unistd.h>

#define assert_has(hay, needle)                                                                    \
    do {                                                                                           \
        const char *hay_ = (hay), *needle_ = (needle);                                             \
        if (!hay_ || !strstr(hay_, needle_))                                                       \
            fail_msg("'%s' not found in '%s'", needle_, hay_ ? hay_ : "(null)");                   \
    } while (0)

static char *library; /* OSIRIS_DUCKDB_LIBRARY as the test was started */

/* What the processor emitted: its columns, then every row as text. */
struct sink {
    size_t batches, rows;
    struct osr_strv names, types;
    struct osr_buf out; /* rows, one a line: cells as i:1 r:2.5 t:x b:hex, or NULL, by | */
};

struct fixture {
    const struct osr_processor_ops *ops;
    struct osr_step_ctx ctx;
    json_t *cfg;
    void *state;
    struct sink sink;
};

static int collect(const struct osr_batch *b, void *payload)
{
    struct sink *s = payload;

    if (s->batches++ == 0) {
        for (size_t c = 0; c < b->names.n; c++) {
            osr_strv_push(&s->names, b->names.v[c]);
            osr_strv_push(&s->types, b->types.v[c]);
        }
    }
    for (size_t r = 0; r < b->nrows; r++, s->rows++) {
        const struct osr_cell *row = osr_batch_row(b, r);
        for (size_t c = 0; c < b->names.n; c++) {
            const struct osr_cell *x = &row[c];
            if (c)
                osr_buf_putc(&s->out, '|');
            if (x->type == OSR_V_INT) {
                osr_buf_printf(&s->out, "i:%lld", (long long)x->i);
            } else if (x->type == OSR_V_REAL) {
                osr_buf_printf(&s->out, "r:%.17g", x->r);
            } else if (x->type == OSR_V_TEXT) {
                osr_buf_printf(&s->out, "t:%.*s", (int)x->len, osr_batch_bytes(b, x));
            } else if (x->type == OSR_V_BLOB) {
                osr_buf_puts(&s->out, "b:");
                for (size_t i = 0; i < x->len; i++)
                    osr_buf_printf(&s->out, "%02x", (unsigned char)osr_batch_bytes(b, x)[i]);
            } else {
                osr_buf_puts(&s->out, "NULL");
            }
        }
        osr_buf_putc(&s->out, '\n');
    }
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = osr_xcalloc(1, sizeof(*f));

    f->ops = osr_processor_find("duckdb.processor");
    f->cfg = json_object();
    f->ctx = (struct osr_step_ctx){.base_path = "/tmp",
                                   .step_id = "transform",
                                   .component = "duckdb.processor",
                                   .cfg = f->cfg};
    osr_buf_init(&f->sink.out, OSR_BUF_UNLIMITED);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f->state)
        f->ops->close(f->state);
    json_decref(f->cfg);
    osr_strv_dispose(&f->sink.names);
    osr_strv_dispose(&f->sink.types);
    osr_buf_dispose(&f->sink.out);
    free(f);
    return 0;
}

static int open_step(struct fixture *f, const char *query)
{
    json_object_set_new(f->cfg, "query", json_string(query));
    return f->ops->open(&f->state, &f->ctx);
}

static int run_step(struct fixture *f)
{
    return f->ops->run(f->state, &f->ctx, collect, &f->sink);
}

/* Runs `query` with no inputs; the step must succeed. */
static void run_query(struct fixture *f, const char *query)
{
    assert_int_equal(open_step(f, query), 0);
    if (run_step(f) != 0)
        fail_msg("%s", f->ctx.err);
}

static char *joined(const struct osr_strv *v)
{
    static char *last;

    free(last);
    last = osr_strv_join(v, ",");
    return last;
}

/* An input batch of `ncols` columns from a compact description of each row. */
static void add_text(struct osr_batch *b, struct osr_cell *c, const char *s)
{
    assert_int_equal(osr_batch_set_bytes(b, c, OSR_V_TEXT, s, strlen(s)), 0);
}

static void test_library_missing(void **state)
{
    struct fixture *f = *state;

    setenv("OSIRIS_DUCKDB_LIBRARY", "/nonexistent/libduckdb.so", 1);
    assert_int_equal(open_step(f, "SELECT 1"), -1);
    assert_null(f->state);
    assert_has(f->ctx.err, "step 'transform': engine not available");
    assert_has(f->ctx.err, "/nonexistent/libduckdb.so (OSIRIS_DUCKDB_LIBRARY)");
    assert_has(f->ctx.err, "set OSIRIS_DUCKDB_LIBRARY to the path of a libduckdb.so");
}

static void test_library_not_elf(void **state)
{
    struct fixture *f = *state;
    char path[] = "/tmp/osr_test_duckdb.XXXXXX";
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "not a library\n", 14), 14);
    close(fd);
    setenv("OSIRIS_DUCKDB_LIBRARY", path, 1);
    assert_int_equal(open_step(f, "SELECT 1"), -1);
    unlink(path);
    assert_has(f->ctx.err, "engine not available");
    assert_has(f->ctx.err, path);
    if (library)
        setenv("OSIRIS_DUCKDB_LIBRARY", library, 1);
    else
        unsetenv("OSIRIS_DUCKDB_LIBRARY");
}

static void test_needs_query(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(f->ops->open(&f->state, &f->ctx), -1);
    assert_has(f->ctx.err, "step 'transform': duckdb.processor needs a query");
}

/* Two inputs, one with a hyphen in its id, typed from declared types and from values. */
static void test_inputs_join(void **state)
{
    struct fixture *f = *state;
    struct osr_batch a, b;
    const char *names_a[] = {"id", "name", "score", "day", "flag", "raw"};
    const char *decl_a[] = {"INTEGER", "TEXT", "", "DATE", "BOOLEAN", ""};
    int sa, sb;

    assert_int_equal(open_step(f, "SELECT a.id, a.name, a.score, a.day, a.flag, a.raw, b.total, "
                                  "typeof(a.score) AS ts, typeof(a.raw) AS tr, "
                                  "typeof(a.name) AS tn FROM df_extract_a a "
                                  "LEFT JOIN df_b b ON b.id = a.id ORDER BY a.id"),
                     0);
    osr_batch_init(&a, 16, 1u << 20);
    osr_batch_init(&b, 16, 1u << 20);
    for (size_t c = 0; c < OSR_ARRAY_LEN(names_a); c++) {
        osr_strv_push(&a.names, names_a[c]);
        osr_strv_push(&a.types, decl_a[c]);
    }
    osr_strv_push(&b.names, "id");
    osr_strv_push(&b.types, "");
    osr_strv_push(&b.names, "total");
    osr_strv_push(&b.types, "");
    assert_int_equal(sa = f->ops->input_open(f->state, &f->ctx, "extract-a", &a), 0);
    assert_int_equal(sb = f->ops->input_open(f->state, &f->ctx, "b", &b), 1);
    for (int i = 1; i <= 3; i++) {
        struct osr_cell *row = osr_batch_add_row(&a);
        row[0] = (struct osr_cell){.type = OSR_V_INT, .i = i};
        add_text(&a, &row[1], i == 2 ? "Zoë ✓" : "plain");
        row[2] = (struct osr_cell){.type = i == 3 ? OSR_V_REAL : OSR_V_INT, .i = i, .r = 2.5};
        add_text(&a, &row[3], "2024-02-29");
        row[4] = (struct osr_cell){.type = OSR_V_INT, .i = i % 2};
        if (i != 3)
            assert_int_equal(osr_batch_set_bytes(&a, &row[5], OSR_V_BLOB, "\x00\xff", 2), 0);
        row = osr_batch_add_row(&b);
        row[0] = (struct osr_cell){.type = OSR_V_INT, .i = i};
        row[1] = (struct osr_cell){.type = i == 2 ? OSR_V_NULL : OSR_V_REAL, .r = i * 1.5};
    }
    assert_int_equal(f->ops->input_write(f->state, &f->ctx, sb, &b), 0);
    assert_int_equal(f->ops->input_write(f->state, &f->ctx, sa, &a), 0);
    if (run_step(f) != 0)
        fail_msg("%s", f->ctx.err);
    assert_string_equal(joined(&f->sink.names), "id,name,score,day,flag,raw,total,ts,tr,tn");
    assert_string_equal(joined(&f->sink.types),
                        "BIGINT,VARCHAR,DOUBLE,DATE,BOOLEAN,BLOB,DOUBLE,VARCHAR,VARCHAR,VARCHAR");
    assert_string_equal(
        f->sink.out.ptr,
        "i:1|t:plain|r:1|t:2024-02-29|i:1|b:00ff|r:1.5|t:DOUBLE|t:BLOB|t:VARCHAR\n"
        "i:2|t:Zoë ✓|r:2|t:2024-02-29|i:0|b:00ff|NULL|t:DOUBLE|t:BLOB|t:VARCHAR\n"
        "i:3|t:plain|r:2.5|t:2024-02-29|i:1|NULL|r:4.5|t:DOUBLE|t:BLOB|t:VARCHAR\n");
    osr_batch_dispose(&a);
    osr_batch_dispose(&b);
}

/* Table names: sanitised, a leading digit, a collision; an input without rows still is a
 * table, typed from its declared types (VARCHAR when they say nothing). */
static void test_table_names(void **state)
{
    struct fixture *f = *state;
    struct osr_batch s;

    assert_int_equal(open_step(f, "SELECT table_name, column_name, data_type FROM "
                                  "information_schema.columns ORDER BY table_name, column_name"),
                     0);
    osr_batch_init(&s, 1, 1024);
    osr_strv_push(&s.names, "x y");
    osr_strv_push(&s.types, "REAL");
    osr_strv_push(&s.names, "z");
    osr_strv_push(&s.types, "TEXT");
    assert_int_equal(f->ops->input_open(f->state, &f->ctx, "a.b", &s), 0);
    assert_int_equal(f->ops->input_open(f->state, &f->ctx, "a_b", &s), 1);
    assert_int_equal(f->ops->input_open(f->state, &f->ctx, "9lives", &s), 2);
    assert_int_equal(run_step(f), 0);
    assert_string_equal(f->sink.out.ptr, "t:df__9lives|t:x y|t:DOUBLE\n"
                                         "t:df__9lives|t:z|t:VARCHAR\n"
                                         "t:df_a_b|t:x y|t:DOUBLE\n"
                                         "t:df_a_b|t:z|t:VARCHAR\n"
                                         "t:df_a_b_648fa9b3|t:x y|t:DOUBLE\n"
                                         "t:df_a_b_648fa9b3|t:z|t:VARCHAR\n");
    osr_batch_dispose(&s);
}

static void test_value_kinds(void **state)
{
    struct fixture *f = *state;

    run_query(f, "SELECT 1::TINYINT a, -2::SMALLINT b, 3::INTEGER c, 9223372036854775807 d, "
                 "255::UTINYINT e, 18446744073709551615::UBIGINT g, 42::HUGEINT h, "
                 "170141183460469231731687303715884105727::HUGEINT i, 1.5::FLOAT j, 0.1::DOUBLE k, "
                 "12.50::DECIMAL(10,2) l, -0.05::DECIMAL(38,3) m, true n, false o, 'Ünï' p, "
                 "'\\x00\\x01'::BLOB q, NULL::INTEGER r, DATE '2024-01-31' s, "
                 "TIME '23:59:59.25' t, TIMESTAMP '2024-01-31 08:09:10.5' u, "
                 "TIMESTAMP_NS '2024-01-31 08:09:10.123456789' v, "
                 "340282366920938463463374607431768211455::UHUGEINT w");
    assert_string_equal(joined(&f->sink.types),
                        "TINYINT,SMALLINT,INTEGER,BIGINT,UTINYINT,UBIGINT,HUGEINT,HUGEINT,FLOAT,"
                        "DOUBLE,DECIMAL(10,2),DECIMAL(38,3),BOOLEAN,BOOLEAN,VARCHAR,BLOB,INTEGER,"
                        "DATE,TIME,TIMESTAMP,TIMESTAMP_NS,UHUGEINT");
    assert_string_equal(f->sink.out.ptr,
                        "i:1|i:-2|i:3|i:9223372036854775807|i:255|t:18446744073709551615|i:42|"
                        "t:170141183460469231731687303715884105727|r:1.5|r:0.10000000000000001|"
                        "t:12.50|t:-0.050|i:1|i:0|t:Ünï|b:0001|NULL|t:2024-01-31|t:23:59:59.25|"
                        "t:2024-01-31 08:09:10.5|t:2024-01-31 08:09:10.123456789|"
                        "t:340282366920938463463374607431768211455\n");
}

/* Our text for each value of `expr` over `from` equals DuckDB's own CAST to VARCHAR. */
static void check_as_duckdb(struct fixture *f, const char *expr, const char *from)
{
    char *q = osr_xasprintf("SELECT %s, CAST(%s AS VARCHAR) FROM %s", expr, expr, from);
    char *line, *save = NULL;
    size_t n = 0;

    run_query(f, q);
    for (line = strtok_r(f->sink.out.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *bar = strchr(line, '|');
        assert_non_null(bar);
        *bar = '\0';
        if (strcmp(line + 2, bar + 3) != 0)
            fail_msg("%s: ours %s, DuckDB's %s", expr, line, bar + 1);
        n++;
    }
    assert_true(n > 1000);
    free(q);
}

static void test_dates_as_duckdb(void **state)
{
    check_as_duckdb(*state, "DATE '1969-12-31' + (i * 7919 - 4000000)::INTEGER",
                    "range(0, 2000) t(i)");
}

static void test_timestamps_as_duckdb(void **state)
{
    check_as_duckdb(*state, "make_timestamp((i * 987654321987 - 1000000000000000000) // 7)",
                    "range(0, 2000) t(i)");
}

static void test_times_as_duckdb(void **state)
{
    check_as_duckdb(*state, "make_time(i % 24, i % 60, (i * 7.123457) % 60)",
                    "range(0, 2000) t(i)");
}

static void test_decimals_as_duckdb(void **state)
{
    check_as_duckdb(*state, "((i - 1000) * 12345678901234567::HUGEINT * i)::DECIMAL(38,7)",
                    "range(0, 2000) t(i)");
}

static void test_wide_as_duckdb(void **state)
{
    check_as_duckdb(*state, "((i - 1000)::HUGEINT * 9223372036854775807 * i)::HUGEINT",
                    "range(0, 2000) t(i)");
}

static void test_intervals_as_duckdb(void **state)
{
    check_as_duckdb(*state,
                    "to_months(i % 41 - 20) + to_days((i * 7) % 61 - 30) + "
                    "to_microseconds((i * 987654321987) % 400000000000 - 200000000000)",
                    "range(0, 2000) t(i)");
}

static void test_time_zones_as_duckdb(void **state)
{
    check_as_duckdb(*state,
                    "(make_time(i % 24, (i * 7) % 60, (i * 13) % 60 + (i % 1000) / 1000)::VARCHAR "
                    "|| printf('%s%02d:%02d', CASE WHEN i % 2 = 0 THEN '+' ELSE '-' END, i % 16, "
                    "(i * 15) % 60))::TIMETZ",
                    "range(0, 2000) t(i)");
}

static void test_uuids_as_duckdb(void **state)
{
    check_as_duckdb(*state, "md5(i::VARCHAR)::UUID", "range(0, 2000) t(i)");
}

/* Types without a cell type of their own are text as DuckDB prints them; nested ones are
 * refused, before the query runs, with the column and a way out. */
static void test_other_types(void **state)
{
    struct fixture *f = *state;

    run_query(f, "SELECT INTERVAL 1 DAY i, '00000000-0000-0000-0000-000000000001'::UUID u, "
                 "'b'::ENUM('a', 'b') e, TIMESTAMPTZ '2024-01-01 05:00:00+02' tz, "
                 "TIMETZ '12:00:00.5+02:30' ttz, TIME_NS '12:00:00.123456789' tns, "
                 "TIMESTAMP_S '2024-01-01 01:02:03' ts, TIMESTAMP_MS '2024-01-01 01:02:03.45' tm");
    assert_string_equal(joined(&f->sink.types),
                        "INTERVAL,UUID,ENUM,TIMESTAMP WITH TIME ZONE,TIME WITH TIME ZONE,"
                        "TIME_NS,TIMESTAMP_S,TIMESTAMP_MS");
    assert_string_equal(f->sink.out.ptr,
                        "t:1 day|t:00000000-0000-0000-0000-000000000001|t:b|"
                        "t:2024-01-01 03:00:00+00|t:12:00:00.5+02:30|t:12:00:00.123456789|"
                        "t:2024-01-01 01:02:03|t:2024-01-01 01:02:03.45\n");
    f->ops->close(f->state);
    assert_int_equal(open_step(f, "SELECT 1 AS n, [1, 2] AS l FROM range(0, 1000000000000)"), 0);
    assert_int_equal(run_step(f), -1);
    assert_has(f->ctx.err, "step 'transform': column 'l' of the result has the DuckDB type LIST");
    assert_has(f->ctx.err, "CAST(\"l\" AS VARCHAR)");
}

static void test_many_rows(void **state)
{
    struct fixture *f = *state;

    run_query(f, "SELECT i, i / 2 AS half, 'row ' || i AS label FROM range(0, 25000) t(i)");
    assert_int_equal(f->sink.rows, 25000);
    assert_int_equal(f->sink.batches, 4); /* the columns, then 10 000 rows at most each */
    assert_has(f->sink.out.ptr, "i:24999|r:12499.5|t:row 24999\n");
}

static void test_statements(void **state)
{
    struct fixture *f = *state;

    run_query(f, "CREATE TABLE t AS SELECT 1 AS x; INSERT INTO t VALUES (2); "
                 "SELECT sum(x) AS s FROM t");
    assert_string_equal(f->sink.out.ptr, "i:3\n");
}

static void test_query_errors(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(open_step(f, "SELEC 1"), 0);
    assert_int_equal(run_step(f), -1);
    assert_has(f->ctx.err, "step 'transform': the query is not valid: Parser Error");
    f->ops->close(f->state);
    assert_int_equal(open_step(f, "SELECT * FROM df_missing"), 0);
    assert_int_equal(run_step(f), -1);
    assert_has(f->ctx.err, "step 'transform': the query is not valid: Catalog Error");
    assert_has(f->ctx.err, "df_missing");
    f->ops->close(f->state);
    assert_int_equal(open_step(f, "SELECT 1; SELECT error('boom')"), 0);
    assert_int_equal(run_step(f), -1);
    assert_has(f->ctx.err, "step 'transform': the query failed: ");
    assert_has(f->ctx.err, "boom");
}

static void test_no_files(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(open_step(f, "SELECT * FROM read_csv('/etc/hostname')"), 0);
    assert_int_equal(run_step(f), -1);
    assert_has(f->ctx.err, "step 'transform': ");
    assert_has(f->ctx.err, "disabled");
    f->ops->close(f->state);
    assert_int_equal(open_step(f, "SET enable_external_access = true; SELECT 1"), 0);
    assert_int_equal(run_step(f), -1);
    assert_has(f->ctx.err, "lock");
}

static void test_bad_cell(void **state)
{
    struct fixture *f = *state;
    struct osr_batch b;
    struct osr_cell *row;

    assert_int_equal(open_step(f, "SELECT * FROM df_in"), 0);
    osr_batch_init(&b, 4, 1024);
    osr_strv_push(&b.names, "d");
    osr_strv_push(&b.types, "DATE");
    assert_int_equal(f->ops->input_open(f->state, &f->ctx, "in", &b), 0);
    row = osr_batch_add_row(&b);
    add_text(&b, &row[0], "2024-01-01");
    row = osr_batch_add_row(&b);
    add_text(&b, &row[0], "yesterday");
    assert_int_equal(f->ops->input_write(f->state, &f->ctx, 0, &b), -1);
    assert_has(f->ctx.err, "step 'transform': input 'in' row 2 column 'd': ");
    osr_batch_dispose(&b);
}

static void test_dry_run(void **state)
{
    struct fixture *f = *state;

    f->ctx.dry_run = true;
    run_query(f, "SELECT i, i::VARCHAR AS s FROM range(0, 1000000000) t(i)");
    assert_int_equal(f->sink.batches, 1);
    assert_int_equal(f->sink.rows, 0);
    assert_string_equal(joined(&f->sink.types), "BIGINT,VARCHAR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_library_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_library_not_elf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_needs_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inputs_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dates_as_duckdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamps_as_duckdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_times_as_duckdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decimals_as_duckdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_as_duckdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intervals_as_duckdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_zones_as_duckdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uuids_as_duckdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_cell, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
    };
    const char *lib = getenv("OSIRIS_DUCKDB_LIBRARY");
    int rc;

    library = lib ? osr_xstrdup(lib) : NULL;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(library);
    return rc;
}
