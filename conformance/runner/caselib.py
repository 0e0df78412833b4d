"""caselib: reading conformance cases (conformance/cases/README.md) and turning their steps into
adapter plans (conformance/adapters/PROTOCOL.md).

Two case shapes:
  * step cases (api/, save/, wow64/, restore/): `*.case` files holding one or more cases, each a
    block of `key: value` metadata, a `steps:` list and an optional `dump:` block;
  * open cases (open/): `*.tsv` tables, one hive per row, with the expected outcome, rule id and
    the expected canonical dump (inline file or sha256).
Python 3 standard library only.
"""
import os
import re
import hashlib

FAMILIES = ("open", "api", "save", "wow64", "restore")
EXPECT_BY_PREFIX = {"y": "accept", "n": "reject", "i": "impl"}
EXPECT_SYNONYMS = {"either": "impl"}   # fixtures/*.case (gen/) say "either" for i_

# ---- symbolic constants usable in steps (values: offreg-api.md section 0) -----------------------
CONSTANTS = {
    "ERROR_SUCCESS": 0, "ERROR_INVALID_FUNCTION": 1, "ERROR_FILE_NOT_FOUND": 2,
    "ERROR_PATH_NOT_FOUND": 3, "ERROR_ACCESS_DENIED": 5, "ERROR_INVALID_HANDLE": 6,
    "ERROR_NOT_ENOUGH_MEMORY": 8, "ERROR_INVALID_DATA": 13, "ERROR_OUTOFMEMORY": 14,
    "ERROR_NOT_SUPPORTED": 50, "ERROR_FILE_EXISTS": 80, "ERROR_INVALID_PARAMETER": 87,
    "ERROR_CALL_NOT_IMPLEMENTED": 120, "ERROR_INSUFFICIENT_BUFFER": 122, "ERROR_INVALID_NAME": 123,
    "ERROR_BAD_PATHNAME": 161, "ERROR_ALREADY_EXISTS": 183, "ERROR_FILENAME_EXCED_RANGE": 206,
    "ERROR_MORE_DATA": 234, "ERROR_NO_MORE_ITEMS": 259, "ERROR_INVALID_FLAGS": 1004,
    "ERROR_BADDB": 1009, "ERROR_BADKEY": 1010, "ERROR_CANTOPEN": 1011, "ERROR_CANTREAD": 1012,
    "ERROR_CANTWRITE": 1013, "ERROR_REGISTRY_CORRUPT": 1015, "ERROR_REGISTRY_IO_FAILED": 1016,
    "ERROR_NOT_REGISTRY_FILE": 1017, "ERROR_KEY_DELETED": 1018, "ERROR_KEY_HAS_CHILDREN": 1020,
    "ERROR_CHILD_MUST_BE_VOLATILE": 1021, "ERROR_NOT_FOUND": 1168,
    "ERROR_WRITE_FAULT": 29, "ERROR_READ_FAULT": 30, "ERROR_SHARING_VIOLATION": 32,
    "ERROR_HANDLE_DISK_FULL": 39, "ERROR_BUFFER_OVERFLOW": 111, "ERROR_DISK_FULL": 112,
    "ERROR_NOACCESS": 998, "ERROR_REGISTRY_RECOVERED": 1014, "ERROR_NO_LOG_SPACE": 1019,
    "ERROR_INVALID_SECURITY_DESCR": 1338, "ERROR_NO_SYSTEM_RESOURCES": 1450,
    "ERROR_DATATYPE_MISMATCH": 1629, "ERROR_UNSUPPORTED_TYPE": 1630,
    "REG_NONE": 0, "REG_SZ": 1, "REG_EXPAND_SZ": 2, "REG_BINARY": 3, "REG_DWORD": 4,
    "REG_DWORD_LITTLE_ENDIAN": 4, "REG_DWORD_BIG_ENDIAN": 5, "REG_LINK": 6, "REG_MULTI_SZ": 7,
    "REG_RESOURCE_LIST": 8, "REG_FULL_RESOURCE_DESCRIPTOR": 9,
    "REG_RESOURCE_REQUIREMENTS_LIST": 10, "REG_QWORD": 11, "REG_QWORD_LITTLE_ENDIAN": 11,
    "REG_OPTION_NON_VOLATILE": 0, "REG_OPTION_VOLATILE": 1, "REG_OPTION_CREATE_LINK": 2,
    "REG_OPTION_BACKUP_RESTORE": 4, "REG_OPTION_OPEN_LINK": 8,
    "REG_CREATED_NEW_KEY": 1, "REG_OPENED_EXISTING_KEY": 2,
    "OWNER_SECURITY_INFORMATION": 1, "GROUP_SECURITY_INFORMATION": 2,
    "DACL_SECURITY_INFORMATION": 4, "SACL_SECURITY_INFORMATION": 8,
    "REG_KEY_DONT_VIRTUALIZE": 2, "REG_KEY_DONT_SILENT_FAIL": 4, "REG_KEY_RECURSE_FLAG": 8,
}
ERROR_NAMES = {v: k for k, v in CONSTANTS.items() if k.startswith("ERROR_")}

# ---- verb signatures --------------------------------------------------------------------------
# Each argument: (name, kind, default).  kinds: h (handle var), s (UTF-16 string or NULL),
# i (DWORD), d (bytes or NULL), p (path), o (output handle var), n (buffer size/count or NULL),
# flag (1 or NULL).  A default of REQ means required; "=buf" copies another argument.
REQ = object()
SIGS = {
    "create_hive": [("out", "o", "$_")],
    "open_hive": [("path", "p", REQ), ("out", "o", "$_")],
    "close_hive": [("h", "h", REQ)],
    "create_key": [("h", "h", REQ), ("subkey", "s", REQ), ("class", "s", None), ("options", "i", 0),
                   ("sd", "d", None), ("out", "o", "$_"), ("disp", "flag", 1)],
    "open_key": [("h", "h", REQ), ("subkey", "s", REQ), ("out", "o", "$_")],
    "close_key": [("h", "h", REQ)],
    "delete_key": [("h", "h", REQ), ("subkey", "s", REQ)],
    "set_value": [("h", "h", REQ), ("name", "s", REQ), ("type", "i", REQ), ("data", "d", REQ),
                  ("cb", "i", "=len")],
    "get_value": [("h", "h", REQ), ("subkey", "s", None), ("name", "s", REQ), ("typep", "flag", 1),
                  ("buf", "n", 65536), ("cnt", "n", "=buf")],
    "delete_value": [("h", "h", REQ), ("name", "s", REQ)],
    "enum_key": [("h", "h", REQ), ("index", "i", REQ), ("buf", "n", 256), ("cnt", "n", "=buf"),
                 ("cbuf", "n", None), ("ccnt", "n", "=cbuf"), ("ft", "flag", None)],
    "enum_value": [("h", "h", REQ), ("index", "i", REQ), ("buf", "n", 16384), ("cnt", "n", "=buf"),
                   ("typep", "flag", 1), ("dbuf", "n", 65536), ("dcnt", "n", "=dbuf")],
    "query_info": [("h", "h", REQ), ("cbuf", "n", None), ("ccnt", "n", "=cbuf")],
    "get_security": [("h", "h", REQ), ("secinfo", "i", 7), ("buf", "n", 4096), ("cnt", "n", "=buf")],
    "set_security": [("h", "h", REQ), ("secinfo", "i", REQ), ("sd", "d", REQ)],
    "get_virtual_flags": [("h", "h", REQ)],
    "set_virtual_flags": [("h", "h", REQ), ("flags", "i", REQ)],
    "save_hive": [("h", "h", REQ), ("path", "p", REQ), ("major", "i", 6), ("minor", "i", 1)],
    "rename_key": [("h", "h", REQ), ("name", "s", REQ)],
    "get_version": [],
    "dump": [("h", "h", REQ)],
}
# Out-values each verb may report (PROTOCOL.md "Step results"); the linter checks expectations.
OUTS = {
    "create_key": {"disp"}, "get_value": {"type", "cnt", "data"},
    "enum_key": {"name", "cnt", "class", "ccnt"},
    "enum_value": {"name", "cnt", "type", "data", "dcnt"},
    "query_info": {"class", "ccnt", "subkeys", "maxsubkeylen", "maxclasslen", "values",
                   "maxvaluenamelen", "maxvaluelen", "cbsd"},
    "get_security": {"cnt", "sd"}, "get_virtual_flags": {"flags"}, "get_version": {"major", "minor"},
}
# Runner-side steps (executed by the runner itself, not the adapter).
RUNNER_VERBS = {
    "@write_file": [("path", "p", REQ), ("data", "d", REQ)],       # before the adapter runs
    "@expect_file": [("path", "p", REQ), ("state", "word", REQ)],   # exists | absent
    "@expect_version": [("path", "p", REQ), ("version", "word", REQ)],  # e.g. 1.5
    "@expect_same": [("a", "p", REQ), ("b", "p", REQ)],             # byte-identical files
    "@expect_differ": [("a", "p", REQ), ("b", "p", REQ)],
    "@expect_same_bins": [("a", "p", REQ), ("b", "p", REQ)],        # identical from offset 4096
    "@expect_header": [("path", "p", REQ), ("state", "word", REQ)],  # valid: regf, checksum, seq
    "@expect_valid": [("path", "p", REQ)],   # gen/reader.py's strict validator accepts the file
}


class CaseError(Exception):
    pass


# ---- value tokens -------------------------------------------------------------------------------
def _utf16(s):
    out = []
    for ch in s:
        c = ord(ch)
        if c > 0xFFFF:
            c -= 0x10000
            out += [0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)]
        else:
            out.append(c)
    return out


def _units_bytes(units):
    return b"".join(u.to_bytes(2, "little") for u in units)


def parse_string_literal(text, pos):
    """Parse "..." at text[pos]; return (list of UTF-16 code units, new pos).  Escapes: \\\\ \\" \\t
    \\n \\r \\0 \\uXXXX (one code unit, lone surrogates allowed) \\U00XXXXXX (a pair)."""
    assert text[pos] == '"'
    i = pos + 1
    units = []
    while True:
        if i >= len(text):
            raise CaseError("unterminated string")
        ch = text[i]
        if ch == '"':
            return units, i + 1
        if ch == "\\":
            e = text[i + 1] if i + 1 < len(text) else ""
            if e in '\\"':
                units.append(ord(e)); i += 2
            elif e in "tnr0":
                units.append({"t": 9, "n": 10, "r": 13, "0": 0}[e]); i += 2
            elif e == "u":
                units.append(int(text[i + 2:i + 6], 16)); i += 6
            elif e == "U":
                units += _utf16(chr(int(text[i + 2:i + 10], 16))); i += 10
            else:
                raise CaseError("bad escape \\" + e)
        else:
            units += _utf16(ch); i += 1


def _string_expr(text, pos):
    """string ( '*' N )? ( '+' string ( '*' N )? )*  ->  (units, pos)"""
    units = []
    while True:
        part, pos = parse_string_literal(text, pos)
        m = re.match(r"\*(\d+)", text[pos:])
        if m:
            part = part * int(m.group(1)); pos += m.end()
        units += part
        if text[pos:pos + 2] == '+"':
            pos += 1
            continue
        return units, pos


def tokenize(line):
    """Split a step line on whitespace, keeping quoted strings and (...) groups whole."""
    toks, i, n = [], 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1; continue
        j, depth, inq = i, 0, False
        while j < n:
            c = line[j]
            if inq:
                if c == "\\": j += 2; continue
                if c == '"': inq = False
            elif c == '"': inq = True
            elif c == "(": depth += 1
            elif c == ")": depth -= 1
            elif c.isspace() and depth == 0: break
            j += 1
        toks.append(line[i:j]); i = j
    return toks


def _int_expr(tok):
    v = 0
    for part in tok.split("|"):
        part = part.strip()
        if part in CONSTANTS:
            v |= CONSTANTS[part]
        else:
            v |= int(part, 0)
    return v & 0xFFFFFFFF


def _split_args(inner):
    args, depth, inq, cur = [], 0, False, ""
    i = 0
    while i < len(inner):
        c = inner[i]
        if inq:
            if c == "\\": cur += inner[i:i + 2]; i += 2; continue
            if c == '"': inq = False
        elif c == '"': inq = True
        elif c == "(": depth += 1
        elif c == ")": depth -= 1
        elif c == "," and depth == 0:
            args.append(cur.strip()); cur = ""; i += 1; continue
        cur += c; i += 1
    if cur.strip():
        args.append(cur.strip())
    return args


def parse_value(tok):
    """A case token -> a typed value: ('null',), ('int', n), ('str', units), ('bytes', b),
    ('var', name), ('path', (root, rel)), ('any',), ('word', w)."""
    if tok in ("NULL", "-"):
        return ("null",)
    if tok == "*":
        return ("any",)
    if tok.startswith("$"):
        return ("var", tok)
    if tok.startswith('"'):
        units, pos = _string_expr(tok, 0)
        if pos != len(tok):
            raise CaseError("junk after string: " + tok)
        return ("str", units)
    m = re.match(r"^([a-z0-9_]+)\((.*)\)$", tok, re.S)
    if m:
        fn, args = m.group(1), _split_args(m.group(2))
        def s(a):
            u, p = _string_expr(a, 0)
            return u
        if fn == "sz":
            return ("bytes", _units_bytes(s(args[0]) + [0]))
        if fn == "wstr":
            return ("bytes", _units_bytes(s(args[0])))
        if fn == "multi":
            units = []
            for a in args:
                units += s(a) + [0]
            return ("bytes", _units_bytes(units + [0]))
        if fn == "ascii":
            return ("bytes", bytes(u & 0xFF for u in s(args[0])))
        if fn == "hex":
            return ("bytes", bytes.fromhex(args[0] if args else ""))
        if fn == "dword":
            return ("bytes", (_int_expr(args[0])).to_bytes(4, "little"))
        if fn == "dword_be":
            return ("bytes", (_int_expr(args[0])).to_bytes(4, "big"))
        if fn == "qword":
            return ("bytes", (int(args[0], 0) & (2**64 - 1)).to_bytes(8, "little"))
        if fn == "zeros":
            return ("bytes", bytes(int(args[0], 0)))
        if fn == "pattern":
            return ("bytes", bytes((i * 7 + 3) % 251 for i in range(int(args[0], 0))))
        if fn == "cat":
            b = b""
            for a in args:
                v = parse_value(a)
                if v[0] != "bytes":
                    raise CaseError("cat() takes byte values")
                b += v[1]
            return ("bytes", b)
        if fn in ("work", "fixture", "hive"):
            return ("path", (fn, "".join(chr(u) for u in s(args[0]))))
        raise CaseError("unknown function " + fn)
    if re.match(r"^[a-z][a-z_-]*$", tok) or re.match(r"^\d+\.\d+$", tok):
        return ("word", tok)
    try:
        return ("int", _int_expr(tok))
    except ValueError:
        raise CaseError("bad token: " + tok)


# ---- cases ------------------------------------------------------------------------------------
class Step:
    def __init__(self, verb, args, expect_code, expect_outs, line):
        self.verb, self.args, self.line = verb, args, line
        self.expect_code = expect_code      # int, "fail" or None
        self.expect_outs = expect_outs      # {name: typed value}


class Case:
    def __init__(self):
        self.meta = {}
        self.steps = []
        self.dump = None          # list of expected dump lines, or None
        self.file = None
        self.line = 0

    @property
    def id(self):
        return self.meta.get("id", "")

    @property
    def family(self):
        return self.meta.get("family", "")

    @property
    def features(self):
        return self.meta.get("features", "").split()


def parse_step(line):
    toks = tokenize(line)
    if not toks:
        raise CaseError("empty step")
    verb = toks[0]
    sig = SIGS.get(verb) or RUNNER_VERBS.get(verb)
    if sig is None:
        # Unknown verbs are kept as-is: new modules add verbs, adapters answer "unsupported".
        sig = None
    pos, kw, out_tok, exp_code, exp_outs = [], {}, None, None, {}
    i = 1
    while i < len(toks):
        t = toks[i]
        if t == "->":
            out_tok = toks[i + 1]; i += 2; continue
        if t == "=>":
            rest = toks[i + 1:]
            if not rest:
                raise CaseError("=> without result")
            c = rest[0]
            exp_code = "fail" if c == "fail" else (0 if c == "ok" else _int_expr(c))
            for r in rest[1:]:
                k, _, v = r.partition("=")
                exp_outs[k] = parse_value(v)
            break
        m = re.match(r"^([a-z]+)=(.*)$", t)
        if m and sig is not None and any(a[0] == m.group(1) for a in sig):
            kw[m.group(1)] = m.group(2)
        else:
            pos.append(t)
        i += 1
    if sig is None:
        args = [("raw", parse_value(t)) for t in pos]
        return Step(verb, args, exp_code if exp_code is not None else 0, exp_outs, line)
    posargs = [a for a in sig if a[1] != "o"]
    if len(pos) > len(posargs):
        raise CaseError("too many arguments for %s" % verb)
    vals = {}
    for (name, kind, default), t in zip(posargs, pos):
        vals[name] = parse_value(t)
    for k, t in kw.items():
        vals[k] = parse_value(t)
    for name, kind, default in sig:
        if kind == "o":
            vals[name] = parse_value(out_tok) if out_tok else ("var", default)
    for name, kind, default in sig:
        if name in vals:
            continue
        if default is REQ:
            raise CaseError("%s: missing argument %s" % (verb, name))
        if default == "=len":
            d = vals.get("data")
            vals[name] = ("int", len(d[1]) if d and d[0] == "bytes" else 0)
        elif isinstance(default, str) and default.startswith("="):
            vals[name] = vals[default[1:]]
        elif default is None:
            vals[name] = ("null",)
        elif isinstance(default, int):
            vals[name] = ("int", default)
        else:
            vals[name] = parse_value(default)
    args = [(name, vals[name]) for name, kind, default in sig]
    if exp_code is None and not verb.startswith("@"):
        exp_code = 0
    return Step(verb, args, exp_code, exp_outs, line)


def parse_case_file(path, family):
    cases, cur, mode = [], None, None
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\n")
            if mode == "dump" and line.startswith("  "):
                cur.dump.append(line[2:]); continue
            if mode == "steps" and line.startswith("  "):
                s = line.strip()
                if s and not s.startswith("#"):
                    try:
                        cur.steps.append(parse_step(s))
                    except (CaseError, ValueError, IndexError) as e:
                        raise CaseError("%s:%d: %s" % (path, lineno, e))
                continue
            if not line.strip() or line.lstrip().startswith("#"):
                mode = None if not line.strip() else mode
                continue
            m = re.match(r"^([a-z0-9_]+):\s*(.*)$", line)
            if not m:
                raise CaseError("%s:%d: expected 'key: value'" % (path, lineno))
            k, v = m.group(1), m.group(2)
            if k == "id":
                cur = Case(); cur.file = path; cur.line = lineno
                cur.meta["family"] = family
                cases.append(cur)
            if cur is None:
                raise CaseError("%s:%d: metadata before id" % (path, lineno))
            if k == "steps":
                mode = "steps"
            elif k == "dump" and not v.strip():
                mode = "dump"; cur.dump = []     # an inline expected dump follows
            elif k == "dump":
                mode = None; cur.meta[k] = v     # open cases: the expected dump's file name
            else:
                mode = None
                cur.meta[k] = v
    return cases


def read_tsv(path):
    rows = []
    with open(path, encoding="utf-8") as fh:
        header = None
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            f = line.split("\t")
            if header is None:
                header = f; continue
            rows.append(dict(zip(header, f + [""] * (len(header) - len(f)))))
    return rows


def parse_open_table(path):
    cases = []
    for lineno, row in enumerate(read_tsv(path), 2):
        c = Case(); c.file = path; c.line = lineno
        c.meta.update(row); c.meta["family"] = "open"
        cases.append(c)
    return cases


def parse_open_manifest(path):
    """A `.manifest` lists globs (relative to the project root) of case files kept elsewhere:
    gen/'s fixtures carry their own metadata (fixtures/<id>.case), which is used as is."""
    import glob
    project = os.path.abspath(os.path.join(os.path.dirname(path), "..", "..", ".."))
    out = []
    with open(path, encoding="utf-8") as fh:
        for ln in fh:
            ln = ln.split("#", 1)[0].strip()
            if not ln:
                continue
            for p in sorted(glob.glob(os.path.join(project, ln))):
                for c in parse_case_file(p, "open"):
                    f = c.meta.get("file", "")
                    if f and "/" not in f:
                        c.meta["file"] = os.path.relpath(os.path.join(os.path.dirname(p), f),
                                                         project)
                    if c.meta.get("features") == "-":
                        c.meta["features"] = ""
                    out.append(c)
    return out


def load_cases(cases_dir, families=None):
    out = []
    for fam in FAMILIES:
        if families and fam not in families:
            continue
        d = os.path.join(cases_dir, fam)
        if not os.path.isdir(d):
            continue
        for root, _, files in sorted(os.walk(d)):
            for f in sorted(files):
                p = os.path.join(root, f)
                if f.endswith(".case"):
                    out += parse_case_file(p, fam)
                elif f.endswith(".tsv") and fam == "open":
                    out += parse_open_table(p)
                elif f.endswith(".manifest") and fam == "open":
                    out += parse_open_manifest(p)
    return out


# ---- plans (the wire format) ------------------------------------------------------------------
def wire_token(v, resolve_path):
    k = v[0]
    if k == "null":
        return "-"
    if k == "int":
        return str(v[1])
    if k == "var":
        return v[1]
    if k == "str":
        return "w:" + _units_bytes(v[1]).hex()
    if k == "bytes":
        return "b:" + v[1].hex()
    if k == "path":
        return "f:" + resolve_path(v[1]).encode("utf-8").hex()
    if k == "word":
        return v[1]
    raise CaseError("cannot send %r" % (v,))


def make_plan(case, resolve_path):
    lines = []
    for st in case.steps:
        if st.verb.startswith("@"):
            continue
        lines.append(" ".join([st.verb] + [wire_token(v, resolve_path) for _, v in st.args]))
    return "\n".join(lines) + "\n"


def expected_out_token(v, resolve_path=None):
    """Expected out-values compare as wire tokens; ('any',) matches everything."""
    if v[0] == "any":
        return None
    return wire_token(v, resolve_path or (lambda p: p[1]))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
