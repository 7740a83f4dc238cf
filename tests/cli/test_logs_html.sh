#!/usr/bin/env bash
# `osiris logs html`: the report of a successful multi-step run and of a failed one with
# skipped steps, written 0600 as one page that references nothing outside itself, with
# every text escaped; then rendered by headless Chromium, whose screenshot must be a real
# picture of the page (the status colours are on it) and whose DOM must hold the steps'
# SVG elements. Chromium is installed by scripts/setup: without it this test fails.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
mkdir -p "$ws/pipelines"
cat >"$ws/pipelines/orders.yaml" <<'YAML'
oml_version: "0.1.0"
name: "Orders <A&B> export"
steps:
  - id: read
    component: sqlite.extractor
    mode: read
    config: {connection: "@sqlite.demo", query: "SELECT id, status FROM orders WHERE id < 1500", batch_size: 100}
  - id: csv
    component: filesystem.csv_writer
    mode: write
    needs: [read]
    config: {path: output/orders.csv}
  - id: customers
    component: sqlite.extractor
    mode: read
    config: {connection: "@sqlite.demo", table: customers}
  - id: copy
    component: sqlite.writer
    mode: write
    needs: [customers]
    config: {connection: "@sqlite.demo", table: customers_copy, write_mode: replace}
YAML

run_osr run "$ws/pipelines/orders.yaml" --base-path "$ws" --json
expect_eq "$RC" 0 "the run succeeds: $ERR"
ok_id=$(jq -r .run_id <<<"$OUT")
ok_dir=$(jq -r .run_dir <<<"$OUT")

run_osr logs html --run "$ok_id" --base-path "$ws" --json
expect_eq "$RC" 0 "logs html: $ERR $OUT"
expect_eq "$(jq -c . <<<"$OUT")" "{\"path\":\"$ok_dir/report.html\",\"run_id\":\"$ok_id\"}" "--json: path and run id"
page="$ok_dir/report.html"
expect_eq "$(stat -c %a "$page")" 600 "the report is private"
html=$(cat "$page")
expect_eq "$(grep -ciE 'https?://|src=|<script|<link|<img|@import|@font-face' "$page" || true)" 0 "nothing loaded from elsewhere"
expect_eq "$(grep -o 'url([^)]*)' "$page" | sort -u | tr '\n' ' ')" "url(#arrow) " "only the page's own arrow marker"
expect_contains "$html" "default-src 'none'" "a policy that forbids loading anything"
expect_contains "$html" "<h1>Orders &lt;A&amp;B&gt; export" "the pipeline name, escaped"
expect_not_contains "$html" "<A&B>" "never raw"
for s in read csv customers copy; do
    expect_contains "$html" "<g class=\"step success\" data-step=\"$s\">" "a DAG box for $s"
    expect_contains "$html" "<rect class=\"bar success\" data-step=\"$s\"" "a timeline bar for $s"
    expect_contains "$html" "<tr data-step=\"$s\">" "a table row for $s"
done
expect_eq "$(grep -c 'class="edge"' "$page")" 2 "an edge per need"
expect_contains "$html" "<dt>Rows written</dt><dd>1,999</dd>" "rows written, grouped"
expect_contains "$html" "<td class=\"num\">1,499</td>" "rows per step"
expect_contains "$html" "rows/s</td>" "throughput"
expect_contains "$html" "No step reported an error." "no errors"

# Printing for people; --out FILE and --out DIR.
run_osr logs html --last --base-path "$ws"
expect_eq "$OUT" "$page" "prints the path"
run_osr logs html --last --out "$TMP/copy.html" --base-path "$ws"
expect_eq "$RC:$OUT" "0:$TMP/copy.html" "--out FILE"
expect_eq "$(stat -c %a "$TMP/copy.html")" 600 "--out is private too"
mkdir "$TMP/reports"
run_osr logs html --run "$ok_id" --out reports --base-path "$ws" --json
expect_eq "$(jq -r .path <<<"$OUT")" "$TMP/reports/$ok_id.html" "--out DIR: <run_id>.html inside"

# A failed run: the first extractor fails on a query with '<', the rest is skipped.
sed -i 's/WHERE id < 1500/WHERE < 1500/' "$ws/pipelines/orders.yaml"
run_osr run "$ws/pipelines/orders.yaml" --base-path "$ws" --json
expect_eq "$RC" 1 "the run fails"
bad_id=$(jq -r .run_id <<<"$OUT")
bad_dir=$(jq -r .run_dir <<<"$OUT")
expect_contains "$(jq -r .error.message <<<"$OUT")" 'near "<"' "SQLite's message has a '<'"
run_osr logs html --run "$bad_id" --base-path "$ws" --json
expect_eq "$RC" 0 "a failed run has a report: $ERR"
bad_page="$bad_dir/report.html"
bad=$(cat "$bad_page")
expect_contains "$bad" "class=\"badge failed\" id=\"run-status\">failed<" "status failed"
expect_contains "$bad" "<g class=\"step failed\" data-step=\"read\">" "the failed step"
for s in csv customers copy; do
    expect_contains "$bad" "<g class=\"step skipped\" data-step=\"$s\">" "$s skipped in the DAG"
    expect_contains "$bad" "<tr data-step=\"$s\"><td>$s</td>" "$s in the table"
done
expect_contains "$bad" "skipped: never started" "the timeline says a skipped step never ran"
expect_contains "$bad" "the query is not valid here: near &quot;&lt;&quot;: syntax error</pre>" "the error, escaped"
expect_not_contains "$bad" 'near "<"' "never raw"
expect_eq "$(grep -ciE 'https?://|src=' "$bad_page" || true)" 0 "nothing from elsewhere"

# Bad input and missing records.
run_osr logs html --base-path "$ws" --json
expect_eq "$RC:$(jq -r .error.code <<<"$OUT")" "2:CLI/MISSING_OPTION" "which run?"
run_osr logs html --run run-000000000000 --base-path "$ws" --json
expect_eq "$RC:$(jq -r .error.code <<<"$OUT")" "2:LOGS/NOT_FOUND" "an unknown run"
run_osr logs html --run "$ok_id" --out "$TMP/no/such/dir/r.html" --base-path "$ws" --json
expect_eq "$RC:$(jq -r .error.code <<<"$OUT")" "1:LOGS/HTML" "an --out that cannot be written"
mv "$ok_dir" "$TMP/moved"
run_osr logs html --run "$ok_id" --base-path "$ws" --json
expect_eq "$RC:$(jq -r .error.code <<<"$OUT")" "2:LOGS/MISSING" "a run directory removed by hand"
expect_contains "$(jq -r .error.message <<<"$OUT")" "does not exist" "says so"
mv "$TMP/moved" "$ok_dir"
run_osr logs html --help
expect_contains "$OUT" "self-contained HTML page" "--help"

# Rendered by a real browser.
if ! command -v chromium >/dev/null 2>&1; then
    fail "chromium is not installed (scripts/setup installs it)"
    finish
fi
export HOME="$TMP"
browse() { # browse OUTPUT-FLAG PAGE: headless Chromium with a profile of its own
    timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --user-data-dir="$TMP/chromium" --window-size=1280,900 "$1" "file://$2" 2>>"$TMP/chromium.log"
}
# png_check FILE R,G,B : the PNG's size, its number of colours, and whether it holds the
# colour (python3's zlib and struct only: the rows are unfiltered as PNG defines).
png_check() {
    python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
want = tuple(int(x) for x in sys.argv[2].split(","))
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0], "bad CRC"
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG format %r" % (hdr,)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, i = bytearray(stride), set(), 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    colours.update(bytes(line[x:x + 3]) for x in range(0, stride, bpp))
    prev = line
print(w, h, len(colours), "yes" if bytes(want) in colours else "no")
PY
}
for case in "ok:$page:30,142,62" "bad:$bad_page:217,48,37"; do
    IFS=: read -r name file colour <<<"$case"
    browse --screenshot="$TMP/$name.png" "$file" >/dev/null || fail "chromium screenshot of $name: $(tail -3 "$TMP/chromium.log")"
    read -r w h n has <<<"$(png_check "$TMP/$name.png" "$colour" || echo "x x 0 no")"
    expect_eq "$w x $h" "1280 x 900" "$name: a screenshot of the window's size"
    [ "$n" -gt 50 ] && ok || fail "$name: the screenshot is (nearly) one flat colour: $n colours"
    expect_eq "$has" yes "$name: the status colour $colour is on the screen"
    dom=$(browse --dump-dom "$file") || fail "chromium --dump-dom of $name"
    expect_contains "$dom" '<svg class="dag" id="dag"' "$name: the DAG is in the DOM"
    expect_contains "$dom" '<svg class="timeline" id="timeline"' "$name: the timeline too"
    expect_contains "$dom" 'data-step="customers"><title>customers (sqlite.extractor)' "$name: a step box with its tooltip"
    expect_eq "$(grep -o '<g class="step [a-z]*" data-step=' <<<"$dom" | wc -l)" 4 "$name: four step boxes"
done
finish
