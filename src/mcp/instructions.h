/*
 * instructions.h - the text the server gives clients in its initialize result.
 */
#ifndef OSR_MCP_INSTRUCTIONS_H
#define OSR_MCP_INSTRUCTIONS_H

extern const char osr_mcp_instructions[];

#endif
