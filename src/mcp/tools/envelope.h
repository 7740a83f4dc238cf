/*
 * envelope.h - the one result shape of every Osiris tool (DESIGN.md §5.2).
 *
 * Success: {"status":"success","result":{...},"_meta":{...}}; error: {"status":"error",
 * "error_code":"VALIDATION_ERROR|...","error":{"code":"FAMILY/CODE","message","path",
 * "suggest"},"_meta":{...}} with isError set. _meta holds the request's correlation id,
 * the duration, the sizes of the arguments and of the result, and the canonical tool name.
 * The envelope is the structuredContent and, as JSON text, the one content item. Each answer
 * is also written to the audit and telemetry files (audit.h).
 */
#ifndef OSR_MCP_TOOLS_ENVELOPE_H
#define OSR_MCP_TOOLS_ENVELOPE_H

#include "mcp/audit.h"
#include "mcp/server.h"

#include <stdint.h>

/* What a tool call carries from its start to its answer. */
struct osr_tool_call {
    osr_mcp_req *req;
    const char *tool; /* canonical name */
    uint64_t started_ms;
    size_t bytes_in;
    json_t *args;      /* masked copy, for the audit line */
    char *stderr_tail; /* a delegated child's redacted stderr, audited on errors (owned) */
};

/* Where answers are logged (one audit and one telemetry line per call); NULL: nowhere. */
void osr_tool_logs_set(const struct osr_mcp_logs *logs);

void osr_tool_call_begin(struct osr_tool_call *c, osr_mcp_req *req, const char *tool, json_t *args);
/* The seed error code of a command that exited with `exit_code` (the CLI's codes: 2 invalid
 * input, 3 connection failure, 4 policy); `other` for any other failure. */
const char *osr_tool_error_code(int exit_code, const char *other);
/* Answers with `result` (stolen). */
void osr_tool_success(struct osr_tool_call *c, json_t *result);
/* Answers with an error; `path` (a JSON array, stolen) may be NULL, `suggest` too. */
void osr_tool_fail(struct osr_tool_call *c, const char *error_code, const char *code, json_t *path,
                   const char *suggest, const char *fmt, ...) OSR_PRINTF(6, 7);

#endif
