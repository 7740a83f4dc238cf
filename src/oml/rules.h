/*
 * rules.h - the OML diagnostic codes: one row per rule, stable across releases.
 *
 * The code (OML001...) is what tools match on; the type is a readable name of the rule;
 * the severity says whether it makes a pipeline invalid.
 */
#ifndef OSR_OML_RULES_H
#define OSR_OML_RULES_H

#include "core/diag.h"

enum osr_oml_rule {
    R_INVALID_TYPE,         /* OML001 the document is not a mapping */
    R_MISSING_KEY,          /* OML002 a required top-level key is missing */
    R_FORBIDDEN_KEY,        /* OML003 a legacy top-level key */
    R_VERSION_TYPE,         /* OML004 */
    R_VERSION_UNSUPPORTED,  /* OML005 warning */
    R_NAME_TYPE,            /* OML006 */
    R_NAME_EMPTY,           /* OML007 */
    R_NAME_CONVENTION,      /* OML008 warning */
    R_STEPS_TYPE,           /* OML009 */
    R_STEPS_EMPTY,          /* OML010 */
    R_STEP_TYPE,            /* OML011 */
    R_STEP_FIELD_MISSING,   /* OML012 */
    R_ID_TYPE,              /* OML013 */
    R_ID_DUPLICATE,         /* OML014 */
    R_COMPONENT_TYPE,       /* OML015 */
    R_COMPONENT_UNKNOWN,    /* OML016 */
    R_MODE_TYPE,            /* OML017 */
    R_MODE_INVALID,         /* OML018 */
    R_MODE_INCOMPATIBLE,    /* OML019 */
    R_NEEDS_TYPE,           /* OML020 */
    R_DEPENDENCY_TYPE,      /* OML021 */
    R_DEPENDENCY_UNKNOWN,   /* OML022 */
    R_DEPENDENCY_CYCLE,     /* OML023 */
    R_DEPENDENCY_SELF,      /* OML024 */
    R_CONFIG_TYPE,          /* OML025 */
    R_CONNECTION_REF,       /* OML026 malformed reference */
    R_CONNECTION_UNKNOWN,   /* OML027 not in osiris_connections.yaml */
    R_CONNECTION_FAMILY,    /* OML028 family differs from the component's */
    R_PRIMARY_KEY_MISSING,  /* OML029 upsert without primary_key */
    R_WRITE_MODE,           /* OML030 write_mode not accepted by this writer */
    R_CONFIG_KEY_UNKNOWN,   /* OML031 */
    R_OVERRIDE_FORBIDDEN,   /* OML032 */
    R_OVERRIDE_WARNING,     /* OML033 warning */
    R_CONFIG_KEY_MISSING,   /* OML034 */
    R_CONFIG_VALUE,         /* OML035 value against the component's configSchema */
    R_QUERY_TABLE,          /* OML036 extractors need exactly one of query/table */
    R_INLINE_SECRET,        /* OML037 */
    R_PARAM_UNDECLARED,     /* OML038 */
    R_UNKNOWN_KEY,          /* OML039 warning: unknown top-level key */
    R_PARAMS_INVALID,       /* OML040 */
    R_YAML,                 /* OML041 YAML syntax */
    R_LIMIT,                /* OML042 size, depth or node limit */
    R_STEP_KEY_UNKNOWN,     /* OML043 warning: unknown step key */
    R_PROFILES_INVALID,     /* OML044 */
    R_DEPENDENCY_DUPLICATE, /* OML045 the same step twice in needs */
    OSR_OML_RULE_COUNT
};

struct osr_oml_rule_info {
    const char *code, *type;
    enum osr_severity severity;
};

extern const struct osr_oml_rule_info osr_oml_rules[OSR_OML_RULE_COUNT];

#endif
