/*
 * jsonl.c - reading a file of JSON lines (see jsonl.h).
 */
#include "core/jsonl.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>

int osr_jsonl_load(json_t **out, const char *path)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    *out = json_array();
    if (!f)
        return errno == ENOENT ? 0 : osr_error_set_errno(-OSR_EIO, "cannot read %s", path);
    while ((n = getline(&line, &cap, f)) > 0) {
        json_t *rec = json_loadb(line, (size_t)n, JSON_DISABLE_EOF_CHECK, NULL);
        if (json_is_object(rec))
            json_array_append(*out, rec);
        json_decref(rec);
    }
    free(line);
    fclose(f);
    return 0;
}
