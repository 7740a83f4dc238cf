/*
 * audit.h - the MCP server's audit and telemetry files (DESIGN.md §5.5).
 *
 * Both are JSON lines, one file per UTC day of the event: <mcp_logs_dir>/audit/
 * audit-YYYY-MM-DD.jsonl and telemetry/telemetry-YYYY-MM-DD.jsonl, files 0600 in 0700
 * directories. Each audit line carries `prev_hash`, the SHA-256 of the line before it in
 * the same file ("" for the first), so a removed or edited line breaks the chain. Writers
 * take an exclusive lock on the file, so the server and a person's CLI can append at once.
 */
#ifndef OSR_MCP_AUDIT_H
#define OSR_MCP_AUDIT_H

#include "core/config.h"

#include <jansson.h>

struct osr_mcp_logs {
    char *dir; /* absolute mcp_logs_dir */
    bool audit, telemetry;
    const char *transport; /* "stdio", "http" or "cli" */
};

void osr_mcp_logs_init(struct osr_mcp_logs *l, const struct osr_config *cfg, const char *transport);
void osr_mcp_logs_dispose(struct osr_mcp_logs *l);
/* Appends `line` (stolen) to the audit file, with timestamp, transport and prev_hash added.
 * Failures are reported on stderr once and otherwise ignored: logging never fails a call. */
void osr_mcp_audit(const struct osr_mcp_logs *l, json_t *line);
/* Appends `line` (stolen) to the telemetry file, with timestamp and transport added. */
void osr_mcp_telemetry(const struct osr_mcp_logs *l, json_t *line);

/* The form of a call's arguments the audit line keeps (new reference): secret-like keys
 * masked, short strings redacted as free text, and any string over 256 bytes (a pipeline's
 * text, a list of events) replaced by {"bytes":N,"sha256":"..."}, so no text the
 * assistant sent can carry a secret into the audit file and no line grows with it. */
json_t *osr_mcp_audit_arguments(json_t *args);
/* Whether today's audit file has a line that mentions `correlation_id`. */
bool osr_mcp_audited(const struct osr_mcp_logs *l, const char *correlation_id);
/* Checks the chain of every audit file of `dir` (mcp_logs_dir): returns
 * {"files","lines","broken":[{"file","line","reason"}]} (new reference). */
json_t *osr_mcp_audit_verify(const char *dir);

#endif
