#!/bin/sh
# test_build_local.sh: runs build.sh the way the OSS-Fuzz base-builder would, without Docker
# (issue 6: "runs build.sh locally with those variables set by hand").  Registered in ctest as
# fuzz.cflite_build; exit 77 (skip) when clang/clang++ are missing.
# Usage: test_build_local.sh WORKDIR
# Variables: the base-builder values for SANITIZER=address, FUZZING_ENGINE=libfuzzer
# (../shared/spec/fuzzing.md §3(g)).  Checks that every fuzz/<t>_fuzzer.c gives $OUT/<t>
# (runnable: -runs=0 over its seed corpus), $OUT/<t>.dict, $OUT/<t>.options and, when the
# corpus is non-empty, $OUT/<t>_seed_corpus.zip.
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-$(mktemp -d)}
command -v clang >/dev/null 2>&1 && command -v clang++ >/dev/null 2>&1 || {
  echo "clang/clang++ not installed: skipped"; exit 77; }
rm -rf "$W"
mkdir -p "$W/src" "$W/out" "$W/work"
# $SRC/hiveref is the checkout (a symlink: copying the tree would copy build dirs inside it).
ln -s "$REPO" "$W/src/hiveref"
cp "$REPO/ci/clusterfuzzlite/build.sh" "$W/src/build.sh"

export SRC="$W/src" OUT="$W/out" WORK="$W/work"
export SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64
export CC=clang CXX=clang++
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE="-fsanitize=fuzzer"
(cd "$SRC" && bash ./build.sh) >"$W/build.log" 2>&1 || { tail -30 "$W/build.log"; echo "build.sh failed"; exit 1; }

fail=0
for src in "$REPO"/fuzz/*_fuzzer.c; do
  t=$(basename "$src" .c)
  for f in "$t" "$t.dict" "$t.options"; do
    [ -s "$OUT/$f" ] || { echo "missing \$OUT/$f"; fail=1; }
  done
  [ -x "$OUT/$t" ] || { echo "\$OUT/$t is not executable"; fail=1; continue; }
  if [ -n "$(ls -A "$REPO/fuzz/corpora/$t" 2>/dev/null)" ]; then
    z="$OUT/${t}_seed_corpus.zip"
    [ -s "$z" ] || { echo "missing $z"; fail=1; continue; }
    python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).testzip()" "$z" ||
      { echo "bad zip $z"; fail=1; }
    n_zip=$(python3 -c "import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))" "$z")
    n_dir=$(find "$REPO/fuzz/corpora/$t" -maxdepth 1 -type f | wc -l)
    [ "$n_zip" = "$n_dir" ] || { echo "$z has $n_zip entries, corpus has $n_dir"; fail=1; }
    "$OUT/$t" -runs=0 "$REPO/fuzz/corpora/$t" >"$W/$t-smoke.log" 2>&1 ||
      { tail -20 "$W/$t-smoke.log"; echo "$t fails on its seed corpus"; fail=1; }
  fi
  echo "ok: $t"
done
exit $fail
