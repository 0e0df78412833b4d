"""dumpcmp: compare canonical dumps (conformance/DUMP.md) under an adapter's capabilities.

An adapter that cannot read a field (class, timestamps, key flags, raw string bytes, security)
is compared on the rest: both sides are projected onto what the adapter declares, then compared
line by line.  In an expected dump a field holding `*` matches anything.
"""
import hashlib

STRING_TYPES = {1, 2, 6, 7}
SUMMARY_LIMIT = 64 * 1024   # DUMP.md: data over 64 KiB is compared by sha256


def _norm_data(typ, size, data, raw):
    if data.startswith("sha256:") or data == "*":
        return size, data
    try:
        b = bytes.fromhex(data)
    except ValueError:
        return size, data
    if not raw and typ in STRING_TYPES:
        # Decoded comparison: strip trailing NUL code units, drop the size (PROTOCOL.md).
        if len(b) % 2:
            b = b[:-1]
        while len(b) >= 2 and b[-2:] == b"\0\0":
            b = b[:-2]
        return "*", "str:" + b.hex()
    if len(b) > SUMMARY_LIMIT:
        return size, "sha256:" + hashlib.sha256(b).hexdigest()
    return size, data


CAP_LETTERS = (("class", "c"), ("timestamps", "t"), ("key-flags", "f"), ("raw-data", "r"),
               ("security", "s"))


def signature(caps):
    """The projection an adapter's capabilities select, as letters (e.g. 'ctrs')."""
    return "".join(l for c, l in CAP_LETTERS if c in caps)


def caps_of_signature(sig):
    return {c for c, l in CAP_LETTERS if l in sig}


def project_line(ln, caps):
    """One dump line projected onto caps, or None when the line is not compared."""
    if not ln:
        return None
    tag = ln[:1]
    if tag == "K":
        f = ln.split("\t")
        path = f[0][2:]
        cls = f[1] if len(f) > 1 else "-"
        ts = f[2] if len(f) > 2 else "-"
        fl = f[3] if len(f) > 3 else "-"
        if "class" not in caps:
            cls = "?"
        if "timestamps" not in caps:
            ts = "?"
        if "key-flags" not in caps:
            fl = "?"
        return "\t".join(["K " + path, cls, ts, fl])
    if tag == "V":
        f = ln.split("\t")
        if len(f) < 5:
            return ln
        try:
            typ = int(f[2])
        except ValueError:
            typ = -1
        size, data = _norm_data(typ, f[3], f[4], "raw-data" in caps)
        return "\t".join([f[0], f[1], f[2], size, data])
    if tag == "D":
        return ln if "security" in caps else None
    if tag in "SH" and tag:
        return None if tag == "S" else ln
    return ln


def project(lines, caps, other_caps=None):
    """Project dump lines onto caps (and onto other_caps' security when given)."""
    if other_caps is not None and "security" not in other_caps:
        caps = set(caps) - {"security"}
    out = []
    for ln in lines:
        p = project_line(ln, caps)
        if p is not None:
            out.append(p)
    return out


def _field_match(exp, act):
    if exp == act or exp == "*" or exp == "?" or act == "?":
        return True
    return False


def _line_match(exp, act):
    if exp == act:
        return True
    if exp.startswith("H ") and act.startswith("H ") and \
            ("?" in (exp[2:], act[2:]) or exp[2:] == "*"):
        return True   # `H ?`: the adapter cannot read the root's stored name
    ef, af = exp.split("\t"), act.split("\t")
    if len(ef) != len(af):
        return False
    if ef[0] != af[0] and not (ef[0][:2] == af[0][:2] and ef[0][2:] == "*"):
        return False
    return all(_field_match(e, a) for e, a in zip(ef[1:], af[1:]))


def compare(expected, actual):
    """Return None when equal, else a short description of the first difference."""
    n = max(len(expected), len(actual))
    for i in range(n):
        e = expected[i] if i < len(expected) else "<end of dump>"
        a = actual[i] if i < len(actual) else "<end of dump>"
        if i >= len(expected) or i >= len(actual) or not _line_match(e, a):
            return "line %d: expected %r, got %r" % (i + 1, e[:200], a[:200])
    return None


def digest(lines):
    h = hashlib.sha256()
    for ln in lines:
        if ln.startswith("H "):
            continue   # the root's stored name differs between offreg versions (DUMP.md)
        h.update(ln.encode("utf-8", "surrogateescape") + b"\n")
    return h.hexdigest()


def counts(lines):
    k = sum(1 for ln in lines if ln.startswith("K "))
    v = sum(1 for ln in lines if ln.startswith("V "))
    return k, v
