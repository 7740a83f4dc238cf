/*
 * tools_int.h - what the tool files share: the toolset's state and the delegated tools.
 */
#ifndef OSR_MCP_TOOLS_INT_H
#define OSR_MCP_TOOLS_INT_H

#include "core/registry.h"
#include "mcp/server.h"

struct osr_mcp_tools {
    char *base_path;
    char *drafts_dir; /* <pipelines_dir>/drafts, absolute */
    char *logs_dir;   /* mcp_logs_dir, absolute */
    json_t *texts;    /* static resource texts by URI */
    struct osr_registry registry;
    json_t *schema;    /* resources/oml/v0.1.0.json */
    json_t *usecases;  /* resources/usecases/catalog.yaml, as JSON */
    long timeout_ms;   /* mcp.tool_timeout_s */
    size_t max_output; /* mcp.payload_limit_mb: the most a child may print */
};

/* Delegated tools (delegated.c): each runs `osiris mcp ... --json` as a child. */
void osr_tool_connections_list(osr_mcp_req *req, json_t *args, void *payload);
void osr_tool_connections_doctor(osr_mcp_req *req, json_t *args, void *payload);
void osr_tool_discovery_request(osr_mcp_req *req, json_t *args, void *payload);
void osr_tool_memory_capture(osr_mcp_req *req, json_t *args, void *payload);
void osr_tool_oml_compile(osr_mcp_req *req, json_t *args, void *payload);
void osr_tool_pipeline_run(osr_mcp_req *req, json_t *args, void *payload);
void osr_tool_aiop_list(osr_mcp_req *req, json_t *args, void *payload);
void osr_tool_aiop_show(osr_mcp_req *req, json_t *args, void *payload);

/* Resources and the authoring prompt (resources.c); texts read from `res_dir`. */
int osr_mcp_resources_register(osr_mcp_server *s, struct osr_mcp_tools *t, const char *res_dir);

#endif
