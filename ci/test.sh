#!/usr/bin/env bash
# ci/test.sh: the project's test command (README "Testing").  On a fresh Debian 12 it installs
# what it needs (ci/setup.sh), then configures, builds and runs every ctest test in two
# configurations:
#   gcc    gcc, RelWithDebInfo, -DHIVEREF_WERROR=ON
#   asan   clang, -DHIVEREF_SANITIZE=ON (AddressSanitizer + UndefinedBehaviorSanitizer),
#          -DHIVEREF_WERROR=ON
# Both configurations run even if the first fails; the exit status is non-zero if either
# failed to configure, build or pass.  Build trees: build/ci-gcc, build/ci-asan.
# Environment: JOBS (default 2) for the build and ctest parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh

JOBS=${JOBS:-2}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if command -v llvm-symbolizer >/dev/null 2>&1; then
  export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer)}
fi

declare -A RESULT
SUMMARY=""

# run_config NAME CC CMAKE-ARGS...: configure, build and test one configuration.
run_config() {
  local name=$1 cc=$2
  shift 2
  local dir=build/ci-$name log=build/ci-$name.ctest.log
  local start=$SECONDS
  echo "=== [$name] configure ($cc $*)"
  mkdir -p build
  if ! CC=$cc cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHIVEREF_WERROR=ON "$@"; then
    RESULT[$name]="configure failed"
    return 1
  fi
  echo "=== [$name] build"
  if ! cmake --build "$dir" -j"$JOBS"; then
    RESULT[$name]="build failed"
    return 1
  fi
  echo "=== [$name] test"
  local rc=0
  (cd "$dir" && ctest --output-on-failure -j"$JOBS") 2>&1 | tee "$log" || rc=$?
  # ctest's own summary: "N% tests passed, N tests failed out of N" and the failures list.
  SUMMARY+="--- [$name] ($((SECONDS - start)) s)"$'\n'
  SUMMARY+=$(grep -E "tests passed|tests failed|^Total Test time|\(Failed\)|\(Timeout\)|\(SEGFAULT\)|\(Subprocess aborted\)|Not Run|\*\*\*" "$log" || true)
  SUMMARY+=$'\n'
  if [[ $rc -ne 0 ]] || ! grep -q "100% tests passed" "$log"; then
    RESULT[$name]="tests failed"
    return 1
  fi
  RESULT[$name]="ok"
  return 0
}

status=0
run_config gcc gcc || status=1
run_config asan clang -DHIVEREF_SANITIZE=ON || status=1

# A short fuzzing campaign per target (issue 6: <= 3 minutes per target in CI): libFuzzer and
# AFL++ in parallel, FUZZ_CI_SECONDS each (default 60).  Crashes, leaks and timeouts fail the
# run; the committed corpus is left untouched.
fuzz_start=$SECONDS
echo "=== [fuzz] ci/fuzz.sh --ci"
if bash ci/fuzz.sh --ci; then
  RESULT[fuzz]="ok"
else
  RESULT[fuzz]="findings or engine failure"
  status=1
fi
SUMMARY+="--- [fuzz] ($((SECONDS - fuzz_start)) s)"$'\n'

echo
echo "=================== ci/test.sh summary ==================="
printf '%s' "$SUMMARY"
for name in gcc asan fuzz; do
  echo "[$name] ${RESULT[$name]:-not run}"
done
if [[ $status -ne 0 ]]; then
  echo "ci/test.sh: FAILED"
else
  echo "ci/test.sh: all configurations passed"
fi
exit $status
