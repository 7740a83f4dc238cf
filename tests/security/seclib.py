"""What the security tests share: a workspace whose database passwords live only in .env,
a server started without them in its environment, and a session that calls every tool
(and fails on purpose) so the tests can look for the secrets everywhere afterwards.

The canaries are the real passwords of the PostgreSQL and MariaDB test servers (random per
start of scripts/test-servers) plus one secret that only the environment holds."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mcp"))
from mcplib import OSIRIS, HttpServer, Stdio, check, finish, sanitizer_clean  # noqa: E402,F401

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def servers():
    """The test servers' values (scripts/test-servers env)."""
    out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "test-servers"), "env"],
                         capture_output=True, text=True, check=True).stdout
    vals = {}
    for line in out.splitlines():
        if line.startswith("export ") and "=" in line:
            k, v = line[7:].split("=", 1)
            vals[k] = v
    return vals


SRV = servers()
ENV_CANARY = "env-only-canary-5be07c1d9a"  # the wrong password of @mysql.envbad
CANARIES = [SRV["OSR_PG_PASSWORD"], SRV["OSR_MY_PASSWORD"], ENV_CANARY]
INLINE = "inline-oml-secret-0f3c9e"  # a secret an assistant wrote into a pipeline


def workspace():
    """A new workspace: passwords in .env only, connections as ${VAR} references."""
    tmp = tempfile.mkdtemp(prefix="osr-sec-")
    ws = os.path.join(tmp, "ws")
    subprocess.run([OSIRIS, "init", ws], check=True, capture_output=True)
    with open(os.path.join(ws, "osiris_connections.yaml"), "a") as f:
        f.write("  postgres:\n    main:\n      default: true\n"
                "      host: ${SEC_PG_HOST}\n      port: ${SEC_PG_PORT}\n"
                "      database: ${SEC_PG_DB}\n      user: ${SEC_PG_USER}\n"
                "      password: ${SEC_PG_PASSWORD}\n"
                "  mysql:\n    main:\n      default: true\n"
                "      host: ${SEC_MY_HOST}\n      port: ${SEC_MY_PORT}\n"
                "      database: ${SEC_MY_DB}\n      user: ${SEC_MY_USER}\n"
                "      password: ${SEC_MY_PASSWORD}\n"
                "    envbad:\n"
                "      host: ${SEC_MY_HOST}\n      port: ${SEC_MY_PORT}\n"
                "      database: ${SEC_MY_DB}\n      user: ${SEC_MY_USER}\n"
                "      password: ${SEC_ENV_ONLY}\n")
    with open(os.path.join(ws, ".env"), "w") as f:
        f.write(f"SEC_PG_HOST={SRV['OSR_PG_HOST']}\nSEC_PG_PORT={SRV['OSR_PG_PORT']}\n"
                f"SEC_PG_DB={SRV['OSR_PG_DATABASE']}\nSEC_PG_USER={SRV['OSR_PG_USER']}\n"
                f"SEC_PG_PASSWORD={SRV['OSR_PG_PASSWORD']}\n"
                f"SEC_MY_HOST={SRV['OSR_MY_HOST']}\nSEC_MY_PORT={SRV['OSR_MY_PORT']}\n"
                f"SEC_MY_DB={SRV['OSR_MY_DATABASE']}\nSEC_MY_USER={SRV['OSR_MY_USER']}\n"
                f"SEC_MY_PASSWORD={SRV['OSR_MY_PASSWORD']}\n")
    os.chmod(os.path.join(ws, ".env"), 0o600)
    return ws


def server_env():
    """The server's environment: no test-server password, one secret of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSR_")}
    env["SEC_ENV_ONLY"] = ENV_CANARY
    return env


class Session:
    """Every response line, in order, of a session that called every tool."""

    def __init__(self, s):
        self.s = s
        self.lines = []
        self.n = 100

    def req(self, method, params=None, timeout=60):
        self.n += 1
        r = self.s.request(self.n, method, params, timeout)
        self.lines.append(json.dumps(r))
        return r

    def call(self, name, args=None):
        r = self.req("tools/call", {"name": name, "arguments": args or {}})
        return r["result"]["structuredContent"] if "result" in r and "structuredContent" in r[
            "result"] else r


PIPELINE = ('oml_version: "0.1.0"\nname: accounts-export\nsteps:\n'
            '  - id: read\n    component: postgres.extractor\n    mode: read\n'
            '    config: {connection: "@postgres.main", table: accounts}\n'
            '  - id: write\n    component: filesystem.csv_writer\n    mode: write\n'
            '    needs: [read]\n    config: {path: out/accounts.csv}\n')
WITH_SECRET = PIPELINE.replace('connection: "@postgres.main", ',
                               f'host: db, user: u, password: "{INLINE}", ')


def full_session(s):
    """Calls every tool, resource and prompt, successes and failures; returns the Session
    and a dict of what some calls answered."""
    t = Session(s)
    got = {}
    t.lines.append(json.dumps(s.initialize()))
    for m in ["tools/list", "resources/list", "resources/templates/list", "prompts/list"]:
        t.req(m, {})
    t.req("prompts/get", {"name": "oml_authoring", "arguments": {"goal": "copy accounts"}})
    got["list"] = t.call("connections_list")
    got["doctor"] = t.call("connections_doctor")
    got["disc_pg"] = t.call("discovery_request", {"connection": "@postgres.main", "samples": 3,
                                                  "refresh": True})
    got["disc_my"] = t.call("discovery_request", {"connection": "@mysql.main", "samples": 2,
                                                  "tables": "acc*", "refresh": True})
    got["disc_bad"] = t.call("discovery_request", {"connection": "@mysql.envbad"})
    t.call("discovery_request", {"connection": "@postgres.nope"})
    t.call("components_list")
    t.call("usecases_list")
    t.call("oml_schema_get")
    got["valid"] = t.call("oml_validate", {"oml_content": PIPELINE, "strict": True})
    got["validate_secret"] = t.call("oml_validate", {"oml_content": WITH_SECRET})
    t.call("oml_validate", {"oml_content": "steps: [unclosed"})
    got["save"] = t.call("oml_save", {"oml_content": PIPELINE, "session_id": "sec",
                                      "filename": "accounts.yaml"})
    got["save_secret"] = t.call("oml_save", {"oml_content": WITH_SECRET, "session_id": "sec2"})
    t.call("guide_start", {"intent": "export accounts", "known_connections": ["@postgres.main"]})
    got["memory"] = t.call("memory_capture", {
        "session_id": "sec", "consent": True,
        "events": [{"note": "accounts has 3 rows", "db_password": INLINE},
                   "mail ops@example.com about it"]})
    t.call("memory_capture", {"session_id": "sec", "consent": False, "events": ["x"]})
    t.call("aiop_list")
    t.call("aiop_show", {"run_id": "missing"})
    got["compile"] = t.call("oml_compile", {"path": "pipelines/drafts/accounts.yaml"})
    got["compile_secret"] = t.call("oml_compile", {"oml_content": WITH_SECRET})
    t.call("pipeline_run", {"path": "pipelines/drafts/accounts.yaml"})
    t.req("tools/call", {"name": "no_such_tool", "arguments": {}})
    t.req("tools/call", {"name": "discovery_request", "arguments": {"connection": 5}})
    disc_id = got["disc_pg"].get("result", {}).get("discovery_id", "x")
    for uri in ["osiris://mcp/schemas/oml/v0.1.0.json", "osiris://instructions/workflow",
                "osiris://instructions/oml-syntax", "osiris://instructions/best-practices",
                "osiris://mcp/prompts/oml_authoring_guide.md", "osiris://mcp/usecases/catalog.yaml",
                f"osiris://mcp/discovery/{disc_id}/overview.json",
                f"osiris://mcp/discovery/{disc_id}/tables.json",
                f"osiris://mcp/discovery/{disc_id}/samples.json",
                "osiris://mcp/drafts/oml/accounts.yaml",
                "osiris://mcp/memory/sessions/sec.jsonl"]:
        got[uri] = t.req("resources/read", {"uri": uri})
    return t, got


def traced_stdio(ws, trace, *strace_args):
    """A server on `ws` run under strace (output in `trace`), as a Stdio. LeakSanitizer
    cannot run traced, so it is off for this process."""
    strace = shutil.which("strace")
    check(strace is not None, "strace is installed (scripts/setup)")
    s = Stdio.__new__(Stdio)
    s.p = subprocess.Popen([strace or "strace", "-qq", *strace_args, "-o", trace, OSIRIS, "mcp",
                            "run", "--base-path", ws], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=dict(server_env(), ASAN_OPTIONS="detect_leaks=0"))
    s.buf = b""
    return s


def files_under(root, skip=()):
    """Every regular file under root (symbolic links not followed), minus `skip`."""
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if p not in skip and os.path.isfile(p) and not os.path.islink(p):
                out.append(p)
    return out


def leaks(text):
    """The canaries found in `text`."""
    return [c for c in CANARIES + [INLINE] if c in text]
