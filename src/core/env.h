/*
 * env.h - the .env loader and ${VAR} substitution.
 *
 * Only CLI processes load .env files; the MCP server process never calls these loaders
 * (its delegated children do). Loading never overwrites a variable that is already in the
 * environment, so an exported variable always wins over a file, and the first file that
 * defines a variable wins over later ones.
 */
#ifndef OSR_ENV_H
#define OSR_ENV_H

#include "core/diag.h"
#include "core/strv.h"

/* Loads one .env file. A missing file is not an error. Problems (bad lines, a file that
 * group or others can read) are added to `diags` as warnings. Returns the number of
 * variables set, or a negative error when the file cannot be read. */
int osr_env_load_file(const char *path, struct osr_diags *diags);
/* The workspace order: <base>/.env, then ./.env (each skipped when missing). */
int osr_env_load_workspace(const char *base_path, struct osr_diags *diags);

/* True when `name` is a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*). */
bool osr_env_name_valid(const char *name, size_t n);

/*
 * Substitutes ${VAR} and ${VAR:-default} in `s` (owned result in *out). ${VAR} takes the
 * variable's value when it is set (even to ""); ${VAR:-default} takes the default when the
 * variable is unset or empty. A reference to an unset variable without a default is left
 * as written and its name is added to `missing` (may be NULL). Every referenced variable
 * name is added to `refs` (may be NULL). Text like ${params.x} is not an environment
 * reference and is left alone. Returns the number of unresolved references.
 */
int osr_env_subst(char **out, const char *s, struct osr_strv *refs, struct osr_strv *missing);

#endif
