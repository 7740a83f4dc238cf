/*
 * diag.h - diagnostics: what is wrong, where, and how to fix it.
 *
 * Loaders of user files (osiris.yaml, osiris_connections.yaml, component specs, and later
 * OML) report every problem they find as a diagnostic instead of stopping at the first:
 * severity, a stable code, the file with 1-based line and column, a path inside the
 * document (like `filesystem.base_path`), a message and, where useful, a suggested fix.
 * Diagnostics keep the order in which they were added (document order).
 */
#ifndef OSR_DIAG_H
#define OSR_DIAG_H

#include "core/compat.h"
#include "core/yaml.h"

#include <jansson.h>

enum osr_severity {
    OSR_SEV_ERROR,
    OSR_SEV_WARNING,
    OSR_SEV_INFO,
};

struct osr_diag {
    enum osr_severity severity;
    char *code;
    char *type; /* a readable name of the code (OML diagnostics), or NULL */
    char *file;
    unsigned line, col;
    char *path;
    char *message;
    char *suggest;
};

struct osr_diags {
    struct osr_diag *v;
    size_t n, cap;
    size_t errors, warnings, infos;
};

void osr_diags_init(struct osr_diags *d);
void osr_diags_dispose(struct osr_diags *d);
/* Adds one diagnostic; `at` (may be NULL) gives the line and column. Strings are copied. */
void osr_diag_add(struct osr_diags *d, enum osr_severity sev, const char *code, const char *file,
                  const struct osr_ynode *at, const char *path, const char *suggest,
                  const char *fmt, ...) OSR_PRINTF(8, 9);
/* Same, with an explicit position. */
void osr_diag_add_at(struct osr_diags *d, enum osr_severity sev, const char *code, const char *file,
                     unsigned line, unsigned col, const char *path, const char *suggest,
                     const char *fmt, ...) OSR_PRINTF(9, 10);
/* Names the last diagnostic added (its "type"). */
void osr_diag_set_type(struct osr_diags *d, const char *type);
/* Sorts the diagnostics by line and column, keeping the order of equal positions. */
void osr_diags_sort(struct osr_diags *d);
/* {"severity","code","type","message","file","line","column","path","suggest"} (new ref). */
json_t *osr_diag_to_json(const struct osr_diag *d);
/* "file:line:col: error: message (hint: suggest)" (owned). */
char *osr_diag_format(const struct osr_diag *d);
const char *osr_severity_name(enum osr_severity sev);

#endif
