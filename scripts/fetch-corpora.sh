#!/usr/bin/env bash
# Fetches public-domain English text from Debian packages for training and demos of the text
# subnet's miners: Bierce's Devil's Dictionary (dict-devil) and the Jargon File
# (jargon-text), both public domain. Writes OUT/devils-dictionary.txt, OUT/jargon.txt and
# OUT/corpus.txt (both concatenated). Needs apt-get (any Debian or Ubuntu machine).
#
#   bash scripts/fetch-corpora.sh [OUT]     # OUT defaults to target/corpora
#   taonet miner train --order 6 --corpus target/corpora/corpus.txt --out my.safetensors
set -euo pipefail

out="$(realpath -m "${1:-target/corpora}")"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
chmod 755 "$work"   # apt's sandbox user must be able to write here

apt-get download dict-devil jargon-text >/dev/null 2>&1 || {
    apt-get update -qq && apt-get download dict-devil jargon-text
}
for deb in ./*.deb; do dpkg-deb -x "$deb" root; done

gzip -dc root/usr/share/dictd/devil.dict.dz >"$out/devils-dictionary.txt"
gzip -dc "$(find root -name 'jargon.txt.gz' | head -n 1)" >"$out/jargon.txt"
cat "$out/devils-dictionary.txt" "$out/jargon.txt" >"$out/corpus.txt"
wc -c "$out"/*.txt
