"""gen/names.py: registry names as UTF-16 code units: Windows upcase, ordering, lh hash, lf hint,
and the canonical-dump escaping.

Spec: ../shared/spec/regf-format.md §6 (names), conformance/DUMP.md (escapes).  The upcase table
is read from data/upcase-win10.tsv, the project's one copy (the C side is generated from it).
A name is a tuple of UTF-16 code units; compressed names are Latin-1 bytes, each byte one unit.
"""
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
UPCASE_TSV = os.path.join(_HERE, "..", "data", "upcase-win10.tsv")


def _load_upcase():
    table = list(range(0x10000))
    with open(UPCASE_TSV, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b = line.split()
            table[int(a, 16)] = int(b, 16)
    return table


UPCASE = _load_upcase()


def upcase_unit(c):
    """CmUpcaseUnicodeChar (spec §6.2): ASCII fast path, else the Windows 10 table."""
    if c < 0x61:
        return c
    if c <= 0x7A:
        return c - 0x20
    return UPCASE[c]


def units(name):
    """str (may hold lone surrogates) -> tuple of UTF-16 code units."""
    b = name.encode("utf-16-le", "surrogatepass")
    return tuple(int.from_bytes(b[i:i + 2], "little") for i in range(0, len(b), 2))


def units_to_str(u):
    return b"".join(x.to_bytes(2, "little") for x in u).decode("utf-16-le", "surrogatepass")


def name_units(raw, compressed):
    """Stored name bytes -> code units (an odd trailing byte of a UTF-16 name is dropped)."""
    if compressed:
        return tuple(raw)
    return tuple(int.from_bytes(raw[i:i + 2], "little") for i in range(0, len(raw) - 1, 2))


def sort_key(u):
    """Key for the §6.2 ordinal case-insensitive order (a prefix sorts first)."""
    return tuple(upcase_unit(c) for c in u)


def compare(a, b):
    """Signed comparison of two unit tuples, spec §6.2."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def lh_hash(u):
    """lh HashKey (spec §6.3)."""
    h = 0
    for c in u:
        h = (37 * h + upcase_unit(c)) & 0xFFFFFFFF
    return h


def lf_hint(u):
    """lf NameHint (spec §6.4): k = min(4, len); for i = k-1 down to 0, stop at the first unit
    > 0xFF, else hint[i] = unit[i].  So hint[0] is 0 ("no hint") whenever one of the first k
    units does not fit a byte, and the hint is never upcased."""
    hint = bytearray(4)
    k = min(4, len(u))
    for i in range(k - 1, -1, -1):
        if u[i] > 0xFF:
            break
        hint[i] = u[i]
    return bytes(hint)


def escape_units(u):
    """Canonical-dump escaping of a name given as code units (conformance/DUMP.md §Escapes)."""
    out = []
    i, n = 0, len(u)
    while i < n:
        c = u[i]
        if 0xD800 <= c <= 0xDBFF and i + 1 < n and 0xDC00 <= u[i + 1] <= 0xDFFF:
            cp = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00)
            out.append(chr(cp))
            i += 2
            continue
        if c == 0x5C:
            out.append("\\\\")
        elif c == 0x09:
            out.append("\\t")
        elif c == 0x0A:
            out.append("\\n")
        elif c == 0x0D:
            out.append("\\r")
        elif c == 0x00:
            out.append("\\0")
        elif c < 0x20 or 0xD800 <= c <= 0xDFFF:
            out.append("\\u{%04X}" % c)
        else:
            out.append(chr(c))
        i += 1
    return "".join(out)
