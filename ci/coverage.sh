#!/usr/bin/env bash
# ci/coverage.sh: llvm-cov line and branch coverage of ref/src reached by the fuzz corpora
# (issue 6).  Builds <t>_cov replay binaries (clang, -fprofile-instr-generate
# -fcoverage-mapping; fuzz/CMakeLists.txt HIVEREF_FUZZ_COVERAGE), replays
# fuzz/corpora/<t> + fuzz/regressions/<t> (plus any extra corpus dirs given with --extra),
# merges the profiles and writes:
#   <out>/summary.txt   llvm-cov report: per-file lines / branches / functions / regions
#   <out>/html/         llvm-cov show HTML report
#   <out>/coverage.lcov lcov export
# and checks the target: >= 90% of lines in the parsing and validation modules (the files
# listed in PARSE_MODULES that exist).  --enforce makes a miss fail the script.
#
# Usage: ci/coverage.sh [--build-dir DIR] [--out DIR] [--enforce] [--extra DIR]... [TARGET...]
set -u -o pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${HIVEREF_COV_BUILD:-$REPO/build-coverage}
OUT=
ENFORCE=0
EXTRA=()
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --enforce) ENFORCE=1; shift ;;
    --extra) EXTRA+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
OUT=${OUT:-$BUILD/report}
if [ ${#TARGETS[@]} -eq 0 ]; then
  for f in "$REPO"/fuzz/*_fuzzer.c; do TARGETS+=("$(basename "$f" .c)"); done
fi

pick() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 && { echo "$c"; return; }; done; }
CLANG=$(pick clang clang-14)
PROFDATA=$(pick llvm-profdata llvm-profdata-14)
COV=$(pick llvm-cov llvm-cov-14)
if [ -z "$CLANG" ] || [ -z "$PROFDATA" ] || [ -z "$COV" ]; then
  echo "coverage.sh: needs clang, llvm-profdata and llvm-cov (Debian: clang-14 llvm-14)" >&2
  exit 77
fi

# The parsing and validation modules (DESIGN.md §2: bytes -> base block -> bin map -> cells ->
# validated tree).  Files not present yet are skipped.
PARSE_MODULES="base_block.c hbin.c cell.c nk.c vk.c sk.c subkey_list.c value_data.c validate.c load.c"

mkdir -p "$BUILD"
cmake -S "$REPO" -B "$BUILD" -DCMAKE_C_COMPILER="$CLANG" -DCMAKE_BUILD_TYPE=Debug \
  -DHIVEREF_FUZZ_COVERAGE=ON -DHIVEREF_TESTS=OFF -DHIVEREF_ADAPTERS=OFF >"$BUILD/configure.log" 2>&1 &&
  cmake --build "$BUILD" --target fuzzers -j2 >"$BUILD/build.log" 2>&1 ||
  { echo "coverage.sh: build failed (see $BUILD/build.log)" >&2; tail -20 "$BUILD/build.log" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT/profraw"
objects=()
for t in "${TARGETS[@]}"; do
  bin=$BUILD/fuzz/${t}_cov
  [ -x "$bin" ] || { echo "coverage.sh: no $bin" >&2; continue; }
  dirs=("$REPO/fuzz/corpora/$t" "$REPO/fuzz/regressions/$t")
  for e in "${EXTRA[@]}"; do [ -d "$e/$t" ] && dirs+=("$e/$t"); done
  # A crashing regression input aborts the replay: replay file by file so one crash does not
  # hide the rest of the corpus's coverage.
  n=0
  while IFS= read -r f; do
    LLVM_PROFILE_FILE="$OUT/profraw/$t-%p.profraw" "$bin" -quiet "$f" >/dev/null 2>&1 ||
      echo "coverage.sh: $t crashed on $f" >&2
    n=$((n + 1))
  done < <(find "${dirs[@]}" -maxdepth 1 -type f ! -name 'README*' ! -name '.*' 2>/dev/null | sort)
  echo "coverage.sh: $t: $n input(s) replayed" >&2
  objects+=("-object" "$bin")
done
[ ${#objects[@]} -gt 0 ] || { echo "coverage.sh: nothing built" >&2; exit 1; }
"$PROFDATA" merge -sparse "$OUT"/profraw/*.profraw -o "$OUT/fuzz.profdata" || exit 1

first=${objects[1]}
rest=("${objects[@]:2}")
"$COV" report "$first" "${rest[@]}" -instr-profile="$OUT/fuzz.profdata" \
  "$REPO/ref/src" >"$OUT/summary.txt"
"$COV" show "$first" "${rest[@]}" -instr-profile="$OUT/fuzz.profdata" -format=html \
  -show-branches=count -output-dir="$OUT/html" "$REPO/ref/src" >/dev/null
"$COV" export "$first" "${rest[@]}" -instr-profile="$OUT/fuzz.profdata" -format=lcov \
  "$REPO/ref/src" >"$OUT/coverage.lcov"
cat "$OUT/summary.txt"

# Line coverage of the parsing/validation modules (column "Cover" after "Lines").
miss=0
echo
echo "Parsing/validation modules (target: >= 90% lines):"
hdr=$(grep -m1 '^Filename' "$OUT/summary.txt")
for m in $PARSE_MODULES; do
  row=$(grep -E "(^|/)$m[[:space:]]" "$OUT/summary.txt") || continue
  # Columns: Filename Regions Missed Cover Functions Missed Cover Lines Missed Cover Branches...
  pct=$(echo "$row" | awk '{print $10}')
  num=${pct%\%}
  verdict=ok
  if awk -v p="$num" 'BEGIN {exit !(p < 90)}'; then verdict=BELOW; miss=1; fi
  printf '  %-16s lines %7s  branches %7s  %s\n' "$m" "$pct" "$(echo "$row" | awk '{print $13}')" "$verdict"
done
[ -n "$hdr" ] || true
echo "HTML report: $OUT/html/index.html"
if [ "$miss" = 1 ] && [ "$ENFORCE" = 1 ]; then exit 1; fi
exit 0
