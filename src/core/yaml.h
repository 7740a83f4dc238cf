/*
 * yaml.h - YAML documents as a tree of nodes that remember where they came from.
 *
 * libyaml does the tokenising; this module builds the tree from its events and adds what
 * libyaml lacks: YAML 1.2 core-schema resolution of plain scalars (so `yes` is a string and
 * `0777` is 777), refusal of duplicate mapping keys, an alias expansion budget against
 * "billion laughs" documents, a nesting limit, a node limit, strict UTF-8, one document per
 * file, and 1-based line and column numbers on every node and every error.
 */
#ifndef OSR_YAML_H
#define OSR_YAML_H

#include "core/compat.h"

#include <jansson.h>

enum osr_ykind {
    OSR_Y_NULL,
    OSR_Y_BOOL,
    OSR_Y_INT,
    OSR_Y_FLOAT,
    OSR_Y_STR,
    OSR_Y_SEQ,
    OSR_Y_MAP,
};

struct osr_ynode {
    enum osr_ykind kind;
    unsigned line, col; /* 1-based position of the node's first character */
    bool quoted;        /* scalar written quoted or as a block: always a string */
    char *str;          /* scalars: the text as written (escapes decoded); NUL-terminated */
    size_t len;
    union {
        bool b;
        long long i;
        double d;
    } v;
    size_t n;                 /* number of items (sequence) or pairs (mapping) */
    struct osr_ynode **items; /* sequence items, or mapping values */
    struct osr_ynode **keys;  /* mapping keys (always scalars) */
};

struct osr_yaml_limits {
    size_t max_bytes;    /* larger documents are refused before parsing */
    unsigned max_depth;  /* nesting of sequences and mappings */
    size_t max_nodes;    /* total nodes, alias copies included */
    size_t alias_budget; /* nodes that alias expansion may copy */
    bool at_refs;        /* accept unquoted @family.alias values (OML), see yaml.c */
};

/* Limits for configuration files and specs: 4 MiB, depth 64, 200k nodes, 10k alias nodes. */
extern const struct osr_yaml_limits osr_yaml_default_limits;

struct osr_yaml_error {
    unsigned line, col; /* 1-based; 0 when the error has no position */
    size_t offset;      /* byte offset of the error in the text */
    char message[256];
};

/*
 * Parses one YAML document. On success *out is the root (a NULL-kind node for an empty
 * document) owned by the caller (osr_ynode_free). On failure returns -OSR_EPARSE or
 * -OSR_ELIMIT, fills *err and sets the last error to "line:col: message".
 */
int osr_yaml_parse(struct osr_ynode **out, struct osr_yaml_error *err, const char *text, size_t len,
                   const struct osr_yaml_limits *limits);
void osr_ynode_free(struct osr_ynode *node);

/* The value for `key` in a mapping (borrowed), or NULL when absent or not a mapping. */
struct osr_ynode *osr_ynode_get(const struct osr_ynode *map, const char *key);
/* The key node of `key` in a mapping, for positions of the key itself. */
struct osr_ynode *osr_ynode_key(const struct osr_ynode *map, const char *key);
/* The human name of a kind: "mapping", "string", "integer"... */
const char *osr_ykind_name(enum osr_ykind kind);
/* The tree as JSON (new reference). Floats that are inf/nan become strings. */
json_t *osr_ynode_to_json(const struct osr_ynode *node);
/* True for a scalar that is a string (plain or quoted). */
bool osr_ynode_is_str(const struct osr_ynode *node);

/* Writes "  <line text>\n  <caret>" for a 1-based position into buf of size n. */
void osr_yaml_excerpt(char *buf, size_t n, const char *text, size_t len, unsigned line,
                      unsigned col);

/* Checks that text is valid UTF-8 without NUL bytes; on failure reports the position. */
bool osr_utf8_check(const char *text, size_t len, unsigned *line, unsigned *col);

#endif
