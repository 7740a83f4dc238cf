/*
 * run_index.c - reading the index of runs (see run_index.h).
 */
#include "pipeline/run_index.h"
#include "core/jsonl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

bool osr_run_id_ok(const char *run_id)
{
    return run_id && osr_name_ok(run_id, strlen(run_id), 128, true);
}

static bool str_field_is(json_t *rec, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(rec, key));

    return !want || (v && strcmp(v, want) == 0);
}

/* Adds the package's absolute paths to `rec`; false when the package is missing or lies
 * outside the workspace (an index edited to point elsewhere). */
static bool locate_package(json_t *rec, const char *base)
{
    const char *dir = json_string_value(json_object_get(rec, "aiop_dir"));
    char real[PATH_MAX], *abs, *file;
    bool ok;

    if (!dir || !osr_run_id_ok(json_string_value(json_object_get(rec, "run_id"))))
        return false;
    abs = osr_path_join(base, dir);
    file = osr_path_join(abs, "aiop.json");
    ok = osr_fs_contained(file, base, real) == 1;
    if (ok) {
        char *card = osr_path_join(abs, "run-card.md");
        char real_card[PATH_MAX];
        json_object_set_new(rec, "aiop_path", json_string(real));
        json_object_set_new(rec, "run_card_path",
                            osr_fs_contained(card, base, real_card) == 1 ? json_string(real_card)
                                                                         : json_null());
        free(card);
    }
    free(file);
    free(abs);
    return ok;
}

/* Reads every record of the index, in file order (oldest first). */
static int read_all(json_t **out, const char *index_file)
{
    int rc = osr_jsonl_load(out, index_file);

    return rc < 0 ? osr_error_set_errno(-OSR_EIO, "cannot read the run index %s", index_file) : 0;
}

int osr_run_index_list(json_t **runs, bool *truncated, const char *index_file, const char *base,
                       const struct osr_run_filter *f)
{
    json_t *all;
    int rc = read_all(&all, index_file);

    *runs = json_array();
    *truncated = false;
    for (size_t i = json_array_size(all); rc == 0 && i-- > 0;) {
        json_t *rec = json_array_get(all, i);
        if (!str_field_is(rec, "pipeline", f->pipeline) ||
            !str_field_is(rec, "profile", f->profile) ||
            !osr_run_id_ok(json_string_value(json_object_get(rec, "run_id"))))
            continue;
        if (!locate_package(rec, base)) {
            if (!f->any)
                continue;
            json_object_set_new(rec, "aiop_path", json_null());
            json_object_set_new(rec, "run_card_path", json_null());
        }
        if (f->limit && json_array_size(*runs) == f->limit) {
            *truncated = true;
            break;
        }
        json_array_append(*runs, rec);
    }
    json_decref(all);
    return rc;
}

json_t *osr_run_index_find(const char *index_file, const char *base, const char *run_id)
{
    json_t *all, *found = NULL;

    if (read_all(&all, index_file) < 0) {
        json_decref(all);
        return NULL;
    }
    for (size_t i = json_array_size(all); !found && i-- > 0;) {
        json_t *rec = json_array_get(all, i);
        if (str_field_is(rec, "run_id", run_id) && locate_package(rec, base))
            found = json_incref(rec);
    }
    json_decref(all);
    return found;
}
