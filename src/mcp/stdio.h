/*
 * stdio.h - the stdio transport: one JSON-RPC message per line.
 *
 * stdout carries protocol messages only, one per line, written as soon as they are made
 * (a write queue absorbs a slow reader without blocking the loop). A line longer than the
 * payload limit is discarded as it streams in, never held whole, and answered with an
 * error; bad JSON and invalid UTF-8 are answered with -32700; the transport keeps going
 * after any bad line. End of input stops reading: requests still in flight may finish and
 * answer for `drain_ms` (a script may write its requests and close its end), then the
 * session ends (what is still in flight is cancelled) once the output is flushed. A reader
 * that has gone (a broken stdout) ends it at once.
 */
#ifndef OSR_MCP_STDIO_H
#define OSR_MCP_STDIO_H

#include "mcp/server.h"

typedef struct osr_mcp_stdio osr_mcp_stdio;

osr_mcp_stdio *osr_mcp_stdio_new(osr_mcp_server *s, int in_fd, int out_fd, size_t max_line,
                                 long drain_ms);
void osr_mcp_stdio_free(osr_mcp_stdio *t);
/* True once input has ended, the calls in flight have answered (or drain_ms passed, or the
 * reader is gone) and every message has been written. */
bool osr_mcp_stdio_finished(const osr_mcp_stdio *t);
/* Ends the session now (as on end of input). */
void osr_mcp_stdio_shutdown(osr_mcp_stdio *t);
osr_mcp_session *osr_mcp_stdio_session(osr_mcp_stdio *t);

#endif
