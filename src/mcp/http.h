/*
 * http.h - the Streamable HTTP transport, on libmicrohttpd driven by our event loop.
 *
 * POST /mcp carries one JSON-RPC message (or a batch); a request is answered with
 * application/json when its answer is ready at once, otherwise with an SSE stream that
 * carries its progress, log messages, questions to the client and finally its response.
 * GET /mcp opens the session's stream for messages that belong to no request; DELETE ends
 * the session. Every request is checked first: Host and Origin against the allow-list
 * (403), the bearer token when one is configured (401), the session (400/404), the
 * MCP-Protocol-Version header (400), the content type (415) and the body size (413).
 *
 * libmicrohttpd is loaded with dlopen when the transport starts, so commands that never
 * serve HTTP do not pay for loading it and its TLS dependencies.
 */
#ifndef OSR_MCP_HTTP_H
#define OSR_MCP_HTTP_H

#include "core/strv.h"
#include "mcp/server.h"

typedef struct osr_mcp_http osr_mcp_http;

struct osr_mcp_http_opts {
    const char *listen;     /* "HOST:PORT"; port 0 picks a free one */
    const char *token_file; /* bearer token file, or NULL (then OSIRIS_MCP_TOKEN) */
    const char *allow_origin;
    const struct osr_strv *allowed_origins;
    size_t payload_limit;
    size_t max_sessions; /* 0: default */
};

/* Binds and starts serving on the server's loop; prints "listening on URL" to stderr. */
int osr_mcp_http_start(osr_mcp_http **out, osr_mcp_server *s, const struct osr_mcp_http_opts *o);
void osr_mcp_http_stop(osr_mcp_http *h);
/* The port actually bound. */
unsigned osr_mcp_http_port(const osr_mcp_http *h);

#endif
