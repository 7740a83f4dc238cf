/*
 * rules.c - the table of OML diagnostic codes (see rules.h).
 */
#include "oml/rules.h"

#define E OSR_SEV_ERROR
#define W OSR_SEV_WARNING

const struct osr_oml_rule_info osr_oml_rules[OSR_OML_RULE_COUNT] = {
    {"OML001", "invalid_type", E},
    {"OML002", "missing_required_key", E},
    {"OML003", "forbidden_key", E},
    {"OML004", "invalid_version_type", E},
    {"OML005", "unsupported_version", W},
    {"OML006", "invalid_name_type", E},
    {"OML007", "empty_name", E},
    {"OML008", "naming_convention", W},
    {"OML009", "invalid_steps_type", E},
    {"OML010", "empty_steps", E},
    {"OML011", "invalid_step_type", E},
    {"OML012", "missing_step_field", E},
    {"OML013", "invalid_id_type", E},
    {"OML014", "duplicate_id", E},
    {"OML015", "invalid_component_type", E},
    {"OML016", "unknown_component", E},
    {"OML017", "invalid_mode_type", E},
    {"OML018", "invalid_mode", E},
    {"OML019", "incompatible_mode", E},
    {"OML020", "invalid_needs_type", E},
    {"OML021", "invalid_dependency_type", E},
    {"OML022", "unknown_dependency", E},
    {"OML023", "dependency_cycle", E},
    {"OML024", "self_dependency", E},
    {"OML025", "invalid_config_type", E},
    {"OML026", "invalid_connection_ref", E},
    {"OML027", "unknown_connection", E},
    {"OML028", "connection_family_mismatch", E},
    {"OML029", "missing_primary_key", E},
    {"OML030", "invalid_write_mode", E},
    {"OML031", "unknown_config_key", E},
    {"OML032", "forbidden_override", E},
    {"OML033", "override_warning", W},
    {"OML034", "missing_config_key", E},
    {"OML035", "invalid_config_value", E},
    {"OML036", "query_table_conflict", E},
    {"OML037", "inline_secret", E},
    {"OML038", "undeclared_parameter", E},
    {"OML039", "unknown_key", W},
    {"OML040", "invalid_params", E},
    {"OML041", "yaml_error", E},
    {"OML042", "document_limit", E},
    {"OML043", "unknown_step_key", W},
    {"OML044", "invalid_profiles", E},
};
