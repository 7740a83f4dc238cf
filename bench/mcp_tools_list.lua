-- wrk script for bench/mcp: POSTs a JSON-RPC tools/list to the Streamable HTTP endpoint
-- in the session whose id bench/mcp obtained with a curl initialize (MCP_SESSION_ID).
local session = os.getenv("MCP_SESSION_ID")
assert(session and session ~= "", "MCP_SESSION_ID is not set")

wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Session-Id"] = session
wrk.headers["MCP-Protocol-Version"] = "2025-06-18"

-- Count answers that are not a tools/list result, so a fast stream of errors cannot pass
-- for throughput; done() prints them for bench/mcp to read.
local threads = {}
function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    bad = 0
    checked = 0
end

function response(status, headers, body)
    if status ~= 200 or not string.find(body, '"tools"', 1, true) then
        bad = bad + 1
    end
    checked = checked + 1
end

function done(summary, latency, requests)
    local bad_total, checked_total = 0, 0
    for _, t in ipairs(threads) do
        bad_total = bad_total + t:get("bad")
        checked_total = checked_total + t:get("checked")
    end
    io.write(string.format("lua: checked=%d bad=%d\n", checked_total, bad_total))
    io.write(string.format("lua: requests_per_s=%.0f p50_ms=%.3f p99_ms=%.3f\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(99) / 1000))
end
