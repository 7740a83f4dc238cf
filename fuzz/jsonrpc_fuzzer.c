/*
 * jsonrpc_fuzzer.c - arbitrary bytes into an MCP session, one line per message, with the
 * conformance fixtures registered so every method has something to reach.
 */
#include "core/loop.h"
#include "mcp/fixtures.h"
#include "mcp/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t sent;

static void count_sink(void *ctx, json_t *msg, void *origin, bool final)
{
    OSR_UNUSED(ctx);
    OSR_UNUSED(origin);
    OSR_UNUSED(final);
    sent += json_is_object(msg) || json_is_array(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static osr_loop *loop;
    static osr_mcp_server *server;
    struct osr_mcp_sink sink = {count_sink, NULL};
    struct osr_mcp_server_opts opts = {"fuzz", NULL, "0", NULL};
    osr_mcp_session *ss;
    const char *p = (const char *)data, *end = p + size;

    if (!server) {
        loop = osr_loop_new();
        server = osr_mcp_server_new(loop, &opts);
        osr_mcp_fixtures_register(server);
    }
    ss = osr_mcp_session_new(server, &sink);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n)
            osr_mcp_session_handle_text(ss, p, n, NULL);
        p += n + 1;
    }
    osr_loop_run_once(loop, 0);
    osr_mcp_session_free(ss);
    return 0;
}
