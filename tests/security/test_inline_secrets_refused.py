"""A secret written into a pipeline is refused everywhere it could be kept: oml_validate
reports it (OML037), oml_save does not write the draft, oml_compile (text or a workspace
file) builds nothing, and `osiris compile` on the command line exits 2; the secret appears
in no answer and no file."""
import json
import os
import subprocess

from seclib import INLINE, OSIRIS, PIPELINE, WITH_SECRET, Stdio, check, files_under, finish, \
    sanitizer_clean, server_env, workspace

ws = workspace()
s = Stdio("--base-path", ws, env=server_env())
s.initialize()
answers = []


def call(i, name, args):
    r = s.request(i, "tools/call", {"name": name, "arguments": args}, 60)
    answers.append(json.dumps(r))
    return r["result"]["structuredContent"]


variants = [WITH_SECRET,
            PIPELINE.replace("table: accounts", f"table: accounts, api_key: {INLINE}"),
            PIPELINE.replace('connection: "@postgres.main", ',
                             f'dsn: "postgresql://u:{INLINE}@db/x", ')]
for i, text in enumerate(variants):
    e = call(10 + i, "oml_validate", {"oml_content": text})
    check(e["result"]["valid"] is False and any(d["code"] == "OML037" for d in e["result"]["diagnostics"]),
          f"variant {i}: reported: {json.dumps(e)[:300]}")
    e = call(20 + i, "oml_save", {"oml_content": text, "session_id": f"v{i}"})
    check(e["error_code"] == "POLICY_ERROR", f"variant {i}: not saved: {e.get('error')}")
    e = call(30 + i, "oml_compile", {"oml_content": text})
    check(e["status"] == "error", f"variant {i}: not compiled: {e.get('error')}")
# A file put in the workspace by other means is not compiled either.
os.makedirs(os.path.join(ws, "pipelines"), exist_ok=True)
open(os.path.join(ws, "pipelines", "leaky.yaml"), "w").write(WITH_SECRET)
e = call(40, "oml_compile", {"path": "pipelines/leaky.yaml"})
check(e["status"] == "error" and e["error_code"] == "VALIDATION_ERROR", f"file not compiled: {e}")
p = subprocess.run([OSIRIS, "compile", "pipelines/leaky.yaml", "--base-path", ws, "--json"],
                   capture_output=True, text=True, env=server_env())
check(p.returncode == 2 and INLINE not in p.stdout + p.stderr, f"CLI compile exits 2: {p.returncode}")
rc, err = s.close(timeout=20)
check(rc == 0, f"clean exit: {rc}")
sanitizer_clean(err, "server")
check(not os.path.exists(os.path.join(ws, "build", "pipelines")), "no build was written")
check(not os.listdir(os.path.join(ws, "pipelines", "drafts")) if os.path.isdir(
    os.path.join(ws, "pipelines", "drafts")) else True, "no draft was written")
check(all(INLINE not in a for a in answers), "the secret is in no answer")
for path in files_under(ws, skip={os.path.join(ws, "pipelines", "leaky.yaml")}):
    check(INLINE not in open(path, "rb").read().decode("utf-8", "replace"), f"not in {path}")
finish()
