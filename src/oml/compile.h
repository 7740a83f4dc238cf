/*
 * compile.h - from OML to a fingerprinted, byte-for-byte reproducible build.
 *
 * compile validates first (any error stops it), resolves parameters (declared defaults <
 * OSIRIS_PARAM_<NAME> < the profile's params < --param), orders the steps topologically
 * (ties in document order), and writes
 *   <build root>/pipelines/<profile>/<slug>/<short>-<hash>/
 *       manifest.yaml  cfg/<step>.json  plan.json  fingerprints.json
 * in canonical JSON/YAML with no timestamps, so compiling twice gives identical bytes. The
 * hash covers the manifest and every cfg file. Connection references stay references:
 * no secret ever enters a build.
 */
#ifndef OSR_OML_COMPILE_H
#define OSR_OML_COMPILE_H

#include "core/strv.h"
#include "oml/oml.h"

struct osr_compile_req {
    const char *text;
    size_t len;
    const char *file;
    const struct osr_oml_ctx *ctx;
    const char *profile;               /* NULL: no profile directory */
    const struct osr_strv *cli_params; /* "name=value" strings */
    const char *build_root;            /* <base>/<build_dir> */
    const char *out_dir;               /* --out: exact directory, or NULL */
    unsigned short_len;                /* naming.manifest_short_len */
};

/* On success *out is {"status","manifest_path","manifest_hash","manifest_short",
 * "build_dir","profile","steps":[ids in order],"params":{...}}. On failure returns
 * -OSR_EINVAL (invalid pipeline: *out holds the validation result) or another negative
 * code (last error set). */
int osr_oml_compile(json_t **out, const struct osr_compile_req *r);

/* Lower-case slug of a name: [a-z0-9-], runs of other characters become one '-'. */
char *osr_slugify(const char *name);

#endif
