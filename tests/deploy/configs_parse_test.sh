#!/usr/bin/env bash
# Every configuration shipped in deploy/configs resolves (keys known, values in range), so a key
# renamed in the schema cannot leave a shipped configuration broken until someone runs it; and a
# misspelt key is refused, so the check itself can fail.
#
#   configs_parse_test.sh MICON PROJECT_DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 MICON PROJECT_DIR"; exit 2; }
micon=$1
project=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
resolve() {
  "$micon" train --config "$1" --set data.dataset="$out/none" --set run.dir="$out/run" \
    --print-config > "$out/resolved.yaml" 2> "$out/err.txt"
}
count=0
for config in "$project"/deploy/configs/*.yaml; do
  resolve "$config" || fail "$config does not resolve: $(cat "$out/err.txt")"
  grep -q "^train:" "$out/resolved.yaml" || fail "$config: no resolved configuration printed"
  count=$((count + 1))
done
sed 's/^  batch_size:/  batch_sise:/' "$project/deploy/configs/demo.yaml" > "$out/typo.yaml"
if resolve "$out/typo.yaml"; then fail "a misspelt key was accepted"; fi
grep -q "batch_sise" "$out/err.txt" || fail "the error does not name the key: $(cat "$out/err.txt")"
echo "PASS: $count shipped configurations resolve; a misspelt key is refused"
