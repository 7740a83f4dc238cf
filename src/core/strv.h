/*
 * strv.h - a growable vector of owned strings.
 */
#ifndef OSR_STRV_H
#define OSR_STRV_H

#include "core/compat.h"

struct osr_strv {
    char **v;
    size_t n, cap;
};

#define OSR_STRV_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void osr_strv_push(struct osr_strv *sv, const char *s);
/* Adds s unless an equal string is present already. */
void osr_strv_add_unique(struct osr_strv *sv, const char *s);
bool osr_strv_contains(const struct osr_strv *sv, const char *s);
void osr_strv_sort(struct osr_strv *sv);
/* Joins the strings with `sep` (owned). */
char *osr_strv_join(const struct osr_strv *sv, const char *sep);
void osr_strv_dispose(struct osr_strv *sv);

#endif
