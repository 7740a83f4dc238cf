#!/usr/bin/env bash
# Retention (filesystem.retention): after each run, the run directories of that pipeline
# older than run_logs_days and its AI Operation Packages beyond the newest
# aiop_keep_runs_per_pipeline are removed; the run just written, other pipelines, other
# directories and whatever symbolic links point at stay; dry runs remove nothing; 0 keeps
# everything. The index keeps every run, and `logs show|aiop|html` of a pruned run say
# that retention removed it.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ws=$(new_ws ws)
mkdir -p "$ws/pipelines"
for name in daily other; do
    cat >"$ws/pipelines/$name.yaml" <<YAML
oml_version: "0.1.0"
name: $name
steps:
  - {id: read, component: sqlite.extractor, mode: read, config: {connection: "@sqlite.demo", table: products}}
  - {id: csv, component: filesystem.csv_writer, mode: write, needs: [read], config: {path: output/$name.csv}}
YAML
done
set_retention() { # set_retention DAYS KEEP
    sed -i -e "s/^    run_logs_days: .*/    run_logs_days: $1/" \
        -e "s/^    aiop_keep_runs_per_pipeline: .*/    aiop_keep_runs_per_pipeline: $2/" "$ws/osiris.yaml"
}
set_retention 2 3
run_osr validate --base-path "$ws" --json
expect_eq "$RC" 0 "tiny limits are valid: $OUT"

ids=()
dirs=()
run_pipeline() { # run_pipeline NAME [ARGS]: sets ID and DIR
    run_osr run "$ws/pipelines/$1.yaml" --base-path "$ws" --json "${@:2}"
    expect_eq "$RC" 0 "run $1: $ERR"
    ID=$(jq -r .run_id <<<"$OUT")
    DIR=$(jq -r .run_dir <<<"$OUT")
}
for i in 1 2 3; do
    run_pipeline daily
    ids+=("$ID")
    dirs+=("$DIR")
done
run_pipeline other
other_dir=$DIR
other_id=$ID
logs="$ws/run_logs/dev/daily"
aiop="$ws/aiop/daily"
expect_eq "$(ls "$logs" | wc -l):$(ls "$aiop" | wc -l)" "3:3" "within the limits nothing goes"

# Age the records: run 1 three days old, run 2 one day, the other pipeline ten days; the
# packages an hour apart, oldest first.
touch -d '3 days ago' "${dirs[0]}"
touch -d '1 day ago' "${dirs[1]}"
touch -d '10 days ago' "$other_dir"
for i in 0 1 2; do touch -d "$((5 - i)) hours ago" "$aiop/${ids[$i]}"; done
# Things retention must leave: a directory of another shape, a link to a directory outside
# the run logs that looks like a run directory, and in an old run directory a link to a
# file outside (the link goes, the file stays).
mkdir -p "$logs/notes" "$TMP/outside/20200101T000000Z_run-0123456789ab"
echo keep >"$TMP/outside/precious.txt"
ln -s "$TMP/outside/20200101T000000Z_run-0123456789ab" "$logs/20200101T000000Z_run-0123456789ab"
ln -s "$TMP/outside/precious.txt" "${dirs[0]}/link.txt"
touch -d '30 days ago' "$logs/notes"
touch -h -d '30 days ago' "$logs/20200101T000000Z_run-0123456789ab"
touch -d '30 days ago' "${dirs[0]}"

# A dry run removes nothing.
run_pipeline daily --dry-run
expect_eq "$(ls "$logs" | wc -l)" 5 "a dry run applies no retention"

run_pipeline daily
ids+=("$ID")
dirs+=("$DIR")
expect_eq "$(test -e "${dirs[0]}" && echo kept || echo removed)" removed "the run older than 2 days is removed"
for i in 1 2 3; do
    expect_eq "$(test -d "${dirs[$i]}" && echo kept || echo removed)" kept "run $((i + 1)) is kept"
done
expect_eq "$(test -d "$other_dir" && echo kept || echo removed)" kept "another pipeline's runs are not touched"
expect_eq "$(ls "$aiop" | sort | tr '\n' ' ')" "$(printf '%s\n' "${ids[@]:1}" | sort | tr '\n' ' ')" "the oldest package goes, 3 stay"
expect_eq "$(ls "$ws/aiop/other")" "$other_id" "another pipeline's package stays"
expect_eq "$(cat "$TMP/outside/precious.txt")" keep "a link in a removed run: the target stays"
expect_eq "$(test -d "$logs/notes" && test -L "$logs/20200101T000000Z_run-0123456789ab" && echo kept)" kept \
    "other directories and links are left alone"
expect_eq "$(ls "$TMP/outside" | wc -l)" 2 "nothing outside is removed"

# The index keeps every run; retention.jsonl says what went and why.
expect_eq "$(jq -r 'select(.pipeline == "daily") | .run_id' "$ws/.osiris/index/runs.jsonl" | wc -l)" 4 "the index is history"
pruned="$ws/.osiris/index/retention.jsonl"
expect_eq "$(stat -c %a "$pruned")" 600 "retention.jsonl is private"
expect_eq "$(jq -sc 'map([.run_id, .removed]) | sort' "$pruned")" \
    "$(jq -nc --arg r "${ids[0]}" '[[$r, "aiop"], [$r, "run_logs"]]')" "one line per removal"
run_osr logs list --pipeline daily --base-path "$ws" --json
expect_eq "$(jq -r '.count' <<<"$OUT")" 4 "logs list still shows the pruned run"

# logs show|aiop|html of the pruned run say that retention removed it.
run_osr logs show --run "${ids[0]}" --base-path "$ws"
expect_eq "$RC" 2 "logs show of a pruned run: exit 2"
expect_contains "$ERR" "the logs of run ${ids[0]} (daily, started" "names the run"
expect_contains "$ERR" "were removed by retention on" "says retention removed them"
expect_contains "$ERR" "older than 2 days (filesystem.retention.run_logs_days)" "and why"
run_osr logs show --run "${ids[0]}" --base-path "$ws" --json
expect_eq "$(jq -r .error.code <<<"$OUT")" LOGS/PRUNED "--json: LOGS/PRUNED"
run_osr logs aiop --run "${ids[0]}" --base-path "$ws" --json
expect_eq "$RC:$(jq -r .error.code <<<"$OUT")" 2:LOGS/PRUNED "logs aiop of a pruned package"
expect_contains "$(jq -r .error.message <<<"$OUT")" "aiop_keep_runs_per_pipeline" "says which limit"
run_osr logs html --run "${ids[0]}" --base-path "$ws" --json
expect_eq "$RC:$(jq -r .error.code <<<"$OUT")" 2:LOGS/PRUNED "logs html of a pruned run"
run_osr logs show --run "${ids[1]}" --base-path "$ws" --json
expect_eq "$RC" 0 "a kept run shows as before"

# The run just written is never removed, even when another package looks newer.
set_retention 2 1
touch -d 'tomorrow' "$aiop/${ids[1]}"
run_pipeline daily
expect_eq "$(ls "$aiop")" "$ID" "keep 1: the new run's package, never another"
expect_eq "$(test -d "$DIR" && echo kept)" kept "its run directory"

# 0 keeps everything.
set_retention 0 0
touch -d '400 days ago' "${dirs[1]}"
before=$(ls "$logs" | wc -l)
run_pipeline daily
expect_eq "$(ls "$logs" | wc -l)" "$((before + 1))" "run_logs_days 0: nothing removed"
expect_eq "$(ls "$aiop" | wc -l)" 2 "aiop_keep_runs_per_pipeline 0: no limit"
finish
