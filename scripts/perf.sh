#!/usr/bin/env bash
# Measures check and build against the floor (excelize opening the file and
# iterating every row) at 39, 2,000, 20,000 and 100,000 tasks, their peak
# memory, and what a clerk would do instead (LibreOffice converting the
# workbook to PDF), then rewrites the table in README.md between the
# perf markers. Needs GNU time (/usr/bin/time) and soffice.
# Usage: scripts/perf.sh [benchtime, default 3x]
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-3x}
dir=${INNOREPORT_BENCH_DIR:-/tmp/innoreport-bench}
mkdir -p "$dir"
export INNOREPORT_BENCH_DIR=$dir
sizes="39 2000 20000 100000"
for n in $sizes; do
  f="$dir/tasks-$n.xlsx"
  [ -f "$f" ] && continue
  if [ "$n" = 39 ]; then cp samples/neijiang-2021.xlsx "$f"
  else go run ./samples/gen -tasks "$n" -indicators $((n / 50)) -o "$f" >/dev/null; fi
done
bin=$(mktemp -d)/innoreport
go build -o "$bin" ./cmd/innoreport
bench=$(mktemp)
go test ./cmd/innoreport -run '^$' -bench 'Floor|Check|Build' -benchtime "$benchtime" -count 1 -timeout 60m | tee "$bench" >&2
ns() { awk -v k="Benchmark$1/tasks=$2-" 'index($1, k) == 1 {print $3}' "$bench"; }
rss() { /usr/bin/time -f %M "$@" >/dev/null 2>"$bin.time" || true; tail -1 "$bin.time"; }
out=$(mktemp -d)
table="| tasks | floor | check | build | check ÷ floor | build ÷ floor | check µs/task | check peak | build peak | LibreOffice → PDF | LibreOffice peak |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $sizes; do
  f="$dir/tasks-$n.xlsx"
  fl=$(ns Floor "$n"); ch=$(ns Check "$n"); bu=$(ns Build "$n")
  crss=$(rss "$bin" check -fail-on never "$f")
  brss=$(rss "$bin" build -out "$out" "$f")
  start=$(date +%s.%N)
  lrss=$(rss timeout 600 soffice --headless -env:UserInstallation="file://$out/lo" --convert-to pdf --outdir "$out" "$f")
  lo=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
  if [ ! -f "$out/tasks-$n.pdf" ]; then lo="> 600"; fi
  row=$(awk -v n="$n" -v fl="$fl" -v ch="$ch" -v bu="$bu" -v c="$crss" -v b="$brss" -v lo="$lo" -v l="$lrss" 'BEGIN {
    printf "| %d | %.2f s | %.2f s | %.2f s | %.2f× | %.2f× | %.1f | %d MB | %d MB | %s s | %d MB |",
      n, fl/1e9, ch/1e9, bu/1e9, ch/fl, bu/fl, ch/1e3/n, c/1024, b/1024, lo, l/1024 }')
  table="$table
$row"
done
echo "$table"
python3 - "$table" <<'PY'
import re, sys
readme = open("README.md").read()
new = "<!-- perf:start -->\n" + sys.argv[1] + "\n<!-- perf:end -->"
readme = re.sub(r"<!-- perf:start -->.*?<!-- perf:end -->", lambda m: new, readme, flags=re.S)
open("README.md", "w").write(readme)
PY
