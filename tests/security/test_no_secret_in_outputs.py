"""After a session that calls every tool (failures included), no secret (the databases'
passwords from .env, a secret only the environment holds, a secret written into a
pipeline) appears in any response, in the server's stderr, or in any file the session
left in the workspace: audit, telemetry, discovery cache, drafts, memory, builds."""
import json
import os

from seclib import Stdio, check, files_under, finish, full_session, leaks, sanitizer_clean, \
    server_env, workspace

ws = workspace()
s = Stdio("--base-path", ws, env=server_env())
t, got = full_session(s)
rc, err = s.close(timeout=20)
check(rc == 0, f"clean exit: {rc}")
sanitizer_clean(err, "server")
# The session did the work: databases reached with the .env passwords, failures happened.
check(got["doctor"]["result"]["connections"]["postgres"]["main"]["status"] == "healthy"
      and got["doctor"]["result"]["connections"]["mysql"]["main"]["status"] == "healthy"
      and got["doctor"]["result"]["connections"]["mysql"]["envbad"]["status"] == "unhealthy",
      f"doctor with the .env passwords: {json.dumps(got['doctor'])[:600]}")
check(got["disc_pg"]["status"] == "success" and got["disc_my"]["status"] == "success",
      f"discovery on both servers: {json.dumps(got['disc_pg'])[:300]}")
check(got["disc_bad"]["error_code"] == "CONNECTION_ERROR", "a failed connection")
check(got["save_secret"]["error_code"] == "POLICY_ERROR", "inline secret refused by oml_save")
check(got["memory"]["result"]["redactions"] >= 2, f"memory redacted: {got['memory']}")
check(got["compile"]["status"] == "success", f"compiled: {got['compile']}")
for i, line in enumerate(t.lines):
    check(not leaks(line), f"response {i} leaks {leaks(line)}: {line[:300]}")
check(not leaks(err), f"stderr leaks {leaks(err)}")
written = files_under(ws, skip={os.path.join(ws, ".env")})
kinds = {k: [p for p in written if k in p] for k in
         ["/audit/", "/telemetry/", "/cache/", "/drafts/", "/memory/", "/build/"]}
check(all(kinds.values()), f"the session wrote every kind of file: { {k: len(v) for k, v in kinds.items()} }")
for p in written:
    data = open(p, "rb").read().decode("utf-8", "replace")
    check(not leaks(data), f"{p} leaks {leaks(data)}")
finish()
