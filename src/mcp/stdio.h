/*
 * stdio.h - the stdio transport: one JSON-RPC message per line.
 *
 * stdout carries protocol messages only, one per line, written as soon as they are made
 * (a write queue absorbs a slow reader without blocking the loop). A line longer than the
 * payload limit is discarded as it streams in, never held whole, and answered with an
 * error; bad JSON and invalid UTF-8 are answered with -32700; the transport keeps going
 * after any bad line. End of input ends the session: requests still in flight are
 * cancelled and the output is flushed.
 */
#ifndef OSR_MCP_STDIO_H
#define OSR_MCP_STDIO_H

#include "mcp/server.h"

typedef struct osr_mcp_stdio osr_mcp_stdio;

osr_mcp_stdio *osr_mcp_stdio_new(osr_mcp_server *s, int in_fd, int out_fd, size_t max_line);
void osr_mcp_stdio_free(osr_mcp_stdio *t);
/* True once input has ended and every message has been written. */
bool osr_mcp_stdio_finished(const osr_mcp_stdio *t);
/* Ends the session now (as on end of input). */
void osr_mcp_stdio_shutdown(osr_mcp_stdio *t);
osr_mcp_session *osr_mcp_stdio_session(osr_mcp_stdio *t);

#endif
