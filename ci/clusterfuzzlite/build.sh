#!/bin/bash -eu
# ci/clusterfuzzlite/build.sh: OSS-Fuzz / ClusterFuzzLite build script (issue 6).
#
# Runs inside gcr.io/oss-fuzz-base/base-builder (Dockerfile next to this file), or locally with
# the builder's variables set by hand (test_build_local.sh).  Honours $CC, $CXX, $CFLAGS,
# $CXXFLAGS, $LIB_FUZZING_ENGINE, $SRC, $OUT (and $WORK for the build tree).  Produces in $OUT,
# for every fuzz/<t>_fuzzer.c:
#   <t>                   the target (no extension), linked with $LIB_FUZZING_ENGINE via $CXX
#   <t>.dict              fuzz/<t>.dict, else fuzz/hive.dict
#   <t>.options           [libfuzzer] max_len and dict
#   <t>_seed_corpus.zip   fuzz/corpora/<t>/ (when non-empty)
# The sanitizer and coverage flags come from $CFLAGS (fuzz/CMakeLists.txt "OSS-Fuzz mode").

SRC_DIR=${HIVEREF_SRC_DIR:-${SRC:-}/hiveref}
if [ ! -f "$SRC_DIR/fuzz/CMakeLists.txt" ]; then
  SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
fi
BUILD_DIR=${WORK:-/tmp}/hiveref-build
MAX_LEN=${HIVEREF_FUZZ_MAX_LEN:-262144}

cmake -S "$SRC_DIR" -B "$BUILD_DIR" \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_BUILD_TYPE=None \
  -DHIVEREF_FUZZ=ON -DHIVEREF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DHIVEREF_TESTS=OFF -DHIVEREF_ADAPTERS=OFF
cmake --build "$BUILD_DIR" --target fuzzers -j"$(nproc)"

mkzip() { # zipfile dir
  if command -v zip >/dev/null 2>&1; then
    (cd "$2" && zip -q -r "$1" .)
  else
    python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
out, root = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(root)):
        p = os.path.join(root, name)
        if os.path.isfile(p):
            z.write(p, name)
PY
  fi
}

for src in "$SRC_DIR"/fuzz/*_fuzzer.c; do
  t=$(basename "$src" .c)
  cp "$BUILD_DIR/fuzz/$t" "$OUT/$t"
  if [ -f "$SRC_DIR/fuzz/$t.dict" ]; then dict=$SRC_DIR/fuzz/$t.dict; else dict=$SRC_DIR/fuzz/hive.dict; fi
  cp "$dict" "$OUT/$t.dict"
  printf '[libfuzzer]\nmax_len = %s\ndict = %s.dict\n' "$MAX_LEN" "$t" >"$OUT/$t.options"
  corpus=$SRC_DIR/fuzz/corpora/$t
  rm -f "$OUT/${t}_seed_corpus.zip"
  if [ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ]; then
    mkzip "$OUT/${t}_seed_corpus.zip" "$corpus"
  fi
done
