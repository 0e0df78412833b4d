#!/usr/bin/env bash
# ci/fuzz.sh: time-boxed fuzzing campaigns for hiveref (issue 6; fuzz/README.md).
#
# Usage:
#   ci/fuzz.sh [--minutes N | --seconds S] [--engine libfuzzer|afl|both] [TARGET...]
#   ci/fuzz.sh --ci                 short campaign for .ci/run: FUZZ_CI_SECONDS (default 60,
#                                   capped at 180) per target, both engines in parallel when
#                                   afl++ is installed; corpus candidates stay in the run dir
#   ci/fuzz.sh --bench [TARGET...]  exec/s of each target: plain replay, libFuzzer, AFL++
#   ci/fuzz.sh --seed               regenerate API seeds (fuzz_seedgen) + import fixtures/,
#                                   then minimise the corpora with -merge=1
#   ci/fuzz.sh --minimize [T...]    re-minimise fuzz/corpora/<t> with -merge=1
#   ci/fuzz.sh --check-budget       committed corpora + regressions <= 10 MiB (ctest)
# Options: --build-root DIR (default $HIVEREF_FUZZ_BUILD_ROOT or <repo>/build-fuzz),
#          --no-build, --keep-corpus (do not merge new entries into fuzz/corpora).
# Environment: FUZZ_NICE (nice level, default 0), FUZZ_MAX_LEN (default 262144),
#          FUZZ_CI_SECONDS, AFL_* as usual.
#
# A campaign per target: libFuzzer (ASan+UBSan, structure-aware mutator, dictionary) and/or
# AFL++ (afl-clang-fast, libAFLDriver persistent mode, ASan+UBSan, same dictionary).  With
# --engine both they run in parallel, one core each (taskset/afl -b).  Afterwards:
#  - new corpus entries are merged into fuzz/corpora/<t> with libFuzzer -merge=1 (coverage-
#    increasing inputs only);
#  - every crash, leak or timeout is minimised (libFuzzer -minimize_crash, time-boxed; offset-
#    based inputs rarely shrink) and stored as fuzz/regressions/<t>/<engine>-<kind>-<sha1>;
#  - the exit status is non-zero if anything was found or an engine failed.
set -u -o pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# afl-fuzz refuses a custom ASAN_OPTIONS without symbolize=0 and abort_on_error=1 (ci/test.sh
# exports its own for the sanitizer tests), so AFL++ runs get options of their own.
AFL_ASAN_OPTIONS="abort_on_error=1:symbolize=0:detect_leaks=1:allocator_may_return_null=1"
AFL_UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:symbolize=0"
BUILD_ROOT=${HIVEREF_FUZZ_BUILD_ROOT:-$REPO/build-fuzz}
SECONDS_PER_TARGET=120
ENGINE=libfuzzer
ENGINE_SET=0
MODE=campaign
CI=0
DO_BUILD=1
KEEP_CORPUS=0
NICE=${FUZZ_NICE:-0}
MAX_LEN=${FUZZ_MAX_LEN:-262144}
BUDGET_BYTES=$((10 * 1024 * 1024))
TARGETS=()

while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) SECONDS_PER_TARGET=$(( $2 * 60 )); shift 2 ;;
    --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
    --engine) ENGINE=$2; ENGINE_SET=1; shift 2 ;;
    --ci) CI=1; KEEP_CORPUS=1; shift ;;
    --bench) MODE=bench; shift ;;
    --seed) MODE=seed; shift ;;
    --minimize) MODE=minimize; shift ;;
    --check-budget) MODE=budget; shift ;;
    --build-root) BUILD_ROOT=$2; shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    --keep-corpus) KEEP_CORPUS=1; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done

log() { printf '[fuzz %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

budget_check() {
  local total=0 d
  for d in "$REPO/fuzz/corpora" "$REPO/fuzz/regressions"; do
    [ -d "$d" ] || continue
    total=$(( total + $(find "$d" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}') ))
  done
  printf 'fuzz corpora + regressions: %d bytes (budget %d)\n' "$total" "$BUDGET_BYTES"
  [ "$total" -le "$BUDGET_BYTES" ]
}
if [ "$MODE" = budget ]; then budget_check; exit $?; fi

if [ ${#TARGETS[@]} -eq 0 ]; then
  for f in "$REPO"/fuzz/*_fuzzer.c; do TARGETS+=("$(basename "$f" .c)"); done
fi

if [ "$CI" = 1 ]; then
  SECONDS_PER_TARGET=${FUZZ_CI_SECONDS:-60}
  [ "$SECONDS_PER_TARGET" -gt 180 ] && SECONDS_PER_TARGET=180
  if [ "$ENGINE_SET" = 0 ]; then
    if command -v afl-clang-fast >/dev/null 2>&1; then ENGINE=both; else ENGINE=libfuzzer; fi
  fi
fi

LF_BUILD=$BUILD_ROOT/libfuzzer
AFL_BUILD=$BUILD_ROOT/afl
PLAIN_BUILD=$BUILD_ROOT/plain

build_libfuzzer() {
  command -v clang >/dev/null 2>&1 || { log "clang not found"; return 1; }
  cmake -S "$REPO" -B "$LF_BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHIVEREF_FUZZ=ON -DHIVEREF_TESTS=OFF -DHIVEREF_ADAPTERS=OFF >"$BUILD_ROOT/lf-configure.log" 2>&1 &&
  cmake --build "$LF_BUILD" --target fuzzers -j2 >"$BUILD_ROOT/lf-build.log" 2>&1 ||
    { log "libFuzzer build failed, see $BUILD_ROOT/lf-build.log"; tail -20 "$BUILD_ROOT/lf-build.log" >&2; return 1; }
}
build_afl() {
  command -v afl-clang-fast >/dev/null 2>&1 || { log "afl-clang-fast not found (apt-get install afl++)"; return 1; }
  AFL_QUIET=1 CC=afl-clang-fast cmake -S "$REPO" -B "$AFL_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHIVEREF_FUZZ=ON -DHIVEREF_FUZZ_ENGINE=afl -DHIVEREF_TESTS=OFF -DHIVEREF_ADAPTERS=OFF \
    >"$BUILD_ROOT/afl-configure.log" 2>&1 &&
  AFL_QUIET=1 cmake --build "$AFL_BUILD" --target fuzzers -j2 >"$BUILD_ROOT/afl-build.log" 2>&1 ||
    { log "AFL++ build failed, see $BUILD_ROOT/afl-build.log"; tail -20 "$BUILD_ROOT/afl-build.log" >&2; return 1; }
  # The structure-aware mutator as an AFL++ custom mutator (plain clang: it runs inside
  # afl-fuzz and must not be instrumented).
  clang -shared -fPIC -O2 -I"$REPO/ref/include" -o "$AFL_BUILD/hive_afl_mutator.so" \
    "$REPO/fuzz/hive_mutator.c" "$REPO/fuzz/afl_hive_mutator.c" 2>>"$BUILD_ROOT/afl-build.log" ||
    log "AFL++ custom mutator not built (AFL++ runs with its own mutations only)"
}
hive_input() { grep -q '^#define HIVEREF_FUZZ_HIVE_INPUT' "$REPO/fuzz/$1.c" 2>/dev/null; }
build_plain() {
  cmake -S "$REPO" -B "$PLAIN_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHIVEREF_TESTS=OFF \
    -DHIVEREF_ADAPTERS=OFF >"$BUILD_ROOT/plain-configure.log" 2>&1 &&
  cmake --build "$PLAIN_BUILD" --target fuzzers fuzz_seedgen -j2 >"$BUILD_ROOT/plain-build.log" 2>&1 ||
    { log "plain build failed, see $BUILD_ROOT/plain-build.log"; tail -20 "$BUILD_ROOT/plain-build.log" >&2; return 1; }
}

dict_for() {
  if [ -f "$REPO/fuzz/$1.dict" ]; then echo "$REPO/fuzz/$1.dict"; else echo "$REPO/fuzz/hive.dict"; fi
}

mkdir -p "$BUILD_ROOT"
want_lf=0; want_afl=0
case "$ENGINE" in
  libfuzzer) want_lf=1 ;;
  afl) want_afl=1 ;;
  both) want_lf=1; want_afl=1 ;;
  *) echo "fuzz.sh: --engine libfuzzer|afl|both" >&2; exit 2 ;;
esac
# libFuzzer is also the merge/minimise tool, so it is built whenever campaigns run.
if [ "$DO_BUILD" = 1 ]; then
  case "$MODE" in
    campaign|minimize|seed) build_libfuzzer || exit 1 ;;
    bench) build_libfuzzer || exit 1; build_plain || exit 1 ;;
  esac
  if [ "$want_afl" = 1 ] && { [ "$MODE" = campaign ] || [ "$MODE" = bench ]; }; then
    build_afl || exit 1
  fi
  [ "$MODE" = seed ] && { build_plain || exit 1; }
fi

# ---- corpus minimisation --------------------------------------------------------------------
merge_into() { # target dest src... (adds only coverage-increasing inputs from src to dest)
  local t=$1 dest=$2; shift 2
  mkdir -p "$dest"
  nice -n "$NICE" "$LF_BUILD/fuzz/$t" -merge=1 -use_counters=0 -timeout=25 -rss_limit_mb=2560 \
    -max_len="$MAX_LEN" "$dest" "$@" >/dev/null 2>&1
}
minimize_corpus() { # target: rewrite fuzz/corpora/<t> as a -merge=1 minimal set
  local t=$1 src=$REPO/fuzz/corpora/$1 tmp
  [ -d "$src" ] || return 0
  tmp=$(mktemp -d "$BUILD_ROOT/min-XXXXXX")
  if merge_into "$t" "$tmp" "$src"; then
    local before after
    before=$(find "$src" -type f | wc -l)
    # Readable names survive: fixture-* kept by the merge get their name back; seed-* (the
    # generated one-feature-each set of fuzz_seedgen) are always kept.
    find "$src" -type f \( -name 'seed-*' -o -name 'fixture-*' \) | while read -r f; do
      h=$(sha1sum "$f" | cut -d' ' -f1)
      case "$(basename "$f")" in
        seed-*) rm -f "$tmp/$h"; cp "$f" "$tmp/" ;;
        *) if [ -f "$tmp/$h" ]; then mv "$tmp/$h" "$tmp/$(basename "$f")"; fi ;;
      esac
    done
    find "$src" -type f -delete
    cp "$tmp"/* "$src"/ 2>/dev/null
    after=$(find "$src" -type f | wc -l)
    log "$t: corpus minimised $before -> $after files"
  else
    log "$t: merge failed, corpus left as is"
  fi
  rm -rf "$tmp"
}

if [ "$MODE" = minimize ]; then
  for t in "${TARGETS[@]}"; do minimize_corpus "$t"; done
  budget_check
  exit $?
fi

if [ "$MODE" = seed ]; then
  tmp=$(mktemp -d "$BUILD_ROOT/seed-XXXXXX")
  "$PLAIN_BUILD/fuzz/fuzz_seedgen" "$tmp" || { log "seedgen failed"; exit 1; }
  # Fixtures from gen/ (independent writer): valid and corrupt hives, <= 256 KiB, prefixed
  # with a no-fault control block.
  n=0
  if [ -d "$REPO/fixtures" ]; then
    while IFS= read -r f; do
      sz=$(stat -c %s "$f")
      [ "$sz" -le 262144 ] || continue
      [ "$(head -c 4 "$f" | tr -d '\0')" = regf ] || continue
      name=fixture-$(echo "${f#"$REPO"/fixtures/}" | tr '/' '_')
      for t in open_fuzzer roundtrip_fuzzer; do
        mkdir -p "$tmp/$t"
        { printf '\0\0\0\0'; cat "$f"; } >"$tmp/$t/$name"
      done
      n=$((n + 1))
    done < <(find "$REPO/fixtures" -type f | sort)
  fi
  log "seedgen + $n fixture(s) imported"
  for d in "$tmp"/*/; do
    t=$(basename "$d")
    mkdir -p "$REPO/fuzz/corpora/$t"
    cp "$d"/* "$REPO/fuzz/corpora/$t/"
    [ -x "$LF_BUILD/fuzz/$t" ] && minimize_corpus "$t"
  done
  rm -rf "$tmp"
  budget_check
  exit $?
fi

# ---- benchmark ----------------------------------------------------------------------------------
if [ "$MODE" = bench ]; then
  BT=${FUZZ_BENCH_SECONDS:-20}
  printf '%-20s %14s %14s %14s %14s\n' target replay-exec/s libfuzzer-all 'lf-seeds<=64K' afl-exec/s
  for t in "${TARGETS[@]}"; do
    corpus=$REPO/fuzz/corpora/$t
    small=$(mktemp -d "$BUILD_ROOT/bench-XXXXXX")
    find "$corpus" -type f -size -65537c -exec cp {} "$small"/ \; 2>/dev/null
    rep=$(nice -n "$NICE" "$PLAIN_BUILD/fuzz/${t}_replay" -quiet -bench="$BT" "$small" 2>/dev/null |
          sed -n 's/.*= \([0-9]*\) exec\/s.*/\1/p')
    lf_rate() { # dir maxlen
      local w; w=$(mktemp -d "$BUILD_ROOT/bench-XXXXXX")
      nice -n "$NICE" "$LF_BUILD/fuzz/$t" -max_total_time="$BT" -max_len="$2" -print_final_stats=1 \
        -dict="$(dict_for "$t")" -artifact_prefix="$w/" "$w" "$1" 2>&1 |
        sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p'
      rm -rf "$w"
    }
    lf_all=$(lf_rate "$corpus" "$MAX_LEN")
    lf_small=$(lf_rate "$small" 65536)
    afl=-
    if [ -x "$AFL_BUILD/fuzz/$t" ] && command -v afl-fuzz >/dev/null; then
      w=$(mktemp -d "$BUILD_ROOT/bench-XXXXXX")
      AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_FAST_CAL=1 \
        ASAN_OPTIONS="$AFL_ASAN_OPTIONS" UBSAN_OPTIONS="$AFL_UBSAN_OPTIONS" \
        nice -n "$NICE" afl-fuzz -i "$small" -o "$w/out" -x "$(dict_for "$t")" -V "$BT" -m none \
        -t 10000 -- "$AFL_BUILD/fuzz/$t" >/dev/null 2>&1
      afl=$(sed -n 's/^execs_per_sec[[:space:]]*:[[:space:]]*//p' "$w/out/default/fuzzer_stats" 2>/dev/null)
      rm -rf "$w"
    fi
    printf '%-20s %14s %14s %14s %14s\n' "$t" "${rep:--}" "${lf_all:--}" "${lf_small:--}" "${afl:--}"
    rm -rf "$small"
  done
  exit 0
fi

# ---- campaigns ------------------------------------------------------------------------------------
RUN=$BUILD_ROOT/runs/$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN"
status=0
total_found=0
minimized=0
ncpu=$(nproc 2>/dev/null || echo 1)

store_finding() { # target engine kind file
  local t=$1 eng=$2 kind=$3 f=$4 h dest min
  h=$(sha1sum "$f" | cut -c1-12)
  dest=$REPO/fuzz/regressions/$t
  mkdir -p "$dest"
  min=$RUN/$t/min-$h
  # Minimise the first few findings of a run only (each try is time-boxed; offset-based hive
  # inputs rarely shrink, fuzzing.md §3(c)); the rest are stored as found.
  minimized=$((minimized + 1))
  if [ -x "$LF_BUILD/fuzz/$t" ] && [ "$kind" = crash ] && [ "$minimized" -le 3 ]; then
    timeout 60 nice -n "$NICE" "$LF_BUILD/fuzz/$t" -minimize_crash=1 -max_total_time=30 \
      -exact_artifact_path="$min" "$f" >"$RUN/$t/minimize-$h.log" 2>&1 || true
  fi
  if [ -s "$min" ] && [ "$(stat -c %s "$min")" -lt "$(stat -c %s "$f")" ]; then
    cp "$min" "$dest/$eng-$kind-$h"
  else
    cp "$f" "$dest/$eng-$kind-$h"
  fi
  log "FOUND $kind in $t ($eng): fuzz/regressions/$t/$eng-$kind-$h"
  total_found=$((total_found + 1))
}

run_libfuzzer() { # target workdir cpu
  local t=$1 w=$2 cpu=$3 pin=()
  mkdir -p "$w/lf-corpus" "$w/lf-artifacts" "$REPO/fuzz/corpora/$t"
  [ -n "$cpu" ] && command -v taskset >/dev/null && pin=(taskset -c "$cpu")
  # New units go to the first directory (a scratch dir): the committed corpus is never written
  # by the engine itself (fuzzing.md gotcha 7).
  nice -n "$NICE" "${pin[@]}" "$LF_BUILD/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" \
    -timeout=25 -rss_limit_mb=2560 -max_len="$MAX_LEN" -len_control=10 -dict="$(dict_for "$t")" \
    -print_final_stats=1 -artifact_prefix="$w/lf-artifacts/" \
    "$w/lf-corpus" "$REPO/fuzz/corpora/$t" >"$w/libfuzzer.log" 2>&1
}

run_afl() { # target workdir cpu
  local t=$1 w=$2 cpu=$3 seeds=$REPO/fuzz/corpora/$1 bind=()
  if [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
    seeds=$w/afl-seeds; mkdir -p "$seeds"; printf '\0\0\0\0' >"$seeds/empty"
  fi
  [ -n "$cpu" ] && bind=(-b "$cpu")
  local envs=(AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
              AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1 AFL_SKIP_CRASHES=1
              "ASAN_OPTIONS=$AFL_ASAN_OPTIONS" "UBSAN_OPTIONS=$AFL_UBSAN_OPTIONS")
  if hive_input "$t" && [ -f "$AFL_BUILD/hive_afl_mutator.so" ] && [ "${HIVEREF_MUTATOR:-on}" != off ]; then
    envs+=(AFL_CUSTOM_MUTATOR_LIBRARY="$AFL_BUILD/hive_afl_mutator.so")
  fi
  env "${envs[@]}" nice -n "$NICE" afl-fuzz "${bind[@]}" -i "$seeds" -o "$w/afl" -x "$(dict_for "$t")" \
    -V "$SECONDS_PER_TARGET" -m none -t 10000 -- "$AFL_BUILD/fuzz/$t" >"$w/afl.log" 2>&1
}

for t in "${TARGETS[@]}"; do
  w=$RUN/$t
  mkdir -p "$w"
  log "$t: ${SECONDS_PER_TARGET}s, engine $ENGINE (logs in $w)"
  lf_pid=; afl_pid=
  cpu_lf=; cpu_afl=
  if [ "$want_lf" = 1 ] && [ "$want_afl" = 1 ] && [ "$ncpu" -ge 2 ]; then cpu_lf=0; cpu_afl=1; fi
  if [ "$want_lf" = 1 ]; then run_libfuzzer "$t" "$w" "$cpu_lf" & lf_pid=$!; fi
  if [ "$want_afl" = 1 ]; then run_afl "$t" "$w" "$cpu_afl" & afl_pid=$!; fi
  if [ -n "$lf_pid" ]; then
    wait "$lf_pid"; rc=$?
    stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$w/libfuzzer.log" | tr '\n' ' ')
    cov=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$w/libfuzzer.log" | tail -1)
    log "$t libFuzzer rc=$rc $stats"
    log "$t libFuzzer last: $cov"
    for f in "$w"/lf-artifacts/*; do
      [ -f "$f" ] || continue
      kind=$(basename "$f" | sed 's/-.*//')
      store_finding "$t" libfuzzer "$kind" "$f"
    done
    if [ "$rc" -ne 0 ] && [ -z "$(ls -A "$w/lf-artifacts")" ]; then
      log "$t libFuzzer exited $rc without an artifact:"; tail -15 "$w/libfuzzer.log" >&2; status=1
    fi
  fi
  if [ -n "$afl_pid" ]; then
    wait "$afl_pid"; rc=$?
    st=$w/afl/default/fuzzer_stats
    if [ -f "$st" ]; then
      log "$t AFL++ rc=$rc $(grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|unique_crashes|unique_hangs|bitmap_cvg)' "$st" | tr -s ' ' | tr '\n' ' ')"
    else
      log "$t AFL++ rc=$rc, no stats:"; tail -15 "$w/afl.log" >&2; status=1
    fi
    n_afl=0
    for f in "$w"/afl/default/crashes/id:* "$w"/afl/default/hangs/id:*; do
      [ -f "$f" ] || continue
      case "$f" in */hangs/*) kind=timeout ;; *) kind=crash ;; esac
      n_afl=$((n_afl + 1))
      # AFL++ keeps one file per new path to a crash, often one bug many times: the first five
      # go to fuzz/regressions, the rest stay in the run directory.
      if [ "$n_afl" -le 5 ]; then store_finding "$t" afl "$kind" "$f"
      else total_found=$((total_found + 1)); fi
    done
    if [ "$n_afl" -gt 5 ]; then log "$t AFL++: $n_afl findings, the rest are in $w/afl/default/"; fi
  fi
  # New coverage-increasing inputs from both engines.
  dest=$REPO/fuzz/corpora/$t
  [ "$KEEP_CORPUS" = 1 ] && dest=$w/corpus-candidates
  srcs=()
  [ -d "$w/lf-corpus" ] && srcs+=("$w/lf-corpus")
  [ -d "$w/afl/default/queue" ] && srcs+=("$w/afl/default/queue")
  if [ ${#srcs[@]} -gt 0 ]; then
    before=$(find "$dest" -type f 2>/dev/null | wc -l)
    merge_into "$t" "$dest" "${srcs[@]}" || log "$t: merge failed"
    after=$(find "$dest" -type f 2>/dev/null | wc -l)
    log "$t: $((after - before)) new corpus entr(y/ies) -> ${dest#"$REPO"/}"
  fi
done

budget_check >&2 || { log "corpus over budget: run ci/fuzz.sh --minimize"; status=1; }
if [ "$total_found" -gt 0 ]; then
  log "$total_found finding(s) stored under fuzz/regressions/ (reproduce: <target>_replay FILE)"
  status=1
fi
exit $status
