#!/usr/bin/env bash
# ci/main.sh: the main job (README "The two commands").  On a fresh Debian 12 it installs what it
# needs (ci/setup.sh), builds the project (gcc, RelWithDebInfo) into build/main, then runs the
# conformance suite (section below; conformance/README.md) on every adapter the build has: ref,
# the reference engine, and the third-party libraries ci/setup.sh installed.  Reports go to
# out/conformance/ (matrix.md, matrix.html, results.tsv, junit.xml).
# Exit status: non-zero if the build fails or the runner's regression gate fails.
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

# ======================= CONFORMANCE SECTION (conformance/README.md) ==========================
# The conformance suite on every adapter this build has: ref (our engine) and the third-party
# libraries ci/setup.sh installed (hivex, libregf, Parse::Win32Registry, reglookup).  Cases:
# conformance/cases (api/, save/, open/: fixtures/ and ../shared/hives when present).
# The runner's exit status gates on the ref adapter (PASS or a documented IMPL_ status, known
# failures in conformance/baseline/ref-known.tsv) and on the baselines of every adapter.
echo "=== conformance (all adapters)"
CONF_OUT=out/conformance
rc=0
"$HIVEREF" conformance --jobs "$JOBS" --timeout 180 --out "$CONF_OUT" || rc=$?
if [[ $rc -ne 0 ]]; then
  echo "[conformance] runner exit $rc: see the lines above and $CONF_OUT/matrix.md"
  status=1
fi
sed -n '/^## Summary/,/^## Cells/p' "$CONF_OUT/matrix.md" | grep '^|' || true
echo "[conformance] reports: $CONF_OUT/matrix.html (open in a browser), $CONF_OUT/matrix.md,"
echo "              $CONF_OUT/results.tsv, $CONF_OUT/junit.xml; findings: conformance/FINDINGS.md"
# ======================= END CONFORMANCE SECTION =============================================

if [[ $status -ne 0 ]]; then
  echo "ci/main.sh: FAILED"
else
  echo "ci/main.sh: done"
fi
exit $status
