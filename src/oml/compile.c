/*
 * compile.c - the OML compiler (see compile.h).
 */
#include "oml/compile.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/canon.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/jsonschema.h"
#include "core/mask.h"
#include "core/sha256.h"
#include "version.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

char *osr_slugify(const char *name)
{
    struct osr_buf b;
    bool dash = false;

    osr_buf_init(&b, OSR_BUF_UNLIMITED);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (isalnum(*p) && *p < 0x80) {
            if (dash && b.len)
                osr_buf_putc(&b, '-');
            osr_buf_putc(&b, (char)tolower(*p));
            dash = false;
        } else {
            dash = true;
        }
    }
    if (!b.len)
        osr_buf_puts(&b, "pipeline");
    return osr_buf_take(&b);
}

/* ---- parameters ---- */

static const char *declared_type(json_t *decl)
{
    json_t *t = json_is_object(decl) ? json_object_get(decl, "type") : NULL;
    json_t *d = json_is_object(decl) ? json_object_get(decl, "default") : decl;

    if (json_is_string(t))
        return json_string_value(t);
    if (json_is_integer(d))
        return "integer";
    if (json_is_real(d))
        return "number";
    if (json_is_boolean(d))
        return "boolean";
    return "string";
}

/* A text value (from the environment or --param) converted to the declared type. */
static json_t *coerce(const char *text, const char *type)
{
    char *end;

    if (strcmp(type, "integer") == 0) {
        long long v;
        errno = 0;
        v = strtoll(text, &end, 10);
        return (*text && !*end && !errno) ? json_integer(v) : NULL;
    }
    if (strcmp(type, "number") == 0) {
        double d = strtod(text, &end);
        return (*text && !*end && isfinite(d)) ? json_real(d) : NULL;
    }
    if (strcmp(type, "boolean") == 0) {
        if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
            return json_boolean(strcmp(text, "true") == 0);
        return NULL;
    }
    return json_string(text);
}

static int check_value(const char *name, json_t *decl, json_t *v)
{
    json_t *en = json_is_object(decl) ? json_object_get(decl, "enum") : NULL;
    json_t *min = json_is_object(decl) ? json_object_get(decl, "minimum") : NULL;
    json_t *max = json_is_object(decl) ? json_object_get(decl, "maximum") : NULL;
    json_t *e;
    size_t i;
    bool found = !en;

    json_array_foreach(en, i, e) found = found || json_equal(e, v);
    if (!found)
        return osr_error_set(-OSR_EINVAL, "parameter %s: value is not one of its enum values",
                             name);
    if (json_is_number(v) && json_is_number(min) && json_number_value(v) < json_number_value(min))
        return osr_error_set(-OSR_EINVAL, "parameter %s must be >= %g", name,
                             json_number_value(min));
    if (json_is_number(v) && json_is_number(max) && json_number_value(v) > json_number_value(max))
        return osr_error_set(-OSR_EINVAL, "parameter %s must be <= %g", name,
                             json_number_value(max));
    return 0;
}

static int set_param(json_t *values, const char *name, json_t *decl, const char *text,
                     const char *source)
{
    json_t *v = coerce(text, declared_type(decl));

    if (!v)
        return osr_error_set(-OSR_EINVAL, "parameter %s from %s: '%s' is not a valid %s", name,
                             source, text, declared_type(decl));
    json_object_set_new(values, name, v);
    return check_value(name, decl, v);
}

static char *env_name(const char *param)
{
    char *n = osr_xasprintf("OSIRIS_PARAM_%s", param);
    for (char *p = n; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return n;
}

/* Effective parameters: defaults < OSIRIS_PARAM_* < profile < --param. Only declared names
 * count, so an unrelated OSIRIS_PARAM_X in the environment changes nothing. */
static int resolve_params(json_t **out, json_t *doc, const struct osr_compile_req *r)
{
    json_t *decls = json_object_get(doc, "params"), *values = json_object(), *decl, *pv;
    json_t *prof =
        r->profile ? json_object_get(json_object_get(json_object_get(doc, "profiles"), r->profile),
                                     "params")
                   : NULL;
    const char *name;
    int rc = 0;

    json_object_foreach(decls, name, decl)
    {
        json_t *d = json_is_object(decl) ? json_object_get(decl, "default") : decl;
        char *env = env_name(name);
        if (d && !json_is_null(d))
            json_object_set(values, name, d);
        if (getenv(env) && rc == 0)
            rc = set_param(values, name, decl, getenv(env), env);
        free(env);
        if ((pv = json_object_get(prof, name)) && rc == 0)
            json_object_set(values, name, pv);
    }
    for (size_t i = 0; r->cli_params && i < r->cli_params->n && rc == 0; i++) {
        const char *kv = r->cli_params->v[i], *eq = strchr(kv, '=');
        char *key = eq ? osr_xstrndup(kv, (size_t)(eq - kv)) : osr_xstrdup(kv);
        if (!eq)
            rc = osr_error_set(-OSR_EINVAL, "--param %s: write it as name=value", kv);
        else if (!(decl = json_object_get(decls, key)))
            rc = osr_error_set(-OSR_EINVAL, "--param %s: the pipeline declares no such parameter",
                               key);
        else
            rc = set_param(values, key, decl, eq + 1, "--param");
        free(key);
    }
    json_object_foreach(decls, name, decl)
    {
        if (rc == 0 && !json_object_get(values, name))
            rc = osr_error_set(-OSR_EINVAL,
                               "parameter %s has no value: give it a default, "
                               "OSIRIS_PARAM_%s or --param %s=...",
                               name, name, name);
    }
    *out = values;
    return rc;
}

static void put_text(struct osr_buf *b, json_t *v)
{
    if (json_is_string(v))
        osr_buf_puts(b, json_string_value(v));
    else {
        char *t = osr_canon_json(v);
        osr_buf_puts(b, t);
        free(t);
    }
}

/* Substitutes ${params.x}: a whole-value placeholder keeps the parameter's type. */
static json_t *substitute(json_t *v, json_t *values)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v), *p;
        struct osr_buf b;
        size_t n = strlen(s);
        if (n > 10 && strncmp(s, "${params.", 9) == 0 && s[n - 1] == '}' &&
            !strchr(s + 9, '}')[1]) {
            char *name = osr_xstrndup(s + 9, n - 10);
            json_t *val = json_object_get(values, name);
            free(name);
            if (val)
                return json_incref(val);
        }
        osr_buf_init(&b, OSR_BUF_UNLIMITED);
        while ((p = strstr(s, "${params."))) {
            const char *close = strchr(p, '}');
            char *name;
            json_t *val;
            if (!close)
                break;
            name = osr_xstrndup(p + 9, (size_t)(close - p - 9));
            val = json_object_get(values, name);
            osr_buf_put(&b, s, (size_t)(p - s));
            if (val)
                put_text(&b, val);
            else
                osr_buf_put(&b, p, (size_t)(close - p) + 1);
            free(name);
            s = close + 1;
        }
        osr_buf_puts(&b, s);
        {
            char *t = osr_buf_take(&b);
            json_t *j = json_string(t);
            free(t);
            return j;
        }
    }
    if (json_is_object(v)) {
        json_t *o = json_object(), *c;
        const char *k;
        json_object_foreach(v, k, c) json_object_set_new(o, k, substitute(c, values));
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array(), *c;
        size_t i;
        json_array_foreach(v, i, c) json_array_append_new(a, substitute(c, values));
        return a;
    }
    return json_incref(v);
}

/* ---- order, cfg, manifest ---- */

/* Kahn's algorithm; among steps ready at the same time, document order wins. */
static json_t *topo_order(json_t *steps)
{
    size_t n = json_array_size(steps), done = 0;
    bool *placed = osr_xcalloc(n ? n : 1, sizeof(bool));
    json_t *order = json_array(), *ids = json_object(), *st;
    size_t i;

    json_array_foreach(steps, i, st) json_object_set_new(
        ids, json_string_value(json_object_get(st, "id")), json_integer((json_int_t)i));
    while (done < n) {
        bool progress = false;
        for (i = 0; i < n; i++) {
            json_t *needs, *dep;
            size_t k;
            bool ready = true;
            if (placed[i])
                continue;
            needs = json_object_get(json_array_get(steps, i), "needs");
            json_array_foreach(needs, k, dep)
            {
                json_t *idx = json_object_get(ids, json_string_value(dep));
                ready = ready && idx && placed[json_integer_value(idx)];
            }
            if (!ready)
                continue;
            placed[i] = true;
            json_array_append(order, json_array_get(steps, i));
            done++;
            progress = true;
            break; /* restart from the top: earlier steps go first */
        }
        if (!progress)
            break; /* a cycle: the validator reports it; not reached after validation */
    }
    free(placed);
    json_decref(ids);
    return order;
}

static const char *component_mode(const char *m)
{
    return strcmp(m, "read") == 0 ? "extract" : strcmp(m, "write") == 0 ? "write" : "transform";
}

static bool connection_field(json_t *spec, const char *key)
{
    json_t *f;
    size_t i;

    json_array_foreach(json_object_get(spec, "x-connection-fields"), i, f)
    {
        const char *name = json_is_string(f) ? json_string_value(f)
                                             : json_string_value(json_object_get(f, "name"));
        if (name && strcmp(name, key) == 0)
            return true;
    }
    return false;
}

/* The step's cfg: its config plus the spec defaults of absent keys. Defaults of fields a
 * referenced connection provides are left out, so they never override the connection. */
static json_t *build_cfg(json_t *step, json_t *spec)
{
    json_t *cfg = json_deep_copy(json_object_get(step, "config"));
    json_t *props = json_object_get(json_object_get(spec, "configSchema"), "properties"), *p;
    bool has_conn;
    const char *k;

    if (!json_is_object(cfg)) {
        json_decref(cfg);
        cfg = json_object();
    }
    has_conn = json_is_string(json_object_get(cfg, "connection"));
    json_object_foreach(props, k, p)
    {
        json_t *d = json_object_get(p, "default");
        if (d && !json_object_get(cfg, k) && !(has_conn && connection_field(spec, k)))
            json_object_set(cfg, k, d);
    }
    return json_pack("{s:O, s:s, s:o}", "component", json_object_get(step, "component"), "mode",
                     component_mode(json_string_value(json_object_get(step, "mode"))), "config",
                     cfg);
}

static json_t *step_entry(json_t *step)
{
    json_t *needs = json_object_get(step, "needs");
    char *cfg_path = osr_xasprintf("cfg/%s.json", json_string_value(json_object_get(step, "id")));
    json_t *e =
        json_pack("{s:O, s:O, s:O, s:s, s:o, s:s}", "id", json_object_get(step, "id"), "component",
                  json_object_get(step, "component"), "driver", json_object_get(step, "component"),
                  "mode", component_mode(json_string_value(json_object_get(step, "mode"))), "needs",
                  json_is_array(needs) ? json_incref(needs) : json_array(), "cfg_path", cfg_path);
    free(cfg_path);
    return e;
}

/* ---- writing ---- */

static int write_text(const char *dir, const char *rel, const char *text)
{
    char *path = osr_path_join(dir, rel);
    int rc = osr_fs_write_atomic(path, text, strlen(text), 0644);

    free(path);
    return rc;
}

static int write_json_file(const char *dir, const char *rel, json_t *v)
{
    char *text = osr_canon_json(v);
    int rc = write_text(dir, rel, text);

    free(text);
    return rc;
}

/* Writes the build into a fresh temporary directory beside `dir` and renames it into
 * place, so a build directory is either complete or absent. An existing directory with
 * the same hash holds the same bytes and is kept. */
static int write_build(const char *dir, const char *manifest_yaml, json_t *cfgs, json_t *plan,
                       json_t *fps)
{
    char *parent = osr_path_dirname(dir), *tmp, *cfgdir;
    uint32_t nonce = 0;
    const char *id;
    json_t *cfg;
    int rc;

    if (osr_fs_is_dir(dir)) {
        free(parent);
        return 0;
    }
    if ((rc = osr_fs_mkdir_p(parent, 0755)) < 0) {
        free(parent);
        return rc;
    }
    if (getrandom(&nonce, sizeof(nonce), 0) < 0)
        nonce = (uint32_t)getpid();
    tmp = osr_xasprintf("%s.tmp.%08x", dir, nonce);
    cfgdir = osr_path_join(tmp, "cfg");
    rc = osr_fs_mkdir_p(cfgdir, 0755);
    json_object_foreach(cfgs, id, cfg)
    {
        char *rel = osr_xasprintf("cfg/%s.json", id);
        if (rc == 0)
            rc = write_json_file(tmp, rel, cfg);
        free(rel);
    }
    if (rc == 0 && (rc = write_text(tmp, "manifest.yaml", manifest_yaml)) == 0 &&
        (rc = write_json_file(tmp, "plan.json", plan)) == 0 &&
        (rc = write_json_file(tmp, "fingerprints.json", fps)) == 0 && rename(tmp, dir) < 0 &&
        !osr_fs_is_dir(dir))
        rc = osr_error_set_errno(-OSR_EIO, "cannot move the build into %s", dir);
    if (osr_fs_is_dir(tmp)) { /* failed, or a concurrent compile won the rename */
        json_object_foreach(cfgs, id, cfg)
        {
            char *f = osr_xasprintf("%s/cfg/%s.json", tmp, id);
            unlink(f);
            free(f);
        }
        rmdir(cfgdir);
        for (const char *const *f =
                 (const char *const[]){"manifest.yaml", "plan.json", "fingerprints.json", NULL};
             *f; f++) {
            char *p = osr_path_join(tmp, *f);
            unlink(p);
            free(p);
        }
        rmdir(tmp);
    }
    free(cfgdir);
    free(tmp);
    free(parent);
    return rc;
}

/* ---- the compiler ---- */

static json_t *used_specs(json_t *steps, const struct osr_registry *reg)
{
    json_t *specs = json_object(), *st;
    size_t i;

    json_array_foreach(steps, i, st)
    {
        const char *c = json_string_value(json_object_get(st, "component"));
        const struct osr_component *comp = osr_registry_find(reg, c);
        if (comp)
            json_object_set(specs, c, comp->spec);
    }
    return specs;
}

/* Values that came from parameters are checked once they are known. */
static int check_resolved(json_t *doc, const struct osr_registry *reg)
{
    json_t *st;
    size_t i;

    json_array_foreach(json_object_get(doc, "steps"), i, st)
    {
        const struct osr_component *c =
            osr_registry_find(reg, json_string_value(json_object_get(st, "component")));
        json_t *props = json_object_get(json_object_get(c->spec, "configSchema"), "properties");
        json_t *v;
        const char *k;
        json_object_foreach(json_object_get(st, "config"), k, v)
        {
            struct osr_strv errors = OSR_STRV_INIT;
            json_t *prop = json_object_get(props, k);
            char *path = osr_xasprintf("steps[%zu].config.%s", i, k);
            int bad = prop && osr_jsonschema_validate(prop, v, path, &errors) > 0;
            if (bad)
                osr_error_set(-OSR_EINVAL, "after parameters are applied, %s", errors.v[0]);
            osr_strv_dispose(&errors);
            free(path);
            if (bad)
                return -OSR_EINVAL;
        }
    }
    return 0;
}

/* In a pipeline where no step declares needs, each step follows the one before it (a
 * linear chain); once any step declares needs, a step without them has no dependencies. */
static void imply_needs(json_t *steps)
{
    json_t *st, *prev = NULL;
    size_t i;
    bool declared = false;

    json_array_foreach(steps, i, st) declared =
        declared || json_is_array(json_object_get(st, "needs"));
    json_array_foreach(steps, i, st)
    {
        if (!json_is_array(json_object_get(st, "needs")))
            json_object_set_new(st, "needs",
                                prev && !declared ? json_pack("[O]", json_object_get(prev, "id"))
                                                  : json_array());
        prev = st;
    }
}

static int build(json_t **out, json_t *doc, json_t *params, const struct osr_compile_req *r)
{
    json_t *order =
        (imply_needs(json_object_get(doc, "steps")), topo_order(json_object_get(doc, "steps")));
    json_t *cfgs = json_object(), *entries = json_array(), *plan_steps = json_array(), *st;
    json_t *specs = used_specs(order, r->ctx->registry), *manifest, *fps, *hashed, *plan;
    const char *name = json_string_value(json_object_get(doc, "name"));
    char *slug = osr_slugify(name), *hash_text, hash[65], *yaml, *dir, *leaf;
    char *compiler_id = osr_xasprintf("osiris-compiler/%s", OSR_VERSION);
    size_t i;
    int rc;

    json_array_foreach(order, i, st)
    {
        const char *id = json_string_value(json_object_get(st, "id"));
        const struct osr_component *comp = osr_registry_find(
            r->ctx->registry, json_string_value(json_object_get(st, "component")));
        json_object_set_new(cfgs, id, build_cfg(st, comp->spec));
        json_array_append_new(entries, step_entry(st));
        json_array_append_new(plan_steps,
                              json_pack("{s:s, s:O, s:O}", "id", id, "driver",
                                        json_object_get(st, "component"), "needs",
                                        json_object_get(json_array_get(entries, i), "needs")));
    }
    fps = json_pack("{s:s}", "profile", r->profile ? r->profile : "");
    {
        char *f1 = osr_canon_fingerprint(doc), *f2 = osr_canon_fingerprint(params);
        char *f3 = osr_canon_fingerprint(specs);
        json_t *cid = json_string(compiler_id);
        char *f4 = osr_canon_fingerprint(cid);
        json_object_set_new(fps, "oml_fp", json_string(f1));
        json_object_set_new(fps, "params_fp", json_string(f2));
        json_object_set_new(fps, "registry_fp", json_string(f3));
        json_object_set_new(fps, "compiler_fp", json_string(f4));
        free(f1), free(f2), free(f3), free(f4);
        json_decref(cid);
    }
    manifest =
        json_pack("{s:i, s:O, s:{s:s, s:s, s:O, s:O}, s:o, s:{s:s, s:s}}", "manifest_version", 1,
                  "name", json_object_get(doc, "name"), "pipeline", "id", slug, "oml_version",
                  OSR_OML_VERSION, "params", params, "fingerprints", fps, "steps", entries, "meta",
                  "profile", r->profile ? r->profile : "", "compiler", compiler_id);
    if (json_object_get(doc, "metadata"))
        json_object_set(manifest, "metadata", json_object_get(doc, "metadata"));
    hashed = json_pack("{s:O, s:O}", "manifest", manifest, "cfg", cfgs);
    hash_text = osr_canon_json(hashed);
    osr_sha256_hex(hash_text, strlen(hash_text), hash);
    json_object_set_new(json_object_get(manifest, "meta"), "manifest_hash", json_string(hash));
    json_object_set_new(json_object_get(manifest, "meta"), "manifest_short",
                        json_stringn(hash, r->short_len));
    yaml = osr_canon_yaml(manifest);
    plan = json_pack("{s:o}", "steps", plan_steps);
    leaf = osr_xasprintf("%.*s-%s", (int)r->short_len, hash, hash);
    if (r->out_dir) {
        dir = osr_path_absolute(r->out_dir, NULL);
    } else {
        char *rel = osr_xasprintf("pipelines/%s%s%s/%s", r->profile ? r->profile : "",
                                  r->profile ? "/" : "", slug, leaf);
        dir = osr_path_join(r->build_root, rel);
        free(rel);
    }
    rc = write_build(dir, yaml, cfgs, plan, fps);
    if (rc == 0) {
        json_t *ids = json_array();
        char *mpath = osr_path_join(dir, "manifest.yaml");
        json_array_foreach(order, i, st) json_array_append(ids, json_object_get(st, "id"));
        *out = json_pack("{s:s, s:s, s:s, s:s%, s:s, s:s?, s:o, s:O}", "status", "success",
                         "manifest_path", mpath, "manifest_hash", hash, "manifest_short", hash,
                         (size_t)r->short_len, "build_dir", dir, "profile", r->profile, "steps",
                         ids, "params", params);
        free(mpath);
    }
    free(leaf);
    free(dir);
    free(yaml);
    free(hash_text);
    free(slug);
    free(compiler_id);
    json_decref(plan);
    json_decref(fps);
    json_decref(hashed);
    json_decref(manifest);
    json_decref(cfgs);
    json_decref(specs);
    json_decref(order);
    return rc;
}

int osr_oml_compile(json_t **out, const struct osr_compile_req *r)
{
    struct osr_ynode *root = NULL;
    json_t *raw, *doc, *params = NULL, *check;
    int rc;

    *out = NULL;
    check = osr_oml_check_text(r->text, r->len, r->ctx, false);
    if (!json_is_true(json_object_get(check, "valid"))) {
        *out = check;
        return osr_error_set(-OSR_EINVAL, "the pipeline is not valid; fix the errors first");
    }
    json_decref(check);
    {
        struct osr_diags d;
        osr_diags_init(&d);
        osr_oml_parse(&root, r->text, r->len, r->ctx, &d);
        osr_diags_dispose(&d);
    }
    raw = osr_ynode_to_json(root);
    osr_ynode_free(root);
    if ((rc = resolve_params(&params, raw, r)) < 0) {
        json_decref(raw);
        json_decref(params);
        return rc;
    }
    doc = substitute(raw, params);
    json_object_del(doc, "params");
    json_object_del(doc, "profiles");
    rc = check_resolved(doc, r->ctx->registry);
    if (rc == 0)
        rc = build(out, doc, params, r);
    json_decref(doc);
    json_decref(raw);
    json_decref(params);
    return rc;
}
