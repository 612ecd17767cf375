#!/usr/bin/env bash
# Renders the README's pictures from the sample: the PDF report's pages,
# the Word report's pages and the updated workbook's own sheets as
# LibreOffice prints them. Needs poppler-utils (pdftoppm),
# libreoffice-calc-nogui and libreoffice-writer-nogui (soffice).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SOURCE_DATE_EPOCH=1641340800 go run ./cmd/innoreport build -out "$tmp" >/dev/null 2>&1
mkdir -p docs/images
pdftoppm -png -r 60 -f 1 -l 7 "$tmp/neijiang-2021-report.pdf" "$tmp/page"
for f in "$tmp"/page-*.png; do
  n=$(basename "$f" .png); n=${n#page-}; n=$((10#$n))
  cp "$f" "docs/images/report-page-$n.png"
done
# The vendored font made visible to LibreOffice for the Chinese of the
# updated workbook and the Word report (a bureau's PC has the office fonts
# themselves; without it here every Han character printed as a box).
cat >"$tmp/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>$PWD/report/pdf/font</dir>
  <cachedir>$tmp/fccache</cachedir>
</fontconfig>
EOF
FONTCONFIG_FILE="$tmp/fonts.conf" soffice --headless -env:UserInstallation="file://$tmp/profile" --convert-to pdf --outdir "$tmp" \
  "$tmp/neijiang-2021-updated.xlsx" >/dev/null 2>&1
book="$tmp/neijiang-2021-updated.pdf"
pages=$(pdfinfo "$book" | awk '/^Pages:/ {print $2}')
# innoreport's three sheets come last, one page each.
pdftoppm -png -r 70 -f $((pages - 2)) -l $((pages - 2)) -singlefile "$book" docs/images/workbook-summary
pdftoppm -png -r 70 -f $((pages - 1)) -l $((pages - 1)) -singlefile "$book" docs/images/workbook-indicators
pdftoppm -png -r 70 -f "$pages" -l "$pages" -singlefile "$book" docs/images/workbook-findings
mkdir "$tmp/word"
FONTCONFIG_FILE="$tmp/fonts.conf" soffice --headless -env:UserInstallation="file://$tmp/profile" --convert-to pdf \
  --outdir "$tmp/word" "$tmp/neijiang-2021-report.docx" >/dev/null 2>&1
pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$tmp/word/neijiang-2021-report.pdf" docs/images/docx-page-1
pdftoppm -png -r 60 -f 2 -l 2 -singlefile "$tmp/word/neijiang-2021-report.pdf" docs/images/docx-page-2
ls docs/images
