#!/usr/bin/env bash
# config-table.sh [ENTROSCAPE]: print the README's configuration reference table (Markdown),
# generated from `entroscape run --help`, so that the README follows the option table in
# src/core/options.c. Usage: scripts/config-table.sh ./entroscape > /tmp/table.md
set -euo pipefail
bin=${1:-./entroscape}
"$bin" run --help | awk '
  /^\[[a-z]+\]$/ { sec = substr($0, 2, length($0) - 2); next }
  sec != "" && /^  [A-Za-z_]/ {
    key = $1; type = $2; def = $3
    allowed = $0
    sub(/^  [^ ]+ +[^ ]+ +[^ ]+ +/, "", allowed)
    if (allowed == $0) allowed = ""
    gsub(/\|/, "\\|", allowed)
    getline desc
    sub(/^ +/, "", desc)
    gsub(/\|/, "\\|", desc)
    if (n++ == 0) { print "| key | type | default | allowed | meaning |"; print "|---|---|---|---|---|" }
    printf "| `%s.%s` | %s | %s | %s | %s |\n", sec, key, type, def, allowed, desc
  }'
