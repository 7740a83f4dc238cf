"""Paths never leave their roots: resource URIs (discovery artifacts, drafts, memory
sessions), draft file names of oml_save, memory session ids, compile paths and run ids are
refused with POLICY errors (or schema errors) whatever the trick: '..', encoded '..',
absolute paths, hidden files, symbolic links out of the directory, NUL bytes."""
import json
import os

from seclib import Stdio, check, finish, sanitizer_clean, server_env, workspace

ws = workspace()
secret_file = os.path.join(os.path.dirname(ws), "outside-secret.txt")
open(secret_file, "w").write("TOP-SECRET-OUTSIDE\n")
drafts = os.path.join(ws, "pipelines", "drafts")
os.makedirs(drafts, exist_ok=True)
os.symlink(secret_file, os.path.join(drafts, "link.yaml"))
mem = os.path.join(ws, ".osiris", "mcp", "logs", "memory", "sessions")
os.makedirs(mem, exist_ok=True)
os.symlink(secret_file, os.path.join(mem, "linked.jsonl"))
s = Stdio("--base-path", ws, env=server_env())
s.initialize()
n = [10]


def req(method, params):
    n[0] += 1
    return s.request(n[0], method, params, 30)


for uri in ["osiris://mcp/discovery/../../../etc/passwd.json",
            "osiris://mcp/discovery/..%2F..%2Fetc/passwd.json",
            "osiris://mcp/discovery/%2Fetc/passwd.json",
            "osiris://mcp/drafts/oml/..%2F..%2F.env", "osiris://mcp/drafts/oml/../../.env",
            "osiris://mcp/drafts/oml/.env", "osiris://mcp/drafts/oml/link.yaml",
            "osiris://mcp/drafts/oml/%2Fetc%2Fpasswd", "osiris://mcp/drafts/oml/a%00b.yaml",
            "osiris://mcp/memory/sessions/..%2F..%2F..%2F..%2F.env.jsonl",
            "osiris://mcp/memory/sessions/linked.jsonl",
            "osiris://mcp/memory/sessions/a%2Fb.jsonl"]:
    r = req("resources/read", {"uri": uri})
    text = json.dumps(r)
    check("error" in r and "TOP-SECRET" not in text and "SEC_PG_PASSWORD" not in text
          and (r["error"].get("data", {}).get("error_code") == "POLICY_ERROR"
               or r["error"]["code"] == -32002), f"resource refused: {uri}: {text[:300]}")


def tool(name, args):
    r = req("tools/call", {"name": name, "arguments": args})
    return r["result"]


for fname in ["../escape.yaml", "../../.env", "/tmp/abs.yaml", ".hidden.yaml", "a/b.yaml",
              "a\u0000b.yaml", "..", "x" * 300]:
    r = tool("oml_save", {"oml_content": "name: x\n", "session_id": "s", "filename": fname})
    check(r.get("isError") and r["structuredContent"]["error_code"] == "POLICY_ERROR",
          f"draft name refused: {fname[:40]!r}: {json.dumps(r)[:200]}")
check(not os.path.exists(os.path.join(ws, "pipelines", "escape.yaml"))
      and not os.path.exists("/tmp/abs.yaml"), "nothing written outside the drafts")
for sid in ["../x", "/etc/x", "a.b", "", "x" * 65]:
    r = tool("memory_capture", {"session_id": sid, "consent": True, "events": ["e"]})
    check(r.get("isError") is True, f"session id refused: {sid[:20]!r}")
for path in ["../outside.yaml", "/etc/passwd", "pipelines/../../outside.yaml", "-h"]:
    r = tool("oml_compile", {"path": path})
    check(r.get("isError") and r["structuredContent"]["error_code"] == "POLICY_ERROR",
          f"compile path refused: {path}")
for rid in ["../x", "/etc", ".hidden"]:
    r = tool("aiop_show", {"run_id": rid})
    check(r.get("isError") is True, f"run id refused: {rid}")
check(s.request(99, "ping").get("result") == {}, "still serving")
rc, err = s.close(timeout=20)
check(rc == 0, f"clean exit: {rc}")
sanitizer_clean(err, "server")
finish()
