#!/usr/bin/env bash
# The whole test suite, real-client checks included. Installs what the tests
# drive when it is missing — LibreOffice with the Liberation fonts, poppler,
# qpdf, xmllint, Chromium and chromedriver from Debian; python-docx and
# openxml-audit from PyPI — then runs `cargo test --release`.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
# Calc writes the workbooks the table tests read (CSV → XLSX and ODS).
dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || dpkg -s libreoffice-calc >/dev/null 2>&1 \
    || missing+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
# The preview page is tested in a real browser: Debian's Chromium driven
# through its chromedriver (one apt command, so their versions match).
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    missing+=(chromium chromium-driver)
fi
# LibreOffice lays the DOCX files out in Liberation Serif, the font the PDF
# embeds (it stands in for the Times New Roman the files name); with another
# font the lines break elsewhere and the text comparison fails.
fc-list 2>/dev/null | grep -q "Liberation Serif" || missing+=(fonts-liberation2)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (Debian)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -c 'import docx, openpyxl' >/dev/null 2>&1 || ! command -v openxml-audit >/dev/null 2>&1; then
    echo "installing tests/requirements.txt (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
fi

exec cargo test --release --locked "$@"
