"""The in-process Osiris tools over stdio: tools/list, aliases, the envelope and _meta,
components_list, usecases_list (every use case validates), oml_schema_get, oml_validate
(workspace connection names, strict, bad input)."""
import json
import os
import re
import subprocess
import tempfile

from mcplib import OSIRIS, Stdio, check, finish, sanitizer_clean

root = os.environ.get("OSR_TEST_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
tmp = tempfile.mkdtemp()
ws = os.path.join(tmp, "ws")
subprocess.run([OSIRIS, "init", ws], check=True, capture_output=True)
CANARY = "canary-inline-pw-5b1e9d"
with open(os.path.join(ws, "osiris_connections.yaml"), "a") as f:
    f.write("  mysql:\n    warehouse:\n      host: db.internal\n      database: sales\n"
            f"      user: etl\n      password: {CANARY}\n")

s = Stdio("--base-path", ws)
s.initialize()
seq = [10]


def call(name, args=None):
    seq[0] += 1
    r = s.request(seq[0], "tools/call", {"name": name, "arguments": args or {}})
    return r


def envelope(r):
    res = r["result"]
    env = res["structuredContent"]
    check(json.loads(res["content"][0]["text"]) == env, "the text item is the envelope")
    check(env["_meta"]["bytes_out"] == len(res["content"][0]["text"].encode()),
          f"bytes_out is the envelope's size: {env['_meta']}")
    check(re.fullmatch(r"[0-9a-f]{8}-\d{6}", env["_meta"]["correlation_id"]) is not None,
          f"correlation id form: {env['_meta']['correlation_id']}")
    return env


tools = s.request(1, "tools/list")["result"]["tools"]
check([t["name"] for t in tools] == ["connections_list", "connections_doctor", "discovery_request",
                                     "components_list", "usecases_list", "oml_schema_get",
                                     "oml_validate", "oml_save", "guide_start", "memory_capture",
                                     "aiop_list", "aiop_show", "oml_compile", "pipeline_run"],
      f"canonical names in order: {[t['name'] for t in tools]}")
for t in tools:
    check(t.get("title") and t.get("description") and t["inputSchema"]["type"] == "object"
          and t["outputSchema"]["required"] == ["status", "_meta"]
          and t["annotations"]["readOnlyHint"] is (t["name"] not in ("oml_save", "memory_capture",
                                                                      "oml_compile", "pipeline_run")),
          f"{t['name']} fully described")

# Every alias of the original dispatches; _meta names the canonical tool.
for alias, canon in [("components.list", "components_list"),
                     ("osiris.components.list", "components_list"),
                     ("usecases.list", "usecases_list"), ("osiris.usecases.list", "usecases_list"),
                     ("oml.schema.get", "oml_schema_get"),
                     ("osiris.oml.schema.get", "oml_schema_get"),
                     ("oml.validate", "oml_validate"), ("osiris.oml.validate", "oml_validate"),
                     ("osiris.validate_oml", "oml_validate"),
                     ("oml.save", "oml_save"), ("osiris.oml.save", "oml_save"),
                     ("osiris.save_oml", "oml_save"), ("guide.start", "guide_start"),
                     ("osiris.guide_start", "guide_start"), ("osiris.guide.start", "guide_start")]:
    args = {"oml_validate": {"oml_content": "oml_version: \"0.1.0\"\n"},
            "oml_save": {"oml_content": "name: alias-test\n", "session_id": "alias"},
            "guide_start": {"intent": "copy orders"}}.get(canon, {})
    env = envelope(call(alias, args))
    check(env["status"] == "success" and env["_meta"]["tool"] == canon, f"{alias} -> {canon}")

env = envelope(call("components_list"))
comps = env["result"]["components"]
names = sorted(c["name"] for g in comps.values() for c in g)
check(names == sorted(os.listdir(os.path.join(root, "components"))), f"every component: {names}")
check(env["result"]["total_count"] == len(names), "total_count")
check([c["name"] for c in comps["writers"]] == sorted(n for n in names if n.endswith("writer")),
      "writers grouped")
pg = next(c for c in comps["extractors"] if c["name"] == "postgres.extractor")
check("connection" in pg["fields"] and pg["modes"] == ["extract", "discover"], f"fields and modes: {pg}")

env = envelope(call("usecases_list"))
ucs = env["result"]["usecases"]
check(len(ucs) >= 6 and env["result"]["total_count"] == len(ucs), "use cases listed")
check(sorted(env["result"]["by_category"]) == sorted(env["result"]["categories"]), "categories")
for uc in ucs:
    v = envelope(call("oml_validate", {"oml_content": uc["oml"]}))["result"]
    errors = [d for d in v["diagnostics"] if d["severity"] == "error" and d["code"] != "OML027"]
    check(errors == [], f"use case {uc['id']} validates (but for aliases the workspace lacks): {errors}")
cat = ucs[0]["category"]
env = envelope(call("usecases_list", {"category": cat}))
check(env["result"]["total_count"] >= 1 and all(u["category"] == cat for u in env["result"]["usecases"]),
      "category filter")

env = envelope(call("oml_schema_get"))
with open(os.path.join(root, "resources", "oml", "v0.1.0.json")) as f:
    check(env["result"]["schema"] == json.load(f), "the shipped schema")
check(env["result"]["schema_uri"] == "osiris://mcp/schemas/oml/v0.1.0.json", "schema uri")

# oml_validate: workspace connections by name only, strict, bad input.
doc = ('oml_version: "0.1.0"\nname: x\nsteps:\n  - id: a\n    component: mysql.extractor\n'
       '    mode: read\n    config:\n      connection: @mysql.warehouse\n      table: orders\n'
       '  - id: b\n    component: sqlite.extractor\n    mode: read\n'
       '    config: {connection: "@sqlite.nope", table: t}\n')
r = call("oml_validate", {"oml_content": doc})
env = envelope(r)
d = env["result"]["diagnostics"]
check([(x["code"], x["line"], x["column"]) for x in d] == [("OML027", 13, 26)],
      f"only the unknown alias is reported: {d}")
check(CANARY not in json.dumps(r), "no connection field value in the answer")
warn = 'oml_version: "0.1.0"\nname: Bad_Name\nsteps:\n  - {id: a, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", table: t}}\n'
check(envelope(call("oml_validate", {"oml_content": warn}))["result"]["valid"] is True,
      "warnings alone: valid")
check(envelope(call("oml_validate", {"oml_content": warn, "strict": True}))["result"]["valid"] is False,
      "strict: warnings count")
env = envelope(call("oml_validate", {"oml_content": "steps: [\n"}))
check(env["result"]["diagnostics"][0]["code"] == "OML041" and env["result"]["diagnostics"][0]["line"] == 2,
      f"YAML error with position: {env['result']}")
r = call("oml_validate", {})
check(r["result"].get("isError") is True and "oml_content" in r["result"]["content"][0]["text"],
      f"missing oml_content: {r}")
r = call("oml_validate", {"oml_content": "x: 1", "strict": "yes"})
check(r["result"].get("isError") is True and "boolean" in r["result"]["content"][0]["text"],
      f"wrong argument type: {r}")
# oml_save: drafts under pipelines/drafts, 0600 in 0700, names checked, secrets refused.
drafts = os.path.join(ws, "pipelines", "drafts")
env = envelope(call("oml_save", {"oml_content": warn, "session_id": "s-1", "filename": "orders_v2"}))
check(env["status"] == "success" and env["result"]["filename"] == "orders_v2.yaml"
      and env["result"]["valid"] is True, f"draft saved: {env}")
saved = os.path.join(drafts, "orders_v2.yaml")
check(open(saved).read() == warn, "draft content as given")
check(os.stat(saved).st_mode & 0o777 == 0o600, "draft 0600")
env = envelope(call("oml_save", {"oml_content": "steps: [", "session_id": "s-2"}))
check(env["result"]["filename"] == "s-2.yaml" and env["result"]["valid"] is False,
      f"invalid drafts are kept and said to be invalid: {env['result']}")
for bad in ["../escape.yaml", "a/b.yaml", ".hidden.yaml", "/etc/passwd", "x\u0000y", ""]:
    env = envelope(call("oml_save", {"oml_content": warn, "session_id": "s-3", "filename": bad}))
    check(env["status"] == "error" and env["error_code"] == "POLICY_ERROR"
          and env["error"]["code"] == "POLICY/DRAFT_NAME", f"draft name {bad!r} refused: {env}")
check(sorted(os.listdir(drafts)) == ["alias.yaml", "orders_v2.yaml", "s-2.yaml"],
      f"nothing else written: {os.listdir(drafts)}")
check(not os.path.exists(os.path.join(ws, "pipelines", "escape.yaml")), "no escape")
r = call("oml_save", {"oml_content": warn, "session_id": "../../x"})
check(r["result"].get("isError") is True and "session_id" in r["result"]["content"][0]["text"],
      f"session id checked: {r}")
secret_doc = warn.replace('config: {connection: "@sqlite.demo", table: t}',
                          'config: {connection: "@sqlite.demo", table: t, password: hunter2-abc}')
env = envelope(call("oml_save", {"oml_content": secret_doc.replace("sqlite.extractor", "mysql.extractor").replace("@sqlite.demo", "@mysql.warehouse"), "session_id": "s-4"}))
check(env["status"] == "error" and env["error"]["code"] == "POLICY/INLINE_SECRET",
      f"inline secret refused: {env}")
check(not os.path.exists(os.path.join(drafts, "s-4.yaml")), "the secret draft was not written")

# guide_start: the next step from what the assistant knows.
def guide(**kw):
    return envelope(call("guide_start", {"intent": "copy orders to csv", **kw}))["result"]
check(guide()["next_steps"][0]["tool"] == "connections_list", "first: connections")
g = guide(known_connections=["@mysql.warehouse"])
check(g["next_steps"][0] == {"tool": "discovery_request",
                             "params": {"samples": 5, "connection": "@mysql.warehouse"}},
      f"then discovery of the known connection: {g}")
check(guide(known_connections=["@x.y"], has_discovery=True)["next_step"] == "create_oml", "then a pipeline")
check(guide(known_connections=["@x.y"], has_discovery=True, has_previous_oml=True)["next_step"]
      == "validate_oml", "then validation")
check(guide(has_previous_oml=True, has_error_report=True)["next_step"] == "fix_oml", "fix on errors")
r = call("guide_start", {})
check(r["result"].get("isError") is True and "intent" in r["result"]["content"][0]["text"], "intent required")

env = envelope(call("pipeline.run", {"path": "pipelines/x.yaml"}))
check(env["status"] == "error" and env["error"]["code"] == "OML/UNREADABLE"
      and env["_meta"]["tool"] == "pipeline_run", f"a run of a missing file: {env}")

r = s.request(99, "tools/call", {"name": "oml_compile_everything", "arguments": {}})
check(r["error"]["code"] == -32602 and "Unknown tool" in r["error"]["message"], f"unknown tool: {r}")
check(s.request(100, "ping").get("result") == {}, "still serving")

rc, err = s.close()
check(rc == 0, f"clean exit: {rc}")
check(CANARY not in err, "no secret on stderr")
sanitizer_clean(err, "server")
finish()
