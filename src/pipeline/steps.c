/*
 * steps.c - the table of runnable components (see steps.h).
 */
#include "pipeline/steps.h"

#include <stdarg.h>
#include <stdio.h>

extern const struct osr_extractor_ops osr_sqlite_extractor, osr_csv_extractor, osr_pg_extractor;
extern const struct osr_writer_ops osr_sqlite_writer, osr_csv_writer, osr_pg_writer;

static const struct osr_extractor_ops *const extractors[] = {&osr_sqlite_extractor,
                                                             &osr_csv_extractor, &osr_pg_extractor};
static const struct osr_writer_ops *const writers[] = {&osr_csv_writer, &osr_sqlite_writer,
                                                       &osr_pg_writer};

const struct osr_extractor_ops *osr_extractor_find(const char *component)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(extractors); i++) {
        if (strcmp(extractors[i]->component, component) == 0)
            return extractors[i];
    }
    return NULL;
}

const struct osr_writer_ops *osr_writer_find(const char *component)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(writers); i++) {
        if (strcmp(writers[i]->component, component) == 0)
            return writers[i];
    }
    return NULL;
}

int osr_step_fail(struct osr_step_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
    va_end(ap);
    return -1;
}
