#!/usr/bin/env bash
# ci/setup.sh: installs every Debian package the project needs (Debian 12 "bookworm").
#
# Idempotent and quick: each package is checked with dpkg-query first and apt-get runs only when
# something is missing (`apt-get update`, then `apt-get install -y --no-install-recommends`).
# Installing needs root; when everything is already installed it works as any user.
set -euo pipefail

# ---- THE PACKAGE LIST (one place; add new dependencies here) ---------------------------------
PACKAGES=(
  # build
  cmake make gcc libc6-dev pkg-config
  # clang build + AddressSanitizer/UBSan runtime for clang-14 (libclang_rt.asan*), libFuzzer
  clang libclang-rt-14-dev
  # llvm-symbolizer (sanitizer stack traces), llvm-cov / llvm-profdata (coverage)
  llvm
  # python3 (gen/, conformance runner, CLI tests; standard library only)
  python3
  # memory checking of the CLI and tests outside ASan
  valgrind
  # third-party libraries the conformance suite judges (conformance/adapters/*; libregf.h
  # includes libbfio.h, which libregf-dev does not pull in); perl for the Parse::Win32Registry one
  libhivex-dev libregf-dev libbfio-dev libparse-win32registry-perl reglookup perl
  # fuzzing (ci/fuzz.sh, issue 6): AFL++ next to libFuzzer; lld/llvm-14 for afl-clang-fast and
  # the ClusterFuzzLite build check; zip for <target>_seed_corpus.zip
  afl++ lld-14 llvm-14 zip
  # benchmark reference lines (conformance/bench: hivexregedit, regfexport)
  libwin-hivex-perl libregf-utils
)
# ----------------------------------------------------------------------------------------------

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "ci/setup.sh: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "ci/setup.sh: missing packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "ci/setup.sh: not root: install them with" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "ci/setup.sh: installed ${missing[*]}"
