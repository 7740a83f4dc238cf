/*
 * oml_bench.c - in-process timing of the OML validator: each use case of the catalogue and
 * a generated 1 000-step pipeline, validated many times; prints the median per document.
 * Built and run by bench/oml.
 */
#include "core/fsutil.h"
#include "core/loop.h"
#include "core/registry.h"
#include "oml/oml.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_us(const char *text, size_t len, const struct osr_oml_ctx *ctx, int runs)
{
    double *t = malloc((size_t)runs * sizeof(double)), m;

    for (int i = 0; i < runs; i++) {
        uint64_t t0 = osr_now_us();
        json_t *r = osr_oml_check_text(text, len, ctx, false);
        t[i] = (double)(osr_now_us() - t0);
        json_decref(r);
    }
    qsort(t, (size_t)runs, sizeof(double), cmp);
    m = t[runs / 2];
    free(t);
    return m;
}

int main(int argc, char **argv)
{
    struct osr_registry reg;
    struct osr_diags d;
    struct osr_oml_ctx ctx = {&reg, NULL, "bench.yaml"};
    struct osr_yaml_error err;
    struct osr_ynode *cat = NULL;
    struct osr_buf text;
    const struct osr_ynode *ucs;

    if (argc != 4) {
        fprintf(stderr, "usage: oml_bench COMPONENTS_DIR CATALOG BIG_PIPELINE\n");
        return 2;
    }
    osr_diags_init(&d);
    osr_registry_load(&reg, argv[1], NULL, &d);
    if (osr_fs_read_file(&text, argv[2], 1u << 20) < 0 ||
        osr_yaml_parse(&cat, &err, text.ptr, text.len, NULL) < 0)
        return 1;
    ucs = osr_ynode_get(cat, "usecases");
    for (size_t i = 0; ucs && i < ucs->n; i++) {
        const struct osr_ynode *oml = osr_ynode_get(ucs->items[i], "oml");
        printf("usecase %-28s median %7.1f us\n", osr_ynode_get(ucs->items[i], "id")->str,
               median_us(oml->str, oml->len, &ctx, 200));
    }
    osr_buf_dispose(&text);
    if (osr_fs_read_file(&text, argv[3], 16u << 20) < 0)
        return 1;
    printf("1000-step pipeline            median %7.1f us\n",
           median_us(text.ptr, text.len, &ctx, 30));
    osr_buf_dispose(&text);
    osr_ynode_free(cat);
    osr_registry_dispose(&reg);
    osr_diags_dispose(&d);
    return 0;
}
