#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR over its seed corpus fuzz/<area>/<name>_corpus/.
#   regression: replays the seeds (part of `make test`)
#   explore [SECONDS]: fuzzes each target for SECONDS into a scratch copy of its corpus
set -euo pipefail
build_dir=$1 mode=${2:-regression} seconds=${3:-120}
root=$(cd "$(dirname "$0")/.." && pwd)
# The fuzz build lets UBSan recover (it only prints); stop at the first report so that undefined
# behaviour fails a replay and is kept as a crash when exploring.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for fuzzer in "$build_dir"/*_fuzz; do
  [[ -x "$fuzzer" ]] || continue
  name=$(basename "$fuzzer")
  corpus=$(ls -d "$root"/fuzz/*/"${name%_fuzz}_corpus" 2>/dev/null | head -1 || true)
  if [[ -z "$corpus" ]]; then echo "run-fuzzers: no seed corpus for $name" >&2; status=1; continue; fi
  if [[ "$mode" == regression ]]; then
    echo "== $name: replaying $(ls "$corpus" | wc -l) seeds"
    "$fuzzer" -runs=0 "$corpus" >/dev/null 2>&1 || { echo "FAIL $name" >&2; "$fuzzer" -runs=0 "$corpus" 2>&1 | tail -30; status=1; }
  else
    scratch=$(mktemp -d)
    cp -r "$corpus"/. "$scratch"/
    echo "== $name: fuzzing for ${seconds}s"
    "$fuzzer" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
      "$scratch" "$corpus" 2>&1 | tail -15 || status=1
    rm -rf "$scratch"
  fi
done
exit $status
