#!/usr/bin/env bash
# scripts/fetch-data.sh: put the dataset files entroscape reads into DATA_DIR (task.data_dir),
# taken from Debian packages with `apt-get download` + `dpkg-deb -x` (nothing is installed).
# Idempotent and silent when every file is there already.
#
# Usage: scripts/fetch-data.sh [DATA_DIR] [SET...]
#   DATA_DIR  default: data/ in this repository
#   SET       sklearn | fashion-mnist | text (default: all three)
#
#   sklearn        python3-sklearn      -> sklearn/boston_house_prices.csv, breast_cancer.csv,
#                                          digits.csv.gz  (from sklearn/datasets/data/)
#   fashion-mnist  dataset-fashion-mnist -> fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
#   text           bible-kjv-text + bible-kjv -> text/kjv.txt: the King James Bible, one verse
#                  a line, decompressed by the package's own `bible` program, verse references
#                  removed
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/data}
[ $# -gt 0 ] && shift
sets=("$@")
[ ${#sets[@]} -eq 0 ] && sets=(sklearn fashion-mnist text)

files_of() {
  case "$1" in
    sklearn) echo sklearn/boston_house_prices.csv sklearn/breast_cancer.csv sklearn/digits.csv.gz ;;
    fashion-mnist) echo fashion-mnist/train-images-idx3-ubyte.gz fashion-mnist/train-labels-idx1-ubyte.gz \
                        fashion-mnist/t10k-images-idx3-ubyte.gz fashion-mnist/t10k-labels-idx1-ubyte.gz ;;
    text) echo text/kjv.txt ;;
    *) echo "fetch-data: unknown set '$1' (sets: sklearn, fashion-mnist, text)" >&2; exit 2 ;;
  esac
}

todo=()
for s in "${sets[@]}"; do
  for f in $(files_of "$s"); do
    if [ ! -s "$dir/$f" ]; then todo+=("$s"); break; fi
  done
done
[ ${#todo[@]} -eq 0 ] && exit 0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/entroscape-fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# apt-get download as root hands the download to the _apt user: let it write here (otherwise
# apt warns that the download is performed unsandboxed).
chmod 755 "$tmp"
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi

updated=0
apt_update() {
  [ $updated -eq 1 ] && return 1
  updated=1
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq
  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq
  else return 1
  fi
}

# download PKG...: the .deb files into $tmp (runs `apt-get update` once if apt has no lists).
download() {
  if ! (cd "$tmp" && apt-get download -q "$@") >"$tmp/apt.log" 2>&1; then
    if ! { apt_update >>"$tmp/apt.log" 2>&1 && (cd "$tmp" && apt-get download -q "$@") >"$tmp/apt.log" 2>&1; }; then
      cat "$tmp/apt.log" >&2
      echo "fetch-data: could not download $* with apt-get" >&2
      exit 1
    fi
  fi
}

# extract PKG: unpack its .deb into $tmp/x/PKG and print that directory.
extract() {
  local deb
  deb=$(ls "$tmp/$1"_*.deb)
  mkdir -p "$tmp/x/$1"
  dpkg-deb -x "$deb" "$tmp/x/$1"
  echo "$tmp/x/$1"
}

# put SRC DEST: copy atomically into $dir/DEST.
put() {
  mkdir -p "$(dirname "$dir/$2")"
  cp "$1" "$dir/$2.tmp.$$"
  chmod 644 "$dir/$2.tmp.$$"
  mv -f "$dir/$2.tmp.$$" "$dir/$2"
}

# find_one ROOT NAME: the single file called NAME under ROOT.
find_one() {
  local f
  f=$(find "$1" -type f -name "$2" | head -n 1)
  [ -n "$f" ] || { echo "fetch-data: $2 not found in the package (has its layout changed?)" >&2; exit 1; }
  echo "$f"
}

for s in "${todo[@]}"; do
  case "$s" in
    sklearn)
      download python3-sklearn
      x=$(extract python3-sklearn)
      for f in boston_house_prices.csv breast_cancer.csv digits.csv.gz; do
        put "$(find_one "$x" "$f")" "sklearn/$f"
      done
      echo "fetch-data: $dir/sklearn: boston_house_prices.csv, breast_cancer.csv, digits.csv.gz (python3-sklearn)" ;;
    fashion-mnist)
      download dataset-fashion-mnist
      x=$(extract dataset-fashion-mnist)
      for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
        put "$(find_one "$x" "$f")" "fashion-mnist/$f"
      done
      echo "fetch-data: $dir/fashion-mnist: 4 IDX files (dataset-fashion-mnist)" ;;
    text)
      download bible-kjv bible-kjv-text
      x=$(extract bible-kjv)
      y=$(extract bible-kjv-text)
      data=$(find_one "$y" bible.data)
      libs=""
      if ldd "$x/usr/bin/bible" 2>/dev/null | grep -q 'not found'; then
        # The program needs libreadline8 (and libtinfo6); unpack them beside it if missing.
        download libreadline8 libtinfo6
        r=$(extract libreadline8); t=$(extract libtinfo6)
        libs="$r/lib/x86_64-linux-gnu:$r/usr/lib/x86_64-linux-gnu:$t/lib/x86_64-linux-gnu:$t/usr/lib/x86_64-linux-gnu"
        libs="$libs:$(dirname "$(find "$r" -name 'libreadline.so.8*' | head -n 1)")"
      fi
      # -f turns pretty-printing off: one verse a line, "Ge1:1 In the beginning ...".
      LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$x/usr/bin/bible" -f -p "$(dirname "$data")" gen1:1-rev22:21 </dev/null >"$tmp/kjv.raw"
      sed 's/^[^ ]* //' "$tmp/kjv.raw" >"$tmp/kjv.txt"
      lines=$(wc -l <"$tmp/kjv.txt")
      if [ "$lines" -ne 31102 ] || [ "$(head -c 16 "$tmp/kjv.txt")" != "In the beginning" ]; then
        echo "fetch-data: the decompressed Bible has $lines lines, expected 31102 verses" >&2
        exit 1
      fi
      put "$tmp/kjv.txt" text/kjv.txt
      echo "fetch-data: $dir/text/kjv.txt: King James Bible, 31102 verses (bible-kjv-text)" ;;
  esac
done
