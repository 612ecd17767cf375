#!/usr/bin/env bash
# Renders the README's pictures of the report from the sample's PDF.
# Needs poppler-utils (pdftoppm). Run from anywhere: scripts/readme-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SOURCE_DATE_EPOCH=1641340800 go run ./cmd/innoreport build -out "$tmp" >/dev/null
pdftoppm -png -r 60 -f 1 -l 7 "$tmp/neijiang-2021-report.pdf" "$tmp/page"
mkdir -p docs/images
for f in "$tmp"/page-*.png; do
  n=$(basename "$f" .png); n=${n#page-}; n=$((10#$n))
  cp "$f" "docs/images/report-page-$n.png"
done
ls docs/images
