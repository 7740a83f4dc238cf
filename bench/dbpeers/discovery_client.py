#!/usr/bin/env python3
"""Drives a database MCP server over stdio (raw JSON-RPC, one JSON message a line) through
the discovery that `osiris discovery run --tables 'scale.*' --samples 10` does: list the
tables of schema `scale`, describe each (columns), fetch 10 rows of each.

    discovery_client.py --peer dbhub|toolbox|osiris --mode per-table|bulk|tool|cached|list
                        [--runs N] [--inflight K] [--schema S] [--samples N] -- SERVER_CMD...

Each run starts a fresh server process (its environment is this one's), then:
  start-up  spawn -> `initialize` answered -> `notifications/initialized` -> `tools/list`
            answered (the server is ready to take tool calls);
  work      first tool call sent -> last tool call answered.
Modes:
  per-table  1 call that lists the schema's tables, then per table 1 describe call and
             1 execute_sql call for the sample: 1 + 2 x tables calls;
  bulk       1 call that lists and describes every table of the schema at once (DBHub
             search_objects detail_level=full, which also counts each table's rows;
             Toolbox list_tables detailed, which takes no schema and describes the tables
             of every user schema, the client keeping those of the schema), then 1
             execute_sql per table: 1 + tables calls.
  tool       (osiris) 1 discovery_request call that lists, describes, counts and samples
             every table of the schema (`tables: "schema.*"`, refresh: no cache);
  cached     (osiris) the same call answered from the discovery cache (a first call,
             outside the timing, fills it);
  list       each server's cheapest "what can I reach" call, --calls N times one after
             another in one session: osiris connections_list (a child process per call),
             DBHub search_objects for schema names, Toolbox list_schemas; work_ms is
             then the median call and p95_ms is reported too.
The sample is `SELECT * FROM "schema"."table" ORDER BY "<first described column>" LIMIT N`
(in the scale schema the first column is the primary key `id`, which Osiris orders by).
--inflight K keeps up to K calls of a phase outstanding at once (1: one call at a time, as
an agent that waits for each answer does).

Every answer is checked (no JSON-RPC error, no isError, the expected tables, at least one
column a table, N rows a sample); a run that fails the check fails the whole client. Prints
one JSON object a line per run (startup_ms, work_ms = describe_ms + sample_ms, calls,
tables, columns, rows, response_bytes), then one with "summary": true holding the median of
each and of startup_ms + work_ms (end_to_end_ms). The server's stderr goes to --server-log
(default /dev/null).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


class Peer:
    def __init__(self, cmd, log):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log, bufsize=0)
        self.next_id = 1
        self.calls = 0
        self.bytes = 0
        self.rbuf = b""

    def send(self, method, params=None, notify=False):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        rid = None
        if not notify:
            rid = self.next_id
            self.next_id += 1
            msg["id"] = rid
        self.proc.stdin.write(json.dumps(msg, separators=(",", ":")).encode() + b"\n")
        return rid

    def readline(self):
        while True:
            nl = self.rbuf.find(b"\n")
            if nl >= 0:
                line, self.rbuf = self.rbuf[:nl], self.rbuf[nl + 1:]
                return line
            chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
            if not chunk:
                raise SystemExit("discovery_client: the server closed its stdout (see its log)")
            self.rbuf += chunk

    def wait_ids(self, ids):
        """Reads messages until every id in ids is answered; returns {id: message}."""
        want = set(ids)
        got = {}
        while want:
            line = self.readline()
            if not line.strip():
                continue
            self.bytes += len(line) + 1
            msg = json.loads(line)
            if msg.get("id") in want:
                want.discard(msg["id"])
                got[msg["id"]] = msg
            # notifications and server requests (none expected) are ignored
        return got

    def request(self, method, params=None):
        rid = self.send(method, params)
        return self.wait_ids([rid])[rid]

    def call_many(self, calls, inflight):
        """Tool calls [(name, args)], at most inflight outstanding; returns results in order."""
        results = [None] * len(calls)
        pending = {}
        i = 0
        while i < len(calls) or pending:
            while i < len(calls) and len(pending) < inflight:
                name, args = calls[i]
                rid = self.send("tools/call", {"name": name, "arguments": args})
                self.calls += 1
                pending[rid] = i
                i += 1
            # wait for any one answer
            line = self.readline()
            if not line.strip():
                continue
            self.bytes += len(line) + 1
            msg = json.loads(line)
            rid = msg.get("id")
            if rid in pending:
                k = pending.pop(rid)
                results[k] = check_result(calls[k], msg)
        return results

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def check_result(call, msg):
    if "error" in msg:
        raise SystemExit(f"discovery_client: {call[0]} {json.dumps(call[1])[:200]}: {msg['error']}")
    res = msg["result"]
    if res.get("isError"):
        raise SystemExit(f"discovery_client: {call[0]} {json.dumps(call[1])[:200]}: "
                         f"{json.dumps(res)[:500]}")
    return res


def texts(res):
    return [c["text"] for c in res.get("content", []) if c.get("type") == "text"]


def quote(ident):
    return '"' + ident.replace('"', '""') + '"'


# ---- DBHub 1.x: search_objects + execute_sql; every answer is one text {"success", "data"}

def dbhub_data(res):
    doc = json.loads(texts(res)[0])
    if not doc.get("success"):
        raise SystemExit(f"discovery_client: dbhub answered {json.dumps(doc)[:500]}")
    return doc["data"]


def dbhub_list(schema):
    return ("search_objects", {"object_type": "table", "schema": schema,
                               "detail_level": "names", "limit": 1000})


def dbhub_tables(res):
    return [r["name"] for r in dbhub_data(res)["results"]]


def dbhub_describe(schema, table):
    return ("search_objects", {"object_type": "column", "schema": schema, "table": table,
                               "detail_level": "full", "limit": 1000})


def dbhub_columns(res):
    return [r["name"] for r in dbhub_data(res)["results"]]


def dbhub_bulk(schema):
    return ("search_objects", {"object_type": "table", "schema": schema,
                               "detail_level": "full", "limit": 1000})


def dbhub_bulk_columns(res):
    return {r["name"]: [c["name"] for c in r["columns"]] for r in dbhub_data(res)["results"]}


def dbhub_sample(sql):
    return ("execute_sql", {"sql": sql})


def dbhub_rows(res):
    return len(dbhub_data(res)["statements"][0]["rows"])


# ---- MCP Toolbox, prebuilt postgres tools: list_tables + execute_sql; one text a row

def tb_rows(res):
    return [json.loads(t) for t in texts(res)]


def tb_list(schema):  # list_tables has no schema filter: the client keeps `schema`'s rows
    return ("list_tables", {"output_format": "simple", "table_names": ""})


def tb_tables(res, schema):
    return [r["object_name"] for r in tb_rows(res) if r["schema_name"] == schema]


def tb_describe(schema, table):
    return ("list_tables", {"output_format": "detailed", "table_names": table})


def tb_columns(res, schema):
    for r in tb_rows(res):
        if r["schema_name"] == schema:
            return [c["column_name"] for c in
                    sorted(r["object_details"]["columns"], key=lambda c: c["ordinal_position"])]
    return []


def tb_bulk(schema):
    return ("list_tables", {"output_format": "detailed", "table_names": ""})


def tb_bulk_columns(res, schema):
    out = {}
    for r in tb_rows(res):
        if r["schema_name"] == schema:
            out[r["object_name"]] = [c["column_name"] for c in sorted(
                r["object_details"]["columns"], key=lambda c: c["ordinal_position"])]
    return out


def tb_sample(sql):
    return ("execute_sql", {"sql": sql})


def tb_nrows(res):
    return len(texts(res))


# ---- Osiris: discovery_request does the whole discovery in one call (in a child)

def osiris_disc(schema, samples, refresh):
    return ("discovery_request", {"connection": "@postgres.main", "tables": f"{schema}.*",
                                  "samples": samples, "refresh": refresh})


def osiris_result(res):
    env = res["structuredContent"]
    if env.get("status") != "success":
        raise SystemExit(f"discovery_client: osiris answered {json.dumps(env)[:500]}")
    return env["result"]


LIST_CALLS = {"osiris": ("connections_list", {}),
              "dbhub": ("search_objects", {"object_type": "schema", "detail_level": "names"}),
              "toolbox": ("list_schemas", {})}


def list_run(peer, args):
    times = []
    for _ in range(args.calls):
        t0 = time.perf_counter()
        peer.call_many([LIST_CALLS[args.peer]], 1)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return {"work_ms": round(statistics.median(times), 3),
            "p95_ms": round(times[int(len(times) * 0.95)], 3), "describe_ms": 0, "sample_ms": 0,
            "calls": peer.calls, "tables": 0, "columns": 0, "rows": 0,
            "response_bytes": peer.bytes}


def one_run(args, cmd, log):
    t0 = time.perf_counter()
    peer = Peer(cmd, log)
    try:
        init = peer.request("initialize", {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "osiris-bench-discovery", "version": "1.0.0"}})
        if "result" not in init:
            raise SystemExit(f"discovery_client: initialize failed: {init}")
        peer.send("notifications/initialized", notify=True)
        tools = peer.request("tools/list", {})
        names = {t["name"] for t in tools["result"]["tools"]}
        need = {"dbhub": {"search_objects", "execute_sql"},
                "toolbox": {"list_tables", "execute_sql"},
                "osiris": {"discovery_request", "connections_list"}}[args.peer]
        if args.mode == "list":
            need = {LIST_CALLS[args.peer][0]}
        if not need <= names:
            raise SystemExit(f"discovery_client: the server lacks {sorted(need - names)}")
        t_ready = time.perf_counter()
        if args.mode == "cached":  # fills the cache, outside both figures
            peer.call_many([osiris_disc(args.schema, args.samples, False)], 1)
            peer.calls = 0
            t_fill = time.perf_counter()
            t0 += t_fill - t_ready
            t_ready = t_fill
        if args.mode == "list":
            return dict(list_run(peer, args), startup_ms=round((t_ready - t0) * 1e3, 2))
        s = args.schema
        if args.peer == "osiris":
            res = osiris_result(peer.call_many([osiris_disc(s, args.samples,
                                                            args.mode == "tool")], 1)[0])
            t_done = time.perf_counter()
            want_cache = "miss" if args.mode == "tool" else "hit"
            tables = res["tables"]
            if res.get("cache") != want_cache:
                raise SystemExit(f"discovery_client: osiris cache {res.get('cache')}, expected {want_cache}")
            if args.expect_tables and len(tables) != args.expect_tables:
                raise SystemExit(f"discovery_client: {len(tables)} tables, expected {args.expect_tables}")
            if any(len(t.get("samples", [])) != args.samples or not t["columns"] for t in tables):
                raise SystemExit("discovery_client: osiris left a table without columns or samples")
            return {"startup_ms": round((t_ready - t0) * 1e3, 2),
                    "work_ms": round((t_done - t_ready) * 1e3, 2), "describe_ms": 0,
                    "sample_ms": 0, "calls": peer.calls, "tables": len(tables),
                    "columns": sum(len(t["columns"]) for t in tables),
                    "rows": sum(len(t["samples"]) for t in tables),
                    "response_bytes": peer.bytes}
        if args.peer == "dbhub":
            if args.mode == "per-table":
                tables = dbhub_tables(peer.call_many([dbhub_list(s)], 1)[0])
                descs = peer.call_many([dbhub_describe(s, t) for t in tables], args.inflight)
                cols = {t: dbhub_columns(r) for t, r in zip(tables, descs)}
            else:
                cols = dbhub_bulk_columns(peer.call_many([dbhub_bulk(s)], 1)[0])
                tables = list(cols)
            mk, nrows = dbhub_sample, dbhub_rows
        else:
            if args.mode == "per-table":
                tables = tb_tables(peer.call_many([tb_list(s)], 1)[0], s)
                descs = peer.call_many([tb_describe(s, t) for t in tables], args.inflight)
                cols = {t: tb_columns(r, s) for t, r in zip(tables, descs)}
            else:
                cols = tb_bulk_columns(peer.call_many([tb_bulk(s)], 1)[0], s)
                tables = list(cols)
            mk, nrows = tb_sample, tb_nrows
        t_described = time.perf_counter()
        if args.expect_tables and len(tables) != args.expect_tables:
            raise SystemExit(f"discovery_client: {len(tables)} tables, expected {args.expect_tables}")
        for t in tables:
            if not cols.get(t):
                raise SystemExit(f"discovery_client: no columns described for {s}.{t}")
        sqls = [f"SELECT * FROM {quote(s)}.{quote(t)} ORDER BY {quote(cols[t][0])} "
                f"LIMIT {args.samples}" for t in tables]
        samples = peer.call_many([mk(q) for q in sqls], args.inflight)
        rows = [nrows(r) for r in samples]
        t_done = time.perf_counter()
        short = [t for t, n in zip(tables, rows) if n != args.samples]
        if short:
            raise SystemExit(f"discovery_client: {len(short)} samples without {args.samples} "
                             f"rows, e.g. {short[0]}")
        return {"startup_ms": round((t_ready - t0) * 1e3, 2),
                "work_ms": round((t_done - t_ready) * 1e3, 2),
                "describe_ms": round((t_described - t_ready) * 1e3, 2),
                "sample_ms": round((t_done - t_described) * 1e3, 2),
                "calls": peer.calls, "tables": len(tables),
                "columns": sum(len(c) for c in cols.values()), "rows": sum(rows),
                "response_bytes": peer.bytes}
    finally:
        peer.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", choices=["dbhub", "toolbox", "osiris"], required=True)
    ap.add_argument("--mode", choices=["per-table", "bulk", "tool", "cached", "list"],
                    default="per-table")
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--inflight", type=int, default=1)
    ap.add_argument("--schema", default="scale")
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--expect-tables", type=int, default=0)
    ap.add_argument("--server-log", default=os.devnull)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no server command after --")
    runs = []
    with open(args.server_log, "ab") as log:
        for _ in range(args.runs):
            runs.append(one_run(args, cmd, log))
            print(json.dumps(runs[-1]), flush=True)
    summary = {"summary": True, "runs": len(runs)}
    for k in runs[0]:
        summary[k] = statistics.median(r[k] for r in runs)
    summary["end_to_end_ms"] = round(statistics.median(r["startup_ms"] + r["work_ms"]
                                                       for r in runs), 2)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
