#!/usr/bin/env bash
# Measures check and build against three floors — excelize opening the file
# and iterating every row, a bare encoding/xml RawToken pass over every XML
# part, and inflating those parts and scanning their bytes once — at 39 to
# 1,000,000 tasks, their peak memory, and, on the 39- and 20,000-task
# workbooks, the same job done by a Python script (scripts/pyreport.py:
# openpyxl + ReportLab) and by LibreOffice converting the workbook to PDF,
# all in one run; then rewrites the tables in README.md between the perf
# markers. Needs bash 5 (EPOCHREALTIME), GNU time (/usr/bin/time), soffice,
# /usr/bin/python3 with python3-openpyxl, python3-reportlab and
# python3-renderpm. A command that fails stops the script before README.md
# is touched, its error output shown.
# Usage: scripts/perf.sh [benchtime for the small sizes, default 3x]
# INNOREPORT_PERF_SIZES overrides the sizes ("39 2000 20000 100000 500000
# 1000000"); sizes of 500,000 and more are benchmarked one run at a time
# (-benchtime 1x), three times, and their median taken: one run of the
# million-task build moved by a tenth from one perf.sh run to the next.
# A run over other sizes prints its tables and leaves README.md alone, so
# that a partial run never replaces the published one.
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-3x}
dir=${INNOREPORT_BENCH_DIR:-/tmp/innoreport-bench}
mkdir -p "$dir"
export INNOREPORT_BENCH_DIR=$dir
all="39 2000 20000 100000 500000 1000000"
sizes=${INNOREPORT_PERF_SIZES:-$all}
small="" big=""
for n in $sizes; do
  if [ "$n" -ge 500000 ]; then big="$big,$n"; else small="$small,$n"; fi
  f="$dir/tasks-$n.xlsx"
  [ -f "$f" ] && continue
  if [ "$n" = 39 ]; then cp samples/neijiang-2021.xlsx "$f"
  else go run ./samples/gen -tasks "$n" -indicators $((n / 50)) -o "$f" >/dev/null; fi
done
bin=$(mktemp -d)/innoreport
# Static, as the README builds it: without cgo (which only net's resolver
# would use) no dynamic loader runs at each start, about 10 ms here.
CGO_ENABLED=0 go build -o "$bin" ./cmd/innoreport
bench=$(mktemp)
runbench() { # sizes benchtime count
  [ -z "$1" ] && return 0
  INNOREPORT_BENCH_SIZES=${1#,} go test ./cmd/innoreport -run '^$' -bench 'Floor|RawToken|InflateScan|Check/|Build/' \
    -benchtime "$2" -count "$3" -timeout 180m | tee -a "$bench" >&2
}
runbench "$small" "$benchtime" 1
runbench "$big" 1x 3
# ns NAME SIZE: the benchmark's ns/op, the median of its runs.
ns() {
  awk -v k="Benchmark$1/tasks=$2-" 'index($1, k) == 1 {print $3}' "$bench" | LC_ALL=C sort -g |
    awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'
}
out=$(mktemp -d)
# As in bench_test.go: 500,000 tasks unpack to 490 MB, over the default limit.
lim="-max-unzip-mb 8192 -max-seconds 3600"
# peak CMD...: peak KB of one run under GNU time, into $kb.
peak() {
  /usr/bin/time -f %M -o "$out/time" "$@" >/dev/null 2>"$out/err" || failed "$@"
  kb=$(tail -1 "$out/time")
}
# wall CMD...: wall seconds of one run, into $secs. The shell starts the
# command itself and reads its own clock (EPOCHREALTIME) on either side:
# with `date` and GNU time around it, their two extra processes were inside
# the interval, some 10 ms here, a sixth of a small build's whole time.
wall() {
  local s=${EPOCHREALTIME/,/.} e
  "$@" >/dev/null 2>"$out/err" || failed "$@"
  e=${EPOCHREALTIME/,/.}
  secs=$(echo "$e - $s" | bc)
}
# failed CMD...: a run that failed ends the measurement: its time or peak
# would go into the tables as if it had done the job.
failed() {
  echo "perf: $* failed:" >&2
  cat "$out/err" >&2
  exit 1
}
table="| tasks | excelize rows | RawToken | inflate + scan | check | build | check ÷ RawToken | build ÷ RawToken | check ÷ scan | check µs/task | build µs/task | check peak | build peak |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $sizes; do
  f="$dir/tasks-$n.xlsx"
  peak "$bin" check -fail-on never $lim "$f"; crss=$kb
  peak "$bin" build -out "$out" $lim "$f"; brss=$kb
  row=$(awk -v n="$n" -v fl="$(ns Floor "$n")" -v rt="$(ns RawToken "$n")" -v sc="$(ns InflateScan "$n")" \
    -v ch="$(ns Check "$n")" -v bu="$(ns Build "$n")" -v c="$crss" -v b="$brss" 'BEGIN {
    printf "| %d | %.2f s | %.2f s | %.3f s | %.2f s | %.2f s | %.2f× | %.2f× | %.1f× | %.1f | %.1f | %d MB | %d MB |",
      n, fl/1e9, rt/1e9, sc/1e9, ch/1e9, bu/1e9, ch/rt, bu/rt, ch/sc, ch/1e3/n, bu/1e3/n, c/1024, b/1024 }')
  table="$table
$row"
done
# Linearity: cost per task at the largest size against 20,000.
last=${sizes##* }
lin=$(awk -v n="$last" -v c1="$(ns Check 20000)" -v c2="$(ns Check "$last")" -v b1="$(ns Build 20000)" -v b2="$(ns Build "$last")" 'BEGIN {
  if (c1 == "" || c2 == "") exit
  printf "Cost per task at %d tasks ÷ at 20,000: check %.2f×, build %.2f×.", n, (c2/n)/(c1/20000), (b2/n)/(b1/20000) }')

# The same job three ways, each a fresh process timed on the wall clock:
# innoreport build, the Python script, LibreOffice → PDF. The 39-task
# workbook takes the median of 41 interleaved runs of the builds and the
# script: with 11, the ratio to Python moved between 14× and 18× from one
# run to the next on this machine. LibreOffice, five seconds a run and far
# from its goal, runs in every fourth of them, 11 in all.
# innoreport runs twice: as built by default (PDF, updated workbook, Word
# document, the period archived in SQLite), and making what the Python
# script makes (PDF and updated workbook, nothing archived), the build the
# ratios are taken of.
side="| tasks | innoreport build, all outputs | innoreport build, the script's outputs | Python (openpyxl + ReportLab) | LibreOffice → PDF | Python ÷ build | LibreOffice ÷ build | peaks (innoreport / Python / LibreOffice) |
|---:|---:|---:|---:|---:|---:|---:|---:|"
median() { tr ' ' '\n' | grep . | LC_ALL=C sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for n in 39 20000; do
  case " $sizes " in *" $n "*) ;; *) continue ;; esac
  f="$dir/tasks-$n.xlsx"
  reps=1; [ "$n" = 39 ] && reps=41
  as="" gs="" ps="" ls=""
  for i in $(seq $reps); do
    wall "$bin" build -out "$out/all" $lim "$f"; as="$as $secs"
    wall "$bin" build -formats pdf,xlsx -db none -out "$out/go" $lim "$f"; gs="$gs $secs"
    wall /usr/bin/python3 scripts/pyreport.py "$f" "$out/py"; ps="$ps $secs"
    if [ $(((i - 1) % 4)) = 0 ]; then
      wall timeout 900 soffice --headless -env:UserInstallation="file://$out/lo" --convert-to pdf --outdir "$out/lo-out" "$f"; ls="$ls $secs"
    fi
  done
  # Peaks from one more run each, under GNU time, outside the timed ones.
  peak "$bin" build -formats pdf,xlsx -db none -out "$out/go" $lim "$f"; gk=$kb
  peak /usr/bin/python3 scripts/pyreport.py "$f" "$out/py"; pk=$kb
  peak timeout 900 soffice --headless -env:UserInstallation="file://$out/lo" --convert-to pdf --outdir "$out/lo-out" "$f"; lk=$kb
  a=$(echo "$as" | median); g=$(echo "$gs" | median); p=$(echo "$ps" | median); l=$(echo "$ls" | median)
  row=$(awk -v n="$n" -v a="$a" -v g="$g" -v p="$p" -v l="$l" -v gk="$gk" -v pk="$pk" -v lk="$lk" 'BEGIN {
    printf "| %d | %.3f s | %.3f s | %.2f s | %.2f s | %.1f× | %.1f× | %d / %d / %d MB |", n, a, g, p, l, p/g, l/g, gk/1024, pk/1024, lk/1024 }')
  side="$side
$row"
done
when="Measured $(date -u +%Y-%m-%d) on $(nproc) shared cores, Go benchmarks -benchtime $benchtime (from 500,000 tasks the median of three single runs)."
echo "$table"; echo; echo "$lin"; echo; echo "$side"
if [ "$(echo $sizes)" != "$all" ]; then
  echo "perf: sizes \"$sizes\" are not the full set; README.md left as it was" >&2
  exit 0
fi
/usr/bin/python3 - "$table" "$lin" "$side" "$when" <<'PY'
import re, sys
table, lin, side, when = sys.argv[1:]
readme = open("README.md").read()
new = "<!-- perf:start -->\n" + table + "\n\n" + lin + "\n\n" + side + "\n\n" + when + "\n<!-- perf:end -->"
readme = re.sub(r"<!-- perf:start -->.*?<!-- perf:end -->", lambda m: new, readme, flags=re.S)
open("README.md", "w").write(readme)
PY
