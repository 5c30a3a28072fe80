#!/usr/bin/env bash
# The racing-against-exhaustive table of docs/plan.md ("Measured"): each plan run by `ecsim plan` (racing)
# and by `ecsim plan --exhaustive` into fresh folders, then one Markdown row per plan:
#
#   scripts/plan-racing.sh [ECSIM_BINARY] [PLAN...]   (default: target/release/ecsim; plans/nasa-web.toml,
#                                                      plans/nasa-fargate-week.toml, plans/nasa-ec2-3d.toml)
#
# runs: the runs each search spent (summary.txt's first line); recommendation: the id each chose; cost
# difference: what the exhaustive search measured for racing's choice against its own choice, per 730-h
# month (0 % when both chose the same candidate); verdict: whether each found something feasible; time:
# CPU seconds (user + system) and wall seconds of each command (/usr/bin/time), on however many cores
# rayon uses (all by default). Needs bash, awk, python3 and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/ecsim}
shift || true
plans=("$@")
if [ ${#plans[@]} -eq 0 ]; then
  plans=(plans/nasa-web.toml plans/nasa-fargate-week.toml plans/nasa-ec2-3d.toml)
fi
if [ ! -x "$bin" ]; then
  cargo build --release --locked
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The comparison of the two folders, from plan.csv (Python's csv module: reasons hold commas) and
# summary.txt: runs, recommendations, cost difference, verdicts, and the check of the assumed rules: the
# candidates racing pruned by an assumed (monotone) rule, and how many of them exhaustive found feasible
# and cheaper than racing's recommendation (must be 0), feasible at all (latency rules), or cheaper than
# the candidate that pruned them (cost rules).
compare() {
  python3 - "$1" "$2" <<'PY'
import csv, re, sys

def load(d):
    rows = {r["id"]: r for r in csv.DictReader(open(d + "/plan.csv"))}
    first = open(d + "/summary.txt").readline()
    runs = int(re.search(r"; (\d+) runs \(", first).group(1))
    rec = None
    for line in open(d + "/summary.txt"):
        m = re.match(r"recommendation: (c\d+) ", line)
        if m:
            rec = m.group(1)
    return rows, runs, rec

r, rruns, rrec = load(sys.argv[1])
e, eruns, erec = load(sys.argv[2])
cost = lambda row: float(row["cost_month_usd"]) if row["cost_month_usd"] else float("inf")
if rrec and erec:
    diff = "%+.2f %%" % ((cost(e[rrec]) - cost(e[erec])) / cost(e[erec]) * 100)
else:
    diff = "–"
ref = cost(e[rrec]) if rrec else float("inf")
verdicts = assumed = miss = lat_feasible = dearer = 0
for i, a in r.items():
    b = e[i]
    if a["status"] in ("feasible", "infeasible") and a["status"] != b["status"]:
        verdicts += 1
    lat = re.search(r"\((larger-task|lower-target|higher-min);", a["reason"])
    cm = re.match(r"pruned: (lower-target-costlier|higher-min-costlier) \(assumed\): .*? than (c\d+) ", a["reason"])
    if a["status"] != "pruned" or not (lat or cm):
        continue
    assumed += 1
    miss += b["status"] == "feasible" and cost(b) < ref
    lat_feasible += bool(lat) and b["status"] == "feasible"
    dearer += bool(cm) and cost(b) < cost(e[cm.group(2)])
yes = lambda x: "yes" if x else "no"
print(f"{len(e)} | {rruns} | {eruns} | {eruns / rruns:.1f}× | {rrec or 'none'} | {erec or 'none'} | {diff} | "
      f"{yes(rrec)} / {yes(erec)} | {verdicts} | {assumed}: {miss} / {lat_feasible} / {dearer}")
PY
}

echo "| plan | candidates | runs: racing | runs: exhaustive | fewer | recommendation: racing | recommendation: exhaustive | cost difference | feasible: racing / exhaustive | verdicts differing | pruned by an assumed rule: feasible & cheaper / feasible (latency rules) / cheaper than the pruner (cost rules) | CPU s (wall s): racing | CPU s (wall s): exhaustive |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for plan in "${plans[@]}"; do
  name=$(basename "$plan" .toml)
  for mode in racing exhaustive; do
    flag=()
    [ "$mode" = exhaustive ] && flag=(--exhaustive)
    /usr/bin/time -f "%U %S %e" -o "$tmp/$name-$mode.time" \
      "$bin" plan "$plan" "${flag[@]}" --out "$tmp/$name-$mode" >"$tmp/$name-$mode.out" 2>"$tmp/$name-$mode.err" || {
      echo "ecsim plan $plan ${flag[*]} failed:" >&2
      cat "$tmp/$name-$mode.err" >&2
      exit 1
    }
  done
  r="$tmp/$name-racing"
  e="$tmp/$name-exhaustive"
  t() { awk '{ printf "%.1f (%.1f)", $1 + $2, $3 }' "$1"; }
  echo "| \`$plan\` | $(compare "$r" "$e") | $(t "$tmp/$name-racing.time") | $(t "$tmp/$name-exhaustive.time") |"
done
