/*
 * test_report_html.c - the HTML run report from hand-made records: escaping, the DAG
 * layout by dependency depth, timeline bars from the events, skipped steps, partial and
 * hostile records (no manifest, a cycle, unknown needs, control characters), the size
 * limit, and the same bytes for the same records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/error.h"
#include "pipeline/report_html.h"

static const char record[] =
    "{\"run_id\":\"run-0123456789ab\",\"pipeline\":\"a-b\",\"profile\":\"dev\",\"status\":"
    "\"failed\",\"started_at\":\"2026-01-31T12:00:00.000Z\",\"finished_at\":"
    "\"2026-01-31T12:00:02.000Z\",\"duration_ms\":2000,\"rows\":1234567}";
static const char manifest[] =
    "{\"name\":\"A <&> B\",\"steps\":[{\"id\":\"read\",\"component\":\"sqlite.extractor\","
    "\"needs\":[]},{\"id\":\"write\",\"component\":\"sqlite.writer\",\"needs\":[\"read\"]},"
    "{\"id\":\"late\",\"component\":\"filesystem.csv_writer\",\"needs\":[\"write\"]}]}";
static const char metrics[] =
    "[{\"id\":\"read\",\"status\":\"success\",\"rows_in\":0,\"rows_out\":1000,\"bytes\":2048,"
    "\"duration_ms\":500},{\"id\":\"write\",\"status\":\"failed\",\"rows_in\":10,\"rows_out\":0,"
    "\"bytes\":5,\"duration_ms\":0,\"error\":\"x < y & \\\"z\\\"\\u0001\"},{\"id\":\"late\","
    "\"status\":\"skipped\",\"rows_in\":0,\"rows_out\":0,\"bytes\":0,\"duration_ms\":0}]";
static const char events[] =
    "[{\"ts\":\"2026-01-31T12:00:00.000Z\",\"event\":\"run_start\",\"step_id\":null},"
    "{\"ts\":\"2026-01-31T12:00:00.000Z\",\"event\":\"step_start\",\"step_id\":\"read\"},"
    "{\"ts\":\"2026-01-31T12:00:01.000Z\",\"event\":\"step_start\",\"step_id\":\"write\"},"
    "{\"ts\":\"2026-01-31T12:00:01.500Z\",\"event\":\"step_error\",\"step_id\":\"write\"},"
    "{\"ts\":\"2026-01-31T12:00:01.500Z\",\"event\":\"step_complete\",\"step_id\":\"read\"},"
    "{\"ts\":\"2026-01-31T12:00:02.000Z\",\"event\":\"run_error\",\"step_id\":null}]";

static char *render(const char *rec, const char *man, const char *met, const char *ev)
{
    struct osr_report_run run = {json_loads(rec, 0, NULL), man ? json_loads(man, 0, NULL) : NULL,
                                 met ? json_loads(met, 0, NULL) : NULL,
                                 ev ? json_loads(ev, 0, NULL) : NULL};
    struct osr_buf b;

    assert_non_null(run.record);
    osr_buf_init(&b, 1u << 20);
    assert_int_equal(osr_report_html_format(&b, &run), 0);
    json_decref(run.record);
    json_decref(run.manifest);
    json_decref(run.metrics);
    json_decref(run.events);
    return osr_buf_take(&b);
}

static void test_escaped(void **state)
{
    char *page = render(record, manifest, metrics, events);

    (void)state;
    assert_non_null(strstr(page, "<h1>A &lt;&amp;&gt; B <span"));
    assert_null(strstr(page, "A <&> B"));
    assert_non_null(strstr(page, "<pre>x &lt; y &amp; &quot;z&quot;&#xFFFD;</pre>"));
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "http://"));
    assert_null(strstr(page, "https://"));
    assert_non_null(strstr(page, "<dt>Rows written</dt><dd>1,234,567</dd>"));
    assert_non_null(strstr(page, "<dt>Steps</dt><dd>3: 1 succeeded, 1 failed, 1 skipped</dd>"));
    free(page);
}

static void test_layout_and_timeline(void **state)
{
    char *page = render(record, manifest, metrics, events);

    (void)state;
    /* Columns by depth: read at 12, write at 12 + 176 + 56, late one further. */
    assert_non_null(strstr(page, "data-step=\"read\"><title>read (sqlite.extractor): success"
                                 "</title><rect x=\"12\" y=\"12\""));
    assert_non_null(strstr(page, "<rect x=\"244\" y=\"12\""));
    assert_non_null(strstr(page, "<rect x=\"476\" y=\"12\""));
    assert_non_null(strstr(page, "<g class=\"step skipped\" data-step=\"late\">"));
    /* 2 s over 740 px: read 0..1500 ms, write 1000..1500 ms. */
    assert_non_null(strstr(page, "<rect class=\"bar success\" data-step=\"read\" x=\"180\" "
                                 "y=\"33\" width=\"555\""));
    assert_non_null(strstr(page, "<rect class=\"bar failed\" data-step=\"write\" x=\"550\" "
                                 "y=\"59\" width=\"185\""));
    assert_non_null(strstr(page, "skipped: never started"));
    assert_non_null(strstr(page, "2,000 rows/s"));
    assert_non_null(strstr(page, "&gt; 10,000 rows/s")); /* 10 rows in under 1 ms */
    free(page);
}

static void test_partial_records(void **state)
{
    char *page = render(record, NULL, metrics, NULL);

    (void)state;
    /* Without a manifest the metrics give the steps (no edges); without events no bars. */
    assert_non_null(strstr(page, "<h1>a-b <span"));
    assert_null(strstr(page, "class=\"edge\""));
    assert_non_null(strstr(page, "data-step=\"late\""));
    assert_non_null(strstr(page, "no start recorded"));
    free(page);
    page = render("{}", NULL, NULL, NULL);
    assert_non_null(strstr(page, "The run recorded no step."));
    assert_non_null(strstr(page, "class=\"badge other\" id=\"run-status\">unknown<"));
    free(page);
}

static void test_hostile_needs(void **state)
{
    const char *cyclic = "{\"name\":\"c\",\"steps\":[{\"id\":\"a\",\"needs\":[\"b\",\"a\"]},"
                         "{\"id\":\"b\",\"needs\":[\"a\",\"nowhere\",7]},{\"id\":\"a\"},"
                         "{\"needs\":[]}]}";
    char *page = render(record, cyclic, NULL, NULL);

    (void)state;
    assert_non_null(strstr(page, "<dt>Steps</dt><dd>2:")); /* the duplicate and no id dropped */
    assert_non_null(strstr(page, "data-step=\"b\""));
    free(page);
}

static void test_limit_and_determinism(void **state)
{
    struct osr_report_run run = {json_loads(record, 0, NULL), json_loads(manifest, 0, NULL),
                                 json_loads(metrics, 0, NULL), json_loads(events, 0, NULL)};
    struct osr_buf b;
    char *one = render(record, manifest, metrics, events);
    char *two = render(record, manifest, metrics, events);

    (void)state;
    assert_string_equal(one, two);
    osr_buf_init(&b, 1000);
    assert_int_equal(osr_report_html_format(&b, &run), -OSR_ELIMIT);
    assert_true(osr_buf_failed(&b));
    osr_buf_dispose(&b);
    json_decref(run.record);
    json_decref(run.manifest);
    json_decref(run.metrics);
    json_decref(run.events);
    free(one);
    free(two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaped),
        cmocka_unit_test(test_layout_and_timeline),
        cmocka_unit_test(test_partial_records),
        cmocka_unit_test(test_hostile_needs),
        cmocka_unit_test(test_limit_and_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
