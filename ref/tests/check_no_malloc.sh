#!/bin/sh
# Fails if any C file under ref/ (other than the allocator module and the tests' own counting
# backend) calls malloc/calloc/realloc/free directly: every engine allocation must be audited.
root=${1:-.}
hits=$(grep -rnE '(^|[^_a-zA-Z0-9.>])(malloc|calloc|realloc|free|strdup|strndup)[[:space:]]*\(' \
        "$root/src" "$root/cli" "$root/wow64" "$root/restore" --include='*.c' --include='*.h' 2>/dev/null \
       | grep -v -E '^[^:]*/src/mem\.c:' \
       | grep -v -E ':[0-9]+:[[:space:]]*(\*|//|/\*)')
if [ -n "$hits" ]; then
  echo "direct libc allocation outside ref/src/mem.c:"; echo "$hits"; exit 1
fi
echo "ok: no direct libc allocation in ref/"
