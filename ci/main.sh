#!/usr/bin/env bash
# ci/main.sh: the main job (README "The two commands").  On a fresh Debian 12 it installs what it
# needs (ci/setup.sh), builds the project (gcc, RelWithDebInfo) into build/main, then runs the
# conformance job over the hives it can find:
#   - fixtures/ (the project's generated hives), when present;
#   - the primary hives listed in ../shared/hives/MANIFEST.tsv, when that folder exists.
# Until the conformance runner (conformance/runner) takes over the marked section below, the job
# is `hiveref check` with the reference engine over those files, with a per-folder summary.
# Exit status: non-zero if the build fails or a check crashes (exit status other than 0 or 1);
# rejections are results, not failures.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh

JOBS=${JOBS:-2}
BUILD=build/main
echo "=== build ($BUILD)"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD" -j"$JOBS"
HIVEREF=$BUILD/ref/hiveref
SHARED=../shared/hives
mkdir -p out

status=0

# check_set NAME FILE...: runs `hiveref check` over the files, prints the verdict counts.
check_set() {
  local name=$1
  shift
  if [[ $# -eq 0 ]]; then
    echo "[$name] no files"
    return 0
  fi
  local log=out/check-$name.txt rc=0
  "$HIVEREF" check --quiet "$@" >"$log" 2>&1 || rc=$?
  if [[ $rc -gt 1 ]]; then
    echo "[$name] hiveref check exited $rc (crash or internal error); see $log"
    tail -20 "$log"
    status=1
    return 0
  fi
  local rejected
  rejected=$(grep -c ': rejected: ' "$log" || true)
  echo "[$name] $# files: $(($# - rejected)) accepted, $rejected rejected (details: $log)"
  grep ': rejected: ' "$log" | sed 's/^/    /' | head -50 || true
}

# ======================= CONFORMANCE SECTION (helper F: swap in the runner here) =============
# Inputs available: $HIVEREF (the CLI), $BUILD (build tree), fixtures/, $SHARED.
echo "=== conformance (reference engine: hiveref check)"
if [[ -d fixtures ]]; then
  # Every file except the manifest and documentation that live beside the hives.
  mapfile -d '' FIXTURES < <(find fixtures -type f ! -name '.*' ! -name '*.md' ! -name '*.tsv' \
    ! -name '*.txt' ! -name '*.json' ! -name '*.py' ! -name '*.yaml' -print0 | sort -z)
  check_set fixtures "${FIXTURES[@]}"
fi
if [[ -f $SHARED/MANIFEST.tsv ]]; then
  mapfile -t PRIMARIES < <(awk -F'\t' -v d="$SHARED" 'NR > 1 && $10 == "primary" { print d "/" $1 }' "$SHARED/MANIFEST.tsv")
  check_set shared-primaries "${PRIMARIES[@]}"
else
  echo "[shared-primaries] $SHARED absent: skipped"
fi
# ======================= END CONFORMANCE SECTION =============================================

if [[ $status -ne 0 ]]; then
  echo "ci/main.sh: FAILED"
else
  echo "ci/main.sh: done"
fi
exit $status
