"""Streamable HTTP over a real socket: sessions, the checks every request passes (Host,
Origin, token, session, version, content type, size), SSE answers, a round trip to the
client, disconnects, many sessions, the stateless revision and a clean SIGTERM.

Run: OSIRIS_BIN=build/dev/osiris python3 tests/mcp/test_http_protocol.py"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import traceback

from mcplib import (OSIRIS, HttpServer, SseStream, check, finish, open_session, raw_post,
                    rpc_error_code, sanitizer_clean, sse_messages)

T0 = time.time()
os.environ.pop("OSIRIS_MCP_TOKEN", None)  # only the "token" server below gets one
SERVERS = []  # (name, HttpServer), all stopped with SIGTERM at the end
TOKEN = "0123456789abcdef0123456789ABCDEF"
MODERN = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {}}


def start(name, *args, env=None):
    srv = HttpServer(*args, env=env)
    SERVERS.append((name, srv))
    return srv


def j(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def is_json(hd):
    return hd.get("content-type", "").startswith("application/json")


def req(id, method, params=None):
    m = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        m["params"] = params
    return m


def tool_text(msg):
    try:
        return msg["result"]["content"][0]["text"]
    except (KeyError, IndexError, TypeError):
        return None


def sid_h(sid, **more):
    h = {"Mcp-Session-Id": sid}
    h.update(more)
    return h


def status_code(resp, status, code, what):
    """resp is (status, headers, body): exact HTTP status and JSON-RPC error code."""
    s, hd, body = resp
    check(s == status and rpc_error_code(body) == code,
          f"{what}: want {status} / {code}, got {s} / {rpc_error_code(body)}: {body[:300]}")


def section(fn):
    try:
        fn()
    except Exception:  # a crash in one section is a failure, the others still run
        check(False, f"section {fn.__name__} raised:\n{traceback.format_exc()}")


# The servers every section uses.
MAIN = start("main", "--conformance-fixtures")
OTHER = start("allow-origin", "--conformance-fixtures", "--allow-origin",
              "https://app.example.com")
SID = None  # the main session, opened in sessions()
OPEN = []  # streams left open on purpose until the servers stop


def sessions():
    global SID
    s, hd, body = MAIN.post(req(1, "initialize", {"protocolVersion": "2025-11-25",
                                                  "capabilities": {},
                                                  "clientInfo": {"name": "raw", "version": "1"}}))
    SID = hd.get("mcp-session-id")
    check(s == 200 and is_json(hd), f"initialize answered 200 application/json: {s} {hd}")
    check(SID is not None and re.fullmatch(r"[0-9a-f]{32}", SID) is not None
          and all(0x21 <= ord(c) <= 0x7E for c in SID),
          f"Mcp-Session-Id is 32 hex chars of visible ASCII: {SID!r}")
    r = j(body) or {}
    check(r.get("result", {}).get("protocolVersion") == "2025-11-25",
          f"initialize negotiated 2025-11-25: {body[:300]}")
    H = sid_h(SID)
    s, hd, body = MAIN.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, H)
    check(s == 202 and body == "", f"notifications/initialized: 202 with empty body: {s} {body!r}")
    s, hd, body = MAIN.post(req(2, "ping"), H)
    check(s == 200 and is_json(hd) and j(body) == {"jsonrpc": "2.0", "id": 2, "result": {}},
          f"ping with the session: {s} {hd.get('content-type')} {body}")
    s, hd, body = MAIN.post(req(3, "tools/list"), H)
    names = [t.get("name") for t in (j(body) or {}).get("result", {}).get("tools", [])]
    check(s == 200 and is_json(hd) and "test_simple_text" in names and "test_sampling" in names,
          f"tools/list with the session: {s} {hd.get('content-type')} {names}")
    # A second initialize makes a different session.
    _, sid2, _ = MAIN.initialize()
    check(sid2 and sid2 != SID, f"each initialize makes a new session: {SID} {sid2}")


def session_errors():
    status_code(MAIN.post(req(4, "ping")), 400, -32000, "POST without Mcp-Session-Id")
    status_code(MAIN.post(req(5, "tools/list")), 400, -32000, "tools/list without Mcp-Session-Id")
    status_code(MAIN.post(req(6, "ping"), sid_h("0" * 32)), 404, -32001, "unknown session id")
    foreign = open_session(OTHER)
    check(foreign is not None, "a session on another server")
    status_code(MAIN.post(req(7, "ping"), sid_h(foreign or "x")), 404, -32001,
                "a session id of another server")
    status_code(MAIN.post(req(8, "ping"), sid_h(SID + " ")), 404, -32001,
                "session id with trailing garbage")

    gone = open_session(MAIN)
    s, hd, body = MAIN.call("DELETE", headers=sid_h(gone))
    check(s == 200, f"DELETE ends the session: {s} {body}")
    status_code(MAIN.post(req(9, "ping"), sid_h(gone)), 404, -32001, "ping after DELETE")
    status_code(MAIN.post(req(10, "tools/list"), sid_h(gone)), 404, -32001,
                "tools/list after DELETE")
    status_code(MAIN.call("GET", headers=sid_h(gone, Accept="text/event-stream")), 404, -32001,
                "GET after DELETE")
    status_code(MAIN.call("DELETE", headers=sid_h(gone)), 404, -32001, "second DELETE")
    status_code(MAIN.call("DELETE"), 400, -32000, "DELETE without Mcp-Session-Id")
    s, _, body = MAIN.post(req(11, "ping"), sid_h(SID))
    check(s == 200, f"other sessions survive the DELETE: {s} {body}")


def request_checks():
    H = sid_h(SID)
    status_code(MAIN.call("POST", headers=sid_h(SID, **{"Content-Type": "text/plain"}),
                          body=json.dumps(req(12, "ping"))), 415, -32000, "Content-Type text/plain")
    status_code(MAIN.call("POST", headers=sid_h(SID), body=json.dumps(req(13, "ping"))),
                415, -32000, "no Content-Type")
    s, _, body = MAIN.post(req(14, "ping"), sid_h(SID, **{"Content-Type":
                                                          "application/json; charset=utf-8"}))
    check(s == 200, f"application/json; charset=utf-8 accepted: {s} {body}")
    status_code(MAIN.post('{"jsonrpc":"2.0","id":15,"method":', H, raw=True), 400, -32700,
                "malformed JSON")
    status_code(MAIN.post(b"\xff\xfe{}", H, raw=True), 400, -32700, "binary garbage body")

    big = req(16, "ping", {"pad": "a" * (2 << 20)})
    s, _, body = MAIN.post(big, H)
    check(s == 200, f"2 MiB accepted under the default 16 MiB limit: {s} {body[:200]}")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "osiris.yaml"), "w") as f:
            f.write("mcp: {payload_limit_mb: 1}\n")
        lim = start("payload-limit", "--conformance-fixtures", "--base-path", d)
        lsid = open_session(lim)
        check(lsid is not None, "session on the 1 MiB server")
        status_code(lim.post(big, sid_h(lsid or "")), 413, -32600, "2 MiB over a 1 MiB limit")
        s, _, body = lim.post(req(17, "ping"), sid_h(lsid or ""))
        check(s == 200, f"small request after the 413: {s} {body}")


def host_origin():
    status_code(MAIN.post(req(20, "ping"), sid_h(SID, Host="evil.example.com")), 403, -32000,
                "Host: evil.example.com")
    status_code(MAIN.post(req(21, "ping"), sid_h(SID, Host=f"evil.example.com:{MAIN.port}")),
                403, -32000, "Host: evil.example.com:PORT")
    s, _, body = MAIN.post(req(22, "ping"), sid_h(SID, Host=f"localhost:{MAIN.port}"))
    check(s == 200, f"Host: localhost:PORT accepted: {s} {body}")
    status_code(MAIN.post(req(23, "ping"), sid_h(SID, Origin="http://evil.example.com")), 403,
                -32000, "Origin: http://evil.example.com")
    status_code(MAIN.post(req(24, "ping"), sid_h(SID, Origin="http://localhost.evil.example.com")),
                403, -32000, "Origin that only starts with localhost")
    status_code(MAIN.post(req(25, "initialize", {"protocolVersion": "2025-11-25",
                                                 "capabilities": {}}),
                          {"Origin": "http://evil.example.com"}), 403, -32000,
                "initialize from a foreign Origin")
    s, _, body = MAIN.post(req(26, "ping"), sid_h(SID, Origin="http://localhost:1234"))
    check(s == 200, f"Origin http://localhost:1234 accepted: {s} {body}")
    s, _, body = MAIN.post(req(27, "ping"), sid_h(SID, Origin="http://127.0.0.1:5173"))
    check(s == 200, f"Origin http://127.0.0.1:5173 accepted: {s} {body}")
    status_code(MAIN.post(req(28, "ping"), sid_h(SID, Origin="https://app.example.com")), 403,
                -32000, "https://app.example.com without --allow-origin")
    app = {"Origin": "https://app.example.com"}
    osid = open_session(OTHER, headers=app)
    check(osid is not None, "--allow-origin: initialize from https://app.example.com")
    s, _, body = OTHER.post(req(29, "ping"), sid_h(osid or "", **app))
    check(s == 200, f"--allow-origin: ping from https://app.example.com: {s} {body}")
    status_code(OTHER.post(req(30, "ping"), sid_h(osid or "", Origin="https://evil.example.com")),
                403, -32000, "--allow-origin allows only that origin")


def version_header():
    status_code(MAIN.post(req(31, "ping"), sid_h(SID, **{"MCP-Protocol-Version": "1999-01-01"})),
                400, -32000, "MCP-Protocol-Version: 1999-01-01")
    s, _, body = MAIN.post(req(32, "ping"), sid_h(SID, **{"MCP-Protocol-Version": "2025-11-25"}))
    check(s == 200, f"MCP-Protocol-Version: 2025-11-25 accepted: {s} {body}")


def bearer_token():
    env = dict(os.environ, OSIRIS_MCP_TOKEN=TOKEN)
    ts = start("token", "--conformance-fixtures", env=env)
    init = req(1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "raw", "version": "1"}})
    for auth, what in [(None, "no Authorization"), ("Bearer " + "x" * 32, "wrong token"),
                       ("Bearer " + TOKEN + "x", "token with an extra char"),
                       ("Bearer " + TOKEN[:-1], "token missing its last char"),
                       (TOKEN, "token without the Bearer scheme")]:
        s, hd, body = ts.post(init, {"Authorization": auth} if auth else {})
        check(s == 401 and hd.get("www-authenticate", "").startswith("Bearer")
              and rpc_error_code(body) == -32000,
              f"{what}: want 401 + WWW-Authenticate: Bearer..., got {s} {hd} {body}")
    good = {"Authorization": "Bearer " + TOKEN}
    s, hd, body = ts.post(init, good)
    tsid = hd.get("mcp-session-id")
    check(s == 200 and tsid, f"right token: initialize 200: {s} {body[:200]}")
    s, _, body = ts.post(req(2, "ping"), sid_h(tsid or "", **good))
    check(s == 200, f"right token: ping 200: {s} {body}")
    s, hd, body = ts.post(req(3, "ping"), sid_h(tsid or ""))
    check(s == 401 and hd.get("www-authenticate", "").startswith("Bearer"),
          f"a session id does not replace the token: {s} {body}")

    def refuses(listen, env, what):
        try:
            p = subprocess.run([OSIRIS, "mcp", "run", "--transport", "http", "--listen", listen],
                               env=env, capture_output=True, timeout=10)
        except subprocess.TimeoutExpired:
            check(False, f"{what}: the server started instead of refusing")
            return ""
        err = p.stderr.decode(errors="replace")
        check(p.returncode != 0 and "osiris mcp: listening on" not in err,
              f"{what}: refused to start (rc={p.returncode}): {err}")
        sanitizer_clean(err, what)
        return err

    err = refuses("127.0.0.1:0", dict(os.environ, OSIRIS_MCP_TOKEN="0123456789abcde"),
                  "15-char token")
    check("token" in err and "16" in err, f"15-char token: the message says why: {err}")
    bare = {k: v for k, v in os.environ.items() if k != "OSIRIS_MCP_TOKEN"}
    err = refuses("0.0.0.0:0", bare, "0.0.0.0 without a token")
    check("--auth-token-file" in err and "OSIRIS_MCP_TOKEN" in err,
          f"0.0.0.0 without a token: the message names --auth-token-file and OSIRIS_MCP_TOKEN: {err}")


def get_stream():
    gsid = open_session(MAIN)
    s, _, body = MAIN.call("GET", headers=sid_h(gsid, Accept="application/json"))
    check(s == 406, f"GET without Accept: text/event-stream: 406, got {s} {body}")
    s, _, body = MAIN.call("GET")
    check(s == 406, f"GET without any Accept: 406, got {s} {body}")
    status_code(MAIN.call("GET", headers={"Accept": "text/event-stream"}), 400, -32000,
                "GET without Mcp-Session-Id")
    g1 = SseStream(MAIN.port, method="GET", headers=sid_h(gsid, Accept="text/event-stream"),
                   timeout=2)
    check(g1.status == 200 and g1.headers.get("content-type", "").startswith("text/event-stream"),
          f"GET opens the session's SSE stream: {g1.status} {g1.headers}")
    status_code(MAIN.call("GET", headers=sid_h(gsid, Accept="text/event-stream")), 409, -32000,
                "second GET while the first is open")
    g1.close()
    # Once the client has closed its stream it can open a new one (a reconnect); allow the
    # server a second to notice the close.
    deadline, got = time.time() + 1.0, None
    while time.time() < deadline:
        time.sleep(0.2)
        g3 = SseStream(MAIN.port, method="GET", headers=sid_h(gsid, Accept="text/event-stream"),
                       timeout=2)
        got = (g3.status, "" if g3.status == 200 else g3.resp.read().decode(errors="replace"))
        g3.close()
        if g3.status == 200:
            break
    check(got and got[0] == 200,
          f"GET again after the client closed its stream: want 200, got {got}")
    s, _, _ = MAIN.post(req(40, "ping"), sid_h(gsid))
    check(s == 200, "the session still answers after its GET streams")


def methods_and_paths():
    s, hd, body = MAIN.call("PUT", headers=sid_h(SID), body="{}")
    check(s == 405 and "POST" in hd.get("allow", ""), f"PUT /mcp: 405 with Allow: {s} {hd}")
    s, _, _ = MAIN.call("PATCH", headers=sid_h(SID), body="{}")
    check(s == 405, f"PATCH /mcp: 405, got {s}")
    c = http.client.HTTPConnection("127.0.0.1", MAIN.port, timeout=10)
    c.request("POST", "/other", json.dumps(req(41, "ping")),
              sid_h(SID, **{"Content-Type": "application/json"}))
    r = c.getresponse()
    r.read()
    c.close()
    check(r.status == 404, f"POST /other: 404, got {r.status}")
    s, _, _ = MAIN.call("GET", "/mcp/extra", headers={"Accept": "text/event-stream"})
    check(s == 404, f"GET /mcp/extra: 404, got {s}")


def sse_tools():
    tsid = open_session(MAIN)
    st = SseStream(MAIN.port, req(50, "tools/call", {"name": "test_tool_with_logging"}),
                   sid_h(tsid))
    check(st.status == 200 and st.headers.get("content-type", "").startswith("text/event-stream"),
          f"slow tool answered as text/event-stream: {st.status} {st.headers}")
    t0 = time.time()
    text = st.read_rest(3)
    st.close()
    check(text is not None, f"logging tool: stream ended within 3 s (stalled after "
                            f"{time.time() - t0:.1f} s with {st.partial()!r})")
    msgs = sse_messages(text or st.partial())
    logs = [m for m in msgs if m.get("method") == "notifications/message"]
    check(len(msgs) == 4 and len(logs) == 3 and msgs[:3] == logs
          and [m["params"].get("level") for m in logs] == ["info"] * 3,
          f"three notifications/message events, then the response: {msgs}")
    check(msgs and msgs[-1].get("id") == 50
          and tool_text(msgs[-1]) == "Logging tool finished: 3 messages sent",
          f"the logging tool's response ends the stream: {msgs[-1:] }")
    ids = re.findall(r"^id: (\S+)$", text or "", re.M)
    check(len(ids) == 4 and len(set(ids)) == 4, f"each event has its own SSE id: {ids}")

    st = SseStream(MAIN.port, req(51, "tools/call", {"name": "test_tool_with_progress",
                                                     "_meta": {"progressToken": "tok-51"}}),
                   sid_h(tsid))
    text = st.read_rest(3)
    st.close()
    check(text is not None, f"progress tool: stream ended within 3 s: {st.partial()!r}")
    msgs = sse_messages(text or st.partial())
    prog = [m.get("params", {}) for m in msgs if m.get("method") == "notifications/progress"]
    check([p.get("progress") for p in prog] == [0, 50, 100]
          and all(p.get("progressToken") == "tok-51" and p.get("total") == 100 for p in prog),
          f"progress events 0, 50, 100 of 100 with our token: {prog}")
    check(msgs and msgs[-1].get("id") == 51 and "Progress tool finished" in (tool_text(msgs[-1])
                                                                            or ""),
          f"the progress tool's response comes last: {msgs[-1:]}")


def sampling():
    ssid = open_session(MAIN, caps={"sampling": {}})
    st = SseStream(MAIN.port, req(60, "tools/call", {"name": "test_sampling",
                                                     "arguments": {"prompt": "What is 2+2?"}}),
                   sid_h(ssid))
    check(st.status == 200 and st.headers.get("content-type", "").startswith("text/event-stream"),
          f"test_sampling answers as an SSE stream: {st.status} {st.headers}")
    ask = st.next(3) or {}
    params = ask.get("params", {})
    try:
        prompt = params["messages"][0]["content"]["text"]
    except (KeyError, IndexError, TypeError):
        prompt = None
    check(ask.get("method") == "sampling/createMessage" and "id" in ask
          and prompt == "What is 2+2?",
          f"the server asks sampling/createMessage on the tool's stream: {ask}")
    s, hd, body = MAIN.post({"jsonrpc": "2.0", "id": ask.get("id"),
                             "result": {"role": "assistant", "model": "test-model",
                                        "content": {"type": "text", "text": "4"},
                                        "stopReason": "endTurn"}}, sid_h(ssid))
    check(s == 202 and body == "", f"the client's answer is accepted with 202: {s} {body!r}")
    msgs = st.until_response(60, 3)
    check(msgs and tool_text(msgs[-1]) == "LLM response: 4",
          f"the tool result arrives on the first stream: {msgs}")
    check(st.read_rest(2) is not None, "the sampling stream ends after the result")
    st.close()
    # An answer to a request the server never sent is accepted and ignored.
    s, _, body = MAIN.post({"jsonrpc": "2.0", "id": "never-sent", "result": {}}, sid_h(ssid))
    check(s == 202, f"stray response: 202, got {s} {body}")


def disconnects():
    xsid = open_session(MAIN)
    call = raw_post("/mcp", req(70, "tools/call", {"name": "test_tool_with_logging"}),
                    sid_h(xsid))
    # 1: close right after sending.
    sk = socket.create_connection(("127.0.0.1", MAIN.port), timeout=3)
    sk.sendall(call)
    sk.close()
    # 2: close after the first event arrived (mid-stream).
    sk = socket.create_connection(("127.0.0.1", MAIN.port), timeout=3)
    sk.sendall(raw_post("/mcp", req(71, "tools/call", {"name": "test_tool_with_logging"}),
                        sid_h(xsid)))
    got = b""
    try:
        while b"data: " not in got:
            d = sk.recv(65536)
            if not d:
                break
            got += d
    except OSError:
        pass
    check(b"data: " in got, f"mid-stream disconnect: the first event arrived: {got[:200]!r}")
    sk.close()
    # 3: reset (RST) right after sending.
    sk = socket.create_connection(("127.0.0.1", MAIN.port), timeout=3)
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sk.sendall(raw_post("/mcp", req(72, "tools/call", {"name": "test_tool_with_logging"}),
                        sid_h(xsid)))
    sk.close()
    time.sleep(0.3)
    check(MAIN.p.poll() is None, f"server alive after client disconnects (rc={MAIN.p.poll()})")
    s, _, body = MAIN.post(req(73, "ping"), sid_h(xsid))
    check(s == 200, f"same session answers ping after the disconnects: {s} {body}")
    st = SseStream(MAIN.port, req(74, "tools/call", {"name": "test_tool_with_logging"}),
                   sid_h(xsid))
    text = st.read_rest(3)
    st.close()
    msgs = sse_messages(text or st.partial())
    check(text is not None and len(msgs) == 4 and msgs[-1].get("id") == 74,
          f"same session runs the slow tool again: {msgs}")
    time.sleep(0.2)
    # The abandoned requests are finished: their ids are free again.
    s, _, body = MAIN.post(req(70, "tools/call", {"name": "test_simple_text"}), sid_h(xsid))
    check(s == 200 and tool_text(j(body) or {}) is not None,
          f"id of an abandoned request can be reused: {s} {body}")


def many_sessions():
    t0 = time.time()
    sids = []
    for _ in range(1000):
        s, sid, _ = MAIN.initialize()
        if s == 200 and sid:
            sids.append(sid)
    check(len(sids) == 1000 and len(set(sids)) == 1000,
          f"1000 sessions opened with distinct ids: {len(sids)} ok, {len(set(sids))} distinct")
    c = http.client.HTTPConnection("127.0.0.1", MAIN.port, timeout=10)
    ok = 0
    for i, sid in enumerate(sids):
        c.request("POST", "/mcp", json.dumps(req(i, "ping")),
                  {"Content-Type": "application/json", "Mcp-Session-Id": sid,
                   "Accept": "application/json, text/event-stream"})
        r = c.getresponse()
        ok += r.status == 200 and j(r.read().decode()) == {"jsonrpc": "2.0", "id": i, "result": {}}
    c.close()
    check(ok == 1000, f"each of the 1000 sessions answers ping: {ok}")
    s, _, body = MAIN.post(req(80, "tools/list"), sid_h(SID))
    check(s == 200 and "tools" in (j(body) or {}).get("result", {}),
          f"the first session still works among 1000 others: {s}")
    dt = time.time() - t0
    check(dt < 30, f"1000 sessions took {dt:.1f} s")


def stateless():
    def H(method, name=None, **more):
        h = {"MCP-Protocol-Version": MODERN, "Mcp-Method": method}
        if name:
            h["Mcp-Name"] = name
        h.update(more)
        return h

    s, hd, body = MAIN.post(req(90, "server/discover", {"_meta": META}), H("server/discover"))
    r = (j(body) or {}).get("result", {})
    check(s == 200 and is_json(hd) and MODERN in r.get("supportedVersions", []),
          f"stateless server/discover: {s} {body[:300]}")
    check(r.get("resultType") == "complete", f"server/discover resultType: {r.get('resultType')}")
    check("mcp-session-id" not in hd, f"stateless requests make no session: {hd}")
    s, hd, body = MAIN.post(req(91, "tools/call", {"name": "test_simple_text", "_meta": META}),
                            H("tools/call", "test_simple_text"))
    r = (j(body) or {}).get("result", {})
    check(s == 200 and is_json(hd) and r.get("resultType") == "complete"
          and tool_text(j(body)) == "This is a simple text response for testing.",
          f"stateless tools/call test_simple_text: {s} {body[:300]}")
    status_code(MAIN.post(req(92, "tools/call", {"name": "test_simple_text", "_meta": META}),
                          {"MCP-Protocol-Version": MODERN}), 400, -32020,
                "stateless request without Mcp-Method")
    # Two unrelated stateless clients may use the same JSON-RPC id at the same time.
    out = {}

    def slow():
        out["slow"] = MAIN.post(req(93, "tools/call", {"name": "test_tool_with_logging",
                                                       "_meta": META}),
                                H("tools/call", "test_tool_with_logging"))

    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.03)
    s, _, body = MAIN.post(req(93, "tools/call", {"name": "test_simple_text", "_meta": META}),
                           H("tools/call", "test_simple_text"))
    th.join(5)
    check(s == 200 and tool_text(j(body) or {}) is not None,
          f"another stateless client's request with the same id is served: {s} {body[:300]}")
    s2, _, body2 = out.get("slow", (None, None, ""))
    msgs = sse_messages(body2) if "data:" in body2 else [j(body2) or {}]
    check(s2 == 200 and msgs and tool_text(msgs[-1]) is not None,
          f"the first stateless client's slow call completes: {s2} {body2[:300]}")


def stateless_isolation():
    """Stateless requests of different clients stay apart; SIGTERM with a stateless request
    waiting on the client (its SSE stream open)."""
    srv = start("stateless-streams-at-SIGTERM", "--conformance-fixtures")

    def H(method, name=None):
        h = {"MCP-Protocol-Version": MODERN, "Mcp-Method": method}
        if name:
            h["Mcp-Name"] = name
        return h

    # One stateless client cannot cancel another's request by naming its id.
    a = SseStream(srv.port, req("a-1", "tools/call", {"name": "test_tool_with_logging",
                                                      "_meta": META}),
                  H("tools/call", "test_tool_with_logging"))
    s, _, body = srv.post({"jsonrpc": "2.0", "method": "notifications/cancelled",
                           "params": {"requestId": "a-1", "_meta": META}},
                          {"MCP-Protocol-Version": MODERN})
    check(s == 202, f"another client's notifications/cancelled: 202, got {s} {body}")
    text = a.read_rest(2)
    a.close()
    msgs = sse_messages(text or a.partial())
    check(text is not None and msgs and msgs[-1].get("id") == "a-1"
          and tool_text(msgs[-1]) is not None,
          f"a stateless request is not cancelled by another client: {a.partial()!r}")

    # Left waiting for the client's answer until the server is stopped in shutdown().
    meta = dict(META, **{"io.modelcontextprotocol/clientCapabilities": {"sampling": {}}})
    st = SseStream(srv.port, req(120, "tools/call", {"name": "test_sampling",
                                                     "arguments": {"prompt": "hi"},
                                                     "_meta": meta}),
                   H("tools/call", "test_sampling"))
    ask = st.next(3) or {}
    check(ask.get("method") == "sampling/createMessage",
          f"stateless test_sampling asks the client on its stream: {ask}")
    OPEN.append(st)


def busy_accept():
    """A request that is already buffered when the server gets to it (the server was busy,
    here: stopped with SIGSTOP) must be served like any other: the logging tool's timers
    fire 50 ms apart, not a minute later. Whether the server hits the bad path depends on
    how far libmicrohttpd gets in one MHD_run, so this tries three times."""
    srv = start("busy-accept", "--conformance-fixtures")
    bsid = open_session(srv)
    results = []
    for attempt in range(3):
        srv.p.send_signal(signal.SIGSTOP)
        try:
            for _ in range(200):  # the stop takes effect asynchronously: wait for state T
                with open(f"/proc/{srv.p.pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "T":
                        break
                time.sleep(0.005)
            sk = socket.create_connection(("127.0.0.1", srv.port), timeout=3)
            sk.sendall(raw_post("/mcp", req(100 + attempt, "tools/call",
                                            {"name": "test_tool_with_logging"}), sid_h(bsid)))
            time.sleep(0.05)
        finally:
            srv.p.send_signal(signal.SIGCONT)
        t0, got = time.time(), b""
        try:
            while b"\r\n0\r\n\r\n" not in got and time.time() - t0 < 1:
                sk.settimeout(max(0.01, 1 - (time.time() - t0)))
                d = sk.recv(65536)
                if not d:
                    break
                got += d
        except OSError:
            pass
        sk.close()
        done = b"\r\n0\r\n\r\n" in got
        results.append(f"{time.time() - t0:.2f} s, {got.count(b'data: ')}/4 events"
                       + ("" if done else " (stalled)"))
        if not done:  # wake the server so the stalled request's timers drain before the next try
            srv.post(req(200 + attempt, "ping"), sid_h(bsid))
            time.sleep(0.3)
    check(all("stalled" not in r for r in results),
          f"logging tool on requests read while the server was busy: {results}")


def shutdown():
    # SIGTERM the main server with a GET stream open and a tool running.
    qsid = open_session(MAIN)
    g = SseStream(MAIN.port, method="GET", headers=sid_h(qsid, Accept="text/event-stream"))
    sk = socket.create_connection(("127.0.0.1", MAIN.port), timeout=3)
    sk.sendall(raw_post("/mcp", req(110, "tools/call", {"name": "test_tool_with_logging"}),
                        sid_h(qsid)))
    time.sleep(0.02)
    for name, srv in SERVERS:
        rc, err = srv.stop()
        summary = [l for l in err.splitlines() if l.startswith("SUMMARY")]
        check(rc == 0, f"{name}: SIGTERM exit code {rc} {summary}")
        sanitizer_clean(err, name)
    g.close()
    sk.close()
    for st in OPEN:
        st.close()


try:
    for fn in (sessions, session_errors, request_checks, host_origin, version_header,
               bearer_token, get_stream, methods_and_paths, sse_tools, sampling, disconnects,
               many_sessions, stateless, stateless_isolation, busy_accept, shutdown):
        section(fn)
finally:
    for _, srv in SERVERS:
        if srv.p.poll() is None:
            srv.p.kill()
            srv.p.wait()
print(f"run time {time.time() - T0:.1f} s")
finish()
