/*
 * oml_fuzzer.c - arbitrary bytes through the OML parser and validator, with the shipped
 * component specs loaded once (from OSIRIS_COMPONENTS_DIR or the build tree).
 */
#include "core/registry.h"
#include "oml/oml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct osr_registry reg;
    static bool loaded;
    struct osr_oml_ctx ctx = {&reg, NULL, "fuzz.yaml"};
    json_t *res;

    if (!loaded) {
        struct osr_diags d;
        char *root = osr_registry_default_root();
        osr_diags_init(&d);
        if (root)
            osr_registry_load(&reg, root, NULL, &d);
        osr_diags_dispose(&d);
        free(root);
        loaded = true;
    }
    res = osr_oml_check_text((const char *)data, size, &ctx, false);
    json_decref(res);
    return 0;
}
