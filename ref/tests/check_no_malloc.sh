#!/bin/sh
# Fails if any C file under ref/ (other than the allocator module) calls malloc/calloc/realloc/
# free/strdup directly: every engine allocation must be audited (DESIGN.md §2 "mem").
# String literals and comments are stripped first so messages like "is free (" do not match.
root=${1:-.}
status=0
for f in $(find "$root/src" "$root/cli" "$root/wow64" "$root/restore" -name '*.[ch]' 2>/dev/null); do
  case "$f" in */src/mem.c) continue ;; esac
  hits=$(sed -e 's/"\([^"\\]\|\\.\)*"/""/g' -e 's://.*$::' -e 's:/\*.*\*/::g' "$f" \
         | grep -nE '(^|[^_a-zA-Z0-9.>])(malloc|calloc|realloc|free|strdup|strndup)[[:space:]]*\(' \
         | grep -v -E '^[0-9]+:[[:space:]]*\*')
  if [ -n "$hits" ]; then
    echo "$f:"; echo "$hits"; status=1
  fi
done
[ $status = 0 ] && echo "ok: no direct libc allocation in ref/" || echo "direct libc allocation outside ref/src/mem.c (above)"
exit $status
