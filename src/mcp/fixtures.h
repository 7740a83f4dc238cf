/*
 * fixtures.h - the tools, resources and prompts the official MCP conformance suite calls.
 *
 * Registered only by `osiris mcp run --conformance-fixtures`, never in normal use. They
 * are real implementations: logging and progress arrive over time from loop timers, and
 * sampling and elicitation are real round trips to the client.
 */
#ifndef OSR_MCP_FIXTURES_H
#define OSR_MCP_FIXTURES_H

#include "mcp/server.h"

void osr_mcp_fixtures_register(osr_mcp_server *s);

#endif
