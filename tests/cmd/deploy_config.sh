#!/usr/bin/env bash
# The shipped configuration files are valid: deploy/eveflow.yaml as it is, and every snippet
# of deploy/snippets (with a file input added where the snippet has none).
#   deploy_config.sh EVEFLOW_BINARY SOURCE_DIR
set -uo pipefail
BIN=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
"$BIN" --check-config -c "$SRC/deploy/eveflow.yaml" || { echo "FAIL deploy/eveflow.yaml"; fails=$((fails + 1)); }
for f in "$SRC"/deploy/snippets/*.yaml; do
  cp "$f" "$T/c.yaml"
  grep -q '^inputs:' "$f" || printf '\ninputs: [{type: eve_file, path: /dev/null}]\n' >>"$T/c.yaml"
  if out=$("$BIN" --check-config -c "$T/c.yaml" 2>&1); then
    echo "ok   ${f#$SRC/}"
  else
    echo "FAIL ${f#$SRC/}:"; echo "$out"; fails=$((fails + 1))
  fi
done
# A broken file is refused with exit 2 and every problem listed.
printf 'inputs: [{type: eve_file}]\nhandlers: [{period: 0s}]\nbogus: 1\n' >"$T/bad.yaml"
"$BIN" --check-config -c "$T/bad.yaml" 2>"$T/bad.err"; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: bad config exit $rc, want 2"; fails=$((fails + 1)); }
[ "$(grep -c 'eveflow: error:' "$T/bad.err")" -eq 3 ] || { echo "FAIL: want 3 errors:"; cat "$T/bad.err"; fails=$((fails + 1)); }
exit $fails
