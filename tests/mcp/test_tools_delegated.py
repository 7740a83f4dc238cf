"""Delegated tools over stdio: connections_list, connections_doctor and discovery_request
run in a child (`osiris mcp ... --json`); the server itself never opens .env (strace,
without -f) and no secret reaches an answer or stderr; many calls at once; a child that
hangs is stopped at the timeout with TIMEOUT_ERROR; a cancelled call's child is killed;
every child is reaped."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

from mcplib import OSIRIS, Stdio, calls, check, finish, sanitizer_clean

tmp = tempfile.mkdtemp()
ws = os.path.join(tmp, "ws")
subprocess.run([OSIRIS, "init", ws], check=True, capture_output=True)
CANARY_ENV = "canary-dotenv-secret-83d1"
# A listener that accepts and never answers: a PostgreSQL client waits on it.
hang = socket.socket()
hang.bind(("127.0.0.1", 0))
hang.listen(16)
port = hang.getsockname()[1]
with open(os.path.join(ws, "osiris_connections.yaml"), "a") as f:
    f.write("  postgres:\n    stuck:\n      host: 127.0.0.1\n"
            f"      port: {port}\n      database: d\n      user: u\n"
            "      password: ${OSR_TEST_PG_PW}\n      connect_timeout: 30\n")
with open(os.path.join(ws, ".env"), "w") as f:
    f.write(f"OSR_TEST_PG_PW={CANARY_ENV}\n")
os.chmod(os.path.join(ws, ".env"), 0o600)
cfg = os.path.join(ws, "osiris.yaml")
text = open(cfg).read().replace("tool_timeout_s: 30", "tool_timeout_s: 2")
open(cfg, "w").write(text)

mem = os.path.join(ws, ".osiris", "mcp", "logs", "memory", "sessions")
os.makedirs(mem, exist_ok=True)
for name, age_days in [("old.jsonl", 40), ("recent.jsonl", 2)]:
    path = os.path.join(mem, name)
    open(path, "w").write("{}\n")
    t = time.time() - age_days * 86400
    os.utime(path, (t, t))

env = dict(os.environ)
env.pop("OSR_TEST_PG_PW", None)
strace = shutil.which("strace")
trace = os.path.join(tmp, "server.trace")
args = ["--base-path", ws]
s = Stdio(*args, env=env)
s.initialize()
seq = [10]


def call(name, args=None, timeout=20.0):
    seq[0] += 1
    return s.request(seq[0], "tools/call", {"name": name, "arguments": args or {}}, timeout)


def env_of(r):
    return r["result"]["structuredContent"]


def call_progress(rid, name, args, token, timeout=60):
    """A call with a progress token: (its response, the progress notifications before it)."""
    s.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
            "params": {"name": name, "_meta": {"progressToken": token}, "arguments": args}})
    notes = []
    while True:
        m = s.recv(timeout)
        if m is None or m.get("id") == rid:
            return m, notes
        if m.get("method") == "notifications/progress":
            notes.append(m["params"])


tools = [t["name"] for t in s.request(1, "tools/list")["result"]["tools"]]
check(tools[:3] == ["connections_list", "connections_doctor", "discovery_request"]
      and "memory_capture" in tools,
      f"delegated tools listed first: {tools}")

r = call("connections.list")
e = env_of(r)
check(e["status"] == "success" and e["_meta"]["tool"] == "connections_list", f"list: {e}")
stuck = e["result"]["connections"]["postgres"]["stuck"]
check(stuck["config"]["password"] == "***MASKED***" and stuck["env_vars"] == {"OSR_TEST_PG_PW": True},
      f"the child read .env, the answer is masked: {stuck}")

e = env_of(call("connections_doctor", {"connection": "@sqlite.demo"}))
check(e["status"] == "success" and e["result"]["connections"]["sqlite"]["demo"]["status"] == "healthy",
      f"doctor: {e}")
e = env_of(call("discovery_request", {"connection": "@sqlite.demo", "samples": 2}))
check(e["status"] == "success" and len(e["result"]["tables"]) == 4
      and all(len(t["samples"]) == 2 for t in e["result"]["tables"]), f"discovery: {json.dumps(e)[:600]}")
# Progress: the child's progress lines arrive as notifications/progress for the request's
# token, rising, before the response.
m, notes = call_progress(30, "discovery_request", {"connection": "@sqlite.demo", "refresh": True},
                         "disc-1")
done = [n["progress"] for n in notes]
text = m["result"]["content"][0]["text"]
check(json.loads(text) == m["result"]["structuredContent"]
      and m["result"]["structuredContent"]["_meta"]["bytes_out"] == len(text.encode()),
      "a large answer: the text item is the envelope, bytes_out its size")
check(m is not None and not m["result"].get("isError")
      and all(n["progressToken"] == "disc-1" and n["total"] == 4 for n in notes)
      and done == [1, 2, 3, 4] and "4 tables" in notes[2]["message"],
      f"discovery progress forwarded: {notes}")
# Resources: the discovery artifacts the child wrote, drafts, the static texts; paths are
# contained.
disc_id = e["result"]["discovery_id"]
r = s.request(40, "resources/read", {"uri": f"osiris://mcp/discovery/{disc_id}/tables.json"})
tables = json.loads(r["result"]["contents"][0]["text"])
check(sorted(t["name"] for t in tables) == sorted(t["name"] for t in e["result"]["tables"]),
      "discovery artifact readable")
for uri in [f"osiris://mcp/discovery/{disc_id}/secrets.json",
            "osiris://mcp/discovery/..%2F..%2F/tables.json",
            "osiris://mcp/discovery/0123/tables.json",
            "osiris://mcp/drafts/oml/..", "osiris://mcp/drafts/oml/.env",
            "osiris://mcp/memory/sessions/a%20b.jsonl", "osiris://mcp/memory/sessions/a b.jsonl"]:
    r = s.request(41, "resources/read", {"uri": uri})
    check("error" in r and r["error"].get("data", {}).get("error_code") == "POLICY_ERROR",
          f"refused: {uri}: {r}")
os.makedirs(os.path.join(ws, "pipelines", "drafts"), exist_ok=True)
os.symlink(os.path.join(ws, ".env"), os.path.join(ws, "pipelines", "drafts", "link.yaml"))
r = s.request(42, "resources/read", {"uri": "osiris://mcp/drafts/oml/link.yaml"})
check("error" in r and r["error"]["data"]["error_code"] == "POLICY_ERROR"
      and CANARY_ENV not in json.dumps(r), f"a symbolic link out of the drafts is refused: {r}")
r = s.request(43, "resources/read", {"uri": "osiris://mcp/drafts/oml/none.yaml"})
check(r["error"]["code"] == -32002, f"a missing draft is not found: {r}")
res = s.request(44, "resources/list")["result"]["resources"]
uris = sorted(x["uri"] for x in res)
check(uris == sorted(["osiris://instructions/workflow", "osiris://instructions/oml-syntax",
                      "osiris://instructions/best-practices",
                      "osiris://mcp/prompts/oml_authoring_guide.md",
                      "osiris://mcp/usecases/catalog.yaml",
                      "osiris://mcp/schemas/oml/v0.1.0.json"]), f"static resources: {uris}")
for uri in uris:
    r = s.request(45, "resources/read", {"uri": uri})
    check(len(r["result"]["contents"][0]["text"]) > 500, f"{uri} has content")
tpls = s.request(46, "resources/templates/list")["result"]["resourceTemplates"]
check(len(tpls) == 3, f"three templates: {tpls}")
p = s.request(47, "prompts/get", {"name": "oml_authoring", "arguments": {"goal": "orders to csv"}})
check("oml_validate" in p["result"]["messages"][0]["content"]["text"]
      and "orders to csv" in p["result"]["messages"][0]["content"]["text"], "authoring prompt")

# memory_capture: retention at start, consent, redaction before writing, contained ids.
check(sorted(os.listdir(mem)) == ["recent.jsonl"], f"memory past retention removed at start: {os.listdir(mem)}")
e = env_of(call("memory_capture", {"session_id": "s-9", "consent": False, "events": ["x"]}))
check(e["status"] == "error" and e["error_code"] == "POLICY_ERROR"
      and e["error"]["code"] == "POLICY/CONSENT_REQUIRED", f"consent required: {e}")
check(not os.path.exists(os.path.join(mem, "s-9.jsonl")), "nothing stored without consent")
events = [{"note": "jane.doe@example.com asked from 10.20.30.40", "api_key": "abc123secret",
           "dsn": "postgresql://etl:pw-77@db/x"}, "card 4111 1111 1111 1111, call +1 415 555 0100",
          "IBAN GB82 WEST 1234 5698 7654 32"]
e = env_of(call("osiris.memory.capture", {"session_id": "s-9", "consent": True, "events": events}))
check(e["status"] == "success" and e["result"]["events_written"] == 3, f"captured: {e}")
stored = open(os.path.join(mem, "s-9.jsonl")).read()
for leaked in ["jane.doe", "10.20.30.40", "abc123secret", "pw-77", "4111", "555 0100", "GB82"]:
    check(leaked not in stored, f"{leaked} redacted before writing")
check(os.stat(os.path.join(mem, "s-9.jsonl")).st_mode & 0o777 == 0o600, "memory file 0600")
r = s.request(48, "resources/read", {"uri": "osiris://mcp/memory/sessions/s-9.jsonl"})
check("[EMAIL]" in r["result"]["contents"][0]["text"], "memory readable as a resource")
r = call("memory_capture", {"session_id": "../x", "consent": True, "events": []})
check(r["result"].get("isError") is True, f"session id checked: {r}")

# oml_compile: a workspace file or the text, parameters, refusals.
pipe = ('oml_version: "0.1.0"\nname: orders-export\nparams:\n  cap: {type: integer, default: 10}\n'
        'steps:\n  - id: read\n    component: sqlite.extractor\n    mode: read\n'
        '    config: {connection: "@sqlite.demo", query: "SELECT * FROM orders LIMIT ${params.cap}"}\n'
        '  - id: write\n    component: filesystem.csv_writer\n    mode: write\n    config: {path: out.csv}\n')
os.makedirs(os.path.join(ws, "pipelines", "drafts"), exist_ok=True)
open(os.path.join(ws, "pipelines", "drafts", "orders.yaml"), "w").write(pipe)
e1 = env_of(call("oml_compile", {"path": "pipelines/drafts/orders.yaml", "params": {"cap": 5}}))
e2 = env_of(call("osiris.oml.compile", {"oml_content": pipe, "params": {"cap": 5}}))
check(e1["status"] == "success" and e1["result"]["manifest_hash"] == e2["result"]["manifest_hash"]
      and e1["result"]["build_dir"].startswith(ws), f"compiled, same build from file and text: {e1}")
check(os.path.exists(e1["result"]["manifest_path"]), "manifest written")
cfg_read = json.load(open(os.path.join(e1["result"]["build_dir"], "cfg", "read.json")))
check("LIMIT 5" in cfg_read["config"]["query"], "parameter applied")
e = env_of(call("oml_compile", {"oml_content": "name: x\n"}))
check(e["status"] == "error" and e["error_code"] == "VALIDATION_ERROR" and e["error"]["code"] == "OML/INVALID",
      f"an invalid pipeline is a validation error: {e}")
for bad in ["../outside.yaml", "/etc/passwd", "pipelines/../../x.yaml", "-x"]:
    e = env_of(call("oml_compile", {"path": bad}))
    check(e["status"] == "error" and e["error_code"] == "POLICY_ERROR", f"{bad} refused: {e}")
e = env_of(call("oml_compile", {"path": "pipelines/drafts/orders.yaml", "params": {"a=b": 1}}))
check(e["status"] == "error" and e["error"]["code"] == "MCP/ARGUMENTS", f"bad parameter name: {e}")
e = env_of(call("oml_compile", {}))
check(e["status"] == "error" and e["error_code"] == "VALIDATION_ERROR", "path or text needed")

e = env_of(call("osiris.introspect_sources", {"connection": "@sqlite.nope"}))
check(e["status"] == "error" and e["error"]["code"] == "CONNECTIONS/NOT_FOUND"
      and "demo" in e["error"]["message"], f"the child's error is kept: {e}")
r = call("discovery_request", {"connection": "--help"})
check(r["result"].get("isError") is True and "pattern" in r["result"]["content"][0]["text"],
      f"no option through a connection argument: {r}")

# aiop_list / aiop_show read the run index and the packages it points at; records whose
# package is missing or lies outside the workspace are left out; bad lines are skipped.
e = env_of(call("aiop_list"))
check(e["status"] == "success" and e["result"] == {"runs": [], "count": 0, "truncated": False},
      f"no runs yet: {e}")
index_dir = os.path.join(ws, ".osiris", "index")
os.makedirs(index_dir, exist_ok=True)
outside = os.path.join(tmp, "elsewhere")
os.makedirs(outside, exist_ok=True)
open(os.path.join(outside, "aiop.json"), "w").write("{}")


def run_record(rid, pipeline, profile, status, aiop_dir):
    return json.dumps({"run_id": rid, "pipeline": pipeline, "profile": profile, "status": status,
                       "started_at": "2026-11-24T10:00:0%sZ" % rid[-1], "duration_ms": 12,
                       "rows": 5, "aiop_dir": aiop_dir})


for rid, pipeline, card in [("run-1", "orders", True), ("run-2", "orders", False),
                            ("run-3", "customers", True)]:
    d = os.path.join(ws, "aiop", pipeline, rid)
    os.makedirs(d, exist_ok=True)
    json.dump({"run": {"run_id": rid, "status": "success"}, "narrative": {"text": f"{rid} done"}},
              open(os.path.join(d, "aiop.json"), "w"))
    if card:
        open(os.path.join(d, "run-card.md"), "w").write(f"## {pipeline} {rid}\n")
os.makedirs(os.path.join(ws, "aiop", "orders", "escape"), exist_ok=True)
os.symlink(os.path.join(outside, "aiop.json"), os.path.join(ws, "aiop", "orders", "escape", "aiop.json"))
with open(os.path.join(index_dir, "runs.jsonl"), "w") as f:
    f.write(run_record("run-1", "orders", "dev", "success", "aiop/orders/run-1") + "\n")
    f.write("not json\n")
    f.write(run_record("run-2", "orders", "prod", "failed", "aiop/orders/run-2") + "\n")
    f.write(run_record("run-9", "orders", "dev", "success", "aiop/orders/run-9") + "\n")  # no package
    f.write(run_record("run-4", "orders", "dev", "success", "../elsewhere") + "\n")
    f.write(run_record("run-5", "orders", "dev", "success", "aiop/orders/escape") + "\n")
    f.write(run_record("run-3", "customers", "dev", "success", "aiop/customers/run-3") + "\n")
    f.write('{"run_id": "run-6", "pipel')  # a torn last line
e = env_of(call("aiop.list"))
runs = e["result"]["runs"]
check(e["status"] == "success" and [r["run_id"] for r in runs] == ["run-3", "run-2", "run-1"]
      and runs[0]["run_card_path"].endswith("aiop/customers/run-3/run-card.md")
      and runs[1]["run_card_path"] is None and e["_meta"]["tool"] == "aiop_list",
      f"aiop_list: newest first, only packages inside the workspace: {e}")
e = env_of(call("aiop_list", {"pipeline": "orders", "limit": 1}))
check([r["run_id"] for r in e["result"]["runs"]] == ["run-2"] and e["result"]["truncated"] is True,
      f"filter and limit: {e}")
e = env_of(call("aiop_list", {"profile": "dev", "pipeline": "orders"}))
check([r["run_id"] for r in e["result"]["runs"]] == ["run-1"], f"profile filter: {e}")
e = env_of(call("osiris.aiop.show", {"run_id": "run-3"}))
check(e["status"] == "success" and e["result"]["aiop"]["narrative"]["text"] == "run-3 done"
      and e["result"]["run"]["pipeline"] == "customers", f"aiop_show: {e}")
for rid, code in [("run-9", "NOT_FOUND"), ("run-4", "NOT_FOUND"), ("run-5", "NOT_FOUND"),
                  ("nope", "NOT_FOUND")]:
    e = env_of(call("aiop_show", {"run_id": rid}))
    check(e["status"] == "error" and e["error_code"] == code and e["error"]["code"] == "AIOP/NOT_FOUND",
          f"aiop_show {rid}: {e}")
r = call("aiop_show", {"run_id": "../run-1"})
check(r["result"].get("isError") is True and "pattern" in r["result"]["content"][0]["text"],
      f"a run id with a path is refused by the schema: {r}")
r = call("aiop_show", {})
check(r["result"].get("isError") is True and "run_id" in r["result"]["content"][0]["text"],
      f"run_id is required: {r}")
out = subprocess.run([OSIRIS, "mcp", "aiop", "show", "--run", "run-1", "--base-path", ws],
                     capture_output=True, text=True, env=env)
check(out.returncode == 0 and out.stdout == "## orders run-1\n", f"the human form prints the run card: {out}")
out = subprocess.run([OSIRIS, "mcp", "aiop", "list", "--limit", "0", "--base-path", ws, "--json"],
                     capture_output=True, text=True, env=env)
check(out.returncode == 2 and json.loads(out.stdout)["error"]["code"] == "CLI/BAD_VALUE",
      f"--limit checked: {out}")

# pipeline_run: runs a workspace pipeline, with progress per step; the run is recorded and
# aiop_list / aiop_show find it.
os.makedirs(os.path.join(ws, "pipelines"), exist_ok=True)
with open(os.path.join(ws, "pipelines", "copy.yaml"), "w") as f:
    f.write('oml_version: "0.1.0"\nname: orders-copy\nsteps:\n'
            '  - {id: read, component: sqlite.extractor, mode: read, '
            'config: {connection: "@sqlite.demo", table: orders, batch_size: 500}}\n'
            '  - {id: csv, component: filesystem.csv_writer, mode: write, needs: [read], '
            'config: {path: output/orders.csv}}\n')
m, notes = call_progress(31, "pipeline_run", {"path": "pipelines/copy.yaml"}, 7)
e = m["result"]["structuredContent"] if m else {}
check(e.get("status") == "success" and e["result"]["status"] == "success"
      and [st["status"] for st in e["result"]["steps"]] == ["success", "success"]
      and e["result"]["rows"] == 3000, f"pipeline_run: {json.dumps(e)[:500]}")
check(notes and notes[-1]["progress"] == 2 and notes[-1]["total"] == 2 and "3000 rows" in notes[-1]["message"],
      f"progress per step: {notes}")
check(sum(1 for _ in open(os.path.join(ws, "output", "orders.csv"))) == 3001, "the CSV was written")
run_id = e["result"]["run_id"]
e = env_of(call("aiop_list", {"pipeline": "orders-copy"}))
check([r["run_id"] for r in e["result"]["runs"]] == [run_id], f"aiop_list finds the run: {e}")
e = env_of(call("aiop_show", {"run_id": run_id}))
check(e["result"]["aiop"]["run"]["status"] == "success"
      and len(e["result"]["aiop"]["semantic"]["dag"]["edges"]) == 1, f"aiop_show: {str(e)[:300]}")
e = env_of(call("pipeline_run", {"path": "../elsewhere.yaml"}))
check(e["error_code"] == "POLICY_ERROR", f"a path out of the workspace: {e}")

# A cancelled pipeline_run stops the run: no partial file, recorded as failed.
import sqlite3  # noqa: E402
con = sqlite3.connect(os.path.join(ws, "data", "demo.sqlite"))
con.execute("CREATE TABLE IF NOT EXISTS big AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
            "SELECT x + 1 FROM c WHERE x < 100000) SELECT x AS id FROM c")
con.commit()
con.close()
with open(os.path.join(ws, "pipelines", "long.yaml"), "w") as f:
    f.write('oml_version: "0.1.0"\nname: long-run\nsteps:\n'
            '  - {id: read, component: sqlite.extractor, mode: read, config: '
            '{connection: "@sqlite.demo", query: "SELECT a.id, b.id FROM big a, big b", batch_size: 1000}}\n'
            '  - {id: csv, component: filesystem.csv_writer, mode: write, needs: [read], '
            'config: {path: long/out.csv}}\n')
s.send({"jsonrpc": "2.0", "id": 32, "method": "tools/call",
        "params": {"name": "pipeline_run", "arguments": {"path": "pipelines/long.yaml"}}})
deadline = time.time() + 30
while time.time() < deadline and not (os.path.isdir(os.path.join(ws, "long")) and os.listdir(os.path.join(ws, "long"))):
    time.sleep(0.02)
check(os.path.isdir(os.path.join(ws, "long")) and os.listdir(os.path.join(ws, "long")), "the run is writing")
s.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 32}})
deadline = time.time() + 10
while time.time() < deadline and calls(s.p.pid):
    time.sleep(0.05)
check(calls(s.p.pid) == [], "the cancelled run's process ended")
check(os.listdir(os.path.join(ws, "long")) == [], "no partial file left")
last = json.loads(open(os.path.join(ws, ".osiris", "index", "runs.jsonl")).read().splitlines()[-1])
check(last["pipeline"] == "long-run" and last["status"] == "failed",
      f"the stopped run is recorded as failed: {last}")
check(s.recv(0.3) is None, "no answer to the cancelled call")

# Twenty calls at once: every one answered, by id.
for i in range(20):
    s.send({"jsonrpc": "2.0", "id": 1000 + i, "method": "tools/call",
            "params": {"name": "connections_list", "arguments": {}}})
got = {}
deadline = time.time() + 60
while len(got) < 20 and time.time() < deadline:
    m = s.recv(30)
    if m and "id" in m:
        got[m["id"]] = m
check(sorted(got) == list(range(1000, 1020)) and
      all(env_of(m)["status"] == "success" for m in got.values()), f"20 concurrent calls: {len(got)}")

# A child that hangs: stopped at the 2 s timeout.
t0 = time.time()
e = env_of(call("connections_doctor", {"connection": "@postgres.stuck"}, timeout=30))
check(e["status"] == "error" and e["error_code"] == "TIMEOUT_ERROR", f"timeout: {e}")
check(1.5 < time.time() - t0 < 10, f"stopped near the timeout: {time.time() - t0:.1f}s")

# A cancelled call: no answer, the child is gone.
s.send({"jsonrpc": "2.0", "id": 77, "method": "tools/call",
        "params": {"name": "discovery_request", "arguments": {"connection": "@postgres.stuck"}}})
time.sleep(0.5)
server_pid = s.p.pid


osiris_pid = server_pid
check(len(calls(osiris_pid)) == 1, f"one child running: {calls(osiris_pid)}")
s.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 77}})
time.sleep(3)
check(calls(osiris_pid) == [], f"the cancelled child is killed and reaped: {calls(osiris_pid)}")
check(s.request(78, "ping").get("result") == {}, "still serving")
check(s.recv(0.5) is None, "no answer to the cancelled call")

fds = len(os.listdir(f"/proc/{osiris_pid}/fd"))
for i in range(30):
    call("connections_list")
check(len(os.listdir(f"/proc/{osiris_pid}/fd")) == fds, "no descriptor leak after 30 calls")
check(calls(osiris_pid) == [], "no zombies")

rc, err = s.close(timeout=10)
check(rc == 0, f"clean exit: {rc} {err[-2000:]}")
for out in (err,):
    check(CANARY_ENV not in out, "no secret on stderr")
sanitizer_clean(err, "server")

# An upgrade replaces the binary under a running server: its children still run the
# server's own version (the executable removed from disk).
copy = os.path.join(tmp, "osiris-old")
shutil.copy(OSIRIS, copy)
src = os.path.dirname(os.path.abspath(OSIRIS))
u = Stdio.__new__(Stdio)
u.p = subprocess.Popen([copy, "mcp", "run", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE,
                       env=dict(env, OSIRIS_COMPONENTS_DIR=os.path.join(src, "components"),
                                OSIRIS_RESOURCES_DIR=os.path.join(src, "resources")))
u.buf = b""
u.initialize()
os.unlink(copy)
r = u.request(2, "tools/call", {"name": "connections_list", "arguments": {}}, 30)
check(r["result"]["structuredContent"]["status"] == "success",
      f"delegated call after the binary was removed: {json.dumps(r)[:300]}")
rc, uerr = u.close(timeout=10)
sanitizer_clean(uerr, "server whose binary was removed")

# The server alone under strace (no -f: the children may open .env, the server must not).
# LeakSanitizer cannot run under ptrace, so this short session does without it.
check(strace is not None, "strace is installed (scripts/setup)")
tenv = dict(env, ASAN_OPTIONS="detect_leaks=0")
t = Stdio.__new__(Stdio)
t.p = subprocess.Popen([strace, "-qq", "-e", "trace=open,openat,openat2", "-o", trace,
                        OSIRIS, "mcp", "run", *args], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=tenv)
t.buf = b""
t.initialize()
r = t.request(2, "tools/call", {"name": "connections_list", "arguments": {}}, 30)
check(r["result"]["structuredContent"]["result"]["connections"]["postgres"]["stuck"]["env_vars"]
      == {"OSR_TEST_PG_PW": True}, "delegated call under strace")
r = t.request(3, "tools/call", {"name": "oml_validate", "arguments": {
    "oml_content": 'oml_version: "0.1.0"\nname: x\nsteps:\n  - {id: a, component: postgres.extractor, mode: read, config: {connection: "@postgres.stuck", table: t}}\n'}}, 30)
check(r["result"]["structuredContent"]["result"]["valid"] is True, "in-process validation with the workspace's names")
rc, terr = t.close(timeout=10)
check(CANARY_ENV not in terr and CANARY_ENV not in json.dumps(r), "no secret in the traced session")
opened = open(trace).read()
check("osiris_connections.yaml" in opened, f"the trace shows the server's opens")
check(".env" not in opened, "the server never opens .env")
hang.close()
finish()
