#!/usr/bin/env bash
# The Supabase REST health check. A small HTTP server on loopback stands in for the hosted
# Supabase service (this machine has no network): like the real GET /auth/v1/health it
# answers 200 with a JSON body when the apikey header carries the project's key, and 401
# otherwise. It also answers a redirect on another path, which must not be followed.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
KEY=sb-service-role-canary-4f1d9a77e0
cat >"$TMP/standin.py" <<'PY'
import http.server, json, sys
key = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        if self.path == "/redirect/auth/v1/health":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.end_headers()
            return
        if self.path != "/auth/v1/health":
            self.send_response(404); self.end_headers(); return
        ok = self.headers.get("apikey") == key
        body = json.dumps({"version": "v2.170.0", "name": "GoTrue",
                           "description": "authentication API"} if ok else
                          {"message": "Invalid API key"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$TMP/standin.py" "$KEY" >"$TMP/port" &
standin=$!
trap 'kill $standin 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 50); do [ -s "$TMP/port" ] && break; sleep 0.05; done
port=$(cat "$TMP/port")
cat >>"$ws/osiris_connections.yaml" <<YAML
  supabase:
    main:
      url: http://127.0.0.1:$port
      service_role_key: \${OSR_SB_KEY}
    wrongkey:
      url: http://127.0.0.1:$port/
      anon_key: not-the-key-1234567890
    moved:
      url: http://127.0.0.1:$port/redirect
      key: \${OSR_SB_KEY}
    nourl:
      service_role_key: \${OSR_SB_KEY}
YAML
export OSR_SB_KEY=$KEY
run_osr connections doctor --base-path "$ws" --json
expect_not_contains "$OUT$ERR" "$KEY" "the key never appears"
st() { jq -r ".connections.supabase.$1 | \"\(.status) \(.category)\"" <<<"$OUT"; }
expect_eq "$(st main)" "healthy ok" "health endpoint with the right key"
expect_eq "$(st wrongkey)" "unhealthy auth" "key refused"
expect_eq "$(st moved)" "unhealthy network" "redirects are not followed"
expect_contains "$(jq -r .connections.supabase.moved.message <<<"$OUT")" "HTTP 302" "says what came back"
expect_eq "$(st nourl)" "unhealthy config" "neither url nor database fields"
expect_eq "$RC" 3 "exit 3"
kill $standin
wait $standin 2>/dev/null || true
run_osr connections doctor --base-path "$ws" --connection @supabase.main --json
expect_eq "$(st main)" "unhealthy network" "service down"
finish
