/*
 * tools.h - the Osiris toolset of the MCP server (DESIGN.md §5.2).
 *
 * One table lists every tool with its canonical name, the aliases of the original
 * (dotted and osiris.-prefixed names, all dispatched), title, description, input schema
 * and annotations. tools/list shows the canonical names in the table's order. Every
 * answer is the envelope of envelope.h.
 *
 * This part holds the in-process tools, which read only files without secrets:
 * components_list, usecases_list, oml_schema_get, oml_validate (which checks connection
 * references against the names-only view of osiris_connections.yaml), oml_save (drafts
 * under pipelines/drafts/) and guide_start.
 */
#ifndef OSR_MCP_TOOLS_H
#define OSR_MCP_TOOLS_H

#include "core/config.h"
#include "mcp/server.h"

struct osr_mcp_tools;

/* Loads the component specs, the OML schema and the use-case catalogue, and registers the
 * tools on `s`. `cfg` gives the workspace and its pipelines directory. Returns NULL with the last
 * error set when the component specs or the shipped resources cannot be found. */
struct osr_mcp_tools *osr_mcp_tools_register(osr_mcp_server *s, const struct osr_config *cfg);
void osr_mcp_tools_free(struct osr_mcp_tools *t);

#endif
