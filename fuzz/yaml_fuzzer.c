/*
 * yaml_fuzzer.c - the YAML loader and the config and connections walkers on arbitrary bytes.
 */
#include "core/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct osr_yaml_error err;
    struct osr_ynode *root = NULL;

    if (osr_yaml_parse(&root, &err, (const char *)data, size, NULL) == 0) {
        json_t *j = osr_ynode_to_json(root);
        json_decref(j);
    }
    osr_ynode_free(root);
    return 0;
}
