#!/usr/bin/env python3
"""verify_restore.py: checks a `hiveref restore` result with an independent reader (gen/reader.py).

usage: verify_restore.py EXISTING RESTORED RESULT PLAN.json

PLAN.json is the applied plan (`hiveref restore ... --json`, or HRRestorePlanPrint(json)).  The
three hives are parsed by gen/reader.py, which shares no code with the C engine, and the result
is checked against the plan entry by entry (BEHAVIOUR.md "## Restore rules"):
  replace  the target subtree equals the existing source subtree (values byte for byte, classes,
           security descriptors, subkeys; not timestamps)
  merge    'add' subkeys equal the existing ones; kept subkeys equal the restored ones; 'carry'
           subkeys equal the restored ones except Start, which equals the existing Start; added
           values equal the existing values; subkeys only in the restored hive are unchanged
  value    the value's type and bytes equal the existing value's
  skip     nothing is touched
and everything no entry touches equals the restored hive.  The result must pass the reader's
strict validation.  Assumes the entries do not overlap (a real KeysNotToRestore list does not).
Exit 0 when every check passes, 1 otherwise (each failure printed); python3 stdlib only.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "gen"))
import names as N  # noqa: E402
import reader  # noqa: E402


def fold(s):
    return tuple(N.upcase_unit(c) for c in N.units(s))


def ufold(units):
    return tuple(N.upcase_unit(c) for c in units)


def child(node, name):
    f = fold(name)
    for c in node.children:
        if ufold(c.units) == f:
            return c
    return None


def find(root, path):
    node = root
    for comp in [p for p in path.split("\\") if p] if path else []:
        node = child(node, comp) if node else None
    return node


def value(node, name):
    f = fold(name)
    for v in node.values:
        if ufold(v.units) == f:
            return v
    return None


def key_state(node, skip_children=(), skip_values=()):
    """Everything of one key but its timestamp: class, sd, values (folded name -> type, data)."""
    vals = {ufold(v.units): (v.type, bytes(v.data)) for v in node.values
            if ufold(v.units) not in skip_values}
    kids = sorted(ufold(c.units) for c in node.children if ufold(c.units) not in skip_children)
    return (bytes(node.cls) if node.cls is not None else None, bytes(node.sd or b""), vals, kids)


def subtree(node, path=(), out=None, exclude=None):
    """{folded path: key_state} of a subtree, iteratively; exclude(path) -> (skip_kids, skip_vals)
    leaves touched children/values out of a key's own state, (None, None) skips the subtree."""
    out = {} if out is None else out
    stack = [(node, path)]
    while stack:
        n, p = stack.pop()
        sk, sv = exclude(p) if exclude else ((), ())
        if sk is None:
            continue
        out[p] = key_state(n, sk, sv)
        for c in n.children:
            # A child named in sk is left out of this key's listing; whether its own subtree is
            # compared is decided when it is visited (exclude(child) -> None skips it).
            stack.append((c, p + (ufold(c.units),)))
    return out


class Checker:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def check(self, cond, msg):
        self.checks += 1
        if not cond:
            self.failures += 1
            print("FAIL: " + msg)


def split(path):
    return tuple(fold(p) for p in path.split("\\") if p) if path else ()


def main(argv):
    if len(argv) != 5:
        print(__doc__)
        return 2
    hives = []
    for p in argv[1:4]:
        with open(p, "rb") as fh:
            h = reader.load(fh.read())
        hives.append(h)
    ex, re_, out = (h.root for h in hives)
    with open(argv[4], encoding="utf-8") as fh:
        plan = json.load(fh)
    c = Checker()
    rej = hives[2].rejects()
    c.check(not rej and out is not None, "result rejected by gen/reader.py: %s" % (rej[:3],))
    if out is None:
        return 1
    # Paths (in the restored/result hive) the plan touched: a subtree (replace, merge add),
    # a single key's values/children (merge itself, carry), or one value.
    touched_trees, touched_values = set(), set()
    start = fold("Start")
    for op in plan["operations"]:
        kind = op["kind"]
        if kind == "skip" or not op.get("applied", False):
            continue
        src, dst = op["source_path"], op["target_path"]
        sn, dn = find(ex, src), find(out, dst)
        c.check(sn is not None, "%s: source %s missing in existing" % (op["rule"], src))
        c.check(dn is not None, "%s: target %s missing in result" % (op["rule"], dst))
        if sn is None or dn is None:
            continue
        if kind == "replace":
            c.check(subtree(dn) == subtree(sn), "%s: replaced subtree differs from existing" % op["rule"])
            touched_trees.add(split(dst))
        elif kind == "value":
            ev, rv = value(sn, op["value"]), value(dn, op["value"])
            c.check(ev is not None and rv is not None and ev.type == rv.type and
                    bytes(ev.data) == bytes(rv.data),
                    "%s: value differs from existing" % op["rule"])
            touched_values.add(split(dst) + (fold(op["value"]),))
        elif kind == "merge":
            rn = find(re_, dst)
            for sk in op["subkeys"]:
                e1, o1 = child(sn, sk["name"]), child(dn, sk["name"])
                r1 = child(rn, sk["name"]) if rn is not None else None
                touched_trees.add(split(dst) + (fold(sk["name"]),))
                c.check(o1 is not None, "%s: subkey %s missing" % (op["rule"], sk["name"]))
                if o1 is None:
                    continue
                a = sk["action"]
                if a == "add":
                    c.check(subtree(o1) == subtree(e1), "%s: added %s differs from existing" % (op["rule"], sk["name"]))
                elif a.startswith("carry"):
                    ex_start, out_start = value(e1, "Start"), value(o1, "Start")
                    c.check(out_start is not None and (out_start.type, bytes(out_start.data)) ==
                            (ex_start.type, bytes(ex_start.data)),
                            "%s: %s Start not carried" % (op["rule"], sk["name"]))
                    top = lambda p: ((), (start,)) if p == () else ((), ())  # noqa: E731
                    c.check(subtree(o1, exclude=top) == subtree(r1, exclude=top),
                            "%s: %s differs from restored beyond Start" % (op["rule"], sk["name"]))
                else:
                    c.check(subtree(o1) == subtree(r1), "%s: kept %s differs from restored" % (op["rule"], sk["name"]))
            for vn in op.get("add_values", []):
                ev, ov = value(sn, vn), value(dn, vn)
                c.check(ov is not None and (ov.type, bytes(ov.data)) == (ev.type, bytes(ev.data)),
                        "%s: added value %s differs" % (op["rule"], vn))
                touched_values.add(split(dst) + (fold(vn),))
            if rn is None:
                touched_trees.add(split(dst))
    # Everything else equals the restored hive.  Keys on the way to a touched path may have been
    # created; their own state is compared without the touched children/values.

    def exclude(p):
        if p in touched_trees:
            return None, None
        kids = {t[len(p)] for t in touched_trees if len(t) > len(p) and t[:len(p)] == p}
        vals = {t[-1] for t in touched_values if len(t) == len(p) + 1 and t[:-1] == p}
        return kids, vals

    a, b = subtree(out, exclude=exclude), subtree(re_, exclude=exclude)
    # Created intermediate keys (absent from restored) are allowed: compare the common paths and
    # require every restored path to survive.
    missing = [p for p in b if p not in a]
    c.check(not missing, "untouched keys lost: %d, e.g. %r" % (len(missing), missing[:2]))
    diff = [p for p in b if p in a and a[p] != b[p]]
    c.check(not diff, "untouched keys changed: %d, e.g. %r" % (len(diff), diff[:2]))
    extra = [p for p in a if p not in b]
    c.check(all(any(t[:len(p)] == p for t in touched_trees | touched_values) for p in extra),
            "keys appeared outside the plan: %r" % extra[:2])
    print("verify_restore: %d checks, %d failures, %d untouched keys compared" %
          (c.checks, c.failures, len(b)))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
